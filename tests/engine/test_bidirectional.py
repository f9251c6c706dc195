"""§5.1–5.2 the bidirectional RNN and its cross-entropy against torch.nn.RNN(bidirectional=True)."""

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.rnn import bidirectional as bi
from engine.rnn.cell import one_hot


@pytest.mark.parametrize(("steps", "inputs", "hidden", "classes"), [(1, 1, 1, 2), (5, 3, 4, 3), (9, 2, 6, 7)])
def test_equals_nn_rnn_bidirectional(steps: int, inputs: int, hidden: int, classes: int):
    w = bi.from_dict(bi.seeded_bi_weights(inputs, hidden, classes, seed=steps, decimals=None))
    x = torch.randn(steps, inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    tr = bi.forward(x, w, target=classes - 1)
    output, h_n = bi.torch_rnn(w)(x)  # (T, 2H), (2, H)
    assert output.shape == (steps, 2 * hidden) and h_n.shape == (2, hidden)
    assert_close(output[:, :hidden], tr.hf)  # the forward half, position by position
    assert_close(output[:, hidden:], tr.hb)  # the backward half, position by position
    assert_close(h_n[0], tr.hf[-1])  # h^f_T: the last row's forward half
    assert_close(h_n[1], tr.hb[0])  # h^b_1: the FIRST row's backward half
    assert_close(tr.hidden, h_n.reshape(-1))


def test_loss_is_cross_entropy_and_probabilities_add_up():
    w = bi.from_dict(bi.seeded_bi_weights(26, 3, 5, seed=4))
    x = one_hot("hello")
    for target in range(5):
        tr = bi.forward(x, w, target)
        logits = w.W_out @ tr.hidden + w.b_out
        assert_close(tr.logits, logits)
        assert_close(tr.probs, torch.softmax(logits, 0))
        assert_close(tr.probs.sum(), torch.tensor(1.0, dtype=torch.float64))
        assert_close(tr.loss, F.cross_entropy(logits[None], torch.tensor([target])))
        assert_close(tr.loss, -torch.log(tr.probs[target]))
    _, _, loss = bi.with_torch(x, w, 2)
    assert_close(loss, bi.forward(x, w, 2).loss)


def test_backward_cell_reads_right_to_left():
    """With H = 1 and scalar weights, the backward states follow the recursion from the end."""
    d = {
        "forward.W_xh": torch.tensor([[0.5]]),
        "forward.W_hh": torch.tensor([[0.8]]),
        "forward.b_h": torch.tensor([0.1]),
        "backward.W_xh": torch.tensor([[-0.3]]),
        "backward.W_hh": torch.tensor([[0.6]]),
        "backward.b_h": torch.tensor([0.2]),
        "W_out": torch.tensor([[1.0, -1.0], [0.5, 0.5]]),
        "b_out": torch.tensor([0.0, 0.1]),
    }
    w = bi.from_dict({k: v.double() for k, v in d.items()})
    xs = [1.0, -1.0, 2.0]
    tr = bi.forward(torch.tensor(xs, dtype=torch.float64)[:, None], w, 0)
    hb, back = 0.0, []
    for x in reversed(xs):
        hb = torch.tanh(torch.tensor(-0.3 * x + 0.6 * hb + 0.2, dtype=torch.float64)).item()
        back.append(hb)
    assert_close(tr.hb[:, 0], torch.tensor(back[::-1], dtype=torch.float64))


def test_seeded_weights_are_repeatable_and_readable():
    a, b = bi.seeded_bi_weights(2, 3, 4, seed=9), bi.seeded_bi_weights(2, 3, 4, seed=9)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert {k: tuple(v.shape) for k, v in a.items()} == bi.shapes(2, 3, 4)
    assert all(torch.equal(v, v.round(decimals=2)) for v in a.values())
    assert a["W_out"].abs().max() <= 6**-0.5 and a["forward.W_hh"].abs().max() <= 3**-0.5
    assert not torch.equal(a["forward.W_hh"], a["backward.W_hh"])  # two directions, two sets of weights


def test_bad_shapes_and_targets_name_the_problem():
    d = bi.seeded_bi_weights(2, 3, 4)
    d["backward.W_hh"] = torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"backward.W_hh must have shape \[3, 3\]"):
        bi.from_dict(d)
    w = bi.from_dict(bi.seeded_bi_weights(2, 3, 4))
    with pytest.raises(ValueError, match="target must be a class from 0 to 3"):
        bi.forward(torch.zeros(5, 2, dtype=torch.float64), w, 4)
    with pytest.raises(ValueError, match="features per step"):
        bi.forward(torch.zeros(5, 3, dtype=torch.float64), w, 0)


def test_the_trace_beside_torch_is_torchs_own_within_rounding():
    w = bi.from_dict(bi.seeded_bi_weights(26, 4, 3, seed=2))
    x = one_hot("naturally")
    tr, check = bi.forward_beside_torch(x, w, 1)
    output, h_n, loss = bi.with_torch(x, w, 1)
    assert_close(check.output, output)
    assert_close(check.h_n, h_n)
    assert_close(check.loss, loss)
    assert_close(tr.loss, bi.forward(x, w, 1).loss)
    assert 0 <= check.max_difference < 1e-12
