"""§1.4 activation: the hand-written functions, derivatives and counts against torch itself."""

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.cnn.activation import (
    FUNCTIONS,
    activate,
    apply,
    autograd_derivative,
    chain_gradient,
    curve,
    derivative,
    feature_maps,
    histogram,
    max_slope,
    saturated_share,
    sigmoid_underflow,
    zero_share,
)
from engine.cnn.kernels import kernel, weight

TORCH = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
}


@pytest.fixture
def x() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    t = torch.randn(2, 9, 11, generator=g) * 4
    t[0, 0, :3] = torch.tensor([0.0, 50.0, -50.0])  # the kink and far into saturation
    return t


@pytest.mark.parametrize("name", FUNCTIONS)
def test_activate_matches_torch(x: torch.Tensor, name: str):
    assert_close(activate(x, name, 0.1), TORCH[name](x))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_derivative_formula_matches_torch_autograd(x: torch.Tensor, name: str):
    xt = x.clone().requires_grad_(True)
    TORCH[name](xt).sum().backward()
    assert_close(derivative(x, name, 0.1), xt.grad)
    assert_close(autograd_derivative(x, name, 0.1), xt.grad)


def test_textbook_derivatives(x: torch.Tensor):
    s, t = torch.sigmoid(x), torch.tanh(x)
    assert_close(autograd_derivative(x, "sigmoid"), s * (1 - s))
    assert_close(autograd_derivative(x, "tanh"), 1 - t**2)
    assert_close(autograd_derivative(x, "relu"), (x > 0).float())


def test_unknown_function_names_the_known_ones(x: torch.Tensor):
    with pytest.raises(ValueError, match="softplus.*relu, sigmoid, tanh, leaky_relu"):
        activate(x, "softplus")


def test_feature_maps_are_conv2d_with_the_named_kernels():
    img = torch.randint(0, 256, (3, 12, 10)).float()
    names = ["edge_vertical", "edge_horizontal"]
    maps = feature_maps(img, names, 1 / 255)
    assert maps.shape == (2, 10, 8)
    assert_close(maps, F.conv2d(img[None] / 255, weight(names, 3))[0])
    gray = img.mean(0)  # the same kernel on each channel, divided by C, is the kernel on the mean
    assert_close(
        maps[0] * 255,
        F.conv2d(gray[None, None], kernel("edge_vertical")[None, None])[0, 0],
        rtol=1e-5,
        atol=1e-4,
    )
    assert (maps < 0).any() and (maps > 0).any()
    assert_close(feature_maps(img, [], 2.0), img * 2)
    with pytest.raises(ValueError, match="H and W ≥ 3"):
        feature_maps(torch.ones(1, 2, 5), ["edge"])


def test_a_flat_region_gives_exact_zeros():
    flat = torch.full((3, 6, 6), 77.0)
    flat[1] = 200.0
    for name in ["edge", "edge_vertical", "edge_horizontal", "sobel_x", "sobel_y"]:
        assert (feature_maps(flat, [name], 1 / 255) == 0).all()


@pytest.mark.parametrize("bins", [1, 7, 50, 200])
def test_histogram_matches_histc(x: torch.Tensor, bins: int):
    h = histogram(x, bins)
    assert_close(h.counts.float(), torch.histc(x, bins=bins))
    assert_close(h.edges, torch.linspace(x.min().item(), x.max().item(), bins + 1))
    assert h.counts.sum() == x.numel()


def test_histogram_of_a_constant_spans_plus_minus_one():
    c = torch.full((4, 4), 3.0)
    h = histogram(c, 4)
    assert_close(h.counts.float(), torch.histc(c, bins=4))
    assert h.edges[0] == 2 and h.edges[-1] == 4
    with pytest.raises(ValueError, match="bins"):
        histogram(c, 0)


