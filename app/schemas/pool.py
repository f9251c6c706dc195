"""§1.3 pooling, padding and stride."""

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import ImageOrTensor, KernelName, TensorOut
from engine.cnn.pool import KINDS

TRACE_MAX_SIDE = 32
PoolKind = Literal[KINDS]  # type: ignore[valid-type]


class PoolRequest(ImageOrTensor):
    kind: PoolKind = Field(
        "max", description="max: the largest value of each window; avg: the mean (padded zeros included)"
    )
    kernel_size: int = Field(2, ge=1, le=11, description="window side a, 1–11")
    stride: int | None = Field(
        None, ge=1, le=8, description="step between windows, 1–8; default: kernel_size (no overlap)"
    )
    padding: int = Field(
        0,
        ge=0,
        le=10,
        description="cells added on each side, 0–10 and at most kernel_size // 2 (torch's rule for pooling)",
    )
    kernels: list[KernelName] = Field(
        [],
        max_length=8,
        description="up to 8 named 3×3 kernels: pool their feature maps (conv2d, padding 1) instead "
        "of the raw channels",
    )


class PoolTrace(BaseModel):
    rows: list[int] = Field(
        description="top input row of the windows of each output row "
        "(negative: the window starts in the padding)"
    )
    cols: list[int] = Field(description="left input column of the windows of each output column")
    argmax: TensorOut | None = Field(
        description="(C, H', W') for max: flat index r·W + c of the input cell each output came "
        "from, as max_pool2d(return_indices=True) gives it; null for avg"
    )
    divisor: int = Field(
        description="avg divides each window's sum by kernel_size² (padding counted as zeros); 1 for max"
    )


class PoolResponse(BaseModel):
    output: TensorOut = Field(description="(C, H', W') the pooled maps")
    input: TensorOut = Field(description="(C, H, W) the maps that were pooled")
    weight: TensorOut | None = Field(
        description="(B, C, 3, 3) the conv weight that made the feature maps, when kernels were given"
    )
    kind: str
    kernel_size: int
    stride: int
    padding: int
    kernels: list[str]
    color: str
    input_shape: list[int] = Field(description="[C, H, W]")
    output_shape: list[int] = Field(description="[C, H', W']: the same C, smaller H and W")
    trace: PoolTrace | None = Field(
        description=f"which input cells made each output cell, when H and W ≤ {TRACE_MAX_SIDE}"
    )


class OutputSizeResponse(BaseModel):
    op: str
    size: int
    kernel: int
    padding: int
    stride: int
    dilation: int
    output_size: int = Field(description="⌊(A + 2p − d·(a − 1) − 1)/s⌋ + 1")
    formula: str = Field(description="the formula with the numbers filled in")
    seed_rule: int = Field(description="the course's shortcut A − 2·(a//2)")
    seed_rule_agrees: bool = Field(description="whether the shortcut gives the same number")
    seed_rule_holds: bool = Field(
        description="whether the settings are those the shortcut is "
        "exact for: odd a, stride 1, padding 0, dilation 1"
    )
    effective_kernel: int = Field(description="cells one window spans: d·(a − 1) + 1")
    padded_size: int = Field(description="A + 2p")
    starts: list[int] = Field(description="each window's first cell, counted from the first padding cell")
    coverage: list[int] = Field(description="per padded cell, how many window taps read it")
    unused: int = Field(description="trailing cells no window reaches")
