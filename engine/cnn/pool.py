"""§1.3 Pooling: each window of a feature map is replaced by one number, its maximum or its mean.

Pooling works on every channel separately, so C maps in give C maps out; only H and W shrink.
`pool2d` is torch's own operator; `trace_pool` rebuilds it window by window (padding, unfold, max or mean)
so that a page can show which input cells made each output cell."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.cnn.kernels import weight
from engine.cnn.shape import check
from engine.errors import FieldError

KINDS = ("max", "avg")


def _check(x: torch.Tensor, kind: str, kernel_size: int, stride: int, padding: int) -> None:
    """FieldErrors name shape.check's settings: the window's side is `kernel` there."""
    if x.ndim != 3:
        raise ValueError(f"expected a (C, H, W) tensor, got shape {tuple(x.shape)}")
    if kind not in KINDS:
        raise FieldError(
            "kind", "one_of", "must be one of {choices}, got {value!r}", choices=", ".join(KINDS), value=kind
        )
    for size in x.shape[1:]:
        check(size, kernel_size, padding, stride, op="pool")


def pool2d(
    x: torch.Tensor, kind: str, kernel_size: int, stride: int | None = None, padding: int = 0
) -> torch.Tensor:
    """(C, H, W) → (C, H', W') by torch: max, or mean with padded zeros counted (torch's default)."""
    stride = kernel_size if stride is None else stride
    _check(x, kind, kernel_size, stride, padding)
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    return fn(x[None], kernel_size, stride=stride, padding=padding)[0]  # (C, H', W')


def feature_maps(x: torch.Tensor, names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """(C, H, W) → ((B, H, W) maps, (B, C, 3, 3) weight): the named kernels, padding 1, no bias."""
    w = weight(names, x.shape[0])  # (B, C, 3, 3)
    return F.conv2d(x[None], w, padding=1)[0], w  # (B, H, W): same size as the input


@dataclass
class PoolTrace:
    """Pooling rebuilt by hand, with the window behind every output cell."""

    output: torch.Tensor  # (C, H', W')
    rows: list[int]  # top input row of the windows in output row i (negative inside the padding)
    cols: list[int]  # left input column of the windows in output column j
    argmax: torch.Tensor | None  # (C, H', W') int64: flat index r·W + c of each max, as torch returns
    divisor: int  # avg: every window's sum is divided by kernel_size², padded zeros included


def trace_pool(
    x: torch.Tensor, kind: str, kernel_size: int, stride: int | None = None, padding: int = 0
) -> PoolTrace:
    """The same numbers as `pool2d`, built from explicit windows."""
    k, s, p = kernel_size, kernel_size if stride is None else stride, padding
    _check(x, kind, k, s, p)
    w = x.shape[2]
    fill = float("-inf") if kind == "max" else 0.0  # max ignores padding; avg counts it as 0
    xp = F.pad(x, (p, p, p, p), value=fill)  # (C, H + 2p, W + 2p)
    win = xp.unfold(1, k, s).unfold(2, k, s)  # (C, H', W', k, k): win[c, i, j] is one window
    flat = win.flatten(-2)  # (C, H', W', k·k)
    n_rows, n_cols = win.shape[1], win.shape[2]
    rows = [i * s - p for i in range(n_rows)]
    cols = [j * s - p for j in range(n_cols)]
    if kind == "avg":
        return PoolTrace(flat.mean(-1), rows, cols, None, k * k)
    out, pos = flat.max(-1)  # (C, H', W'): the value and its place inside the window (first if tied)
    r = torch.tensor(rows)[:, None] + pos // k  # (C, H', W') input row of the max
    c = torch.tensor(cols)[None, :] + pos % k  # (C, H', W') input column
    return PoolTrace(out, rows, cols, r * w + c, 1)


@dataclass
class Pooled:
    """§1.3's answer: the maps that were pooled, the pooled maps, and the windows behind them."""

    maps: torch.Tensor  # (C, H, W): the input's channels, or its feature maps under named kernels
    weight: torch.Tensor | None  # (B, C, 3, 3) the kernels' conv weight, when kernels were named
    output: torch.Tensor  # (C, H', W')
    stride: int
    trace: PoolTrace | None  # when H and W ≤ trace_max_side


def pool_maps(
    x: torch.Tensor,
    kind: str,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    kernels: list[str] | None = None,
    trace_max_side: int = 32,
) -> Pooled:
    """Pool x (C, H, W), or its feature maps under the named kernels (padding 1, so H and W stay),
    and trace the windows of a small enough input."""
    maps, w = feature_maps(x, kernels) if kernels else (x, None)  # (B, H, W)
    s = kernel_size if stride is None else stride
    y = pool2d(maps, kind, kernel_size, s, padding)  # (C, H', W')
    small = max(maps.shape[1:]) <= trace_max_side
    return Pooled(maps, w, y, s, trace_pool(maps, kind, kernel_size, s, padding) if small else None)
