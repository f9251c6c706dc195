"""One training loop for every training job (digit CNNs, depth curves, RNN batching, names).

    train(model, (x, y), (x_eval, y_eval), TrainConfig(epochs=3), report=print_event)

It runs mini-batch gradient descent with cross-entropy (or a given loss), calls `report(event)`
with small dataclass events in order — StepEvent every `report_every` batches and after an epoch's
last batch, EpochEvent at the end of each epoch, one DoneEvent last — and checks `should_stop()`
before every batch, so a job can be cancelled within one batch. Data is either a pair of tensors
(x, y), batched and shuffled here, or any re-iterable of (inputs, targets) batches (a DataLoader;
a tuple of inputs is unpacked into the model call, e.g. (padded, lengths)).

Deterministic: the same seed, model initialisation, data and torch thread count give the same
weights (float sums are split across threads, so a different `torch.get_num_threads()` can change
the last bits). Shuffling and augmentation draw from a torch.Generator seeded with `seed`."""

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from engine.seeding import reseed

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "onecycle")
Batches = tuple[torch.Tensor, torch.Tensor] | Iterable[tuple[Any, torch.Tensor]]
HeldOut = Batches | Callable[[nn.Module], float]  # data, or a function that measures the accuracy itself


@dataclass
class TrainConfig:
    epochs: int = 3
    batch_size: int = 64
    lr: float = 0.01
    optimizer: str = "adam"  # sgd (with momentum), adam, adamw
    momentum: float = 0.9  # sgd only
    weight_decay: float = 0.0
    schedule: str = "constant"  # or onecycle: warm up to lr, then anneal to ~0
    seed: int = 0
    report_every: int = 10  # batches between StepEvents

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "report_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")


@dataclass
class StepEvent:
    epoch: int  # 1-based
    step: int  # batches done so far, over all epochs
    total_steps: int | None
    loss: float  # mean over the batches since the last event
    accuracy: float | None  # training accuracy over the same batches
    elapsed: float  # seconds since the start
    eta: float | None  # seconds left, estimated from the pace so far
    epoch_end: bool = False  # the epoch's last batch: the held-out evaluation comes next
    kind: str = "step"


@dataclass
class EpochEvent:
    epoch: int
    step: int
    total_steps: int | None
    loss: float  # mean over the epoch
    accuracy: float | None
    held_out_accuracy: float | None
    elapsed: float
    eta: float | None
    kind: str = "epoch"


@dataclass
class DoneEvent:
    epochs: int  # epochs completed
    steps: int
    elapsed: float
    held_out_accuracy: float | None
    stopped: bool  # True when should_stop() ended the run early (held_out_accuracy is then None)
    kind: str = "done"


Event = StepEvent | EpochEvent | DoneEvent


@dataclass
class TrainResult:
    done: DoneEvent
    history: list[EpochEvent] = field(default_factory=list)


@dataclass
class Evaluation:
    accuracy: float
    confusion: torch.Tensor  # (K, K) int64: row = true class, column = predicted class
    misread: torch.Tensor  # (M,) int64 indices into x of the wrongly classified samples
    predicted: torch.Tensor  # (N,) int64

    def per_class_accuracy(self) -> list[float]:
        """The accuracy on each true class: the confusion matrix's diagonal over its row sums."""
        return (self.confusion.diag().float() / self.confusion.sum(dim=1).clamp(min=1)).tolist()


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def _call(model: nn.Module, inputs: Any) -> torch.Tensor:
    return model(*inputs) if isinstance(inputs, tuple | list) else model(inputs)


def _tensor_batches(
    x: torch.Tensor, y: torch.Tensor, batch_size: int, gen: torch.Generator
) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
    order = torch.randperm(len(x), generator=gen)  # a new shuffle every epoch
    for i in range(0, len(x), batch_size):
        idx = order[i : i + batch_size]
        yield x[idx], y[idx]


def _is_pair(data: Batches) -> bool:
    return isinstance(data, tuple) and len(data) == 2 and all(isinstance(t, torch.Tensor) for t in data)


