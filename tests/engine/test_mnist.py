"""The shipped MNIST digits: idx reading, the deterministic stratified split, normalisation, shifts."""

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data.mnist import (
    N_HELD_OUT,
    N_TRAIN,
    MnistSplit,
    load_digits,
    mnist_split,
    random_shift,
    read_idx,
    standardise,
    stratified_split,
)


@pytest.fixture(scope="module")
def split():
    return mnist_split()


def test_shipped_digits_load():
    images, labels = load_digits()
    assert images.shape == (10_000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (10_000,) and set(labels.tolist()) == set(range(10))


def test_split_sizes_and_shapes(split: MnistSplit):
    assert split.x_train.shape == (N_TRAIN, 1, 28, 28) == (8000, 1, 28, 28)
    assert split.x_held_out.shape == (N_HELD_OUT, 1, 28, 28) == (2000, 1, 28, 28)
    assert split.y_train.shape == (8000,) and split.y_held_out.shape == (2000,)
    assert split.x_train.dtype == torch.float32 and split.y_train.dtype == torch.int64


def test_split_is_deterministic(split: MnistSplit):
    again = mnist_split()
    assert torch.equal(again.train_index, split.train_index)
    assert torch.equal(again.held_out_index, split.held_out_index)
    assert torch.equal(again.x_train, split.x_train)
    other = mnist_split(seed=1)
    assert not torch.equal(other.held_out_index, split.held_out_index)


def test_split_has_no_overlap_and_covers_everything(split: MnistSplit):
    train, held = set(split.train_index.tolist()), set(split.held_out_index.tolist())
    assert not train & held
    assert train | held == set(range(10_000))


def test_split_is_stratified_by_label(split: MnistSplit):
    _, labels = load_digits()
    counts = torch.bincount(labels, minlength=10)
    held = torch.bincount(split.y_held_out, minlength=10)
    assert torch.equal(held + torch.bincount(split.y_train, minlength=10), counts)
    expected = counts.double() * N_HELD_OUT / 10_000
    assert torch.all((held.double() - expected).abs() < 1)


def test_labels_follow_their_images(split: MnistSplit):
    images, labels = load_digits()
    i = split.held_out_index[:5]
    torch.testing.assert_close(split.y_held_out[:5], labels[i])
    torch.testing.assert_close(split.x_held_out[:5], standardise(images[i]))


def test_normalised_training_digits_have_mean_0_std_1(split: MnistSplit):
    assert abs(float(split.x_train.mean())) < 0.05
    assert abs(float(split.x_train.std()) - 1) < 0.05


def test_stratified_split_rejects_bad_size():
    with pytest.raises(ValueError, match="n_held_out"):
        stratified_split(np.zeros(10, dtype=np.uint8), 10, seed=0)


def test_read_idx_reads_header_shape(tmp_path: Path):
    body = np.arange(24, dtype=np.uint8)
    header = bytes([0, 0, 0x08, 3]) + np.array([2, 3, 4], dtype=">u4").tobytes()
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(header + body.tobytes()))
    np.testing.assert_array_equal(read_idx(path), body.reshape(2, 3, 4))


def test_read_idx_rejects_other_types(tmp_path: Path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0\0\0\0"))
    with pytest.raises(ValueError, match="unsigned-byte"):
        read_idx(path)


def test_normalise_rejects_bad_shape():
    with pytest.raises(ValueError, match="shape"):
        standardise(torch.zeros(28, 28))


def test_random_shift_moves_each_image_by_at_most_max_shift():
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 13, 13] = 1.0  # one bright pixel in the middle
    y = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert torch.all(y.sum(dim=(1, 2, 3)) == 1)  # nothing lost: the dot stays inside
    rows, cols = torch.nonzero(y[:, 0])[:, 1], torch.nonzero(y[:, 0])[:, 2]
    assert rows.sub(13).abs().max() <= 2 and cols.sub(13).abs().max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 5  # images move differently
    torch.testing.assert_close(random_shift(x, 2, torch.Generator().manual_seed(0)), y)


def test_random_shift_zero_is_identity_and_negative_is_refused():
    x = torch.randn(2, 1, 28, 28)
    assert random_shift(x, 0) is x
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(x, -1)
