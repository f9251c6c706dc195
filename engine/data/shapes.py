"""The example set of §3+ (/cnn/your-classes): what the page shows before a learner has drawn anything.

Three classes, circle, triangle and cross, three drawings each, made by `scripts/make_example_shapes.py`
as a learner's strokes on the pad would be (place, size, turn and stroke width jittered) and stored in
`data/shapes/example.npz` after MNIST's preprocessing, exactly as the page stores a drawing: 28×28
uint8, white ink on black."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

EXAMPLE_PATH = Path(__file__).resolve().parents[2] / "data" / "shapes" / "example.npz"


@dataclass(frozen=True)
class ExampleSet:
    labels: tuple[str, ...]  # (K,) class names
    pixels: torch.Tensor  # (K, per_class, 28, 28) uint8


@lru_cache(maxsize=1)
def example_set(path: Path = EXAMPLE_PATH) -> ExampleSet:
    """The bundled drawings, read once."""
    with np.load(path) as f:
        labels, pixels = f["labels"], f["pixels"]  # (K,), (K, per_class, 28, 28)
    if pixels.dtype != np.uint8 or pixels.ndim != 4 or pixels.shape[0] != len(labels):
        raise ValueError(f"{path} must hold labels (K,) and uint8 pixels (K, n, 28, 28), got {pixels.shape}")
    return ExampleSet(tuple(str(s) for s in labels), torch.from_numpy(pixels.copy()))
