"""§1.4 Activation: a nonlinearity applied to every number of a feature map on its own.

ReLU keeps the positive values and zeroes the rest. Sigmoid and tanh squash everything into (0, 1) and
(−1, 1) and go flat far from 0 ("saturate"): there their slope, and with it the gradient that flows
back through them, is nearly 0. Stacked n deep, the slopes multiply (chain rule), so the gradient
shrinks at least as (largest slope)^n, and sigmoid's largest slope is 0.25."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import torch
import torch.nn.functional as F

from engine.cnn.kernels import kernel
from engine.errors import FieldError

FUNCTIONS: tuple[str, ...] = ("relu", "sigmoid", "tanh", "leaky_relu")
SATURATION = 0.99  # a sigmoid or tanh output within 1 % of its asymptote counts as saturated
LEAKY_SLOPE = 0.01  # torch's default negative_slope for leaky_relu


def _check(name: str) -> None:
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}; known: {', '.join(FUNCTIONS)}")


def _sigmoid(x: torch.Tensor) -> torch.Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ), written as e^x / (1 + e^x) for x < 0 so that exp never overflows (an
    overflow to inf would make the gradient inf / inf = nan far into saturation)."""
    e = torch.exp(-torch.where(x >= 0, x, -x))  # e^(−|x|) ≤ 1
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def activate(x: torch.Tensor, name: str, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """f(x) element-wise, written out from the formulas (same shape as x)."""
    _check(name)
    if name == "relu":
        return torch.where(x > 0, x, torch.zeros_like(x))  # max(0, x)
    if name == "leaky_relu":
        return torch.where(x > 0, x, slope * x)
    if name == "sigmoid":
        return _sigmoid(x)
    return 2 * _sigmoid(2 * x) - 1  # tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) = 2σ(2x) − 1


def derivative(x: torch.Tensor, name: str, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """f'(x) from the textbook formulas: a step for (leaky) ReLU, σ(1 − σ), 1 − tanh²."""
    _check(name)
    if name == "relu":
        return (x > 0).to(x.dtype)  # 0 at x = 0, as torch takes it
    if name == "leaky_relu":
        return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, slope))
    y = activate(x, name, slope)
    return y * (1 - y) if name == "sigmoid" else 1 - y**2


