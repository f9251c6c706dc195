"""§2.3 vanishing gradients: gradient norms at depth 56 through the API, and the `depth` training
experiment (plain and residual, 20 and 56 layers).  Run: .venv/bin/python -m benchmarks.depth

Targets: POST /api/cnn/gradient-norms at depth 56 on 32 digits ≤ 300 ms; the full experiment
≤ 3 minutes, ending in Figure 1's order (plain-56 above plain-20, residual-56 not above residual-20)."""

import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, get_settings
from engine.cnn.depth import ExperimentConfig, run_experiment

RUNS = 15
BODY = {"depth": 56, "batch": 32, "activation": "sigmoid", "init": "default"}


def api_times(client: TestClient) -> list[tuple[str, float, float]]:
    rows = []
    for residual in (False, True):
        body = {**BODY, "residual": residual}
        client.post("/api/cnn/gradient-norms", json=body).raise_for_status()  # warm up
        ts = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            client.post("/api/cnn/gradient-norms", json=body).raise_for_status()
            ts.append((time.perf_counter() - t0) * 1000)
        name = f"API: gradient-norms, depth 56, batch 32, {'residual' if residual else 'plain'}"
        rows.append((name, min(ts), statistics.median(ts)))
    return rows


def main() -> None:
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        app.dependency_overrides[get_settings] = lambda: Settings(data_dir=Path(tmp))
        with TestClient(app) as client:
            rows = api_times(client)
            threads = torch.get_num_threads()
            t0 = time.perf_counter()
            result = run_experiment(ExperimentConfig())
            total = time.perf_counter() - t0
    print(f"torch threads: {threads}; load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'what':56} {'best ms':>9} {'median ms':>10}")
    for name, best, med in rows:
        print(f"{name:56} {best:9.1f} {med:10.1f}")
    print("target ≤ 300 ms\n")
    print(f"{'run':14} {'params':>8} {'seconds':>8} {'train error':>12} {'held-out error':>15}")
    for r in result.runs:
        print(
            f"{r.name:14} {r.parameters:8,} {r.seconds:8.1f} {100 * r.train_error:11.2f}% "
            f"{100 * r.held_out_error:14.2f}%"
        )
    print(
        f"depth experiment: {total:.1f} s in all (target ≤ 180 s); "
        f"Figure 1 order: {'yes' if result.figure1_shape() else 'NO'}"
    )


if __name__ == "__main__":
    main()
