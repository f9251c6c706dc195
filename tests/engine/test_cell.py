"""§4.1 the unrolled RNN (engine.rnn.cell) against torch.nn.RNN."""

import pytest
import torch
from torch.testing import assert_close

from engine.rnn.cell import forward, one_hot, step
from engine.rnn.weights import Layer, RNNWeights, seeded_rnn_weights, torch_rnn


@pytest.mark.parametrize("num_layers", [1, 2])
def test_forward_equals_nn_rnn(num_layers: int):
    w = seeded_rnn_weights(3, 5, 2, num_layers, seed=7)
    x = torch.randn(6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    tr = forward(x, w)
    out, h_n = torch_rnn(w)(x)  # (T, H), (L, H)
    assert tr.h.shape == (num_layers, 6, 5) and tr.y.shape == (6, 2)
    assert_close(tr.h[-1], out)
    assert_close(tr.h[:, -1], h_n)
    assert_close(tr.y, out @ w.W_hy.T + w.b_y)


def test_batched_with_a_start_state():
    w = seeded_rnn_weights(2, 4, 1, 2, seed=3)
    x = torch.randn(5, 3, 2, dtype=torch.float64)  # (T, B, I)
    h0 = torch.randn(2, 3, 4, dtype=torch.float64)
    tr = forward(x, w, h0)
    out, h_n = torch_rnn(w)(x, h0)
    assert tr.h.shape == (2, 5, 3, 4)
    assert_close(tr.h[-1], out)
    assert_close(tr.h[:, -1], h_n)


def test_every_step_is_the_same_cell_with_the_same_weights():
    w = seeded_rnn_weights(1, 2, 1, seed=0)
    x = torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
    tr = forward(x, w)
    p = w.layers[0]
    h = torch.zeros(1, 2, dtype=torch.float64)
    for t in range(3):
        xw, hw, a, h = step(x[t : t + 1], h, p.W_xh, p.W_hh, p.b_h)
        assert_close(tr.xw[0, t], (p.W_xh @ x[t]))
        assert_close(tr.hw[0, t], hw[0])
        assert_close(tr.a[0, t], tr.xw[0, t] + tr.hw[0, t] + p.b_h)
        assert_close(tr.h[0, t], torch.tanh(a[0]))


def test_scalar_by_hand():
    """Input and hidden size 1: h_t = tanh(0.5·x_t + 0.8·h_{t-1}), y_t = 2·h_t + 0.1."""
    one = lambda v: torch.tensor([[v]], dtype=torch.float64)  # noqa: E731
    zero = torch.zeros(1, dtype=torch.float64)
    w = RNNWeights([Layer(one(0.5), one(0.8), zero)], one(2.0), zero + 0.1)
    tr = forward(torch.tensor([[1.0], [-1.0]], dtype=torch.float64), w)
    h1 = torch.tanh(torch.tensor(0.5, dtype=torch.float64))
    h2 = torch.tanh(-0.5 + 0.8 * h1)
    assert_close(tr.h[0, :, 0], torch.stack([h1, h2]))
    assert_close(tr.y[:, 0], 2 * torch.stack([h1, h2]) + 0.1)


def test_one_hot():
    x = one_hot("abca", "abc")
    assert_close(x, torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="'z'"):
        one_hot("az", "abc")
    with pytest.raises(ValueError, match="repeats"):
        one_hot("a", "aa")


def test_forward_names_a_bad_input_or_start_state():
    w = seeded_rnn_weights(2, 3)
    with pytest.raises(ValueError, match="features per step"):
        forward(torch.zeros(4, 5), w)
    with pytest.raises(ValueError, match="h0"):
        forward(torch.zeros(4, 2, dtype=torch.float64), w, torch.zeros(2, 3))
