"""Train a net on a learner's own classes, through the one loop of engine/train.py, and test it on
examples it never trained on.

    run = fit(x, y, k, "drawing", "transfer", TrainConfig(epochs=5, lr=0.01))
    run.model, run.evaluation.confusion, run.split.method

A few examples make short epochs, so an epoch here is at least `EPOCH_SAMPLES` pictures: the
examples repeated, each copy augmented differently (engine/data/augment.py).

Leave-one-out (engine/data/custom.py says when) trains N + 1 copies of the net side by side as one
`LeaveOneOut` module: copy 0 on every example (the model kept), copy i + 1 on every example but
example i. Every batch goes through every copy (frozen layers, in transfer mode, only once); each
copy's loss only reaches its own weights, and Adam's update is per weight, so every copy trains as
it would alone. After each epoch copy i + 1 predicts example i: the leave-one-out accuracy is the
held-out accuracy. (The copies run one after another: torch.func.vmap over stacked weights was 8×
slower for TinyVGG on a CPU, its batched convolutions falling back to grouped ones.)"""

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from engine.data.augment import Jitter, random_affine
from engine.data.custom import Split, check_trainable, model_input, pixels_of, split
from engine.data.shapes import example_set
from engine.models.custom import CustomNet, build, trainable
from engine.seeding import seeded_global_rng
from engine.train import Evaluation, Event, TrainConfig, TrainResult, evaluate, train

EPOCH_SAMPLES = 256  # an epoch shows at least this many (augmented) pictures
LOO_PASSES = 1024  # leave-one-out: at most this many picture-passes (copies × batch) per step
FILL = {"drawing": "min", "photo": "border"}  # what uncovered corners get when a picture moves


@dataclass
class CustomRun:
    model: CustomNet  # the trained net kept for predictions (eval mode)
    split: Split
    evaluation: Evaluation  # on the held-out examples (leave-one-out: each by its own copy)
    result: TrainResult


def repeats(n: int) -> int:
    """How many times each example appears in one epoch."""
    return max(1, math.ceil(EPOCH_SAMPLES / n))


def augmenter(
    kind: str, jitter: Jitter | None
) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None:
    if jitter is None:
        return None
    return lambda x, g: random_affine(x, g, jitter, FILL[kind])


def augmented_copies(pixels: torch.Tensor, kind: str, n: int, seed: int = 0) -> torch.Tensor:
    """n augmented copies of one stored example (28×28 or 64×64×3 uint8), as training sees them."""
    if not 1 <= n <= 64:
        raise ValueError(f"n must be in 1…64, got {n}")
    x = model_input(pixels[None], kind).repeat(n, 1, 1, 1)  # (n, C, H, W)
    copies = random_affine(x, torch.Generator().manual_seed(seed), Jitter(), FILL[kind])
    return pixels_of(copies, kind)  # (n, H, W) or (n, H, W, 3)


@dataclass(frozen=True)
class ExampleCopies:
    labels: tuple[str, ...]  # (K,) class names
    drawings: torch.Tensor  # (K, per_class, 28, 28) uint8, as a set stores them
    copies: torch.Tensor  # (K, n, 28, 28) uint8: each class's first drawing as training sees it
    jitter: Jitter  # the ranges the copies are drawn from


def example_copies(n: int, seed: int = 0) -> ExampleCopies:
    """The bundled example set (engine/data/shapes.py) and n augmented copies of each class's first
    drawing: what §3+ shows before a learner has drawn anything."""
    ex = example_set()
    copies = torch.stack([augmented_copies(drawings[0], "drawing", n, seed) for drawings in ex.pixels])
    return ExampleCopies(ex.labels, ex.pixels, copies, Jitter())


def fit(
    x: torch.Tensor,
    y: torch.Tensor,
    k: int,
    kind: str,
    mode: str,
    cfg: TrainConfig,
    jitter: Jitter | None = Jitter(),
    report: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    names: list[str] | None = None,
) -> CustomRun:
    """Train a `mode` net on examples x (N, C, H, W) with labels y (N,) in 0…K−1. `names` (the
    classes' names) only make the errors clearer."""
    check_trainable(y, k, names)
    parts = split(y, k, kind, cfg.seed)
    with seeded_global_rng(cfg.seed):
        net = build(kind, mode, k)  # (B, C, H, W) → (B, K)
    augment = augmenter(kind, jitter)
    if parts.method == "leave_one_out":
        return _fit_leave_one_out(net, x, y, parts, cfg, augment, report, should_stop, kind == "photo")
    xt, yt = x[parts.train], y[parts.train]
    r = repeats(len(xt))
    result = train(
        net,
        (xt.repeat(r, 1, 1, 1), yt.repeat(r)),  # (r·n, C, H, W): each copy augmented on its own
        (x[parts.held_out], y[parts.held_out]),
        cfg,
        report=report,
        should_stop=should_stop,
        augment=augment,
    )
    ev = evaluate(net, x[parts.held_out], y[parts.held_out])
    return CustomRun(net.eval(), parts, ev, result)


