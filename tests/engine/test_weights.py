"""One set of RNN weights: seeded_rnn_weights draws and shape checks (engine.rnn.weights)."""

import pytest
import torch

from engine.rnn.weights import RNNWeights, check, fit, seeded_rnn_weights, shapes


def test_seeded_weights_are_reproducible_and_in_range():
    a, b = seeded_rnn_weights(4, 9, 3, 2, seed=11), seeded_rnn_weights(4, 9, 3, 2, seed=11)
    for s, t in zip(a.tensors(), b.tensors(), strict=True):
        assert torch.equal(s, t)
        assert s.abs().max() <= 1 / 3 + 1e-9
    assert [tuple(t.shape) for t in a.tensors()] == list(shapes(4, 9, 3, 2).values())
    assert not torch.equal(a.layers[0].W_hh, seeded_rnn_weights(4, 9, 3, 2, seed=12).layers[0].W_hh)


def test_shape_checks_name_the_weight():
    w = seeded_rnn_weights(2, 3)
    bad = RNNWeights(w.layers, torch.zeros(1, 4), w.b_y)
    with pytest.raises(ValueError, match=r"W_hy must have shape \[1, 3\]"):
        check(bad)
    assert fit("b_y", torch.tensor(2.0), (1,)).shape == (1,)
    with pytest.raises(ValueError, match="W_hh"):
        fit("W_hh", torch.tensor(2.0), (2, 2))
