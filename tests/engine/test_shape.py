"""Output-size arithmetic against the shapes torch really produces."""

import itertools
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F

from engine.cnn.shape import check, output_size, seed_rule, seed_rule_holds, windows

SIZES, KERNELS, PADS = (1, 4, 5, 7, 8, 13), (1, 2, 3, 4, 5), (0, 1, 2, 3)
STRIDES, DILATIONS = (1, 2, 3), (1, 2)


def _combos() -> Iterator[tuple[int, int, int, int, int]]:  # every setting torch accepts for conv2d
    for a_in, a, p, s, d in itertools.product(SIZES, KERNELS, PADS, STRIDES, DILATIONS):
        if d * (a - 1) + 1 <= a_in + 2 * p:
            yield a_in, a, p, s, d


def test_output_size_matches_conv2d():
    n = 0
    for a_in, a, p, s, d in _combos():
        y = F.conv2d(torch.zeros(1, 1, a_in, a_in), torch.zeros(1, 1, a, a), stride=s, padding=p, dilation=d)
        assert y.shape[-2:] == (output_size(a_in, a, p, s, d),) * 2, (a_in, a, p, s, d)
        n += 1
    assert n > 600


def test_output_size_matches_max_pool2d():
    n = 0
    for a_in, a, p, s, d in _combos():
        if 2 * p > a:  # torch's pooling rule, which `check` enforces too
            with pytest.raises(RuntimeError):
                F.max_pool2d(torch.zeros(1, 1, a_in, a_in), a, s, p, d)
            with pytest.raises(ValueError, match="padding"):
                check(a_in, a, p, s, d, op="pool")
            continue
        y = F.max_pool2d(torch.zeros(1, 1, a_in, a_in), a, s, p, d)
        assert y.shape[-2:] == (output_size(a_in, a, p, s, d),) * 2, (a_in, a, p, s, d)
        n += 1
    assert n > 250


def test_avg_pool2d_shape_and_rectangular_input():
    x = torch.zeros(1, 3, 9, 14)
    y = F.avg_pool2d(x, 3, stride=2, padding=1)
    assert y.shape == (1, 3, output_size(9, 3, 1, 2), output_size(14, 3, 1, 2))


def test_seed_rule_exact_where_it_holds():
    for a_in, a, p, s, d in _combos():
        if seed_rule_holds(a, p, s, d):
            assert seed_rule(a_in, a) == output_size(a_in, a, p, s, d)


@pytest.mark.parametrize(
    ("args", "formula", "seed"),
    [
        ((5, 3), 3, 3),  # the course's example: 5×5, 3×3 kernel → 3×3
        ((5, 3, 1), 5, 3),  # padding 1 keeps 5×5; the shortcut still says 3
        ((6, 2), 5, 4),  # even kernel: off by one
        ((8, 2, 0, 2), 4, 6),  # 2×2 pooling with stride 2 halves the side
        ((7, 3, 0, 1, 2), 3, 5),  # dilation 2 spans 5 cells
        ((5, 3, 1, 2), 3, 3),  # a coincidence: different settings, same number
    ],
)
def test_seed_rule_cases(args: tuple[int, ...], formula: int, seed: int):
    assert output_size(*args) == formula
    assert seed_rule(args[0], args[1]) == seed


def test_windows_cover_the_padded_axis():
    w = windows(7, 3, padding=1, stride=2)
    assert (w.output_size, w.padded_size, w.span, w.starts) == (4, 9, 3, [0, 2, 4, 6])
    assert w.coverage == [1, 1, 2, 1, 2, 1, 2, 1, 1] and w.unused == 0
    w = windows(7, 2, stride=2)  # the last column is never read: the floor drops it
    assert w.coverage == [1, 1, 1, 1, 1, 1, 0] and w.unused == 1
    w = windows(7, 3, dilation=2)  # taps 2 apart
    assert w.starts == [0, 1, 2] and w.coverage == [1, 1, 2, 1, 2, 1, 1]
    assert sum(w.coverage) == w.output_size * 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"size": 5, "kernel": 3, "stride": 0}, "stride"),
        ({"size": 5, "kernel": 3, "padding": -1}, "padding"),
        ({"size": 5, "kernel": 0}, "kernel"),
        ({"size": 0, "kernel": 1}, "size"),
        ({"size": 5, "kernel": 8}, r"kernel: spans .* = 8"),
        ({"size": 5, "kernel": 3, "dilation": 3}, r"kernel: spans .* = 7"),
        ({"size": 5, "kernel": 3, "padding": 2, "op": "pool"}, "padding: must be ≤ half the window"),
        ({"size": 5, "kernel": 3, "op": "dense"}, "op: must be"),
    ],
)
def test_check_names_the_bad_setting(kwargs: dict, field: str):
    with pytest.raises(ValueError, match=field):
        check(**kwargs)
