"""engine/data/shapes.py: the bundled example set is what scripts/make_example_shapes.py draws."""

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.your_classes import SHAPES, drawings
from engine.data.shapes import example_set
from scripts.make_example_shapes import PER_CLASS, SEED


def test_the_bundled_drawings_are_the_scripts_drawings_as_the_page_stores_them():
    ex = example_set()
    assert (
        ex.labels == SHAPES and ex.pixels.shape == (3, PER_CLASS, 28, 28) and ex.pixels.dtype == torch.uint8
    )
    pixels, labels = drawings(PER_CLASS, SEED)  # (9, 28, 28), class by class
    torch.testing.assert_close(ex.pixels.reshape(-1, 28, 28), pixels.to(torch.uint8))
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert 0 < ex.pixels.float().mean() < 128  # white ink on black paper


def test_a_file_of_the_wrong_shape_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, labels=np.array(["a", "b"]), pixels=np.zeros((3, 1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="labels"):
        example_set.__wrapped__(bad)
