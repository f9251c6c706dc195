"""How to send tensors: bytes on the wire and the server's CPU per answer, for the alternatives of
issue #17.  Run: .venv/bin/python -m benchmarks.transport

For real answers (the lesson pages' image answers, on the sample picture and on benchmarks.conv's
512×512 image): JSON with base64 gzipped by zlib at level 1 (before #17: Starlette's middleware);
the binary form (app/tensors.py) raw, gzipped by zlib, and gzipped by ISA-L (what app/transport.py
does); and image tiles, every 2-D map a grayscale PNG made by Pillow (compress_level 1, the fastest),
for which float16 maps must first be cut to 8 bits (lossy). CPU is the thread's own time (medians
of RUNS), bodies as the app writes them."""

import io
import os
import statistics
import time
import zlib
from collections.abc import Callable

import numpy as np
from fastapi.testclient import TestClient
from isal import isal_zlib
from PIL import Image

from app.main import create_app
from app.tensors import BINARY, read_answer
from benchmarks.conv import image

RUNS = 9
KERNELS8 = ["identity", "edge", "edge_horizontal", "edge_vertical", "sobel_x", "sobel_y", "blur", "gaussian"]


def cpu_ms(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        t0 = time.thread_time()
        fn()
        times.append((time.thread_time() - t0) * 1000)
    return statistics.median(times)


def gzip_with(module: object) -> Callable[[bytes], bytes]:
    def run(body: bytes) -> bytes:
        z = module.compressobj(1, module.DEFLATED, 31)  # type: ignore[attr-defined]
        return z.compress(body) + z.flush()

    return run


def maps(answer: object) -> list[np.ndarray]:
    """Every binary tensor of an answer as 8-bit 2-D maps (float16 ones cut to 8 bits)."""
    if isinstance(answer, dict) and answer.get("encoding") == "binary":
        kind = {"uint8": np.uint8, "float16": np.float16, "float32": np.float32}[answer["dtype"]]
        a = np.frombuffer(answer["data"], dtype=kind).astype(np.float32)
        if kind is not np.uint8:
            a = np.round((a - a.min()) / ((a.max() - a.min()) or 1) * 255)
        return list(a.astype(np.uint8).reshape(-1, *answer["shape"][-2:]))
    values = answer.values() if isinstance(answer, dict) else answer if isinstance(answer, list) else []
    return [m for v in values for m in maps(v)]


def tiles(answer: dict) -> list[bytes]:
    out = []
    for m in maps(answer):
        buf = io.BytesIO()
        Image.fromarray(m).save(buf, format="PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


def main() -> None:
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    with TestClient(create_app()) as client:
        buf = io.BytesIO()
        image().save(buf, format="PNG")
        upload = client.post("/api/images", files={"file": ("bench.png", buf.getvalue())}).json()["id"]
        cases = [
            (
                "conv, scene, 3 kernels + partials",
                "/api/cnn/conv",
                {"image_id": "scene", "partials_group": 0},
            ),
            ("conv, 512², 2 kernels", "/api/cnn/conv", {"image_id": upload, "kernels": ["sobel_x", "blur"]}),
            ("conv, 512², 8 kernels (q8)", "/api/cnn/conv", {"image_id": upload, "kernels": KERNELS8}),
            (
                "pool, scene, edge 2×2",
                "/api/cnn/pool",
                {"image_id": "scene", "kernels": ["edge"], "kind": "max"},
            ),
            ("channels, 512²", "/api/cnn/channels", {"image_id": upload}),
            ("digit predict", "/api/digits/predict", {"image_id": "digit"}),
            ("GRU gates (f16)", "/api/rnn/gru", {"name": "Nakamura", "encoding": "f16"}),
        ]
        print(f"load average {load}; CPU ms = the thread's time, medians of {RUNS}\n")
        print(
            "| answer | JSON+zlib KB | ms | binary KB | binary+zlib KB | ms | binary+ISA-L KB | ms "
            "| PNG tiles KB | ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, path, body in cases:
            print(f"| {label} | " + " | ".join(row(client, path, body)) + " |")


def row(client: TestClient, path: str, body: dict) -> list[str]:
    """KB and CPU ms of each alternative for one answer."""
    body = {"kernels": ["sobel_x", "sobel_y", "blur"], "padding": 1} | body
    identity = {"Accept-Encoding": "identity"}
    plain = client.post(path, json=body, headers=identity).content
    binary = client.post(path, json=body, headers=identity | {"Accept": BINARY})
    raw = binary.content
    out = [f"{len(zlib.compress(plain, 1)) / 1024:,.0f}", f"{cpu_ms(lambda: zlib.compress(plain, 1)):.1f}"]
    out.append(f"{len(raw) / 1024:,.0f}")
    for module in (zlib, isal_zlib):
        run = gzip_with(module)
        out += [f"{len(run(raw)) / 1024:,.0f}", f"{cpu_ms(lambda run=run: run(raw)):.1f}"]
    answer = read_answer(raw, binary.headers["content-type"])
    pngs = tiles(answer)
    if not pngs:
        return [*out, "—", "—"]
    return [*out, f"{sum(map(len, pngs)) / 1024:,.0f}", f"{cpu_ms(lambda: tiles(answer)):.1f}"]


if __name__ == "__main__":
    main()
