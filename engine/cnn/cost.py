"""§2.2 What a convolution costs: multiplications, parameters and time.

A k×k convolution from C_in to C_out channels computes, for each of its H'·W' output positions and
each of its C_out maps, a sum of C_in·k·k products:

    multiplications = H'·W' · C_out · C_in · k²        (the bias adds no multiplication)

torch's own FLOP counter (torch.utils.flop_counter) counts a multiply-add as 2 FLOPs, so for a
convolution its count is exactly twice this formula. A 1×1 convolution that first reduces C_in to
r channels makes the k×k one see r channels instead of C_in: H'·W'·r·C_in + H'·W'·C_out·r·k².

The §2.1 page counts the Inception block the same way, branch by branch (engine.cnn.inception);
`seed_conv_weights` gives a block built on the meta device torch's own initial weights."""

import math
import statistics
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from engine.errors import FieldError


def conv_multiplications(in_channels: int, out_channels: int, kernel: int, height: int, width: int) -> int:
    """H'·W'·C_out·C_in·k² for an output of height × width (H' × W')."""
    return height * width * out_channels * in_channels * kernel * kernel


def conv_parameters(in_channels: int, out_channels: int, kernel: int, bias: bool = True) -> int:
    """C_out·C_in·k² weights, plus C_out biases."""
    return out_channels * in_channels * kernel * kernel + (out_channels if bias else 0)


@dataclass
class LayerCost:
    name: str  # e.g. "1×1 conv", "5×5 conv", "3×3 avg pool"
    in_channels: int
    out_channels: int
    kernel: int
    padding: int  # on each side ("same" with an even kernel adds one more on the right and bottom)
    output_shape: tuple[int, int, int]  # (C_out, H', W')
    multiplications: int  # by the formula; 0 for pooling (it only adds, then divides once)
    parameters: int


def conv_layers(
    in_channels: int, out_channels: int, kernel: int, reduce_to: int | None, device: str = "cpu"
) -> nn.Sequential:
    """The k×k convolution C_in → C_out, after a 1×1 reduction C_in → reduce_to when given.
    padding="same" keeps H and W (even kernels are padded one more cell on the right and bottom).
    On device="meta" the layers hold shapes but no numbers (nothing is allocated)."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("kernel", kernel)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if reduce_to is not None and not 1 <= reduce_to <= in_channels:
        raise FieldError(
            "reduce_to",
            "reduce_to",
            "must be 1–{c} (in_channels): a 1×1 reduction to {r} channels would widen the input, "
            "not reduce it",
            c=in_channels,
            r=reduce_to,
        )
    with torch.device(device):  # "meta" draws no random numbers either
        if reduce_to is None:
            return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding="same"))
        return nn.Sequential(
            nn.Conv2d(in_channels, reduce_to, 1), nn.Conv2d(reduce_to, out_channels, kernel, padding="same")
        )


def costs(model: nn.Sequential, height: int, width: int) -> list[LayerCost]:
    """Each convolution's multiplications (formula) and parameters, for an input of height × width."""
    out = []
    for conv in model:
        k = conv.kernel_size[0]
        out.append(
            LayerCost(
                name=f"{k}×{k} conv",
                in_channels=conv.in_channels,
                out_channels=conv.out_channels,
                kernel=k,
                padding=(k - 1) // 2,
                output_shape=(conv.out_channels, height, width),
                multiplications=conv_multiplications(conv.in_channels, conv.out_channels, k, height, width),
                parameters=sum(p.numel() for p in conv.parameters()),
            )
        )
    return out


