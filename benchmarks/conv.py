"""§1.2 convolution: engine time vs API time, and response size, for a 512×512 RGB image and
eight 3×3 kernels with padding 1.  Run: .venv/bin/python -m benchmarks.conv

Targets: API time ≤ 2 × engine time; the (8, 512, 512) response ≤ 3 MB."""

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings, get_settings
from app.tensors import encode_tensor
from engine.cnn.channels import to_channels
from engine.cnn.conv import ConvSettings, conv
from engine.cnn.kernels import KERNEL_NAMES, weight

SIDE = 512
NAMES = list(KERNEL_NAMES[:8])
RUNS = 15


def image() -> Image.Image:
    """A deterministic 512×512 RGB picture: gradients plus noise (so it does not compress away)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    rgb = np.stack([xx / 2, yy / 2, (xx + yy) / 4], axis=-1) + rng.normal(0, 20, (SIDE, SIDE, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def timed(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(best, median) wall time in milliseconds."""
    fn()  # warm up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return min(ts), statistics.median(ts)


def raw_post(client: TestClient, body: dict, accept: str) -> tuple[int, str]:
    """The response body's size in bytes as sent over the wire, and its Content-Encoding."""
    with client.stream("POST", "/api/cnn/conv", json=body, headers={"Accept-Encoding": accept}) as r:
        r.raise_for_status()
        return sum(len(chunk) for chunk in r.iter_raw()), r.headers.get("content-encoding", "none")


def main() -> None:
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        app.dependency_overrides[get_settings] = lambda: Settings(data_dir=Path(tmp))
        with TestClient(app) as client:
            buf = io.BytesIO()
            image().save(buf, format="PNG")
            image_id = client.post("/api/images", files={"file": ("bench.png", buf.getvalue())}).json()["id"]
            body = {"image_id": image_id, "kernels": NAMES, "padding": 1}
            x = to_channels(np.asarray(image()))  # (3, 512, 512)
            w = weight(NAMES, 3)  # (8, 3, 3, 3)
            s = ConvSettings(padding=1)
            y = conv(x, w, None, s)  # (8, 512, 512)
            png = buf.getvalue()
            rows = [
                ("engine: conv (F.conv2d)", timed(lambda: conv(x, w, None, s))),
                (
                    "  part: load image (PNG decode, to tensor)",
                    timed(lambda: to_channels(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))),
                ),
                ("  part: encode_tensor output (float16 base64)", timed(lambda: encode_tensor(y))),
                (
                    "API: POST /api/cnn/conv, identity",
                    timed(
                        lambda: client.post(
                            "/api/cnn/conv", json=body, headers={"Accept-Encoding": "identity"}
                        )
                    ),
                ),
                (
                    "API: POST /api/cnn/conv, gzip",
                    timed(
                        lambda: client.post("/api/cnn/conv", json=body, headers={"Accept-Encoding": "gzip"})
                    ),
                ),
            ]
            sizes = [raw_post(client, body, "identity"), raw_post(client, body, "gzip")]
    print(
        f"conv of a {SIDE}×{SIDE} RGB image with {len(NAMES)} kernels 3×3, padding 1 "
        f"(torch threads: {torch.get_num_threads()}); {RUNS} runs each"
    )
    print(f"{'what':44} {'best ms':>9} {'median ms':>10}")
    for name, (best, med) in rows:
        print(f"{name:44} {best:9.1f} {med:10.1f}")
    (e_best, e_med) = rows[0][1]
    for name, (best, med) in rows[3:]:
        print(f"{name}: {best / e_best:.1f}× engine (best), {med / e_med:.1f}× (median); target ≤ 2×")
    for n, enc in sizes:
        print(f"response bytes, Content-Encoding {enc:8}: {n:>10,} ({n / 1e6:.2f} MB; target ≤ 3 MB)")


if __name__ == "__main__":
    main()
