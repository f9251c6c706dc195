"""§1.2 convolution: the engine against torch as the oracle."""

import re

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.cnn.conv import ConvSettings, conv, multiplications, output_shape, partial_maps
from engine.cnn.kernels import weight
from engine.cnn.trace import trace_conv

SETTINGS = [
    (1, 0, 1, 1),  # stride, padding, dilation, channels
    (1, 1, 1, 3),
    (2, 1, 1, 3),
    (2, 0, 2, 2),
    (3, 2, 1, 4),
    (1, 3, 3, 1),
]


def _case(c: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (c, 9, 11), generator=g).float()  # (C, H, W) like pixels
    w = torch.randn(4, c, 3, 3, generator=g)  # (B, C, a, a)
    b = torch.randn(4, generator=g)
    return x, w, b


@pytest.mark.parametrize(("stride", "padding", "dilation", "c"), SETTINGS)
def test_conv_is_nn_conv2d(stride: int, padding: int, dilation: int, c: int) -> None:
    x, w, b = _case(c)
    layer = torch.nn.Conv2d(c, 4, 3, stride=stride, padding=padding, dilation=dilation)
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(b)
        expected = layer(x[None])[0]
    s = ConvSettings(stride, padding, dilation)
    assert_close(conv(x, w, b, s), expected)
    assert conv(x, w, b, s).shape == output_shape((c, 9, 11), (4, c, 3, 3), s)


@pytest.mark.parametrize(("stride", "padding", "dilation", "c"), SETTINGS)
def test_partial_maps_add_up_to_the_output(stride: int, padding: int, dilation: int, c: int) -> None:
    x, w, b = _case(c, seed=2)
    s = ConvSettings(stride, padding, dilation)
    y = conv(x, w, b, s)
    for group in range(4):
        parts = partial_maps(x, w, group, s)  # (C, H', W')
        assert parts.shape == (c, *y.shape[1:])
        for ch in range(c):
            one = F.conv2d(
                x[None, ch : ch + 1],
                w[group : group + 1, ch : ch + 1],
                stride=stride,
                padding=padding,
                dilation=dilation,
            )[0, 0]
            assert_close(parts[ch], one, rtol=1e-5, atol=1e-3)
        assert_close(parts.sum(0) + b[group], y[group], rtol=1e-5, atol=1e-3)


def test_library_weight_on_rgb() -> None:
    x = torch.rand(3, 8, 8) * 255
    w = weight(["identity", "sobel_x"], 3)  # (2, 3, 3, 3)
    y = conv(x, w, s=ConvSettings(padding=1))
    assert_close(y[0], x.mean(0))  # identity / 3 on each channel: the channel average
    assert multiplications(tuple(x.shape), tuple(w.shape), ConvSettings(padding=1)) == 2 * 64 * 27


def test_output_shape_rule() -> None:
    w = (4, 1, 3, 3)
    assert output_shape((1, 5, 7), w, ConvSettings()) == (4, 3, 5)  # the course's X = A − 2·(a//2)
    assert output_shape((1, 5, 5), w, ConvSettings(padding=1)) == (4, 5, 5)
    assert output_shape((1, 7, 7), w, ConvSettings(stride=2)) == (4, 3, 3)
    assert output_shape((1, 7, 7), w, ConvSettings(dilation=3)) == (4, 1, 1)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "msg"),
    [
        ((3, 4, 4), (1, 3, 5, 5), "padded input's A + 2p = 4"),
        ((3, 4, 4), (1, 2, 3, 3), "C = 2"),
        ((4, 4), (1, 1, 3, 3), "(C, H, W)"),
        ((1, 4, 4), (1, 1, 3, 2), "(B, C, a, a)"),
    ],
)
def test_bad_shapes_raise_value_error(x_shape: tuple, w_shape: tuple, msg: str) -> None:
    with pytest.raises(ValueError, match=re.escape(msg)):
        conv(torch.zeros(x_shape), torch.zeros(w_shape))


def test_bad_group_and_bias() -> None:
    x, w, b = _case(1)
    with pytest.raises(ValueError, match="group: must be 0–3"):
        trace_conv(x, w, b, group=4)
    with pytest.raises(ValueError, match="group: must be 0–3"):
        partial_maps(x, w, -1)
    with pytest.raises(ValueError, match="B = 4"):
        conv(x, w, b[:2])
