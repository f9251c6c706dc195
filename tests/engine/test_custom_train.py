"""Training on a learner's classes: leave-one-out copies train exactly as separate nets would (torch
as the oracle), and fit() learns drawn shapes in both modes, held-out or leave-one-out."""

import pytest
import torch
import torch.nn.functional as F

from benchmarks.your_classes import drawings
from engine.data.augment import Jitter
from engine.data.custom import model_input
from engine.models.custom import build
from engine.models.custom_train import (
    EPOCH_SAMPLES,
    LeaveOneOut,
    LooBatches,
    augmented_copies,
    example_copies,
    fit,
)
from engine.models.digits import load_pretrained
from engine.train import TrainConfig

Shapes = tuple[torch.Tensor, torch.Tensor]


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    pixels, labels = drawings(10, seed=0)  # circle, triangle, cross: 10 each
    return model_input(pixels, "drawing"), labels


@pytest.mark.parametrize("recompute", [False, True])
def test_each_copy_steps_as_a_net_trained_without_its_example(shapes: Shapes, recompute: bool):
    x, y = shapes[0][:6], shapes[1][:6]
    torch.manual_seed(0)
    net = build("drawing", "scratch", 3)
    start = {k: v.detach().clone() for k, v in net.named_parameters()}
    copies = LeaveOneOut(net, 6, recompute)  # recompute: the maps again in the backward pass
    idx = torch.tensor([3, 0, 5, 1])  # a batch of four of the six examples
    loss = copies.loss(copies(x[idx], idx), y[idx])
    torch.optim.SGD(copies.parameters(), lr=0.1).zero_grad()
    loss.backward()
    torch.optim.SGD(copies.parameters(), lr=0.1).step()
    for c in range(7):
        alone = build("drawing", "scratch", 3)
        alone.load_state_dict(start)
        keep = idx != c - 1  # copy c + 1 leaves out example c; copy 0 sees all
        F.cross_entropy(alone(x[idx[keep]]), y[idx[keep]]).backward()
        torch.optim.SGD(alone.parameters(), lr=0.1).step()
        for name, w in copies.weights(c).items():
            torch.testing.assert_close(w, alone.get_parameter(name), atol=1e-6, rtol=1e-5)


def test_transfer_copies_share_the_frozen_layers_and_train_their_own_head(shapes: Shapes):
    x, y = shapes[0][:5], shapes[1][:5]
    net = build("drawing", "transfer", 3)
    copies = LeaveOneOut(net, 5)
    assert copies.head_only and sum(p.numel() for p in copies.parameters()) == 6 * (320 * 3 + 3)
    idx = torch.arange(5)
    torch.optim.SGD(copies.parameters(), lr=0.5).zero_grad()
    copies.loss(copies(x, idx), y).backward()
    torch.optim.SGD(copies.parameters(), lr=0.5).step()
    features = net.forward_trace(x)["flatten"].detach()
    for c in range(6):
        head = build("drawing", "transfer", 3).fc
        head.load_state_dict(net.fc.state_dict())
        keep = idx != c - 1
        F.cross_entropy(head(features[keep]), y[keep]).backward()
        torch.optim.SGD(head.parameters(), lr=0.5).step()
        torch.testing.assert_close(copies.weights(c)["fc.weight"], head.weight)


def test_the_loss_reads_as_the_kept_copys_and_needs_its_forward(shapes: Shapes):
    x, y = shapes
    copies = LeaveOneOut(build("drawing", "transfer", 3), len(x))
    idx = torch.arange(8)
    logits = copies(x[idx], idx)
    torch.testing.assert_close(copies.loss(logits, y[idx]), F.cross_entropy(logits, y[idx]))
    with pytest.raises(ValueError, match="must follow forward"):
        copies.loss(logits.clone(), y[idx])


