"""§1.2 one convolution step by step (engine.cnn.trace) against F.conv2d."""

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.cnn.conv import ConvSettings
from engine.cnn.trace import neighbourhood, trace_conv, trace_conv_patch, window
from tests.engine.test_conv import SETTINGS, _case


@pytest.mark.parametrize(("stride", "padding", "dilation", "c"), SETTINGS)
def test_each_trace_step_is_the_conv_output(stride: int, padding: int, dilation: int, c: int) -> None:
    x, w, b = _case(c, seed=1)
    s = ConvSettings(stride, padding, dilation)
    expected = F.conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation)[0]
    for group in (0, 3):
        tr = trace_conv(x, w, b, group, s)
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
        tr = trace_conv_patch(x, w, b, 1, s, top, left, size)
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
    tr = trace_conv_patch(x, w, s=ConvSettings(padding=1), top=2, left=3, size=3)
    assert_close(tr.output, whole[2:5, 3:6])
    assert tr.steps[0].value != trace_conv(x[:, 2:5, 3:6], w, s=ConvSettings(padding=1)).steps[0].value


def test_patch_corner_must_sit_on_the_stride_grid() -> None:
    x, w, b = _case(1)
    with pytest.raises(ValueError, match="multiples of the stride 2"):
        trace_conv_patch(x, w, b, s=ConvSettings(stride=2), top=1, left=0, size=4)
    with pytest.raises(ValueError, match="inside the 9×11 image"):
        trace_conv_patch(x, w, b, top=9, left=0, size=4)


def test_trace_visits_positions_row_by_row_with_stride() -> None:
    x = torch.arange(25.0).reshape(1, 5, 5)
    w = torch.ones(1, 1, 3, 3)
    tr = trace_conv(x, w, s=ConvSettings(stride=2, padding=1))
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