def autograd_derivative(x: torch.Tensor, name: str, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """f'(x) as autograd finds it: the gradient of Σᵢ f(xᵢ) with respect to each xᵢ."""
    x = x.detach().clone().requires_grad_(True)
    activate(x, name, slope).sum().backward()
    return x.grad


def kernel_stack(names: list[str]) -> torch.Tensor:
    """(B, 3, 3): the named kernels, one after another."""
    return torch.stack([kernel(n) for n in names])


def feature_maps(x: torch.Tensor, kernels: list[str], scale: float = 1.0) -> torch.Tensor:
    """(C, H, W) → (B, H − 2, W − 2): each named 3×3 kernel over all C channels, summed, times
    scale / C (no padding, stride 1); with no kernels, x · scale.

    The same as conv2d with `kernels.weight(kernels, C) * scale`, but scaled after the sum: integer
    kernels on 0–255 pixels sum exactly, so a flat region gives exactly 0 rather than rounding
    crumbs such as −1e−8 (which ReLU would count as negative)."""
    if not kernels:
        return x * scale
    c, h, w = x.shape
    if h < 3 or w < 3:
        raise FieldError(
            "x", "activation_small", "the input is {h}×{w}; a 3×3 kernel needs H and W ≥ 3", h=h, w=w
        )
    k = kernel_stack(kernels)[:, None].expand(-1, c, -1, -1)  # (B, C, 3, 3)
    return F.conv2d(x[None], k)[0] * (scale / c)  # (1, C, H, W) → (B, H-2, W-2)


@dataclass
class Histogram:
    edges: torch.Tensor  # (bins + 1,)
    counts: torch.Tensor  # (bins,) int64


def histogram(x: torch.Tensor, bins: int) -> Histogram:
    """Counts in `bins` equal bins from x's min to max, the last one closed on the right (as
    torch.histc does; a constant x gets the range value ± 1)."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    x = x.flatten()
    lo, hi = x.min().item(), x.max().item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    idx = ((x - lo) * bins / (hi - lo)).long().clamp(0, bins - 1)  # bin of each value
    return Histogram(torch.linspace(lo, hi, bins + 1), torch.bincount(idx, minlength=bins))


def zero_share(y: torch.Tensor) -> float:
    """The fraction of numbers that are exactly 0."""
    return (y == 0).float().mean().item()


def saturated_share(y: torch.Tensor, name: str) -> float | None:
    """The fraction of sigmoid / tanh outputs within 1 % of an asymptote; None for (leaky) ReLU."""
    if name == "sigmoid":
        return ((y < 1 - SATURATION) | (y > SATURATION)).float().mean().item()
    if name == "tanh":
        return (y.abs() > SATURATION).float().mean().item()
    return None


@dataclass
class Activation:
    before: torch.Tensor  # (B, H', W') feature maps
    after: torch.Tensor  # (B, H', W') f(before)
    hist_before: Histogram
    hist_after: Histogram
    negative_share: float  # of before
    zero_share_before: float
    zero_share: float  # of after
    saturated_share: float | None  # of after


def apply(
    x: torch.Tensor, name: str, kernels: list[str], bins: int, slope: float = LEAKY_SLOPE, scale: float = 1.0
) -> Activation:
    """Feature maps of x, the activation applied to them, and what it did to the values."""
    z = feature_maps(x, kernels, scale)  # (B, H', W')
    a = activate(z, name, slope)
    return Activation(
        z,
        a,
        histogram(z, bins),
        histogram(a, bins),
        (z < 0).float().mean().item(),
        zero_share(z),
        zero_share(a),
        saturated_share(a, name),
    )


@dataclass
class Underflow:
    """Where float32 gives σ(x) = 0 exactly, though σ(x) > 0 for every real x."""

    smallest: float  # the smallest positive float32, 2⁻¹⁴⁹ ≈ 1.4e-45 (a subnormal)
    edge: float  # the largest float32 x whose σ(x) is 0 with this module's sigmoid (eˣ below half of it)
    edge_in_float64: float  # σ(edge) in float64: tiny, but not 0
    torch_edge: float  # the same for torch.sigmoid, which computes 1 / (1 + e⁻ˣ): e⁻ˣ overflows first


def zero_edge(f: Callable[[torch.Tensor], torch.Tensor]) -> float:
    """The largest float32 x < 0 with f(x) == 0 for an increasing f that is 0 at −200 and not at 0:
    bisection down to neighbouring float32 numbers."""
    lo, hi = torch.tensor(-200.0), torch.tensor(0.0)  # f(lo) == 0 < f(hi)
    while torch.nextafter(lo, hi) != hi:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) == 0 else (lo, mid)
    return lo.item()


@lru_cache
def sigmoid_underflow() -> Underflow:
    """The float32 facts behind the sigmoid outputs that come out exactly 0."""
    edge = zero_edge(_sigmoid)
    return Underflow(
        smallest=torch.nextafter(torch.tensor(0.0), torch.tensor(1.0)).item(),
        edge=edge,
        edge_in_float64=_sigmoid(torch.tensor(edge, dtype=torch.float64)).item(),
        torch_edge=zero_edge(torch.sigmoid),
    )


@dataclass
class Curve:
    x: torch.Tensor  # (points,)
    y: torch.Tensor  # f(x)
    dydx: torch.Tensor  # f'(x) by autograd


def curve(name: str, x_max: float = 6.0, points: int = 241, slope: float = LEAKY_SLOPE) -> Curve:
    """f and f' on an even grid over [−x_max, x_max]."""
    x = torch.linspace(-x_max, x_max, points)
    return Curve(x, activate(x, name, slope), autograd_derivative(x, name, slope))


def max_slope(name: str, slope: float = LEAKY_SLOPE) -> float:
    """The largest f'(x) autograd finds on a fine grid over [−8, 8] (step 0.01, 0 included)."""
    x = torch.arange(-800, 801, dtype=torch.float64) / 100
    return autograd_derivative(x, name, slope).max().item()


def chain_gradient(name: str, depth: int, x0: float, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """(depth,) float64: d hₙ / d x for h₀ = x = x0, hₖ = f(hₖ₋₁), n = 1 … depth, by autograd
    through the real chain. float64, because the values fall far below what float32 holds."""
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    h, grads = x, []
    for _ in range(depth):
        h = activate(h, name, slope)
        (g,) = torch.autograd.grad(h, x, retain_graph=True)
        grads.append(g)
    return torch.stack(grads)  # (depth,)


@dataclass
class Chain:
    """One function stacked 1 … depth deep: how much gradient gets through, and the bound on it."""

    name: str
    max_slope: float
    gradient: list[float]  # d hₙ/dx for n = 1 … depth
    bound: list[float]  # max_slope ** n: no chain of n copies passes more gradient
    curve: Curve


def chains(
    names: list[str], depth: int, x0: float, slope: float = LEAKY_SLOPE, x_max: float = 6.0, points: int = 241
) -> list[Chain]:
    """§1.4's second plot: every function's chain gradient beside its bound, and its f and f'."""
    out = []
    for name in names:
        top = max_slope(name, slope)
        grads = chain_gradient(name, depth, x0, slope).tolist()
        out.append(
            Chain(name, top, grads, [top**n for n in range(1, depth + 1)], curve(name, x_max, points, slope))
        )
    return out
