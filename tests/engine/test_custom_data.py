"""A learner's examples as tensors: photo and drawing inputs, normalisation, and the held-out split."""

import numpy as np
import pytest
import torch
from PIL import Image

from engine.data.custom import (
    LOO_BELOW,
    LOO_MAX_EXAMPLES,
    centre_square,
    check_trainable,
    model_input,
    photo_input,
    pixels_of,
    read_picture,
    split,
)
from engine.data.mnist import standardise
from engine.data.preprocess import BlankDrawing, mnist_style


def test_centre_square():
    assert centre_square(100, 60) == (20, 0, 80, 60)
    assert centre_square(30, 31) == (0, 0, 30, 30)
    assert centre_square(8, 8) == (0, 0, 8, 8)


def test_photo_input_matches_pillows_bilinear_reduction():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    stages = photo_input(torch.from_numpy(rgb))
    assert stages.box == (50, 0, 250, 200)
    torch.testing.assert_close(stages.square, torch.from_numpy(rgb[50:250]))
    pil = np.asarray(Image.fromarray(rgb[50:250]).resize((64, 64), Image.Resampling.BILINEAR))
    diff = (stages.small.int() - torch.from_numpy(pil.astype(np.int32))).abs()
    assert stages.small.shape == (64, 64, 3) and stages.small.dtype == torch.uint8
    assert diff.max() <= 2 and diff.float().mean() < 0.5  # the same anti-aliased filter, rounded apart


def test_a_flat_photo_stays_flat():
    rgb = torch.tensor([10, 200, 90], dtype=torch.uint8).expand(80, 120, 3)
    assert (photo_input(rgb).small == torch.tensor([10, 200, 90], dtype=torch.uint8)).all()


def test_model_input_and_back():
    digits = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    torch.testing.assert_close(model_input(digits, "drawing"), standardise(digits))
    photos = torch.randint(0, 256, (2, 64, 64, 3), dtype=torch.uint8)
    x = model_input(photos, "photo")
    assert x.shape == (2, 3, 64, 64) and x.min() >= -1 and x.max() <= 1
    torch.testing.assert_close(x[1, 2, 5, 7], photos[1, 5, 7, 2].float() / 127.5 - 1)
    assert torch.equal(pixels_of(x, "photo"), photos)
    assert torch.equal(pixels_of(model_input(digits, "drawing"), "drawing"), digits)


def test_read_picture_of_a_drawing_is_mnist_preprocessing():
    rgb = torch.full((200, 200, 3), 255, dtype=torch.uint8)
    rgb[40:160, 90:110] = 0  # a dark stroke on white paper
    reading = read_picture(rgb, "drawing")
    expected = mnist_style(rgb[..., 0].float())
    assert torch.equal(reading.pixels, expected.centred.round().to(torch.uint8))
    assert list(reading.stages) == ["gray", "ink", "cropped", "fitted", "centred"]
    assert reading.box == expected.box


def test_read_picture_of_a_photo_is_its_small_square():
    rgb = torch.randint(0, 256, (90, 64, 3), dtype=torch.uint8)
    reading = read_picture(rgb, "photo")
    assert reading.pixels.shape == (64, 64, 3) and reading.box == (13, 0, 77, 64) and reading.stages == {}


def test_blank_drawing_and_unknown_kind_are_refused():
    with pytest.raises(BlankDrawing):
        read_picture(torch.full((50, 50, 3), 255, dtype=torch.uint8), "drawing")
    with pytest.raises(ValueError, match="input must be one of drawing, photo"):
        model_input(torch.zeros(1, 28, 28), "video")


def test_small_classes_are_tested_leave_one_out():
    labels = torch.tensor([0] * 5 + [1] * 12)
    s = split(labels, 2, "drawing")
    assert s.method == "leave_one_out"
    assert torch.equal(s.train, torch.arange(17)) and torch.equal(s.held_out, torch.arange(17))


def test_large_classes_hold_out_a_stratified_fifth():
    labels = torch.tensor([0] * 10 + [1] * 20 + [2] * 15)
    s = split(labels, 3, "drawing", seed=1)
    assert s.method == "held_out"
    assert torch.bincount(labels[s.held_out], minlength=3).tolist() == [2, 4, 3]
    assert sorted(s.train.tolist() + s.held_out.tolist()) == list(range(45))
    again = split(labels, 3, "drawing", seed=1)
    assert torch.equal(s.held_out, again.held_out)


def test_leave_one_out_stops_at_its_cap():
    n = LOO_MAX_EXAMPLES["photo"] + 1
    labels = torch.tensor([0] * (LOO_BELOW - 1) + [1] * (n - LOO_BELOW + 1))
    assert split(labels, 2, "photo").method == "held_out"
    assert split(labels, 2, "drawing").method == "leave_one_out"  # a drawing net costs less


def test_check_trainable_names_the_class():
    with pytest.raises(ValueError, match="class 'cat' has 1 example"):
        check_trainable(torch.tensor([0, 0, 1]), 2, ["dog", "cat"])
    with pytest.raises(ValueError, match="at least 2 classes"):
        check_trainable(torch.tensor([0, 0]), 1)
