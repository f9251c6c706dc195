"""Pooling, by torch and by hand, against torch's own operators."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.cnn.kernels import weight
from engine.cnn.pool import feature_maps, pool2d, trace_pool

SETTINGS = [(k, s, p) for k, s, p in itertools.product((1, 2, 3, 4), (1, 2, 3), (0, 1, 2)) if 2 * p <= k]


@pytest.fixture
def x() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (3, 9, 11), generator=g).float()  # ties are common


@pytest.mark.parametrize(("k", "s", "p"), SETTINGS)
def test_trace_max_matches_max_pool2d_and_its_indices(x: torch.Tensor, k: int, s: int, p: int):
    y, idx = F.max_pool2d(x[None], k, s, p, return_indices=True)
    tr = trace_pool(x, "max", k, s, p)
    assert_close(tr.output, y[0], rtol=0, atol=0)
    assert torch.equal(tr.argmax, idx[0])
    assert_close(pool2d(x, "max", k, s, p), y[0])


@pytest.mark.parametrize(("k", "s", "p"), SETTINGS)
def test_trace_avg_matches_avg_pool2d(x: torch.Tensor, k: int, s: int, p: int):
    y = F.avg_pool2d(x[None], k, s, p)[0]  # count_include_pad=True: padded zeros are averaged in
    tr = trace_pool(x, "avg", k, s, p)
    assert_close(tr.output, y)
    assert_close(pool2d(x, "avg", k, s, p), y)
    assert tr.argmax is None and tr.divisor == k * k


def test_trace_windows_and_ties():
    x = torch.tensor([[[1.0, 5, 2, 2], [5, 3, 2, 2], [0, 0, 9, 1], [0, 0, 1, 9]]])  # (1, 4, 4)
    tr = trace_pool(x, "max", 2)
    assert (tr.rows, tr.cols) == ([0, 2], [0, 2])
    assert tr.output.tolist() == [[[5, 2], [0, 9]]]
    assert tr.argmax.tolist() == [[[1, 2], [8, 10]]]  # the first maximum in reading order wins
    tr = trace_pool(x, "max", 3, stride=2, padding=1)
    assert (tr.rows, tr.cols) == ([-1, 1], [-1, 1])
    assert tr.output.tolist() == [[[5, 5], [5, 9]]]


def test_default_stride_is_the_window_and_channels_stay(x: torch.Tensor):
    y = pool2d(x, "max", 2)
    assert y.shape == (3, 4, 5)
    assert_close(y, torch.nn.MaxPool2d(2)(x[None])[0])
    assert_close(pool2d(x, "avg", 3), torch.nn.AvgPool2d(3)(x[None])[0])


def test_feature_maps_match_conv2d(x: torch.Tensor):
    maps, w = feature_maps(x, ["edge", "blur"])
    assert maps.shape == (2, 9, 11) and w.shape == (2, 3, 3, 3)
    assert_close(w, weight(["edge", "blur"], 3))
    assert_close(maps, torch.nn.functional.conv2d(x[None], w, padding=1)[0])
    assert_close(maps[1], F.avg_pool2d(x.mean(0)[None, None], 3, 1, 1, count_include_pad=True)[0, 0])


def test_max_pooling_keeps_the_strong_edge_response():
    x = torch.zeros(1, 8, 8)
    x[:, :, 4:] = 255.0  # a vertical edge between columns 3 and 4
    maps, _ = feature_maps(x, ["edge_vertical"])
    assert_close(pool2d(maps, "max", 2).amax(), maps.amax())
    assert pool2d(maps, "avg", 2).amax() < maps.amax()


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (("max", 3, 1, 2), "padding: must be ≤ half the window .*: 3 // 2 = 1"),
        (("max", 12), r"kernel: spans d·\(a − 1\) \+ 1 = 12"),
        (("min", 2), "kind: must be one of"),
        (("max", 2, 0), "stride: must be ≥ 1"),
        (("max", 2, None), None),  # no stride: the window size
    ],
)
def test_bad_settings_raise_value_error(x: torch.Tensor, args: tuple, msg: str | None):
    if msg is None:
        assert pool2d(x, *args).shape == (3, 4, 5)
        return
    with pytest.raises(ValueError, match=msg):
        pool2d(x, *args)
    with pytest.raises(ValueError, match=msg):
        trace_pool(x, *args)
