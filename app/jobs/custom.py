"""The `custom` job: train a net on a learner's data set, test it on examples it never saw, keep
its weights. The set is read from the data folder the job runs beside (a job's workdir is
<data_dir>/jobs/<id> on both backends), so a Redis worker needs the app's data folder."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from app.datasets import MAX_CLASSES, MAX_PER_CLASS, DatasetReader
from app.i18n import translate
from app.jobs.runner import WEIGHTS_FILE, JobContext
from app.jobs.store import JobRecord
from app.schemas.datasets import CustomJobRequest, CustomParams
from engine.data.augment import Jitter
from engine.data.custom import LOO_MAX_EXAMPLES, model_input
from engine.models.custom import CustomNet, build, trainable_count
from engine.models.custom_train import EPOCH_SAMPLES, fit
from engine.models.digits import parameter_count
from engine.train import TrainConfig

KIND = "custom"
Request = CustomJobRequest
MISREAD_SHOWN = 24
DATASETS = "datasets"
# CPU seconds per training picture of the costliest net (a 64×64 photo, from scratch) on the
# development machine, one torch thread (time.thread_time, batches of 32).
SECONDS_PER_PICTURE = 1.8e-3


def estimate_seconds(params: CustomParams) -> float:
    """The most a job with these params can take, at the costliest net's speed (for
    app/jobs/kinds.py's time check): an epoch is every example of the largest data set allowed
    (10 classes × 200, a held-out fifth), or leave-one-out's copies of TinyVGG on the most photos it
    takes, each epoch of EPOCH_SAMPLES pictures with the maps computed twice (engine.models.custom_train)."""
    held_out = MAX_CLASSES * MAX_PER_CLASS
    leave_one_out = (LOO_MAX_EXAMPLES["photo"] + 1) * EPOCH_SAMPLES * 4 / 3
    return 1.0 + params.epochs * max(held_out, leave_one_out) * SECONDS_PER_PICTURE


def datasets_root(workdir: Path) -> Path:
    return workdir.parents[1] / DATASETS


def run(params: CustomParams, ctx: JobContext) -> dict[str, Any] | None:
    reader = DatasetReader(datasets_root(ctx.workdir))
    data = reader.tensors(params.dataset)  # NoSuchDataset → the job's error says which set is gone
    reader.touch(params.dataset)
    cfg = TrainConfig(
        epochs=params.epochs,
        batch_size=params.batch_size,
        lr=params.lr,
        optimizer="adam",
        seed=params.seed,
        report_every=2,
    )
    x = model_input(data.pixels, data.input)  # (N, C, H, W)
    k = len(data.classes)
    result = fit(
        x,
        data.labels,
        k,
        data.input,
        params.mode,
        cfg,
        jitter=Jitter() if params.augment else None,
        report=ctx.report,
        should_stop=ctx.should_stop,
        names=data.classes,
    )
    if result.result.done.stopped:
        return None
    ctx.keep_weights(result.model)
    ev = result.evaluation
    held_out = result.split.held_out
    misread = [
        {
            "example": data.example_ids[int(held_out[i])],
            "label": int(data.labels[held_out[i]]),
            "predicted": int(ev.predicted[i]),
        }
        for i in ev.misread[:MISREAD_SHOWN]
    ]
    return {
        "dataset": params.dataset,
        "input": data.input,
        "mode": params.mode,
        "classes": data.classes,
        "counts": torch.bincount(data.labels, minlength=k).tolist(),
        "examples": len(data.labels),
        "method": result.split.method,
        "held_out": len(held_out),
        "held_out_accuracy": ev.accuracy,
        "confusion": ev.confusion.tolist(),
        "misread_count": len(ev.misread),
        "misread": misread,
        "parameters": parameter_count(result.model),
        "trained_parameters": trainable_count(result.model),
        "seconds": round(result.result.done.elapsed, 2),
    }


@dataclass
class Trained:
    model: CustomNet
    kind: str
    mode: str
    classes: list[str]


class NotTrained(LookupError):
    """The job cannot answer for this set: `code` names the message (api.<code>, in English here)
    that says why, `status_code` how."""

    def __init__(self, code: str, status_code: int, **values: object) -> None:
        super().__init__(translate("en", f"api.{code}", **values))
        self.code, self.values, self.status_code = code, values, status_code


def trained(record: JobRecord | None, workdir: Path, set_id: str) -> Trained:
    """The net a finished custom job trained on set `set_id`, loaded once and kept."""
    if record is None:
        raise NotTrained("no_job", 404)
    if record.kind != KIND or record.params.get("dataset") != set_id:
        raise NotTrained("job_other_set", 422, job=record.id)
    if record.state != "done" or not record.result:
        raise NotTrained("job_not_done", 409, job=record.id, state=record.state)
    path = workdir / WEIGHTS_FILE
    if not path.is_file():
        raise NotTrained("custom_no_weights", 404, job=record.id)
    r = record.result
    model = _load(str(path), path.stat().st_mtime_ns, r["input"], r["mode"], len(r["classes"]))
    return Trained(model, r["input"], r["mode"], list(r["classes"]))


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, kind: str, mode: str, k: int) -> CustomNet:
    model = build(kind, mode, k)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()
