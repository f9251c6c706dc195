"""§1.2 The convolution layer: B kernel groups × (C channels × one sliding multiply-and-sum).

`conv` is torch's own F.conv2d; `partial_maps` splits one group's output into the C per-channel
maps that add up to it; `output_size` is the general size rule behind both."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ConvSettings:
    stride: int = 1
    padding: int = 0
    dilation: int = 1


def span(a: int, dilation: int) -> int:
    """How many input pixels a side-a kernel covers when its taps are `dilation` apart."""
    return dilation * (a - 1) + 1


def output_size(n: int, a: int, s: ConvSettings) -> int:
    """X = ⌊(A + 2p − d·(a − 1) − 1) / s⌋ + 1, or ValueError when the kernel does not fit.

    With stride 1, no padding, no dilation and an odd a this is the course's X = A − 2·(a//2)."""
    padded = n + 2 * s.padding
    if span(a, s.dilation) > padded:
        raise ValueError(
            f"kernel span {span(a, s.dilation)} (side {a}, dilation {s.dilation}) is "
            f"larger than the padded input {padded} (= {n} + 2·{s.padding})"
        )
    return (padded - span(a, s.dilation)) // s.stride + 1


def check(x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None) -> None:
    """ValueError unless x is (C, H, W), w is (B, C, a, a) and bias is (B,)."""
    if x.ndim != 3:
        raise ValueError(f"input must be (C, H, W), got shape {list(x.shape)}")
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"weight must be (B, C, a, a), got shape {list(w.shape)}")
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"weight has C = {w.shape[1]} channels but the input has {x.shape[0]}")
    if bias is not None and bias.shape != (w.shape[0],):
        raise ValueError(f"bias must hold B = {w.shape[0]} numbers, got shape {list(bias.shape)}")


def conv(
    x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None = None, s: ConvSettings | None = None
) -> torch.Tensor:
    """(C, H, W) * (B, C, a, a) + (B,) → (B, H', W'), exactly what nn.Conv2d(C, B, a) computes."""
    s = s or ConvSettings()
    check(x, w, bias)
    for n in x.shape[1:]:
        output_size(n, w.shape[2], s)  # a clear ValueError before torch's own
    y = F.conv2d(x[None], w, bias, stride=s.stride, padding=s.padding, dilation=s.dilation)
    return y[0]  # (B, H', W')


def partial_maps(x: torch.Tensor, w: torch.Tensor, group: int, s: ConvSettings | None = None) -> torch.Tensor:
    """(C, H', W'): channel c convolved with w[group, c] alone. Their sum over c, plus the bias,
    is output map `group`: a multi-channel convolution is C single-channel ones added up."""
    s = s or ConvSettings()
    check(x, w, None)
    if not 0 <= group < w.shape[0]:
        raise ValueError(f"group must be 0–{w.shape[0] - 1}, got {group}")
    c = x.shape[0]
    k = w[group][:, None]  # (C, 1, a, a): one kernel per channel
    y = F.conv2d(x[None], k, stride=s.stride, padding=s.padding, dilation=s.dilation, groups=c)
    return y[0]  # (C, H', W')


def multiplications(x_shape: tuple[int, ...], w_shape: tuple[int, ...], s: ConvSettings) -> int:
    """How many multiplications the layer does: B · H' · W' · C · a · a."""
    b, c, a, _ = w_shape
    h2, w2 = (output_size(n, a, s) for n in x_shape[1:])
    return b * h2 * w2 * c * a * a
