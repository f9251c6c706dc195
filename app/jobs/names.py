"""The `names` job: train the name → country GRU from scratch, with held-out accuracy per language
after every epoch, and keep its weights."""

from dataclasses import asdict
from functools import lru_cache
from typing import Any

import torch

from app.jobs.runner import JobContext
from app.schemas.names import NamesJobRequest, NamesParams
from engine.models.names import (
    NamesConfig,
    NamesData,
    build,
    fit,
    names_data,
    parameter_count,
    unseen_accuracy,
)
from engine.train import EpochEvent, Evaluation, Event, TrainConfig, evaluate

KIND = "names"
Request = NamesJobRequest
# CPU seconds on the development machine, one torch thread (time.thread_time), per name and per
# weight of the GRU (a training pass counts 3 names: forward and backward); the batch size hardly
# matters (8 and 64 measured alike).
SECONDS_PER_NAME_WEIGHT = 2.2e-10
HELD_OUT_NAMES = 6681


@lru_cache(maxsize=4)
def data(train_size: int) -> NamesData:
    return names_data(train_size=train_size)


def estimate_seconds(params: NamesParams) -> float:
    """Each epoch: the training names (3 passes' worth each) and the held-out third through a
    bidirectional GRU of num_layers layers, 6·(input + hidden)·hidden weights per layer (within a
    factor of 2 of what the job takes alone)."""
    h = params.hidden_size
    weights = sum(6 * ((params.embedding_dim if i == 0 else 2 * h) + h) * h for i in range(params.num_layers))
    names = 3 * params.train_size + HELD_OUT_NAMES
    return 0.3 + params.epochs * names * weights * SECONDS_PER_NAME_WEIGHT


def run(params: NamesParams, ctx: JobContext) -> dict[str, Any] | None:
    d = data(params.train_size)
    model = build(
        NamesConfig(
            embedding_dim=params.embedding_dim,
            hidden_size=params.hidden_size,
            num_layers=params.num_layers,
            dropout=params.dropout,
        ),
        params.seed,
    )
    per_epoch = -(-params.train_size // params.batch_size)
    cfg = TrainConfig(
        epochs=params.epochs,
        batch_size=params.batch_size,
        lr=params.lr,
        optimizer=params.optimizer,
        weight_decay=params.weight_decay,
        schedule=params.schedule,
        seed=params.seed,
        report_every=max(1, per_epoch // 8),
    )

    last: list[Evaluation] = []  # the latest epoch's evaluation: one pass over the held-out third

    def held_out(m: torch.nn.Module) -> float:
        last[:] = [evaluate(m, d.x_held_out, d.y_held_out)]
        return last[0].accuracy

    def report(event: Event) -> None:
        if isinstance(event, EpochEvent):  # add each language's accuracy and the confusion matrix
            ev = last[0]  # on the held-out third
            ctx.report(
                {**asdict(event), "per_class": ev.per_class_accuracy(), "confusion": ev.confusion.tolist()}
            )
        else:
            ctx.report(event)

    result = fit(
        model,
        d,
        cfg,
        params.class_weight_power,
        report=report,
        should_stop=ctx.should_stop,
        held_out=held_out,
    )
    if result.done.stopped:
        return None
    ctx.keep_weights(model)
    ev = last[0]  # the model after its last epoch, as evaluated then
    return {
        "model": "bigru",
        "parameters": parameter_count(model),
        "seconds": round(result.done.elapsed, 2),
        "held_out_accuracy": ev.accuracy,
        "unseen_accuracy": unseen_accuracy(ev, d),
        "unseen_size": int(d.unseen.sum()),
        "per_class": ev.per_class_accuracy(),
        "confusion": ev.confusion.tolist(),
    }