def test_held_out_logits_are_each_copys_own_answer(shapes: Shapes):
    x = shapes[0][:5]
    for mode in ("scratch", "transfer"):
        torch.manual_seed(2)
        copies = LeaveOneOut(build("drawing", mode, 3), 5)
        with torch.no_grad():
            for w in copies.parameters():
                w.add_(torch.randn_like(w) * 0.1)  # make the copies differ
        got = copies.held_out_logits(x)
        for i in range(5):
            alone = build("drawing", mode, 3)
            alone.load_state_dict(copies.weights(i + 1), strict=False)  # its frozen layers: the digit model's
            torch.testing.assert_close(got[i], alone(x[i : i + 1])[0])
        kept = copies.kept()
        torch.testing.assert_close(kept.fc.weight, copies.weights(0)["fc.weight"])


def test_loo_batches_cover_every_example_each_epoch(shapes: Shapes):
    x, y = shapes
    batches = LooBatches(x[:7], y[:7], 16, None, torch.Generator().manual_seed(0))
    seen = torch.cat([idx for (_, idx), _ in batches])
    assert len(seen) == 7 * -(-EPOCH_SAMPLES // 7) and torch.bincount(seen).unique().numel() == 1
    assert len(batches) == -(-len(seen) // 16)


def test_transfer_learns_the_shapes_from_a_held_out_fifth_and_keeps_the_digit_features(shapes: Shapes):
    x, y = shapes
    run = fit(x, y, 3, "drawing", "transfer", TrainConfig(epochs=3, lr=0.01, report_every=100))
    assert run.split.method == "held_out" and len(run.split.held_out) == 6
    assert run.evaluation.accuracy >= 5 / 6
    assert run.evaluation.confusion.sum() == 6
    shipped = load_pretrained("basic")
    torch.testing.assert_close(run.model.conv1.weight, shipped.conv1.weight)  # frozen
    torch.testing.assert_close(run.model.conv2.bias, shipped.conv2.bias)
    assert not run.model.training


def test_few_examples_are_tested_leave_one_out(shapes: Shapes):
    x, y = shapes
    few = torch.cat([torch.arange(c * 10, c * 10 + 4) for c in range(3)])  # 4 of each shape
    events = []
    run = fit(x[few], y[few], 3, "drawing", "transfer", TrainConfig(epochs=2, lr=0.01), report=events.append)
    assert run.split.method == "leave_one_out"
    assert len(run.evaluation.predicted) == 12 and run.evaluation.confusion.sum() == 12
    epochs = [e for e in events if e.kind == "epoch"]
    assert [e.held_out_accuracy for e in epochs][-1] == run.evaluation.accuracy
    assert run.evaluation.accuracy >= 0.75
    assert run.model(x[few]).shape == (12, 3)


def test_a_stopped_fit_says_so(shapes: Shapes):
    x, y = shapes
    run = fit(x, y, 3, "drawing", "scratch", TrainConfig(epochs=5), should_stop=lambda: True)
    assert run.result.done.stopped and run.result.done.epochs == 0


def test_augmented_copies_are_seeded_pixels():
    digit = torch.zeros(28, 28, dtype=torch.uint8)
    digit[8:20, 12:16] = 255
    a = augmented_copies(digit, "drawing", 4, seed=1)
    assert a.shape == (4, 28, 28) and a.dtype == torch.uint8
    assert torch.equal(a, augmented_copies(digit, "drawing", 4, seed=1))
    assert not torch.equal(a[0], digit)
    photo = torch.randint(0, 256, (64, 64, 3), dtype=torch.uint8)
    assert augmented_copies(photo, "photo", 2).shape == (2, 64, 64, 3)
    with pytest.raises(ValueError, match="n must be"):
        augmented_copies(digit, "drawing", 0)


def test_the_example_copies_are_each_class_first_drawing_augmented():
    ex = example_copies(3, seed=7)
    assert ex.labels == ("circle", "triangle", "cross") and ex.copies.shape == (3, 3, 28, 28)
    for shapes, copies in zip(ex.drawings, ex.copies, strict=True):
        torch.testing.assert_close(copies, augmented_copies(shapes[0], "drawing", 3, 7))
    assert not torch.equal(ex.copies[0, 0], ex.drawings[0, 0])  # moved, turned or scaled
    assert ex.jitter == Jitter()
