"""§1.2 One convolution, step by step: every output position's window, products and sum.

Built by hand (no conv2d), so each step can be checked against F.conv2d: sum + bias = output.
A typed matrix is padded with zeros; a patch of an image keeps its real neighbouring pixels as its
padding ring (zeros only beyond the image's edge), so each step is the whole image's output there."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.cnn import shape
from engine.cnn.conv import ConvSettings, check, check_group, output_shape


@dataclass
class ConvStep:
    row: int  # output position in the traced map
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
class ConvTrace:
    padded: torch.Tensor  # (C, h + 2p, w + 2p) the input with its border ring
    kernel: torch.Tensor  # (C, a, a) the traced group's kernels
    bias: float
    output: torch.Tensor  # (h', w') the traced group's map
    steps: list[ConvStep]
    first_row: int = 0  # where output[0, 0] sits in the whole input's map
    first_col: int = 0


def pad(x: torch.Tensor, p: int) -> torch.Tensor:
    """(C, H, W) → (C, H + 2p, W + 2p) with zeros around."""
    return F.pad(x, (p, p, p, p))


def neighbourhood(x: torch.Tensor, top: int, left: int, size: int, p: int) -> torch.Tensor:
    """(C, H, W) → (C, h + 2p, w + 2p): the patch at (top, left), side `size` (h, w ≤ size where the
    image ends), with a ring of p of the image's own pixels around it; zeros only beyond the image,
    exactly where F.conv2d(padding=p) on the whole image puts them."""
    _, h, w = x.shape
    if not (0 <= top < h and 0 <= left < w):
        raise ValueError(f"patch corner (top {top}, left {left}) must lie inside the {h}×{w} image")
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    ph, pw = min(size, h - top), min(size, w - left)
    xp = pad(x, p)  # (C, H + 2p, W + 2p): image row r is padded row r + p
    return xp[:, top : top + ph + 2 * p, left : left + pw + 2 * p]  # (C, ph + 2p, pw + 2p)


def window(xp: torch.Tensor, top: int, left: int, a: int, dilation: int) -> torch.Tensor:
    """(C, a, a): the taps of a side-a kernel placed at (top, left), `dilation` apart."""
    end_r, end_c = top + shape.effective_kernel(a, dilation), left + shape.effective_kernel(a, dilation)
    return xp[:, top:end_r:dilation, left:end_c:dilation]


def slide(
    xp: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None, group: int, s: ConvSettings
) -> ConvTrace:
    """Slide kernel group `group` of w (B, C, a, a) over an already padded xp (C, h + 2p, w + 2p),
    row by row, with s.stride and s.dilation (s.padding is only the ring xp already has)."""
    a = w.shape[2]
    _, h2, w2 = output_shape(tuple(xp.shape), tuple(w.shape), ConvSettings(s.stride, 0, s.dilation))
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
            steps.append(ConvStep(i, j, top, left, win, prod, sums, total, b, total + b))
    out = torch.tensor([st.value for st in steps], dtype=xp.dtype).reshape(h2, w2)
    return ConvTrace(padded=xp, kernel=k, bias=b, output=out, steps=steps)


def trace_conv(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    group: int = 0,
    s: ConvSettings | None = None,
) -> ConvTrace:
    """Slide kernel group `group` of w over the whole x (C, H, W), padded with zeros."""
    s = s or ConvSettings()
    check(x, w, bias)
    check_group(w, group)
    output_shape(tuple(x.shape), tuple(w.shape), s)  # a clear FieldError when the kernel does not fit
    return slide(pad(x, s.padding), w, bias, group, s)  # (C, H + 2p, W + 2p)


def trace_conv_patch(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    group: int = 0,
    s: ConvSettings | None = None,
    top: int = 0,
    left: int = 0,
    size: int = 8,
) -> ConvTrace:
    """The steps of the whole image's convolution that belong to the patch at (top, left): the
    kernel slides over the patch and its real neighbours (`neighbourhood`), so step (i, j) is the
    image's output at (top / stride + i, left / stride + j). top and left must be multiples of the
    stride (otherwise the windows would fall between the image's own output positions)."""
    s = s or ConvSettings()
    check(x, w, bias)
    check_group(w, group)
    if top % s.stride or left % s.stride:
        raise ValueError(f"top {top} and left {left} must be multiples of the stride {s.stride}")
    xp = neighbourhood(x, top, left, size, s.padding)  # (C, h + 2p, w + 2p)
    patch = (xp.shape[0], xp.shape[1] - 2 * s.padding, xp.shape[2] - 2 * s.padding)  # (C, h, w)
    output_shape(patch, tuple(w.shape), s)  # a clear FieldError when the kernel does not fit
    tr = slide(xp, w, bias, group, s)
    tr.first_row, tr.first_col = top // s.stride, left // s.stride
    return tr


def patch_corner(height: int, width: int, top: int, left: int, size: int, stride: int) -> tuple[int, int]:
    """Where a side-`size` patch asked for at (top, left) of a height × width image is traced: moved
    inside the image (the whole patch where it fits), then up and left onto the stride's grid, so
    its steps are the image's own output positions."""
    top = max(0, min(top, height - size))
    left = max(0, min(left, width - size))
    return top - top % stride, left - left % stride
