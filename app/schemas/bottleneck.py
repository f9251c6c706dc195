"""§2.2 what a 1×1 convolution saves: multiplications, parameters and time, with and without it."""

from pydantic import BaseModel, Field

from app.schemas.common import RequestModel, bounded_int

MAX_CHANNELS = 1024
MAX_SIDE = 224
MAX_KERNEL = 11
MAX_REPEATS = 20


class CostRequest(RequestModel):
    """A k×k convolution C_in → C_out on a (C_in, H, W) input, padding "same" (H and W kept), with
    or without a 1×1 convolution C_in → reduce_to in front of it."""

    in_channels: bounded_int(1, MAX_CHANNELS) = Field(192, description=f"C_in, 1–{MAX_CHANNELS}")
    height: bounded_int(1, MAX_SIDE) = Field(28, description=f"H, 1–{MAX_SIDE}")
    width: bounded_int(1, MAX_SIDE) = Field(28, description=f"W, 1–{MAX_SIDE}")
    out_channels: bounded_int(1, MAX_CHANNELS) = Field(32, description=f"C_out, 1–{MAX_CHANNELS}")
    kernel: bounded_int(1, MAX_KERNEL) = Field(
        5, description=f"k, the k×k kernel's side, 1–{MAX_KERNEL} (odd or even)"
    )
    reduce_to: bounded_int(1, MAX_CHANNELS) | None = Field(
        16,
        description="r: the 1×1 reduction's output channels, 1 ≤ r ≤ in_channels; null for no "
        "reduction (then only the direct layer is counted)",
    )
    repeats: bounded_int(1, MAX_REPEATS) = Field(
        5, description=f"timed forward passes, 1–{MAX_REPEATS}; the median is reported"
    )
    threads: bounded_int(1, 64) = Field(
        1,
        description="CPU threads torch uses while timing, 1 to the "
        "server's timing_max_threads (1 gives the steadiest times)",
    )


class LayerCostOut(BaseModel):
    name: str = Field(description='e.g. "1×1 conv", "5×5 conv"')
    in_channels: int
    out_channels: int
    kernel: int
    padding: int = Field(description='each side; "same" pads an even kernel one more on the right and bottom')
    output_shape: list[int] = Field(description="(C_out, H, W)")
    formula: str = Field(description="H·W·C_out·C_in·k·k, the numbers multiplied")
    multiplications: int = Field(description="by the formula")
    torch_flops: int = Field(description="torch.utils.flop_counter's count: 2 per multiply-add")
    parameters: int = Field(description="C_out·C_in·k·k weights + C_out biases")


class Variant(BaseModel):
    torch: str = Field(description="the layers as PyTorch code")
    layers: list[LayerCostOut]
    multiplications: int
    torch_flops: int
    parameters: int
    ms: float | None = Field(
        description="median wall-clock milliseconds of one forward pass on this "
        "server's CPU; null when the layer was too large to time"
    )
    runs_ms: list[float] = Field(description="every timed pass, in order (after one warm-up pass)")


class Ratios(BaseModel):
    multiplications: float = Field(description="direct ÷ reduced")
    torch_flops: float
    parameters: float
    time: float | None


class CostResponse(BaseModel):
    input_shape: list[int] = Field(description="(C_in, H, W)")
    output_shape: list[int] = Field(description="(C_out, H, W)")
    direct: Variant = Field(description="the k×k convolution alone")
    reduced: Variant | None = Field(description="1×1 to reduce_to channels, then the k×k convolution")
    ratios: Ratios | None = Field(description="direct ÷ reduced; null without a reduction")
    flops_per_multiplication: int = Field(2, description="torch counts a multiply-add as 2 FLOPs")
    timed: bool = Field(description="false when the layers were too large to run here")
    repeats: int = Field(description="timed passes per variant")
    threads: int = Field(description="the CPU threads torch used while timing")
    note: str | None = Field(description="why the time is missing, when it is")
