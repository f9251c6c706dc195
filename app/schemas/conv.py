"""§1.2 convolution: the layer on a whole image, and one kernel group step by step."""

from pydantic import BaseModel, Field, field_validator, model_validator

from app.errors import Invalid
from app.schemas.common import (
    FiniteFloat,
    ImageOrTensor,
    KernelName,
    RequestModel,
    Tensor,
    TensorIn,
    TensorOut,
    bounded_int,
)

MAX_GROUPS = 64
MAX_SIDE = 11


class ConvLayer(RequestModel):
    """The layer's weights and settings, shared by /conv and /conv/trace."""

    weight: Tensor | None = Field(
        None,
        description=f"(B, C, a, a): B ≤ {MAX_GROUPS} kernel groups of C square kernels, side a ≤ "
        f"{MAX_SIDE}; C must equal the input's channels",
    )
    kernels: list[KernelName] | None = Field(
        None,
        min_length=1,
        max_length=MAX_GROUPS,
        description="instead of weight: named 3×3 kernels, one group each, applied to every channel "
        "divided by C (so the channel sum stays in the input's range)",
    )
    bias: list[FiniteFloat] | None = Field(
        None,
        max_length=MAX_GROUPS,
        description="(B,) one number added to each output map, finite and within ±10⁶; zeros if left out",
    )
    stride: bounded_int(1, 8) = Field(1, description="how far the kernel moves per step, 1–8")
    padding: bounded_int(0, 10) = Field(0, description="rings of zeros added around the input, 0–10")
    dilation: bounded_int(1, 4) = Field(
        1, description="spacing between the kernel's taps, 1–4 (1 = touching)"
    )

    @field_validator("weight")
    @classmethod
    def _weight_shape(cls, w: TensorIn | None) -> TensorIn | None:
        if w is None:
            return w
        shape = list(w.to_torch().shape)
        if len(shape) != 4 or shape[2] != shape[3]:
            raise Invalid("weight_square", shape=shape)
        b, c, a, _ = shape
        if not (1 <= b <= MAX_GROUPS and 1 <= c <= ImageOrTensor.MAX_CHANNELS and 1 <= a <= MAX_SIDE):
            raise Invalid(
                "weight_bounds", shape=shape, b=MAX_GROUPS, c=ImageOrTensor.MAX_CHANNELS, a=MAX_SIDE
            )
        return w

    @model_validator(mode="after")
    def _one_weight(self) -> "ConvLayer":
        if (self.weight is None) == (self.kernels is None):
            raise Invalid("exactly_one", a="weight", b="kernels")
        return self


class ConvRequest(ImageOrTensor, ConvLayer):
    partials_group: bounded_int(0, MAX_GROUPS - 1) | None = Field(
        None,
        description="also return this group's C per-channel maps (they add up to its output "
        "map minus the bias); 0 ≤ partials_group < B",
    )


class ConvResponse(BaseModel):
    input_shape: list[int] = Field(description="(C, H, W)")
    weight_shape: list[int] = Field(description="(B, C, a, a)")
    output_shape: list[int] = Field(description="(B, H', W')")
    kernels: list[str] | None = Field(description="the named kernels, when they were used")
    weight: TensorOut = Field(description="(B, C, a, a) the weights used")
    bias: list[float] = Field(description="(B,)")
    stride: int
    padding: int
    dilation: int
    multiplications: int = Field(description="B · H' · W' · C · a · a")
    output: TensorOut = Field(description="(B, H', W') one feature map per kernel group")
    partials_group: int | None
    partials: TensorOut | None = Field(description="(C, H', W') when partials_group is set")


class TraceRequest(ImageOrTensor, ConvLayer):
    MAX_CHANNELS = 4
    MAX_SIDE = 16

    input: Tensor | None = Field(
        None,
        description="(C, H, W) or (H, W), C ≤ 4, H and W ≤ 16; the trace may hold at most 20,000 products",
    )
    top: bounded_int(0, 1023) = Field(
        0,
        description="with image_id: the patch's top row (moved inside the image, then down to a "
        "multiple of stride so the steps are the image's own output positions)",
    )
    left: bounded_int(0, 1023) = Field(0, description="with image_id: the patch's left column (the same)")
    size: bounded_int(1, 16) = Field(8, description="with image_id: the patch's side, 1–16")
    group: bounded_int(0, MAX_GROUPS - 1) = Field(0, description="which kernel group to trace, 0 ≤ group < B")


class TraceStep(BaseModel):
    row: int = Field(description="output row in the traced map (first_row + row in the image's map)")
    col: int = Field(description="output column in the traced map (first_col + col in the image's map)")
    top: int = Field(description="the window's first tap in the padded input: row")
    left: int = Field(description="…and column")
    window: list[list[list[float]]] = Field(description="(C, a, a) input values under the taps")
    products: list[list[list[float]]] = Field(description="(C, a, a) window × kernel")
    channel_sums: list[float] = Field(description="(C,) the products summed per channel")
    sum: float = Field(description="all products summed")
    bias: float
    value: float = Field(description="sum + bias: the output at (row, col)")


class TraceResponse(BaseModel):
    input_shape: list[int] = Field(description="(C, H, W) of the traced input (the patch)")
    top: int | None = Field(description="where the patch starts in the image (after clipping)")
    left: int | None
    first_row: int = Field(
        description="where the traced map's row 0 lies in the whole image's feature "
        "map (top / stride); 0 for a typed input"
    )
    first_col: int = Field(description="…and its column 0 (left / stride)")
    padded: TensorOut = Field(
        description="(C, h + 2p, w + 2p) what the kernel slides over: a typed input "
        "with a ring of zeros, or the patch with a ring of its real "
        "neighbouring pixels (zeros only beyond the image's edge)"
    )
    weight_shape: list[int] = Field(description="(B, C, a, a) of the whole layer")
    group: int
    kernel: TensorOut = Field(description="(C, a, a) the traced group's kernels")
    bias: float
    stride: int
    padding: int
    dilation: int
    output: TensorOut = Field(
        description="(h', w') the traced group's map, as F.conv2d computes it; for a "
        "patch, the whole image's map at rows first_row… and columns "
        "first_col…"
    )
    steps: list[TraceStep] = Field(description="one per output position, row by row")


class KernelsResponse(BaseModel):
    names: list[str] = Field(description="the names accepted by `kernels`")
    kernels: dict[str, list[list[float]]] = Field(description="each named kernel, 3×3")
