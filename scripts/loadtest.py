"""A load test on loopback: N concurrent clients for S seconds over a mix of endpoints.

    python scripts/loadtest.py [--clients 32] [--seconds 60] [--training]

It starts its own uvicorn (one process, a temporary data folder) on a free 127.0.0.1 port, uploads
an image, then every client loops over the mix; with --training it first starts a `digits` job and
keeps it running for the whole test. Prints, per endpoint, requests, errors, p50 and p99 in ms,
and the throughput. Only loopback is ever contacted."""

import argparse
import asyncio
import io
import statistics
import tempfile
import time

import httpx
import numpy as np
from PIL import Image
from server import serve


def mix(image_id: str) -> list[tuple[str, str, str, dict | None]]:
    """(label, method, path, json body)."""
    return [
        (
            "conv",
            "POST",
            "/api/cnn/conv",
            {"image_id": image_id, "kernels": ["sobel_x", "blur"], "padding": 1},
        ),
        ("pool", "POST", "/api/cnn/pool", {"image_id": image_id, "kind": "max", "kernel_size": 2}),
        ("gradient norms", "POST", "/api/cnn/gradient-norms", {"depth": 20, "batch": 16}),
        ("gru gates", "POST", "/api/rnn/gru", {"name": "Nakamura"}),
        ("digit predict", "POST", "/api/digits/predict", {"image_id": "digit"}),
        ("name predict", "POST", "/api/names/predict", {"name": "Kowalski", "k": 5}),
        ("page", "GET", "/cnn/convolution", None),
    ]


async def client(http: httpx.AsyncClient, jobs: list, until: float, results: dict) -> None:
    i = 0
    while time.monotonic() < until:
        label, method, path, body = jobs[i % len(jobs)]
        i += 1
        start = time.perf_counter()
        try:
            res = await http.request(method, path, json=body)
            ok = res.status_code < 400
        except httpx.HTTPError:
            ok = False
        results.setdefault(label, []).append(((time.perf_counter() - start) * 1000, ok))


async def run(base: str, clients: int, seconds: float, training: bool) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        buf = io.BytesIO()
        pixels = (np.random.default_rng(0).random((256, 256, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(buf, format="PNG")
        image_id = (await http.post("/api/images", files={"file": ("load.png", buf.getvalue())})).json()["id"]
        job = None
        if training:
            job = (await http.post("/api/jobs", json={"kind": "digits", "params": {"epochs": 30}})).json()
        results: dict[str, list[tuple[float, bool]]] = {}
        until = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(client(http, mix(image_id), until, results) for _ in range(clients)))
        elapsed = time.perf_counter() - started
        if job:
            await http.delete(f"/api/jobs/{job['id']}")
    print(f"{clients} clients for {seconds:.0f} s{' while a digits job trains' if training else ''}")
    print(f"{'endpoint':16} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    every = []
    for label, rows in sorted(results.items()):
        times = sorted(t for t, _ in rows)
        every += rows
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        print(
            f"{label:16} {len(rows):9} {sum(not ok for _, ok in rows):7} "
            f"{statistics.median(times):8.0f} {p99:8.0f}"
        )
    times = sorted(t for t, _ in every)
    print(
        f"{'all':16} {len(every):9} {sum(not ok for _, ok in every):7} {statistics.median(times):8.0f} "
        f"{times[int(0.99 * (len(times) - 1))]:8.0f}   throughput {len(every) / elapsed:.1f} req/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--training", action="store_true", help="keep a digits job training meanwhile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = serve(tmp)
        try:
            asyncio.run(run(base, args.clients, args.seconds, args.training))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
