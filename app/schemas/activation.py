"""§1.4 activation: feature maps before and after, and the gradient through stacked activations."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.common import ImageOrTensor, KernelName, RequestModel, TensorOut
from engine.cnn.activation import FUNCTIONS, LEAKY_SLOPE

Function = Literal[FUNCTIONS]  # type: ignore[valid-type]

MAX_KERNELS = 16
MAX_BINS = 200
MAX_POINTS = 1001
MAX_DEPTH = 50


Slope = Annotated[float, Field(ge=0, le=1, description="leaky_relu's slope for x < 0, 0–1")]


class ActivationRequest(ImageOrTensor):
    function: Function = Field("relu", description="the activation applied to every number")
    negative_slope: Slope = LEAKY_SLOPE
    kernels: list[KernelName] = Field(
        ["edge_vertical", "edge_horizontal"],
        max_length=MAX_KERNELS,
        description=f"named 3×3 kernels (≤ {MAX_KERNELS}) convolved over the input first: each on "
        "every channel, summed, ÷ C, no padding, one feature map per kernel; [] applies "
        "the function to the input itself",
    )
    normalize: bool = Field(
        True,
        description="scale an image's 0–255 values to 0–1 (÷ 255, after the "
        "convolution so that flat regions stay exactly 0); "
        "image_id only, an explicit input is used as given",
    )
    bins: int = Field(50, ge=1, le=MAX_BINS, description=f"histogram bins, 1–{MAX_BINS}")
    x_max: float = Field(6.0, gt=0, le=100, description="the curve's grid spans [−x_max, x_max], ≤ 100")
    points: int = Field(241, ge=2, le=MAX_POINTS, description=f"grid points of the curve, 2–{MAX_POINTS}")


class HistogramOut(BaseModel):
    edges: list[float] = Field(description="bins + 1 edges, min to max (as torch.histc)")
    counts: list[int] = Field(description="numbers per bin; the last bin includes its right edge")


class CurveOut(BaseModel):
    x: list[float]
    y: list[float] = Field(description="f(x)")
    dydx: list[float] = Field(description="f'(x), computed by torch autograd")


class UnderflowOut(BaseModel):
    smallest: float = Field(description="the smallest positive float32, 2⁻¹⁴⁹ ≈ 1.4e-45")
    edge: float = Field(description="the largest float32 x whose σ(x) is 0 here (σ(x) ≈ eˣ below half of it)")
    edge_in_float64: float = Field(description="σ(edge) computed in float64: tiny, but not 0")
    torch_edge: float = Field(description="the same for torch.sigmoid (its e⁻ˣ overflows to inf first)")


class ActivationResponse(BaseModel):
    function: Function
    negative_slope: float
    kernels: list[str]
    weights: list[list[list[float]]] = Field(description="(B, 3, 3): the kernels' values, in order")
    normalize: bool
    input_shape: list[int] = Field(description="(C, H, W) that entered the convolution")
    before: TensorOut = Field(description="(B, H − 2, W − 2) feature maps, one per kernel")
    after: TensorOut = Field(description="(B, H − 2, W − 2): the function applied to each number")
    hist_before: HistogramOut
    hist_after: HistogramOut
    negative_share: float = Field(description="fraction of numbers < 0 before")
    zero_share_before: float = Field(description="fraction of numbers exactly 0 before (flat areas)")
    zero_share: float = Field(description="fraction of numbers exactly 0 after")
    saturated_share: float | None = Field(
        description="sigmoid and tanh: fraction of outputs within 1 % of an asymptote; else null"
    )
    saturation_threshold: float
    sigmoid_underflow: UnderflowOut | None = Field(
        description="sigmoid: where float32 rounds σ(x) to exactly 0 (why zero_share is not 0); else null"
    )
    curve: CurveOut


class DepthRequest(RequestModel):
    functions: list[Function] = Field(
        list(FUNCTIONS), min_length=1, max_length=4, description="which functions to compare"
    )
    depth: int = Field(30, ge=1, le=MAX_DEPTH, description=f"stack 1 … depth copies, ≤ {MAX_DEPTH}")
    x0: float = Field(1.0, ge=-10, le=10, description="the number entering the first copy, −10–10")
    negative_slope: Slope = LEAKY_SLOPE
    x_max: float = Field(6.0, gt=0, le=100, description="the curves' grid spans [−x_max, x_max], ≤ 100")
    points: int = Field(241, ge=2, le=MAX_POINTS, description=f"grid points of the curves, 2–{MAX_POINTS}")


class ChainOut(BaseModel):
    function: Function
    max_slope: float = Field(description="the largest f'(x) autograd finds on a fine grid")
    gradient: list[float] = Field(description="d hₙ/dx for n = 1 … depth, autograd in float64")
    bound: list[float] = Field(description="max_slope ** n: no chain can pass more gradient")
    curve: CurveOut


class DepthResponse(BaseModel):
    depth: int
    x0: float
    negative_slope: float
    chains: list[ChainOut]
