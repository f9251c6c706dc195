"""The MNIST digits the project ships: 10,000 handwritten 28×28 digits (MNIST's test set).

They are split once, deterministically and stratified by label, into 8,000 digits to train on and
2,000 held out. Pixels are scaled to 0–1 and normalised with MNIST's classic mean 0.1307 and std
0.3081 (the mean and std of its 60,000 training images), so a digit drawn in the browser is
normalised the same way whatever split it is compared with."""

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

MNIST_DIR = Path(__file__).resolve().parents[2] / "data" / "mnist"
IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
MEAN, STD = 0.1307, 0.3081
N_TRAIN, N_HELD_OUT = 8000, 2000
SPLIT_SEED = 0

# idx format: magic = 0x00 0x00 <type code> <number of dimensions>; type 0x08 is unsigned byte.
_UBYTE = 0x08


@dataclass(frozen=True)
class MnistSplit:
    """Normalised digits (N, 1, 28, 28) float32 with labels (N,) int64, and the indices into the
    10,000 shipped digits that each part came from."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_held_out: torch.Tensor
    y_held_out: torch.Tensor
    train_index: torch.Tensor
    held_out_index: torch.Tensor


def read_idx(path: Path) -> np.ndarray:
    """A gzip'd idx file → a uint8 array of the shape its header names."""
    data = gzip.decompress(Path(path).read_bytes())
    if data[0] != 0 or data[1] != 0 or data[2] != _UBYTE:
        raise ValueError(f"{path} is not an unsigned-byte idx file (header {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path} holds {body.size} bytes, its header says shape {shape}")
    return body.reshape(shape)


@lru_cache(maxsize=2)
def _load(root: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(root / IMAGES_FILE), read_idx(root / LABELS_FILE)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels in {root}")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_digits(root: Path = MNIST_DIR) -> tuple[torch.Tensor, torch.Tensor]:
    """All shipped digits: images (N, 28, 28) uint8 (white digit on black) and labels (N,) int64."""
    images, labels = _load(Path(root))
    return torch.tensor(images), torch.tensor(labels, dtype=torch.int64)


def standardise(images: torch.Tensor) -> torch.Tensor:
    """Pixels 0–255, (N, 28, 28) or (N, 1, 28, 28) → (N, 1, 28, 28) float32, (x/255 − mean)/std."""
    if images.ndim == 3:
        images = images[:, None]  # (N, 1, 28, 28)
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"expected (N, 28, 28) or (N, 1, H, W) images, got shape {tuple(images.shape)}")
    return (images.float() / 255.0 - MEAN) / STD


def stratified_split(labels: np.ndarray, n_held_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held_out): each label keeps its share of the held-out part (largest
    remainder rounding), chosen by a seeded permutation. Train is shuffled, held-out sorted."""
    if not 0 < n_held_out < len(labels):
        raise ValueError(f"n_held_out must be between 1 and {len(labels) - 1}, got {n_held_out}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    share = counts * n_held_out / len(labels)
    quota = np.floor(share).astype(int)
    quota[np.argsort(-(share - quota), kind="stable")[: n_held_out - quota.sum()]] += 1
    held = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota, strict=True)]
    held_out = np.sort(np.concatenate(held))
    train = rng.permutation(np.setdiff1d(np.arange(len(labels)), held_out))
    return train, held_out


@lru_cache(maxsize=2)  # built once per process: the split is frozen, its tensors are read only
def mnist_split(seed: int = SPLIT_SEED, n_held_out: int = N_HELD_OUT, root: Path = MNIST_DIR) -> MnistSplit:
    """The 8,000 / 2,000 split of the shipped digits, normalised (same seed → same split)."""
    images, labels = load_digits(root)
    train, held_out = stratified_split(labels.numpy(), n_held_out, seed)
    train_index, held_out_index = torch.from_numpy(train), torch.from_numpy(held_out)
    return MnistSplit(
        x_train=standardise(images[train_index]),  # (8000, 1, 28, 28)
        y_train=labels[train_index],
        x_held_out=standardise(images[held_out_index]),  # (2000, 1, 28, 28)
        y_held_out=labels[held_out_index],
        train_index=train_index,
        held_out_index=held_out_index,
    )


@dataclass
class HeldOutDigit:
    mnist_index: int  # into the 10,000 shipped digits
    label: int
    pixels: torch.Tensor  # (28, 28) uint8, white digit on black


def held_out_digit(index: int, split: MnistSplit | None = None) -> HeldOutDigit:
    """Held-out digit number `index` (0 … N_HELD_OUT − 1) of the split, with its own pixels."""
    split = split or mnist_split()
    i = int(split.held_out_index[index])
    images, _ = load_digits()
    return HeldOutDigit(i, int(split.y_held_out[index]), images[i])


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Augmentation: move each image (B, C, H, W) by its own random whole-pixel offset in
    [−max_shift, max_shift] along each axis, filling with the background (the minimum value)."""
    if max_shift < 0:
        raise ValueError(f"max_shift must be ≥ 0, got {max_shift}")
    if max_shift == 0:
        return x
    b, _, h, w = x.shape
    s = max_shift
    padded = torch.nn.functional.pad(x, (s, s, s, s), value=float(x.min()))  # (B, C, H+2s, W+2s)
    dy, dx = torch.randint(0, 2 * s + 1, (2, b), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]  # (B, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]  # (B, 1, 1, W)
    batch = torch.arange(b)[:, None, None, None]
    chans = torch.arange(x.shape[1])[None, :, None, None]
    return padded[batch, chans, rows, cols]  # (B, C, H, W)
