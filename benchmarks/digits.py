"""The digit CNNs: time to accuracy when trained from scratch, and predict latency.

    .venv/bin/python -m benchmarks.digits

For each model: its recipe (engine.models.digits.RECIPES) on the 8,000 training digits, held-out
accuracy on the 2,000 others measured every quarter epoch (evaluation time is not counted), the
training seconds until it first reaches 97% and 98%, the final accuracy and the parameter count.
Then the in-process latency of `predict` on one 28×28 digit with the default shipped model
(target: p50 ≤ 20 ms). Threads: 2. Timings move with whatever else runs on the machine."""

import os
import statistics
import time
from dataclasses import replace

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as app/__init__.py, if torch is not loaded yet
import torch

from engine.data.mnist import load_digits, mnist_split, random_shift
from engine.models.digits import DEFAULT_MODEL, MAX_SHIFT, MODELS, RECIPES, build, load_pretrained, predict
from engine.models.digits import parameter_count as count
from engine.train import Event, StepEvent, evaluate, train

THREADS = 2
THRESHOLDS = (0.97, 0.98)
LATENCY_RUNS = 300


def time_to_accuracy(name: str) -> dict:
    """Train `name` as the shipped weights were, timing training only."""
    split = mnist_split()
    per_epoch = -(-len(split.x_train) // RECIPES[name].batch_size)
    cfg = replace(RECIPES[name], report_every=max(per_epoch // 4, 1))
    torch.manual_seed(cfg.seed)
    model = build(name)
    points: list[tuple[float, float]] = []  # (training seconds, held-out accuracy)
    paused = 0.0

    def measure(event: Event) -> None:
        nonlocal paused
        if not isinstance(event, StepEvent):
            return
        start = time.perf_counter()
        points.append((event.elapsed - paused, evaluate(model, split.x_held_out, split.y_held_out).accuracy))
        paused += time.perf_counter() - start

    result = train(
        model,
        (split.x_train, split.y_train),
        None,
        cfg,
        report=measure,
        augment=lambda x, g: random_shift(x, MAX_SHIFT, g),
    )
    final = evaluate(model, split.x_held_out, split.y_held_out).accuracy
    points.append((result.done.elapsed - paused, final))
    reach = {t: next((s for s, a in points if a >= t), None) for t in THRESHOLDS}
    return {
        "model": name,
        "reach": reach,
        "final": final,
        "seconds": points[-1][0],
        "epochs": cfg.epochs,
        "params": count(model),
    }


def predict_latency(name: str = DEFAULT_MODEL) -> tuple[float, float]:
    """(p50, p90) milliseconds of predict() on one digit (pixels 0–255 → probabilities)."""
    model = load_pretrained(name)
    images, _ = load_digits()
    digit = images[mnist_split().held_out_index[0]]  # (28, 28) uint8
    for _ in range(20):
        predict(model, digit)
    times = []
    for _ in range(LATENCY_RUNS):
        start = time.perf_counter()
        predict(model, digit)
        times.append((time.perf_counter() - start) * 1000)
    q = statistics.quantiles(times, n=10)
    return statistics.median(times), q[8]


def _s(seconds: float | None) -> str:
    return f"{seconds:.1f}" if seconds is not None else "not reached"


def main() -> None:
    torch.set_num_threads(THREADS)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, default model {DEFAULT_MODEL!r}\n")
    print("| model | params | epochs | s to 97% | s to 98% | final held-out | training s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in MODELS:
        r = time_to_accuracy(name)
        print(
            f"| {name} | {r['params']:,} | {r['epochs']} | {_s(r['reach'][0.97])} | {_s(r['reach'][0.98])} "
            f"| {r['final']:.2%} | {r['seconds']:.1f} |",
            flush=True,
        )
    p50, p90 = predict_latency()
    print(
        f"\npredict one 28×28 digit with {DEFAULT_MODEL!r}: p50 {p50:.2f} ms, p90 {p90:.2f} ms "
        f"({LATENCY_RUNS} runs, in-process; target p50 ≤ 20 ms)"
    )


if __name__ == "__main__":
    main()
