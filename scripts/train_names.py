"""Reproduce the shipped name → country weights from scratch.

    .venv/bin/python scripts/train_names.py            (--dry-run: train and print, write nothing)

Trains the bidirectional GRU (engine.models.names) on the training two thirds of the names
(engine.data.names) with its recipe (RECIPE, CLASS_WEIGHT_POWER), prints held-out accuracy after
every epoch, wall and CPU seconds, and writes engine/models/weights/names_bigru.pt (a state_dict)
and names_bigru.json beside it. One torch thread: on 2 cores, a second thread only waits for the
first on these small matrices (and is far slower when other work shares the machine)."""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.models.names import (  # noqa: E402
    CLASS_WEIGHT_POWER,
    RECIPE,
    WEIGHTS_PATH,
    NamesConfig,
    build,
    fit,
    names_data,
    parameter_count,
    unseen_accuracy,
)
from engine.train import EpochEvent, Event, evaluate  # noqa: E402

THREADS = 1


def show(event: Event) -> None:
    if isinstance(event, EpochEvent):
        print(
            f"  epoch {event.epoch}: loss {event.loss:.4f}, train accuracy {event.accuracy:.4f}, "
            f"held-out {event.held_out_accuracy:.4f}, {event.elapsed:.1f} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--seed", type=int, help="override the recipe's seed")
    parser.add_argument("--lr", type=float, help="override the recipe's learning rate")
    parser.add_argument("--dry-run", action="store_true", help="train and print, write nothing")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    overrides = {k: getattr(args, k) for k in ("epochs", "seed", "lr") if getattr(args, k) is not None}
    cfg = replace(RECIPE, **overrides)
    model_cfg = NamesConfig()
    load = os.getloadavg()[0]
    print(
        f"{asdict(model_cfg)}, {asdict(cfg)}, class_weight_power={CLASS_WEIGHT_POWER}, "
        f"threads={torch.get_num_threads()}, load average {load:.1f} on {os.cpu_count()} cores"
    )
    start, cpu = time.perf_counter(), time.process_time()
    data = names_data()
    model = build(model_cfg, cfg.seed)
    result = fit(model, data, cfg, CLASS_WEIGHT_POWER, report=show)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    acc = result.done.held_out_accuracy
    n = len(data.y_held_out)
    unseen = unseen_accuracy(evaluate(model, data.x_held_out, data.y_held_out), data)
    print(
        f"held-out accuracy {acc:.4f} ({acc * n:.0f}/{n}) in {seconds:.1f} s "
        f"({cpu:.1f} s of CPU; load average {os.getloadavg()[0]:.1f}); on the "
        f"{int(data.unseen.sum())} held-out names never seen in training {unseen:.4f}"
    )
    if args.dry_run:
        return
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    WEIGHTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, WEIGHTS_PATH)
    record = {
        "config": asdict(model_cfg),
        "held_out_accuracy": round(acc, 4),
        "unseen_accuracy": round(unseen, 4),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average": round(load, 1),
        "threads": THREADS,
        "torch": torch.__version__,
        "parameters": parameter_count(model),
        "train": asdict(cfg),
        "class_weight_power": CLASS_WEIGHT_POWER,
        "data": f"data/names: {len(data.y_train)} training / {n} held-out lines "
        f"(engine.data.names, seed 0, protocol 'lines'; {int(data.unseen.sum())} held-out "
        "names never seen in training)",
        "history": [
            {
                "epoch": e.epoch,
                "loss": round(e.loss, 4),
                "held_out_accuracy": e.held_out_accuracy,
                "seconds": round(e.elapsed, 1),
            }
            for e in result.history
        ],
    }
    WEIGHTS_PATH.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"wrote {WEIGHTS_PATH} ({WEIGHTS_PATH.stat().st_size / 1024:.0f} KiB) and "
        f"{WEIGHTS_PATH.with_suffix('.json').name}"
    )


if __name__ == "__main__":
    main()
