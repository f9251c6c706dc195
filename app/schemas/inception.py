"""§2.1 the Inception block: four parallel branches joined along the channels."""

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import ImageOrTensor, RequestModel, TensorOut, bounded_int

MAX_WIDTH = 256


class BranchWidths(RequestModel):
    """How many maps each convolution makes (each 1–256). The course's block is the default:
    16 + 24 + 24 + 24 = 88 channels out."""

    width_1x1: bounded_int(1, MAX_WIDTH) = Field(16, description="branch 1: 1×1 conv → this many maps")
    reduce_5x5: bounded_int(1, MAX_WIDTH) = Field(16, description="branch 2: the 1×1 conv before the 5×5")
    width_5x5: bounded_int(1, MAX_WIDTH) = Field(24, description="branch 2: the 5×5 conv's maps")
    reduce_3x3: bounded_int(1, MAX_WIDTH) = Field(16, description="branch 3: the 1×1 conv before the 3×3s")
    width_3x3: bounded_int(1, MAX_WIDTH) = Field(24, description="branch 3: both 3×3 convs' maps")
    width_pool: bounded_int(1, MAX_WIDTH) = Field(
        24, description="branch 4: the 1×1 conv after the 3×3 average pool"
    )


class InceptionRequest(ImageOrTensor):
    """The block on a picture (image_id, `color` rgb or gray) or an explicit (C, H, W) tensor, with
    weights drawn from `seed`; or, with weights="trained", the first Inception block of the trained
    digit model on the picture read as a digit (it is made MNIST-like, then conv1 → pool → ReLU)."""

    widths: BranchWidths = Field(
        default_factory=BranchWidths, description="branch widths (weights=trained needs the defaults)"
    )
    padding: bool = Field(
        True,
        description="false sets every padding to 0: the branches' H and W then "
        "differ and torch.cat fails (its error is returned)",
    )
    weights: Literal["seed", "trained"] = Field(
        "seed",
        description='"seed": torch.manual_seed(seed), then InceptionBlock(C, **widths); '
        '"trained": the trained digit model\'s block inception1',
    )
    seed: bounded_int(0, 2**31 - 1) = Field(0, description="for weights=seed, 0 to 2³¹ − 1")
    max_side: bounded_int(8, 128) = Field(
        64, description="a larger input is scaled down (area average) so its longer side is this, 8–128"
    )


class LayerOut(BaseModel):
    name: str = Field(description='"1×1 conv", "5×5 conv", "3×3 conv" or "3×3 avg pool"')
    in_channels: int
    out_channels: int
    kernel: int
    padding: int
    output_shape: list[int] = Field(description="(C, H', W')")
    multiplications: int = Field(description="H'·W'·C_out·C_in·k² (0 for the pool: it adds)")
    parameters: int


class BranchOut(BaseModel):
    name: str = Field(description='"1x1", "5x5", "3x3" or "pool"')
    layers: list[LayerOut]
    output_shape: list[int] = Field(description="(C_k, H', W')")
    channels: list[int] | None = Field(description="[start, stop) of its maps in the concatenation")
    output: TensorOut = Field(description="(C_k, H', W') the branch's maps")


class InceptionResponse(BaseModel):
    weights: str
    seed: int | None = Field(description="the seed of the weights (null for the trained block)")
    model: str | None = Field(description='"inception": the trained digit model (weights=trained)')
    widths: BranchWidths
    padding: bool
    original_shape: list[int] = Field(description="(C, H, W) of the picture or tensor as given")
    input_shape: list[int] = Field(description="(C, H, W) the block's input")
    input: TensorOut = Field(description="the block's input (scaled down, or the model's relu1 maps)")
    digit: TensorOut | None = Field(
        description="weights=trained: the 28×28 digit the model read, MNIST-style, 0–255"
    )
    branches: list[BranchOut]
    output_shape: list[int] | None = Field(description="(Σ C_k, H, W); null when torch.cat fails")
    output: TensorOut | None = Field(description="torch.cat of the branches along the channels")
    cat_error: str | None = Field(description="torch.cat's own error when the shapes do not agree")
    multiplications: int = Field(description="all branches' convolutions together")
    parameters: int
