"""The `depth` job: plain and residual stacks, shallow and deep, trained one after another on the
digits (the shape of the ResNet paper's Figure 1). Every event carries its run's name and index."""

from dataclasses import asdict
from typing import Any

from app.jobs.runner import JobContext
from app.schemas.depth import DepthJobRequest, DepthParams
from engine.cnn.depth import ExperimentConfig, run_experiment
from engine.train import Event

KIND = "depth"
Request = DepthJobRequest
RUNS = 4


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
