"""The name → country GRU: time to accuracy when trained from scratch, and predict latency.

    .venv/bin/python -m benchmarks.names

The shipped recipe (engine.models.names.RECIPE) on the 11,990 training names, held-out accuracy
on the 5,994 others measured every quarter epoch (evaluation time is not counted), the training
seconds (wall and CPU) until it first reaches 80% and 85%, and the final accuracy. Then the
in-process latency of `predict` on one name with the shipped weights (target: p50 ≤ 10 ms).
Threads: 1 (see scripts/train_names.py). Timings move with whatever else runs on the machine:
the load average is printed."""

import os
import statistics
import time
from dataclasses import replace

import torch

from engine.models.names import (
    CLASS_WEIGHT_POWER,
    RECIPE,
    NamesConfig,
    build,
    fit,
    load_pretrained,
    names_data,
    predict,
)
from engine.train import Event, StepEvent, evaluate

THREADS = 1
THRESHOLDS = (0.80, 0.85)
LATENCY_RUNS = 300


def time_to_accuracy() -> dict:
    data = names_data()
    per_epoch = -(-len(data.y_train) // RECIPE.batch_size)
    cfg = replace(RECIPE, report_every=max(per_epoch // 4, 1))
    model = build(NamesConfig(), cfg.seed)
    points: list[tuple[float, float, float]] = []  # (wall s, CPU s, held-out accuracy)
    paused = paused_cpu = 0.0
    cpu0 = time.process_time()

    def measure(event: Event) -> None:
        nonlocal paused, paused_cpu
        if not isinstance(event, StepEvent):
            return
        start, cpu = time.perf_counter(), time.process_time()
        acc = evaluate(model, data.x_held_out, data.y_held_out).accuracy
        points.append((event.elapsed - paused, cpu - cpu0 - paused_cpu, acc))
        paused += time.perf_counter() - start
        paused_cpu += time.process_time() - cpu

    result = fit(model, data, cfg, CLASS_WEIGHT_POWER, report=measure)
    final = evaluate(model, data.x_held_out, data.y_held_out).accuracy
    points.append((result.done.elapsed - paused, time.process_time() - cpu0 - paused_cpu, final))
    reach = {t: next(((w, c) for w, c, a in points if a >= t), None) for t in THRESHOLDS}
    return {"reach": reach, "final": final, "seconds": points[-1][0], "cpu": points[-1][1]}


def predict_latency() -> tuple[float, float]:
    """(p50, p90) milliseconds of predict() on one name (text → probabilities)."""
    model = load_pretrained()
    ts = []
    for i in range(LATENCY_RUNS):
        start = time.perf_counter()
        predict(model, ("Nakamura", "Schmidt", "O'Brien", "Dvořák")[i % 4])
        ts.append((time.perf_counter() - start) * 1000)
    ts.sort()
    return statistics.median(ts), ts[int(0.9 * len(ts))]


def main() -> None:
    torch.set_num_threads(THREADS)
    print(f"threads {THREADS}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    r = time_to_accuracy()
    fmt = lambda x: "not reached" if x is None else f"{x[0]:.1f} s ({x[1]:.1f} s CPU)"  # noqa: E731
    print("| recipe | " + " | ".join(f"to {t:.0%}" for t in THRESHOLDS) + " | final | wall s | CPU s |")
    print("|---|" + "---|" * (len(THRESHOLDS) + 3))
    print(
        f"| {RECIPE.epochs} epochs, batch {RECIPE.batch_size} | "
        + " | ".join(fmt(r["reach"][t]) for t in THRESHOLDS)
        + f" | {r['final']:.4f} | {r['seconds']:.1f} | {r['cpu']:.1f} |"
    )
    p50, p90 = predict_latency()
    print(
        f"\npredict one name, in-process: p50 {p50:.2f} ms, p90 {p90:.2f} ms (target p50 ≤ 10 ms); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
