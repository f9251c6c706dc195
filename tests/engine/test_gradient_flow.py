"""§5.3 gradient flow: the norms are autograd's, W_hh has the asked spectral radius, and the GRU keeps
far more gradient than the tanh RNN; torch.nn.RNNCell and torch.nn.GRUCell are the oracles."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from engine.rnn.gradient_flow import (
    FlowSetup,
    flow,
    jacobian_chain,
    reference,
    scaled,
    setup,
    spectral_radius,
)


def torch_norms(s: FlowSetup, radius: float, kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(T + 1,) ‖∂L/∂h_t‖ and h_T from torch's own cells, read off h_t.grad."""
    H, In = s.W.shape[0], s.x.shape[1]
    W_hh = scaled(s.W, radius)
    if kind == "rnn":
        cell = nn.RNNCell(In, H, dtype=torch.float64)
        zero = torch.zeros(H)
        weights = {"weight_ih": s.W_xh, "weight_hh": W_hh, "bias_ih": zero, "bias_hh": zero}
    else:
        cell = nn.GRUCell(In, H, dtype=torch.float64)
        b_hh = torch.cat([torch.zeros(H), torch.full((H,), s.update_bias), torch.zeros(H)])
        weights = {
            "weight_ih": torch.cat([s.W_ir, s.W_iz, s.W_xh]),
            "weight_hh": torch.cat([s.W_hr, s.W_hz, W_hh]),  # W_hn = the RNN's W_hh
            "bias_ih": torch.zeros(3 * H),
            "bias_hh": b_hh,
        }
    with torch.no_grad():
        for k, v in weights.items():
            getattr(cell, k).copy_(v)
    h = torch.zeros(1, H, dtype=torch.float64, requires_grad=True)
    hs = [h]
    for t in range(s.steps):
        h = cell(s.x[t][None], h)
        h.retain_grad()
        hs.append(h)
    (h[0] @ s.u).backward()
    return torch.stack([v.grad[0].norm() for v in hs]), h[0].detach()


@pytest.mark.parametrize("radius", [0.5, 0.8, 1.0, 1.37, 1.5])
def test_scaled_w_hh_has_the_spectral_radius(radius: float):
    s = setup(32, 5, seed=3)
    W_hh = scaled(s.W, radius)
    assert spectral_radius(W_hh) == pytest.approx(radius, rel=1e-10)
    assert torch.linalg.eigvals(W_hh).abs().max().item() == pytest.approx(radius, rel=1e-10)


@pytest.mark.parametrize("kind", ["rnn", "gru"])
@pytest.mark.parametrize("radius", [0.7, 1.2])
def test_norms_equal_torch_autograd(kind: str, radius: float):
    s = setup(16, 30, seed=1, input_scale=0.7, update_bias=1.5)
    ours = flow(s, [radius], kind).norms[0]
    theirs, _ = torch_norms(s, radius, kind)
    assert_close(ours, theirs, rtol=1e-10, atol=0)


def test_rnn_norms_equal_the_hand_product_of_jacobians():
    s = setup(24, 40, seed=2)
    assert_close(flow(s, [0.9], "rnn").norms[0], jacobian_chain(s, 0.9), rtol=1e-10, atol=0)


def test_linear_cell_is_exactly_a_power_of_w_hh():
    s = setup(8, 12, seed=4)
    W_hh = scaled(s.W, 1.1)
    want = torch.stack([torch.linalg.matrix_power(W_hh.T, s.steps - t) @ s.u for t in range(s.steps + 1)])
    assert_close(flow(s, [1.1], "linear").norms[0], want.norm(dim=1), rtol=1e-10, atol=0)


def test_every_radius_of_a_batch_is_its_own_run():
    s = setup(16, 25, seed=5)
    batch = flow(s, [0.6, 1.0, 1.4], "gru")
    for k, radius in enumerate([0.6, 1.0, 1.4]):
        assert_close(batch.norms[k], flow(s, [radius], "gru").norms[0], rtol=1e-12, atol=0)


def test_gru_keeps_orders_of_magnitude_more_gradient_at_radius_0_8():
    s = setup(64, 50, seed=0)
    rnn, gru = flow(s, [0.8], "rnn").norms[0], flow(s, [0.8], "gru").norms[0]
    assert rnn[-1] == pytest.approx(1.0) and gru[-1] == pytest.approx(1.0)  # ‖∂L/∂h_T‖ = ‖u‖
    assert rnn[0] < 1e-6  # vanished: below 0.8**50 ≈ 1.4e-5, since tanh' ≤ 1
    assert gru[0] / rnn[0] > 1e5  # measured: 0.093 / 1.6e-8 ≈ 6e6
    assert flow(s, [0.8], "gru").z_mean.item() > 0.9  # the update gate mostly keeps h_{t−1}


def test_reference_line():
    assert_close(reference(0.8, 3), torch.tensor([0.8**3, 0.8**2, 0.8, 1.0], dtype=torch.float64))


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="hidden_size"):
        setup(0, 5)
    with pytest.raises(ValueError, match="W_hh: must have shape"):
        setup(4, 5, W_hh=torch.eye(3))
    with pytest.raises(ValueError, match="spectral radius"):
        scaled(torch.zeros(3, 3), 1.0)
    with pytest.raises(ValueError, match="cell kind"):
        flow(setup(4, 5), [1.0], "lstm")  # type: ignore[arg-type]
