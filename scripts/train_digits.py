"""Reproduce the shipped digit-model weights from scratch.

    .venv/bin/python scripts/train_digits.py --model basic      (or inception, residual, all)

Trains on the 8,000-digit training split (engine.data.mnist) with the model's recipe
(engine.models.digits.RECIPES), prints held-out accuracy and seconds, and writes
engine/models/weights/digits_<model>.pt (a state_dict) and digits_<model>.json beside it."""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as app/__init__.py: idle threads sleep, not spin
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.models.digits import MAX_SHIFT, MODELS, RECIPES, fit, parameter_count, weights_path  # noqa: E402
from engine.train import EpochEvent, Event  # noqa: E402

THREADS = 2


def show(event: Event) -> None:
    if isinstance(event, EpochEvent):
        print(
            f"  epoch {event.epoch}: loss {event.loss:.4f}, train accuracy {event.accuracy:.4f}, "
            f"held-out {event.held_out_accuracy:.4f}, {event.elapsed:.1f} s"
        )


def run(name: str, args: argparse.Namespace) -> None:
    overrides = {k: getattr(args, k) for k in ("epochs", "seed", "lr") if getattr(args, k) is not None}
    cfg = replace(RECIPES[name], **overrides)
    print(f"{name}: {asdict(cfg)}, max_shift={MAX_SHIFT}, threads={torch.get_num_threads()}")
    start, cpu_start = time.perf_counter(), time.process_time()
    model, result = fit(name, cfg, report=show)
    seconds = time.perf_counter() - start  # includes building the model and per-epoch evaluation
    cpu = time.process_time() - cpu_start  # all threads: on an idle machine seconds ≈ cpu / threads
    acc = result.done.held_out_accuracy
    print(
        f"{name}: held-out accuracy {acc:.4f} ({acc * 2000:.0f}/2000) in {seconds:.1f} s "
        f"(CPU {cpu:.1f} s, load average {os.getloadavg()[0]:.1f})"
    )
    if args.dry_run:
        return
    path = weights_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save(state, path)
    record = {
        "model": name,
        "held_out_accuracy": round(acc, 4),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "epochs": cfg.epochs,
        "seed": cfg.seed,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "parameters": parameter_count(model),
        "hyperparameters": {**asdict(cfg), "max_shift": MAX_SHIFT},
        "data": "shipped MNIST test set, 8,000 train / 2,000 held out (engine.data.mnist, seed 0)",
        "history": [
            {
                "epoch": e.epoch,
                "loss": round(e.loss, 4),
                "held_out_accuracy": round(e.held_out_accuracy, 4),
                "seconds": round(e.elapsed, 1),
            }
            for e in result.history
        ],
    }
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB) and {path.with_suffix('.json').name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*MODELS, "all"], default="basic")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--seed", type=int, help="override the recipe's seed")
    parser.add_argument("--lr", type=float, help="override the recipe's learning rate")
    parser.add_argument("--dry-run", action="store_true", help="train and print, write nothing")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    for name in MODELS if args.model == "all" else [args.model]:
        run(name, args)


if __name__ == "__main__":
    main()