class LeaveOneOut(nn.Module):
    """N + 1 copies of `net`: forward(x, idx) runs them all on the batch x (B, C, H, W) of examples
    idx (B,) and answers copy 0's logits (B, K); `loss` then trains every copy on its own examples.
    When only the FC layer trains (transfer), the copies share the frozen layers, run once a batch."""

    def __init__(self, net: CustomNet, n: int, recompute: bool = False) -> None:
        super().__init__()
        self.copies = n + 1
        self.recompute = recompute  # trade compute for memory: large inputs (photos)
        self._net = [net]  # a list: the template's own weights are not this module's parameters
        self.head_only = all(name.startswith("fc.") for name in trainable(net))
        part = net.fc if self.head_only else net
        self.parts = nn.ModuleList(copy.deepcopy(part) for _ in range(self.copies))  # same start
        self._last: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    @property
    def net(self) -> CustomNet:
        return self._net[0]

    def weights(self, c: int) -> dict[str, nn.Parameter]:
        """Copy c's trainable weights, named as in the net."""
        prefix = "fc." if self.head_only else ""
        return {prefix + k: p for k, p in self.parts[c].named_parameters() if p.requires_grad}

    def _logits(self, x: torch.Tensor, copies: range) -> list[torch.Tensor]:
        if self.head_only:
            with torch.no_grad():
                features = self.net.forward_trace(x)["flatten"]  # (B, F): the frozen layers, once
            return [self.parts[c](features) for c in copies]
        if not (self.recompute and torch.is_grad_enabled()):
            return [self.parts[c](x) for c in copies]  # each (B, K)
        # each copy's maps are recomputed in the backward pass instead of kept: memory for one copy,
        # not N + 1 (21 TinyVGGs on a batch of 32 photos kept 850 MB), for about a third more compute
        return [checkpoint(self.parts[c], x, use_reentrant=False) for c in copies]

    def forward(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        logits = torch.stack(self._logits(x, range(self.copies)))  # (N + 1, B, K)
        kept = logits[0]  # (B, K): the kept copy, for the loop's training accuracy
        self._last = (logits, idx, kept)
        return kept

    def loss(self, logits0: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Each copy's mean cross-entropy over the examples it may see, summed over copies; its
        value is copy 0's loss (the curve shows the kept model), its gradient every copy's."""
        if self._last is None or self._last[2] is not logits0:
            raise ValueError("loss() must follow forward() on the same batch")
        logits, idx, _ = self._last
        c, b, k = logits.shape
        ce = F.cross_entropy(logits.reshape(c * b, k), y.repeat(c), reduction="none").view(c, b)
        sees = torch.arange(c)[:, None] != idx[None, :] + 1  # (N + 1, B): copy i + 1 never sees example i
        per_copy = (ce * sees).sum(dim=1) / sees.sum(dim=1).clamp(min=1)  # (N + 1,)
        others = per_copy[1:].sum()
        return per_copy[0] + others - others.detach()

    @torch.no_grad()
    def held_out_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Copy i + 1's logits for example i, for every i: (N, K)."""
        if self.head_only:
            features = self.net.forward_trace(x)["flatten"]  # (N, F)
            return torch.stack([self.parts[i + 1](features[i]) for i in range(len(x))])
        return torch.cat([self.parts[i + 1](x[i : i + 1]) for i in range(len(x))])

    def kept(self) -> CustomNet:
        """The template net holding copy 0's trained weights."""
        (self.net.fc if self.head_only else self.net).load_state_dict(self.parts[0].state_dict())
        return self.net


def confusion_of(predicted: torch.Tensor, y: torch.Tensor, k: int) -> Evaluation:
    """Accuracy, (K, K) confusion (row = true class) and misread indices of given predictions."""
    confusion = torch.bincount(y * k + predicted, minlength=k * k).view(k, k)
    return Evaluation(
        accuracy=float((predicted == y).float().mean()),
        confusion=confusion,
        misread=torch.nonzero(predicted != y).flatten(),
        predicted=predicted,
    )


@dataclass
class LooBatches:
    """Shuffled batches ((x, idx), y) of `repeats` augmented copies of every example, re-drawn each
    epoch from one seeded generator; the batch is small enough that copies × batch ≤ LOO_PASSES."""

    x: torch.Tensor
    y: torch.Tensor
    batch_size: int
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None
    generator: torch.Generator

    def __post_init__(self) -> None:
        self.index = torch.arange(len(self.x)).repeat(repeats(len(self.x)))  # (r·N,)

    def __len__(self) -> int:
        return math.ceil(len(self.index) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]]:
        order = self.index[torch.randperm(len(self.index), generator=self.generator)]
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            xb = self.x[idx] if self.augment is None else self.augment(self.x[idx], self.generator)
            yield (xb, idx), self.y[idx]


def _fit_leave_one_out(
    net: CustomNet,
    x: torch.Tensor,
    y: torch.Tensor,
    parts: Split,
    cfg: TrainConfig,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None,
    report: Callable[[Event], None] | None,
    should_stop: Callable[[], bool] | None,
    recompute: bool,
) -> CustomRun:
    k = net.fc.out_features
    copies = LeaveOneOut(net, len(x), recompute)
    batch = max(1, min(cfg.batch_size, LOO_PASSES // copies.copies))
    batches = LooBatches(x, y, batch, augment, torch.Generator().manual_seed(cfg.seed))

    def held_out_accuracy(model: nn.Module) -> float:
        return confusion_of(copies.held_out_logits(x).argmax(dim=1), y, k).accuracy

    result = train(
        copies, batches, held_out_accuracy, cfg, report=report, should_stop=should_stop, loss_fn=copies.loss
    )
    ev = confusion_of(copies.held_out_logits(x).argmax(dim=1), y, k)
    return CustomRun(copies.kept().eval(), parts, ev, result)