def _correct(logits: torch.Tensor, y: torch.Tensor) -> int | None:
    if logits.ndim != 2 or y.ndim != 1 or len(logits) != len(y) or y.is_floating_point():
        return None
    return int((logits.argmax(dim=1) == y).sum())


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 500) -> Evaluation:
    """Accuracy, confusion matrix and misread indices of a classifier on (x, y), in eval mode."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must be non-empty and of equal length, got {len(x)} and {len(y)}")
    was_training = model.training
    model.eval()
    logits = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])  # (N, K)
    model.train(was_training)
    predicted = logits.argmax(dim=1)  # (N,)
    k = logits.shape[1]
    confusion = torch.bincount(y * k + predicted, minlength=k * k).view(k, k)  # (K, K)
    return Evaluation(
        accuracy=float((predicted == y).float().mean()),
        confusion=confusion,
        misread=torch.nonzero(predicted != y).flatten(),
        predicted=predicted,
    )


@torch.no_grad()
def accuracy(model: nn.Module, data: Batches, batch_size: int = 500) -> float:
    """Held-out accuracy on a pair of tensors or on batches."""
    if _is_pair(data):
        return evaluate(model, *data, batch_size=batch_size).accuracy
    was_training = model.training
    model.eval()
    correct = total = 0
    for inputs, y in data:
        correct += _correct(_call(model, inputs), y) or 0
        total += len(y)
    model.train(was_training)
    return correct / max(total, 1)


def train(
    model: nn.Module,
    train_data: Batches,
    eval_data: HeldOut | None = None,
    cfg: TrainConfig | None = None,
    report: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
) -> TrainResult:
    """Train `model` in place; `augment(x, generator)` transforms each tensor batch (pairs only).
    After each epoch `eval_data` gives the held-out accuracy: its accuracy() on data, or its value
    when it is a function of the model (which may keep more of its evaluation than the accuracy)."""
    cfg = cfg or TrainConfig()
    report = report or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    reseed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    pair = _is_pair(train_data)
    if pair and len(train_data[0]) != len(train_data[1]):
        raise ValueError(f"x has {len(train_data[0])} samples but y has {len(train_data[1])}")
    per_epoch = math.ceil(len(train_data[0]) / cfg.batch_size) if pair else _length(train_data)
    total = per_epoch * cfg.epochs if per_epoch else None
    opt = make_optimizer(model, cfg)
    sched = None
    if cfg.schedule == "onecycle":
        if total is None:
            raise ValueError("schedule 'onecycle' needs batches with a len(); use 'constant'")
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total)

    start, step, stopped, history = time.perf_counter(), 0, False, []
    model.train()
    for epoch in range(1, cfg.epochs + 1):
        window, whole = _Tally(), _Tally()
        batches = _tensor_batches(*train_data, cfg.batch_size, gen) if pair else train_data
        for inputs, y in batches:
            if should_stop():
                stopped = True
                break
            if pair and augment is not None:
                inputs = augment(inputs, gen)
            logits = _call(model, inputs)
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            step += 1
            correct = _correct(logits.detach(), y)
            window.add(loss.item(), correct, len(y))
            whole.add(loss.item(), correct, len(y))
            epoch_end = per_epoch is not None and step == epoch * per_epoch
            if step % cfg.report_every == 0 or epoch_end:  # every batch lands in some event
                t = time.perf_counter() - start
                report(StepEvent(epoch, step, total, *window.means(), t, _eta(t, step, total), epoch_end))
                window = _Tally()
        if stopped:
            break
        total = total or step * cfg.epochs
        held_out = _held_out(model, eval_data)
        t = time.perf_counter() - start
        history.append(EpochEvent(epoch, step, total, *whole.means(), held_out, t, _eta(t, step, total)))
        report(history[-1])
    model.eval()
    held_out = history[-1].held_out_accuracy if history and not stopped else None
    done = DoneEvent(len(history), step, time.perf_counter() - start, held_out, stopped)
    report(done)
    return TrainResult(done=done, history=history)


@dataclass
class _Tally:
    loss: float = 0.0
    batches: int = 0
    correct: int = 0
    samples: int = 0

    def add(self, loss: float, correct: int | None, n: int) -> None:
        self.loss, self.batches = self.loss + loss, self.batches + 1
        if correct is not None:
            self.correct, self.samples = self.correct + correct, self.samples + n

    def means(self) -> tuple[float, float | None]:
        return self.loss / max(self.batches, 1), (self.correct / self.samples if self.samples else None)


def _held_out(model: nn.Module, eval_data: HeldOut | None) -> float | None:
    if eval_data is None:
        return None
    return eval_data(model) if callable(eval_data) else accuracy(model, eval_data)


def _length(batches: Iterable) -> int | None:
    try:
        return len(batches)  # type: ignore[arg-type]
    except TypeError:
        return None


def _eta(elapsed: float, step: int, total: int | None) -> float | None:
    return elapsed / step * (total - step) if total and step else None
