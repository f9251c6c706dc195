"""§5.3 the GRU by hand (engine.rnn.gru) against torch's nn.GRUCell and nn.GRU."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.rnn.gru import all_weights, cell, gru, weights_of


def _nn_gru(seed: int, layers: int = 2, bidirectional: bool = True) -> nn.GRU:
    torch.manual_seed(seed)
    return nn.GRU(5, 4, num_layers=layers, bidirectional=bidirectional, batch_first=True).double().eval()


def test_one_cell_equals_gru_cell():
    net = _nn_gru(0, layers=1, bidirectional=False)
    w = weights_of(net, 0)
    ref = nn.GRUCell(5, 4).double()
    ref.load_state_dict({"weight_ih": w.w_ih, "weight_hh": w.w_hh, "bias_ih": w.b_ih, "bias_hh": w.b_hh})
    x, h = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    torch.testing.assert_close(cell(x, h, w)[3], ref(x, h), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_gru_by_hand_equals_nn_gru_on_packed_input(seed: int):
    net = _nn_gru(seed)
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([6, 2, 4, 1, 6, 3])
    x = torch.randn(6, 6, 5, generator=g, dtype=torch.float64)
    x[torch.arange(6)[None, :] >= lengths[:, None]] = 99.0  # padding: must be ignored
    tr = gru(x, lengths, all_weights(net))
    with torch.no_grad():
        out, h_n = net(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    ref_out, _ = pad_packed_sequence(out, batch_first=True)
    torch.testing.assert_close(tr.h_n, h_n, rtol=0, atol=1e-6)
    torch.testing.assert_close(tr.output, ref_out, rtol=0, atol=1e-6)
    # gates: shapes and the update rule h = (1 − z) n + z h_prev, within each sequence
    assert tr.z.shape == (2, 2, 6, 6, 4)
    h_prev = torch.cat([torch.zeros_like(tr.h[..., :1, :]), tr.h[..., :-1, :]], dim=-2)
    fwd = (1 - tr.z[:, 0]) * tr.n[:, 0] + tr.z[:, 0] * h_prev[:, 0]
    torch.testing.assert_close(fwd, tr.h[:, 0], rtol=0, atol=1e-12)
    assert float(tr.r[:, :, 1, 2:].abs().max()) == 0.0  # past the end of a length-2 name
