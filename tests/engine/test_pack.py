"""Padding and packing by hand (engine.rnn.pack) against torch.nn.utils.rnn."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.rnn.pack import pack, pad, sort_by_length, unpack

CODES = [[3, 1, 14], [12, 9], [7, 15, 14, 7], [1], [2, 2]]


def test_pad_fills_zeros_after_each_end():
    padded, lengths = pad(CODES)
    assert lengths.tolist() == [3, 2, 4, 1, 2]
    assert padded.tolist()[1] == [12, 9, 0, 0]
    assert padded.shape == (5, 4)


def test_sort_is_longest_first_and_stable():
    _, lengths = pad(CODES)
    assert sort_by_length(lengths).tolist() == [2, 0, 1, 4, 3]


def test_the_docstring_example():
    p = pack(*pad(CODES[:3]))
    assert p.data.tolist() == [7, 3, 12, 15, 1, 9, 14, 14, 7]
    assert p.batch_sizes.tolist() == [3, 3, 2, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pack_equals_torch_and_round_trips(seed: int):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 12, (9,), generator=g)
    seqs = [torch.randn(int(n), 3, generator=g, dtype=torch.float64) for n in lengths]
    padded, got_lengths = pad(seqs)  # (9, T, 3)
    p = pack(padded, got_lengths)
    ref = pack_padded_sequence(padded, got_lengths, batch_first=True, enforce_sorted=False)
    assert torch.equal(p.batch_sizes, ref.batch_sizes)
    # same data as torch's for the same (stable) order
    ref_sorted = pack_padded_sequence(padded[p.order], p.sorted_lengths, batch_first=True)
    torch.testing.assert_close(p.data, ref_sorted.data, rtol=0, atol=0)
    back, back_lengths = unpack(p.data, p.batch_sizes, p.order)
    torch.testing.assert_close(back, padded, rtol=0, atol=0)
    assert torch.equal(back_lengths, got_lengths)
    ref_back, _ = pad_packed_sequence(ref, batch_first=True)
    torch.testing.assert_close(back, ref_back, rtol=0, atol=0)


def test_bad_lengths_are_named():
    with pytest.raises(ValueError, match="lengths"):
        pack(torch.zeros(2, 3), torch.tensor([4, 1]))
    with pytest.raises(ValueError, match="at least one"):
        pad([[1], []])
