"""§4.2 the per-step BPTT terms add up to autograd's gradient (float64, to 1e-6)."""

import pytest
import torch
from torch.testing import assert_close

from engine.rnn.bptt import autograd, bptt, squared_error
from engine.rnn.cell import forward
from engine.rnn.weights import Layer, RNNWeights, seeded_rnn_weights

TOL = {"atol": 1e-6, "rtol": 1e-6}


def _target(y: torch.Tensor, mode: str, gen: torch.Generator) -> torch.Tensor:
    shape = y.shape if mode == "every" else y.shape[1:]
    return torch.randn(shape, dtype=torch.float64, generator=gen)


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize("seed", range(6))
def test_terms_add_up_to_autograd(mode: str, seed: int):
    gen = torch.Generator().manual_seed(seed)
    size = lambda hi: int(torch.randint(1, hi + 1, (), generator=gen))  # noqa: E731
    T, n_in, H, n_out, L = size(12), size(6), size(8), size(3), size(3)
    batch = [size(4)] if seed % 2 else []
    w = seeded_rnn_weights(n_in, H, n_out, L, seed=seed, decimals=None)
    x = torch.randn(T, *batch, n_in, dtype=torch.float64, generator=gen)
    h0 = torch.randn(L, *batch, H, dtype=torch.float64, generator=gen) if seed % 3 == 0 else None
    tr = forward(x, w, h0)
    target = _target(tr.y, mode, gen)
    b = bptt(tr, w, target, mode)
    loss, grads = autograd(x, w, target, mode, h0)
    assert_close(b.loss, loss, **TOL)
    for ours, torch_grad in zip(b.totals().tensors(), grads.tensors(), strict=True):
        assert_close(ours, torch_grad, **TOL)
    assert b.layers[0].W_hh.shape == (T, H, H) and b.layers[0].W_xh.shape == (T, H, n_in)
    assert b.dh.shape == (L, T, *batch, H)


def test_dh_is_autograds_gradient_on_h_t():
    w = seeded_rnn_weights(2, 3, 1, 1, seed=5, decimals=None)
    x = torch.randn(4, 2, dtype=torch.float64)
    tr = forward(x, w)
    target = torch.zeros(4, 1, dtype=torch.float64)
    b = bptt(tr, w, target, "every")
    # rebuild the steps with h_t as leaves that feed the rest: ∂L/∂h_t through every later step
    p, h, hs = w.layers[0], torch.zeros(3, dtype=torch.float64, requires_grad=True), []
    for t in range(4):
        h = torch.tanh(p.W_xh @ x[t] + p.W_hh @ h + p.b_h)
        h.retain_grad()
        hs.append(h)
    y = torch.stack(hs) @ w.W_hy.T + w.b_y
    squared_error(y, target, "every").sum().backward()
    assert_close(b.dh[0], torch.stack([h.grad for h in hs]), **TOL)


def test_scalar_preset_by_hand():
    """T = 2, sizes 1: every number can be redone on paper."""
    one = lambda v: torch.tensor([[v]], dtype=torch.float64)  # noqa: E731
    w = RNNWeights(
        [Layer(one(0.5), one(0.8), torch.zeros(1, dtype=torch.float64))],
        one(1.0),
        torch.zeros(1, dtype=torch.float64),
    )
    x = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    tr = forward(x, w)
    b = bptt(tr, w, torch.tensor([0.0], dtype=torch.float64), "last")
    h1, h2 = tr.h[0, :, 0]
    dh2 = h2 - 0.0  # W_hy = 1
    d2 = dh2 * (1 - h2**2)
    d1 = (0.8 * d2) * (1 - h1**2)
    assert_close(b.layers[0].W_hh[:, 0, 0], torch.stack([d1 * 0, d2 * h1]))
    assert_close(b.layers[0].W_xh[:, 0, 0], torch.stack([d1 * 1, d2 * 2]))
    assert_close(b.step_losses, torch.stack([h1 * 0, 0.5 * h2**2]))


def test_bad_target_and_mode():
    w = seeded_rnn_weights(1, 2, 2)
    tr = forward(torch.zeros(3, 1, dtype=torch.float64), w)
    with pytest.raises(ValueError, match=r"target must have shape \[3, 2\]"):
        bptt(tr, w, torch.zeros(2, dtype=torch.float64), "every")
    with pytest.raises(ValueError, match="loss mode"):
        squared_error(tr.y, torch.zeros(2), "mean")  # type: ignore[arg-type]
