"""§1.2 convolution: the engine against torch as the oracle."""

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.cnn.conv import ConvSettings, conv, multiplications, output_size, partial_maps
from engine.cnn.kernels import weight
from engine.cnn.trace import neighbourhood, trace, trace_patch, window

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
    assert conv(x, w, b, s).shape[1:] == (output_size(9, 3, s), output_size(11, 3, s))


@pytest.mark.parametrize(("stride", "padding", "dilation", "c"), SETTINGS)
def test_each_trace_step_is_the_conv_output(stride: int, padding: int, dilation: int, c: int) -> None:
    x, w, b = _case(c, seed=1)
    s = ConvSettings(stride, padding, dilation)
    expected = F.conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation)[0]
    for group in (0, 3):
        tr = trace(x, w, b, group, s)
        assert len(tr.steps) == expected.shape[1] * expected.shape[2]
        for st in tr.steps:
            assert_close(st.products, st.window * w[group])
            assert_close(st.channel_sums.sum().item(), st.total, rtol=1e-5, atol=1e-3)
            assert_close(st.total + st.bias, expected[group, st.row, st.col].item(), rtol=1e-5, atol=1e-3)
            assert st.value == st.total + st.bias
        assert_close(tr.output, expected[group], rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize(("stride", "padding", "dilation", "c"), SETTINGS)
@pytest.mark.parametrize(("top", "left", "size"), [(0, 0, 4), (2, 4, 6), (6, 8, 4), (4, 6, 8), (3, 3, 5)])
def test_trace_of_a_patch_is_the_whole_images_output(
    stride: int, padding: int, dilation: int, c: int, top: int, left: int, size: int
) -> None:
    """The stepper on a patch: its padding ring is the image's own pixels, so every step is the
    value F.conv2d gives on the whole (9, 11) image at the matching output position."""
    x, w, b = _case(c, seed=3)
    s = ConvSettings(stride, padding, dilation)
    top, left = top - top % stride, left - left % stride  # on the output grid, as the API does
    expected = F.conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation)[0]
    try:
        tr = trace_patch(x, w, b, 1, s, top, left, size)
    except ValueError:  # the kernel's span is wider than this patch with its ring
        ph, pw = min(size, 9 - top), min(size, 11 - left)
        assert dilation * 2 + 1 > min(ph, pw) + 2 * padding
        return
    h2, w2 = tr.output.shape
    assert (tr.first_row, tr.first_col) == (top // stride, left // stride)
    covered = expected[1, tr.first_row : tr.first_row + h2, tr.first_col : tr.first_col + w2]
    assert covered.shape == (h2, w2)  # every stepped position exists in the whole map
    assert_close(tr.output, covered, rtol=1e-5, atol=1e-3)
    for st in tr.steps:
        assert_close(
            st.value, expected[1, tr.first_row + st.row, tr.first_col + st.col].item(), rtol=1e-5, atol=1e-3
        )


def test_patch_ring_is_real_pixels_and_zeros_only_past_the_edge() -> None:
    x = torch.arange(1.0, 50.0).reshape(1, 7, 7)  # no zero inside the image
    ring = neighbourhood(x, 2, 3, 3, 1)  # (1, 5, 5): rows 1–5, columns 2–6 of the image
    assert_close(ring[0], x[0, 1:6, 2:7])
    corner = neighbourhood(x, 0, 5, 3, 2)  # the patch is cut to 3×2 by the right edge
    assert corner.shape == (1, 7, 6)
    assert_close(corner, F.pad(x, (2, 2, 2, 2))[:, 0:7, 5:11])
    assert (corner[0, :2] == 0).all() and (corner[0, :, 4:] == 0).all()  # beyond the top and right
    assert (corner[0, 2:, :4] > 0).all()  # the rest is the image itself
    # the default page case: the old stepper padded the patch with zeros and got another number
    w = torch.ones(1, 1, 3, 3)
    whole = F.conv2d(x[None], w, padding=1)[0, 0]
    tr = trace_patch(x, w, s=ConvSettings(padding=1), top=2, left=3, size=3)
    assert_close(tr.output, whole[2:5, 3:6])
    assert tr.steps[0].value != trace(x[:, 2:5, 3:6], w, s=ConvSettings(padding=1)).steps[0].value


def test_patch_corner_must_sit_on_the_stride_grid() -> None:
    x, w, b = _case(1)
    with pytest.raises(ValueError, match="multiples of the stride 2"):
        trace_patch(x, w, b, s=ConvSettings(stride=2), top=1, left=0, size=4)
    with pytest.raises(ValueError, match="inside the 9×11 image"):
        trace_patch(x, w, b, top=9, left=0, size=4)


def test_trace_visits_positions_row_by_row_with_stride() -> None:
    x = torch.arange(25.0).reshape(1, 5, 5)
    w = torch.ones(1, 1, 3, 3)
    tr = trace(x, w, s=ConvSettings(stride=2, padding=1))
    assert [(st.row, st.col, st.top, st.left) for st in tr.steps] == [
        (0, 0, 0, 0),
        (0, 1, 0, 2),
        (0, 2, 0, 4),
        (1, 0, 2, 0),
        (1, 1, 2, 2),
        (1, 2, 2, 4),
        (2, 0, 4, 0),
        (2, 1, 4, 2),
        (2, 2, 4, 4),
    ]
    assert tr.padded.shape == (1, 7, 7)
    assert tr.steps[0].window[0, 0].tolist() == [0, 0, 0]  # the zero border
    assert tr.steps[4].total == 6 + 7 + 8 + 11 + 12 + 13 + 16 + 17 + 18  # the middle 3×3


def test_dilated_window_skips_pixels() -> None:
    xp = torch.arange(49.0).reshape(1, 7, 7)
    assert window(xp, 0, 0, 3, 3)[0].tolist() == [[0, 3, 6], [21, 24, 27], [42, 45, 48]]
    assert window(xp, 2, 1, 2, 2)[0].tolist() == [[15, 17], [29, 31]]


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


def test_output_size_rule() -> None:
    assert output_size(5, 3, ConvSettings()) == 3  # the course's X = A − 2·(a//2)
    assert output_size(5, 3, ConvSettings(padding=1)) == 5
    assert output_size(7, 3, ConvSettings(stride=2)) == 3
    assert output_size(7, 3, ConvSettings(dilation=3)) == 1


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "msg"),
    [
        ((3, 4, 4), (1, 3, 5, 5), "larger than the padded input 4"),
        ((3, 4, 4), (1, 2, 3, 3), "C = 2"),
        ((4, 4), (1, 1, 3, 3), "(C, H, W)"),
        ((1, 4, 4), (1, 1, 3, 2), "(B, C, a, a)"),
    ],
)
def test_bad_shapes_raise_value_error(x_shape: tuple, w_shape: tuple, msg: str) -> None:
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        conv(torch.zeros(x_shape), torch.zeros(w_shape))


def test_bad_group_and_bias() -> None:
    x, w, b = _case(1)
    with pytest.raises(ValueError, match="group must be 0–3"):
        trace(x, w, b, group=4)
    with pytest.raises(ValueError, match="group must be 0–3"):
        partial_maps(x, w, -1)
    with pytest.raises(ValueError, match="B = 4"):
        conv(x, w, b[:2])