def torch_flops(model: nn.Sequential, in_channels: int, height: int, width: int) -> list[int]:
    """torch's FLOP count of each layer for one (1, C, H, W) input, on the model's device. Give it
    a model built on device="meta" (shapes only, no numbers) and even a huge layer is counted
    instantly, without computing anything."""
    flops = []
    x = torch.empty(1, in_channels, height, width, device=next(model.parameters()).device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # padding="same" with an even kernel
        for layer in model:
            with FlopCounterMode(display=False) as counter:
                x = layer(x)  # (1, C_out, H, W)
            flops.append(counter.get_total_flops())
    return flops


@torch.no_grad()
def forward_ms(model: nn.Module, x: torch.Tensor, repeats: int) -> list[float]:
    """Wall-clock milliseconds of `repeats` forward passes (after one warm-up pass)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model(x)  # warm-up: memory allocation, kernel selection
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x)
            runs.append((time.perf_counter() - t0) * 1000)
    return runs


def median(values: list[float]) -> float:
    return statistics.median(values)


def seed_conv_weights(module: nn.Module, seed: int) -> nn.Module:
    """`module` (built on device="meta") with the very weights `torch.manual_seed(seed)` followed by
    building it on the CPU gives: every Conv2d in order gets torch's default init (Kaiming uniform
    weights, uniform biases), drawn from a private generator so that other threads' random numbers
    (a training job's) neither change these weights nor are changed by them."""
    g = torch.Generator().manual_seed(seed)
    module = module.to_empty(device="cpu")
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)
            if m.bias is not None:
                bound = 1 / math.sqrt(m.weight[0].numel())  # 1/√fan_in
                nn.init.uniform_(m.bias, -bound, bound, generator=g)
    return module


_TIMING = threading.Lock()


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """One timing at a time, with torch using n threads (a process-wide setting, restored after)."""
    with _TIMING:
        before = torch.get_num_threads()
        torch.set_num_threads(n)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def time_variants(
    in_channels: int,
    out_channels: int,
    kernel: int,
    reduce_tos: list[int | None],
    height: int,
    width: int,
    repeats: int,
    threads: int,
) -> list[list[float]]:
    """Milliseconds of `repeats` forward passes (after a warm-up) of each variant, the k×k layer
    after a 1×1 reduction to r channels (r = None: the k×k layer alone), on one (1, C_in, H, W)
    input, with torch's default weights of seed 0 (the values do not change the time)."""
    x = torch.randn(1, in_channels, height, width, generator=torch.Generator().manual_seed(0))
    models = [
        seed_conv_weights(conv_layers(in_channels, out_channels, kernel, r, "meta"), 0) for r in reduce_tos
    ]
    with torch_threads(threads):
        return [forward_ms(model, x, repeats) for model in models]


# Timing runs the layers for real: at most this many multiplications in all passes of one request
# (about a second or two on a small CPU), and at most this many numbers in any one tensor.
TIME_BUDGET = 3_000_000_000
MAX_TIMED_NUMBERS = 1 << 24


@dataclass
class TimingPlan:
    repeats: int  # passes to time: as asked, fewer, or 0 (not timed)
    code: str | None  # why not as asked: "not_timed_numbers", "not_timed_work", "fewer_passes"; or None
    values: dict[str, int]  # the numbers that say it (n, most, asked)


def timing_plan(layers: list[LayerCost], height: int, width: int, repeats: int) -> TimingPlan:
    """How many of the `repeats` asked passes to time within TIME_BUDGET multiplications, where a
    pass runs all `layers` (every variant's) once on an H×W input; none when a tensor (an input, an
    output or a weight) would hold over MAX_TIMED_NUMBERS numbers."""
    hw = height * width
    biggest = max(max(c.in_channels * hw, c.out_channels * hw, c.parameters) for c in layers)
    if biggest > MAX_TIMED_NUMBERS:
        return TimingPlan(0, "not_timed_numbers", {"n": biggest, "most": MAX_TIMED_NUMBERS})
    per_pass = sum(c.multiplications for c in layers)
    fits = min(repeats, TIME_BUDGET // max(per_pass, 1) - 1)
    if fits < 1:
        return TimingPlan(0, "not_timed_work", {"n": per_pass, "most": TIME_BUDGET // 2})
    if fits < repeats:
        return TimingPlan(fits, "fewer_passes", {"n": fits, "asked": repeats})
    return TimingPlan(repeats, None, {})
