"""MNIST-style preprocessing of a drawing: invert, crop, fit 20×20, centre by mass in 28×28."""

import pytest
import torch

from engine.data.preprocess import BlankDrawing, centre_of_mass, mnist_style


def drawing(h: int = 200, w: int = 160) -> torch.Tensor:
    """Dark ink on white paper, off-centre: a thick 7."""
    x = torch.full((h, w), 255.0)
    x[30:45, 20:110] = 0  # the bar
    for i in range(100):  # the stem, slanting down to the left
        x[45 + i, 95 - i // 2 : 110 - i // 2] = 0
    return x


def test_a_drawing_lands_centred_in_28x28():
    s = mnist_style(drawing())
    assert s.inverted is True
    assert s.centred.shape == (28, 28)
    assert max(s.fitted.shape) == 20
    cy, cx = centre_of_mass(s.centred)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    ink_rows = (s.centred > 40).any(dim=1).nonzero().flatten()
    assert ink_rows[-1] - ink_rows[0] + 1 <= 20
    assert s.centred.max() > 200 and s.centred[0, 0] == 0  # white ink on black, like MNIST


def test_the_crop_is_the_ink_box():
    s = mnist_style(drawing())
    assert s.box == (30, 20, 145, 110)
    torch.testing.assert_close(s.cropped, s.ink[30:145, 20:110])


def test_light_ink_on_dark_is_not_inverted():
    s = mnist_style(255 - drawing())
    assert s.inverted is False
    torch.testing.assert_close(s.centred, mnist_style(drawing()).centred)


def test_a_blank_canvas_is_refused():
    with pytest.raises(BlankDrawing, match="blank"):
        mnist_style(torch.full((100, 100), 255.0))


@pytest.mark.parametrize("shape", [(1, 1), (5, 40)])
def test_tiny_pictures_are_refused(shape: tuple[int, int]):
    with pytest.raises(ValueError, match="at least"):
        mnist_style(torch.zeros(shape))
