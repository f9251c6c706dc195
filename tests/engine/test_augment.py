"""Augmentation by random affine maps: exact moves and turns against torch's own ops."""

import math

import pytest
import torch

from engine.data.augment import Jitter, affine_matrices, random_affine, transform

ONE = torch.ones(1)


def warp(
    x: torch.Tensor,
    angle: float = 0.0,
    scale: float = 1.0,
    shift: tuple[float, float] = (0.0, 0.0),
    fill: str = "min",
):
    theta = affine_matrices(ONE * angle, ONE * scale, torch.tensor([shift]))
    return transform(x, theta, fill)


def test_identity_changes_nothing():
    x = torch.rand(1, 3, 9, 7)
    torch.testing.assert_close(warp(x), x)


def test_a_one_pixel_shift_moves_every_pixel_and_fills_with_the_background():
    x = torch.rand(1, 1, 8, 8) + 1  # background (the minimum) > 0, so a zero fill would show
    moved = warp(x, shift=(2 / 8, 0.0))  # one pixel right: the side spans 2 units
    torch.testing.assert_close(moved[..., 1:], x[..., :-1])
    torch.testing.assert_close(moved[..., 0], x.amin().expand(1, 1, 8))
    down = warp(x, shift=(0.0, 2 * 2 / 8))  # two pixels down
    torch.testing.assert_close(down[..., 2:, :], x[..., :-2, :])


def test_a_quarter_turn_equals_rot90():
    x = torch.rand(1, 2, 6, 6)
    turned = warp(x, angle=math.pi / 2)
    torch.testing.assert_close(turned, torch.rot90(x, k=-1, dims=(2, 3)), atol=1e-5, rtol=0)


def test_zoom_by_two_reads_the_centre_half():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    zoomed = warp(x, scale=2.0)
    # output pixel i reads input position i/2 + 0.75: the middle 4×4 of the picture doubled by torch
    doubled = torch.nn.functional.interpolate(x, size=(8, 8), mode="bilinear", align_corners=False)
    expected = doubled[..., 2:6, 2:6]
    torch.testing.assert_close(zoomed, expected)


def test_border_fill_repeats_the_edge():
    x = torch.rand(1, 3, 5, 5)
    moved = warp(x, shift=(2 / 5, 0.0), fill="border")
    torch.testing.assert_close(moved[..., 0], x[..., 0])


def test_random_draws_are_seeded_and_within_the_jitter():
    x = torch.zeros(6, 1, 28, 28)
    x[:, :, 10:18, 10:18] = 1.0
    a = random_affine(x, torch.Generator().manual_seed(3))
    b = random_affine(x, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)
    assert not torch.equal(a[0], a[1])  # each picture has its own draw
    none = random_affine(x, torch.Generator().manual_seed(3), Jitter(degrees=0, scale=(1, 1), shift=0))
    torch.testing.assert_close(none, x)


@pytest.mark.parametrize(
    "kwargs", [{"degrees": -1}, {"degrees": 200}, {"scale": (0, 1)}, {"scale": (1.2, 1.1)}, {"shift": 1.5}]
)
def test_bad_jitter_is_refused(kwargs: dict):
    with pytest.raises(ValueError):
        Jitter(**kwargs)


def test_an_unknown_fill_is_refused():
    with pytest.raises(ValueError, match="fill"):
        warp(torch.zeros(1, 1, 4, 4), fill="wrap")
