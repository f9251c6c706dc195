"""§1.2 One convolution, step by step: every output position's window, products and sum.

Built by hand (no conv2d), so each step can be checked against F.conv2d: sum + bias = output."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.cnn.conv import ConvSettings, check, output_size, span


@dataclass
class Step:
    row: int  # output position
    col: int
    top: int  # the window's first tap, in padded-input coordinates
    left: int
    window: torch.Tensor  # (C, a, a) the input values under the kernel's taps
    products: torch.Tensor  # (C, a, a) window * kernel, element by element
    channel_sums: torch.Tensor  # (C,) one number per channel
    total: float  # the sum over every product
    bias: float
    value: float  # total + bias: the output at (row, col)


@dataclass
class Trace:
    padded: torch.Tensor  # (C, H + 2p, W + 2p) the input with its border of zeros
    kernel: torch.Tensor  # (C, a, a) the traced group's kernels
    bias: float
    output: torch.Tensor  # (H', W') the traced group's map
    steps: list[Step]


def pad(x: torch.Tensor, p: int) -> torch.Tensor:
    """(C, H, W) → (C, H + 2p, W + 2p) with zeros around."""
    return F.pad(x, (p, p, p, p))


def window(xp: torch.Tensor, top: int, left: int, a: int, dilation: int) -> torch.Tensor:
    """(C, a, a): the taps of a side-a kernel placed at (top, left), `dilation` apart."""
    end_r, end_c = top + span(a, dilation), left + span(a, dilation)
    return xp[:, top:end_r:dilation, left:end_c:dilation]


def trace(x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None = None, group: int = 0,
          s: ConvSettings | None = None) -> Trace:
    """Slide kernel group `group` of w (B, C, a, a) over x (C, H, W), row by row."""
    s = s or ConvSettings()
    check(x, w, bias)
    if not 0 <= group < w.shape[0]:
        raise ValueError(f"group must be 0–{w.shape[0] - 1}, got {group}")
    a = w.shape[2]
    h2, w2 = output_size(x.shape[1], a, s), output_size(x.shape[2], a, s)
    xp = pad(x, s.padding)  # (C, H + 2p, W + 2p)
    k = w[group]  # (C, a, a)
    b = float(bias[group]) if bias is not None else 0.0
    steps = []
    for i in range(h2):
        for j in range(w2):
            top, left = i * s.stride, j * s.stride
            win = window(xp, top, left, a, s.dilation)  # (C, a, a)
            prod = win * k  # (C, a, a)
            sums = prod.sum(dim=(1, 2))  # (C,)
            total = float(sums.sum())
            steps.append(Step(i, j, top, left, win, prod, sums, total, b, total + b))
    out = torch.tensor([st.value for st in steps], dtype=x.dtype).reshape(h2, w2)
    return Trace(padded=xp, kernel=k, bias=b, output=out, steps=steps)