def test_shares_against_direct_counts(x: torch.Tensor):
    r = torch.relu(x)
    assert zero_share(r) == pytest.approx(sum(v == 0 for v in r.flatten().tolist()) / r.numel())
    s = torch.sigmoid(x)
    n_sat = sum(v < 0.01 or v > 0.99 for v in s.flatten().tolist())
    assert saturated_share(s, "sigmoid") == pytest.approx(n_sat / s.numel())
    t = torch.tanh(x)
    assert saturated_share(t, "tanh") == pytest.approx(
        sum(abs(v) > 0.99 for v in t.flatten().tolist()) / t.numel()
    )
    assert saturated_share(r, "relu") is None


def test_apply_on_edge_maps():
    img = torch.rand(3, 20, 20) * 255
    res = apply(img, "relu", ["edge_vertical", "sobel_y"], 30)
    assert_close(res.after, torch.relu(res.before))
    assert res.negative_share == pytest.approx((res.before < 0).float().mean().item())
    assert res.zero_share == pytest.approx((res.after == 0).float().mean().item())
    assert res.zero_share == pytest.approx(res.negative_share + res.zero_share_before)
    assert 0.2 < res.zero_share < 0.8  # edges of noise are negative about half of the time
    assert_close(res.hist_after.counts.float(), torch.histc(res.after, bins=30))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_curve(name: str):
    c = curve(name, 5.0, 101)
    assert_close(c.x, torch.linspace(-5, 5, 101))
    assert_close(c.y, TORCH[name](c.x) if name != "leaky_relu" else F.leaky_relu(c.x))
    assert_close(c.dydx, derivative(c.x, name))


def test_max_slopes():
    assert max_slope("sigmoid") == 0.25
    assert max_slope("tanh") == 1.0
    assert max_slope("relu") == 1.0


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("x0", [1.0, -0.5])
def test_chain_gradient_is_the_chain_rule(name: str, x0: float):
    g = chain_gradient(name, 12, x0, 0.1)
    h, prod, expected = torch.tensor(x0, dtype=torch.float64), 1.0, []
    for _ in range(12):  # chain rule by hand: multiply the local slopes along the chain
        prod = prod * derivative(h, name, 0.1)
        h = TORCH[name](h)
        expected.append(prod)
    assert_close(g, torch.stack(expected))


def test_sigmoid_chain_shrinks_at_least_as_a_quarter_to_the_n():
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    h = x
    for _ in range(50):
        h = torch.sigmoid(h)
    h.backward()
    g = chain_gradient("sigmoid", 50, 0.0)
    assert_close(g[-1], x.grad)
    n = torch.arange(1, 51, dtype=torch.float64)
    assert (g <= 0.25**n).all()
    assert g[-1] < 1e-30
    assert (chain_gradient("relu", 50, 1.0) == 1).all()
    assert (chain_gradient("relu", 5, -1.0) == 0).all()


def test_sigmoid_zeros_are_float32_underflow():
    u = sigmoid_underflow()
    assert u.smallest == 2.0**-149 == torch.finfo(torch.float32).smallest_normal * 2.0**-23
    edge, after = torch.tensor(u.edge), torch.nextafter(torch.tensor(u.edge), torch.tensor(0.0))
    assert activate(edge, "sigmoid") == 0 and activate(after, "sigmoid") == u.smallest
    assert 0 < u.edge_in_float64 < u.smallest / 2  # float64 keeps it; float32 rounds it to 0
    assert_close(torch.tensor(u.edge_in_float64, dtype=torch.float64), torch.sigmoid(edge.double()))
    t_edge = torch.tensor(u.torch_edge)
    assert torch.sigmoid(t_edge) == 0 and torch.sigmoid(torch.nextafter(t_edge, torch.tensor(0.0))) > 0
    assert torch.isinf(torch.exp(-t_edge))  # torch's 1 / (1 + e⁻ˣ): e⁻ˣ overflows to inf
    assert -104 < u.edge < u.torch_edge < -88
