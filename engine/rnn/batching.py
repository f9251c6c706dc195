"""§4.3 Two ways to update an RNN: after every sample, or once per mini-batch.

The task: read T steps of a noisy sine wave and predict the next (noise-free) value; a many-to-one
RNN, squared-error loss. Samples are stored (N, T, 1), one row per sample, so the training loop can
pick rows; a batch enters torch.nn.RNN time first (batch_first=False):

    x_batch  (B, T, 1)  →  transpose  →  (T, B, 1):  [t, b] = step t of the batch's b-th sample

One-sample mode is the same loop with B = 1: N updates per epoch instead of ceil(N / B)."""

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from engine.errors import FieldError
from engine.seeding import seeded_global_rng
from engine.train import DoneEvent, EpochEvent, Event, StepEvent, TrainConfig, train

PERIOD = (6.0, 16.0)  # each wave's period, in time steps, drawn uniformly from this range
AMPLITUDE = (0.5, 1.5)
NOISE = 0.1  # standard deviation of the noise on every input step (the target is noise-free)
POINTS_PER_EPOCH = 20  # loss points per epoch on the curves (at most)


@dataclass
class SineTask:
    x: torch.Tensor  # (N, T, 1) the noisy waves, sample-major as stored
    y: torch.Tensor  # (N, 1) the noise-free value at step T + 1


def sine_task(samples: int, seq_len: int, seed: int, noise: float = NOISE) -> SineTask:
    """N sine waves with random period, amplitude and phase; the same seed gives the same waves."""
    if samples < 1 or seq_len < 1:
        raise ValueError(f"samples and seq_len must be at least 1, got {samples} and {seq_len}")
    gen = torch.Generator().manual_seed(seed)

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(samples, 1, generator=gen)  # (N, 1)

    period, amp, phase = uniform(*PERIOD), uniform(*AMPLITUDE), uniform(0, 2 * math.pi)
    t = torch.arange(seq_len + 1, dtype=torch.float32)  # (T + 1,) steps 0 … T
    clean = amp * torch.sin(2 * math.pi * t / period + phase)  # (N, T + 1)
    x = clean[:, :seq_len] + noise * torch.randn(samples, seq_len, generator=gen)  # (N, T)
    return SineTask(x=x[:, :, None], y=clean[:, seq_len:])  # (N, T, 1), (N, 1)


def time_first(x: torch.Tensor) -> torch.Tensor:
    """(B, T, I) rows of samples → (T, B, I), the layout nn.RNN reads when batch_first=False."""
    if x.ndim != 3:
        raise ValueError(f"expected (B, T, I), got shape {list(x.shape)}")
    return x.transpose(0, 1)  # (T, B, I)


def updates_per_epoch(samples: int, batch_size: int) -> int:
    """One update per batch: ceil(N / B); B = 1 is one-sample mode, N updates."""
    if samples < 1 or batch_size < 1:
        raise ValueError(f"samples and batch_size must be at least 1, got {samples} and {batch_size}")
    return math.ceil(samples / batch_size)


def epoch_batches(samples: int, batch_size: int, seed: int) -> list[torch.Tensor]:
    """The sample indices of each batch of the first epoch, in the order engine/train.py draws them
    (a permutation from a torch.Generator seeded with `seed`, cut every B samples)."""
    order = torch.randperm(samples, generator=torch.Generator().manual_seed(seed))
    return list(order.split(batch_size))


@dataclass
class BatchLayout:
    """One batch of the first epoch as nn.RNN reads it, and the updates an epoch makes."""

    batches: int  # ceil(N / B): batches, and so updates, per epoch
    last_batch_size: int
    indices: list[int]  # the batch's samples, column by column
    x: torch.Tensor  # (T, b, 1): x[t, j] = step t + 1 of sample indices[j]
    y: torch.Tensor  # (b,) each sample's target


def batch_layout(samples: int, seq_len: int, batch_size: int, seed: int, batch: int) -> BatchLayout:
    """Batch number `batch` of the first epoch of the seeded task (a FieldError "batch" past the last)."""
    batches = epoch_batches(samples, batch_size, seed)
    if not 0 <= batch < len(batches):
        raise FieldError(
            "batch",
            "batch_index",
            "must be below ceil(N / B) = {n} (batches per epoch), got {batch}",
            n=len(batches),
            batch=batch,
        )
    task, idx = sine_task(samples, seq_len, seed), batches[batch]
    return BatchLayout(len(batches), len(batches[-1]), idx.tolist(), time_first(task.x[idx]), task.y[idx, 0])


class NextValue(nn.Module):
    """Many-to-one: nn.RNN (tanh) reads the whole sequence, a linear layer maps h_T to one number."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size)  # batch_first=False: expects (T, B, I)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h_n = self.rnn(time_first(x))  # x (B, T, I) → h_n (1, B, H)
        return self.fc(h_n[0])  # (B, 1)


@dataclass
class ModeRun:
    """One training run and what it measured; times leave out the held-out checks."""

    mode: str  # "one" (B = 1) or "mini"
    batch_size: int
    updates_per_epoch: int
    steps: list[int] = field(default_factory=list)  # updates so far, at each curve point
    seconds: list[float] = field(default_factory=list)  # training seconds so far, at each point
    loss: list[float] = field(default_factory=list)  # mean training loss since the previous point
    epoch_seconds: list[float] = field(default_factory=list)  # how long each epoch took
    epoch_loss: list[float] = field(default_factory=list)  # mean training loss of each epoch
    held_out_loss: list[float] = field(default_factory=list)  # on the held-out waves, after each epoch
    total_seconds: float = 0.0
    stopped: bool = False


@torch.no_grad()
def mse(model: nn.Module, task: SineTask) -> float:
    return F.mse_loss(model(task.x), task.y).item()


def train_mode(
    mode: str,
    batch_size: int,
    task: SineTask,
    held_out: SineTask,
    hidden_size: int,
    epochs: int,
    lr: float,
    seed: int,
    report: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ModeRun:
    """Train a fresh NextValue model (the same initial weights for the same seed) with Adam, one
    update per batch of `batch_size`; every event of the training loop is passed on to `report`
    tagged with the mode, its times less the held-out checks."""
    report = report or (lambda event: None)
    per_epoch = updates_per_epoch(len(task.y), batch_size)
    run = ModeRun(mode, batch_size, per_epoch)
    with seeded_global_rng(seed):
        model = NextValue(task.x.shape[2], hidden_size)
    cfg = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer="adam",
        seed=seed,
        report_every=max(1, per_epoch // POINTS_PER_EPOCH),
    )
    checking = 0.0  # seconds spent on held-out checks, taken out of every time

    def on_event(event: Event) -> None:
        nonlocal checking
        event.elapsed -= checking
        if isinstance(event, StepEvent):
            run.steps.append(event.step)
            run.seconds.append(event.elapsed)
            run.loss.append(event.loss)
        elif isinstance(event, EpochEvent):
            start = time.perf_counter()
            run.held_out_loss.append(mse(model, held_out))
            checking += time.perf_counter() - start
            run.epoch_seconds.append(event.elapsed - sum(run.epoch_seconds))
            run.epoch_loss.append(event.loss)
        elif isinstance(event, DoneEvent):
            run.total_seconds, run.stopped = event.elapsed, event.stopped
        extra = {"held_out_loss": run.held_out_loss[-1]} if isinstance(event, EpochEvent) else {}
        report({**asdict(event), **extra, "mode": mode, "batch_size": batch_size})

    train(model, (task.x, task.y), None, cfg, report=on_event, should_stop=should_stop, loss_fn=F.mse_loss)
    return run
