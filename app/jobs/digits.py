"""The `digits` job: train a course digit CNN, evaluate it on the held-out digits, keep its weights."""

import math
from dataclasses import asdict
from typing import Any

from app.jobs.runner import JobContext
from app.schemas.digits import DigitsJobRequest, DigitsParams
from app.tensors import encode_tensor
from engine.data.mnist import N_TRAIN, mnist_split, random_shift
from engine.models.digits import MAX_SHIFT, build, held_out_report, parameter_count, training_record
from engine.seeding import seeded_global_rng
from engine.train import TrainConfig, train

KIND = "digits"
Request = DigitsJobRequest
# CPU seconds per training step of each model on the development machine, one torch thread
# (time.thread_time, best of 3): a fixed part and a part per digit in the batch.
STEP_SECONDS = {"basic": (0.9e-3, 0.116e-3), "inception": (3e-3, 0.65e-3), "residual": (2.4e-3, 0.2e-3)}
HELD_OUT = 2000


def shipped_params(name: str) -> DigitsParams:
    """The job's params that reproduce model `name`'s shipped weights: the recipe its training record
    keeps (scripts/train_digits.py trains on all N_TRAIN digits, shifted by up to max_shift px)."""
    h = training_record(name)["hyperparameters"]
    return DigitsParams(
        model=name,
        epochs=h["epochs"],
        batch_size=h["batch_size"],
        lr=h["lr"],
        optimizer=h["optimizer"],
        schedule=h["schedule"],
        augment=h["max_shift"] > 0,
        train_size=N_TRAIN,
        seed=h["seed"],
    )


def estimate_seconds(params: DigitsParams) -> float:
    """Training steps at their measured cost, and the held-out pass after each epoch (a forward
    pass: about a third of a training step's cost per digit)."""
    fixed, per_digit = STEP_SECONDS[params.model]
    steps = math.ceil(params.train_size / params.batch_size)
    epoch = steps * (fixed + per_digit * params.batch_size) + HELD_OUT * per_digit / 3
    return 1.0 + params.epochs * epoch


def run(params: DigitsParams, ctx: JobContext) -> dict[str, Any] | None:
    data = mnist_split()
    n = params.train_size
    with seeded_global_rng(params.seed):
        model = build(params.model)
    cfg = TrainConfig(
        epochs=params.epochs,
        batch_size=params.batch_size,
        lr=params.lr,
        optimizer=params.optimizer,
        schedule=params.schedule,
        seed=params.seed,
        report_every=max(1, n // params.batch_size // 10),
    )
    augment = (lambda x, g: random_shift(x, MAX_SHIFT, g)) if params.augment else None
    run = train(
        model,
        (data.x_train[:n], data.y_train[:n]),
        (data.x_held_out, data.y_held_out),
        cfg,
        report=ctx.report,
        should_stop=ctx.should_stop,
        augment=augment,
    )
    if run.done.stopped:
        return None
    ctx.keep_weights(model)
    report = held_out_report(model, data)
    return {
        "model": params.model,
        "parameters": parameter_count(model),
        "seconds": round(run.done.elapsed, 2),
        "held_out_accuracy": report.accuracy,
        "confusion": report.confusion.tolist(),
        "misread_count": report.misread_count,
        "misread": [asdict(m) for m in report.misread],
        "misread_images": encode_tensor(report.misread_images),  # (M, 28, 28) uint8
    }
