"""Make data/shapes/example.npz, §3+'s example set: 3 drawings each of a circle, a triangle and a cross,
drawn as a learner's strokes (benchmarks/your_classes.py's `drawings`, seed 2026, not one of the
benchmark's) and stored after MNIST's preprocessing as the page stores a drawing.

    .venv/bin/python scripts/make_example_shapes.py"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.your_classes import SHAPES, drawings  # noqa: E402
from engine.data.shapes import EXAMPLE_PATH  # noqa: E402

PER_CLASS = 3
SEED = 2026


def main() -> None:
    pixels, _ = drawings(PER_CLASS, SEED)  # (3·PER_CLASS, 28, 28) uint8, class by class
    EXAMPLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        EXAMPLE_PATH,
        labels=np.array(SHAPES),
        pixels=pixels.numpy().astype(np.uint8).reshape(len(SHAPES), PER_CLASS, 28, 28),
    )


if __name__ == "__main__":
    main()
