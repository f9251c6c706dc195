"""The `batching` job: the same RNN on the same waves, trained one sample per update and then one
mini-batch per update; the end result holds both loss curves and the measured times."""

import math
from dataclasses import asdict
from typing import Any

from app.jobs.runner import JobContext
from app.schemas.batching import BatchingJobRequest, BatchingParams
from engine.rnn.batching import sine_task, train_mode, updates_per_epoch

KIND = "batching"
Request = BatchingJobRequest
HELD_OUT = 256  # waves never trained on, drawn from seed + 1
SECONDS_PER_STEP_LETTER = 3e-5  # one update's forward and backward, per time step (small RNNs)


def estimate_seconds(params: BatchingParams) -> float:
    """One update per sample, then one per mini-batch, each walking seq_len steps."""
    updates = params.epochs * (params.samples + math.ceil(params.samples / params.batch_size))
    return 0.5 + updates * params.seq_len * SECONDS_PER_STEP_LETTER


def run(params: BatchingParams, ctx: JobContext) -> dict[str, Any] | None:
    task = sine_task(params.samples, params.seq_len, params.seed)
    held_out = sine_task(HELD_OUT, params.seq_len, params.seed + 1)
    modes = (("one", 1), ("mini", params.batch_size))
    totals = [updates_per_epoch(params.samples, b) * params.epochs for _, b in modes]
    runs = {}
    for i, (mode, batch_size) in enumerate(modes):
        before = sum(totals[:i])

        def report(event: dict, before: int = before) -> None:
            done = event.get("step", event.get("steps", 0))
            ctx.report({**event, "overall_step": before + done, "overall_total": sum(totals)})

        runs[mode] = train_mode(
            mode,
            batch_size,
            task,
            held_out,
            params.hidden_size,
            params.epochs,
            params.lr,
            params.seed,
            report=report,
            should_stop=ctx.should_stop,
        )
        if runs[mode].stopped:
            return None
    return {
        "samples": params.samples,
        "held_out": HELD_OUT,
        "seconds": round(sum(r.total_seconds for r in runs.values()), 2),
        "modes": {mode: asdict(r) for mode, r in runs.items()},
    }
