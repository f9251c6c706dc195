"""The `depth` job: plain and residual stacks, shallow and deep, trained one after another on the
digits (the shape of the ResNet paper's Figure 1). Every event carries its run's name and index."""

import math
from dataclasses import asdict
from typing import Any

from app.jobs.runner import JobContext
from app.schemas.depth import DepthJobRequest, DepthParams
from engine.cnn.depth import ExperimentConfig, run_experiment
from engine.train import Event

KIND = "depth"
Request = DepthJobRequest
RUNS = 4
# CPU seconds on the development machine, one torch thread (time.thread_time, best of 3):
SECONDS_PER_LAYER_STEP = 2.5e-4  # one Linear + BatchNorm + ReLU: forward, backward, Adam
SECONDS_PER_SAMPLE_WEIGHT = 7.5e-11  # more per step for each sample × weight of a layer
SECONDS_PER_EVALUATION = 0.05  # the held-out digits after each epoch of each run


def estimate_seconds(params: DepthParams) -> float:
    """The four runs' training steps × their layers, each costing a fixed part and a part growing
    with batch × width² (within a factor of 2 of what the job takes alone)."""
    steps = params.epochs * math.ceil(params.train_size / params.batch_size)
    per_layer = SECONDS_PER_LAYER_STEP + SECONDS_PER_SAMPLE_WEIGHT * params.batch_size * params.width**2
    layers = 2 * (params.shallow + 2) + 2 * (params.deep + 2)  # + stem and head, plain and residual
    return 0.2 + steps * layers * per_layer + RUNS * params.epochs * SECONDS_PER_EVALUATION


def run(params: DepthParams, ctx: JobContext) -> dict[str, Any] | None:
    cfg = ExperimentConfig(
        depths=(params.shallow, params.deep),
        width=params.width,
        epochs=params.epochs,
        batch_size=params.batch_size,
        lr=params.lr,
        train_size=params.train_size,
        seed=params.seed,
    )

    def report(index: int, name: str, event: Event) -> None:
        ctx.report({**asdict(event), "run": name, "run_index": index, "runs": RUNS})

    result = run_experiment(cfg, report=report, should_stop=ctx.should_stop)
    if result.stopped:
        return None
    return {
        "runs": [asdict(r) for r in result.runs],
        "seconds": round(result.seconds, 2),
        "figure1_shape": result.figure1_shape(),
    }
