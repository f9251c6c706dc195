"""§1.1: an image as channels, grayscale, patches."""

import numpy as np
import pytest
import torch
from PIL import Image

from engine.cnn.channels import grayscale, patch, to_channels


def test_channels_are_the_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    x = to_channels(rgb)
    assert x.shape == (3, 5, 7) and x.dtype == torch.float32
    torch.testing.assert_close(x[1], torch.tensor(rgb[:, :, 1], dtype=torch.float32))


def test_grayscale_matches_pillow_luma():
    rgb = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    ours = grayscale(to_channels(rgb))[0]
    pillow = torch.tensor(np.asarray(Image.fromarray(rgb).convert("L")), dtype=torch.float32)
    torch.testing.assert_close(ours, pillow, atol=1.0, rtol=0)  # Pillow rounds to integers


def test_grayscale_of_a_gray_pixel_is_itself():
    x = torch.full((3, 2, 2), 77.0)
    torch.testing.assert_close(grayscale(x), torch.full((1, 2, 2), 77.0))


def test_patch_clips_to_the_image():
    x = torch.arange(2 * 6 * 6, dtype=torch.float32).reshape(2, 6, 6)
    torch.testing.assert_close(patch(x, 1, 2, 3), x[:, 1:4, 2:5])
    assert patch(x, 4, 4, 3).shape == (2, 2, 2)


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8)])
def test_bad_shapes_raise(bad: np.ndarray):
    with pytest.raises(ValueError, match="shape"):
        to_channels(bad)
