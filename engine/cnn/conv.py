"""§1.2 The convolution layer: B kernel groups × (C channels × one sliding multiply-and-sum).

`conv` is torch's own F.conv2d; `partial_maps` splits one group's output into the C per-channel
maps that add up to it; `output_shape` applies engine.cnn.shape's size rule to both axes."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.cnn import shape
from engine.cnn.kernels import weight
from engine.errors import FieldError


@dataclass
class ConvSettings:
    stride: int = 1
    padding: int = 0
    dilation: int = 1


def output_shape(x_shape: tuple[int, ...], w_shape: tuple[int, ...], s: ConvSettings) -> tuple[int, int, int]:
    """(B, H', W') for an input (C, H, W) and a weight (B, C, a, a), each side
    ⌊(A + 2p − d·(a − 1) − 1) / s⌋ + 1; a FieldError ("kernel") when the kernel does not fit.

    With stride 1, no padding, no dilation and an odd a this is the course's X = A − 2·(a//2)."""
    a = w_shape[2]
    h2, w2 = (shape.output_size(n, a, s.padding, s.stride, s.dilation) for n in x_shape[1:])
    return w_shape[0], h2, w2


def check(x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None) -> None:
    """ValueError unless x is (C, H, W), w is (B, C, a, a) and bias is (B,)."""
    if x.ndim != 3:
        raise ValueError(f"input must be (C, H, W), got shape {list(x.shape)}")
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"weight must be (B, C, a, a), got shape {list(w.shape)}")
    if w.shape[1] != x.shape[0]:
        raise FieldError(
            "weight",
            "conv_channels",
            "has C = {got} channels but the input has {c}: the weight must be (B, {c}, a, a)",
            got=w.shape[1],
            c=x.shape[0],
        )
    if bias is not None and bias.shape != (w.shape[0],):
        raise FieldError(
            "bias",
            "conv_bias",
            "must hold B = {b} numbers, one per kernel group; got {n}",
            b=w.shape[0],
            n=len(bias),
        )


def check_group(w: torch.Tensor, group: int) -> None:
    """A FieldError ("group") unless 0 ≤ group < B."""
    if not 0 <= group < w.shape[0]:
        raise FieldError(
            "group",
            "group_range",
            "must be 0–{last} (B = {b}), got {group}",
            last=w.shape[0] - 1,
            b=w.shape[0],
            group=group,
        )


@dataclass
class Layer:
    weight: torch.Tensor  # (B, C, a, a)
    bias: torch.Tensor  # (B,)
    settings: ConvSettings

    def output_shape(self, x_shape: tuple[int, ...]) -> tuple[int, int, int]:
        return output_shape(x_shape, tuple(self.weight.shape), self.settings)

    def multiplications(self, x_shape: tuple[int, ...]) -> int:
        return multiplications(x_shape, tuple(self.weight.shape), self.settings)


def layer(x: torch.Tensor, w: torch.Tensor | list[str], bias: list[float] | None, s: ConvSettings) -> Layer:
    """The layer w (B, C, a, a), or named kernels (engine.cnn.kernels.weight: one group each), with
    the given biases (zeros when none are given), checked against the input x (C, H, W): FieldErrors
    for the weight's channels, the biases' count, the kernel's fit."""
    w = weight(w, x.shape[0]) if isinstance(w, list) else w  # (B, C, a, a)
    b = torch.zeros(w.shape[0]) if bias is None else torch.tensor(bias, dtype=torch.float32)  # (B,)
    check(x, w, b)
    output_shape(tuple(x.shape), tuple(w.shape), s)
    return Layer(w, b, s)


def conv(
    x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None = None, s: ConvSettings | None = None
) -> torch.Tensor:
    """(C, H, W) * (B, C, a, a) + (B,) → (B, H', W'), exactly what nn.Conv2d(C, B, a) computes."""
    s = s or ConvSettings()
    check(x, w, bias)
    output_shape(tuple(x.shape), tuple(w.shape), s)  # a clear FieldError before torch's own
    y = F.conv2d(x[None], w, bias, stride=s.stride, padding=s.padding, dilation=s.dilation)
    return y[0]  # (B, H', W')


def partial_maps(x: torch.Tensor, w: torch.Tensor, group: int, s: ConvSettings | None = None) -> torch.Tensor:
    """(C, H', W'): channel c convolved with w[group, c] alone. Their sum over c, plus the bias,
    is output map `group`: a multi-channel convolution is C single-channel ones added up."""
    s = s or ConvSettings()
    check(x, w, None)
    check_group(w, group)
    c = x.shape[0]
    k = w[group][:, None]  # (C, 1, a, a): one kernel per channel
    y = F.conv2d(x[None], k, stride=s.stride, padding=s.padding, dilation=s.dilation, groups=c)
    return y[0]  # (C, H', W')


def multiplications(x_shape: tuple[int, ...], w_shape: tuple[int, ...], s: ConvSettings) -> int:
    """How many multiplications the layer does: B · H' · W' · C · a · a."""
    b, h2, w2 = output_shape(x_shape, w_shape, s)
    _, c, a, _ = w_shape
    return b * h2 * w2 * c * a * a


@dataclass
class ConvOutput:
    output: torch.Tensor  # (B, H', W')
    partials: torch.Tensor | None  # (C, H', W') of one group, when asked for


def conv_layer(x: torch.Tensor, la: Layer, partials_group: int | None = None) -> ConvOutput:
    """§1.2's answer: the layer's B maps, and one group's C partial maps when `partials_group` is set
    (a FieldError "group" unless 0 ≤ partials_group < B)."""
    w, s = la.weight, la.settings
    parts = None if partials_group is None else partial_maps(x, w, partials_group, s)
    return ConvOutput(conv(x, w, la.bias, s), parts)
