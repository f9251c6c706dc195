"""Every compute endpoint with a large input: engine vs API time (in-process and over HTTP), and
the response size.  Run: .venv/bin/python -m benchmarks.endpoints

Requests are the largest their lesson page sends, within the schemas' limits (images: a 512×512
RGB upload). "engine" times the engine/ calls the router makes (and its own torch ops), models
loaded beforehand; validation, the image store, encode_tensor() and JSON count as API. API calls ask
for binary tensors with Accept-Encoding gzip, as the pages do, and read the body undecoded: in-process
through fastapi's TestClient, over HTTP to a uvicorn on loopback (scripts/server.serve), both with the
answer cache off (every request computed); "repeat" asks a second uvicorn whose cache holds the answer.
Medians of 15 runs after a warm-up; sizes are wire bytes: JSON gzipped (what pages got before #17),
binary, binary gzipped. Targets: HTTP ≤ 1.5 × engine for large inputs (#7), ≤ 3 × for image answers
(#17)."""

import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import torch
from fastapi.testclient import TestClient

from app.main import create_app
from app.schemas.inception import BranchWidths
from app.settings import Settings, get_settings
from app.tensors import BINARY
from benchmarks.conv import RUNS, image, timed
from engine.cnn import activation, cost, depth, inception, pool
from engine.cnn.channels import grayscale, to_channels, to_pixels
from engine.cnn.conv import ConvSettings, conv_layer, layer
from engine.cnn.kernels import KERNEL_NAMES
from engine.models import digits, names
from engine.rnn import bptt, gradient_flow, pack
from engine.rnn.cell import forward, one_hot
from engine.rnn.weights import seeded_rnn_weights
from scripts.server import serve

IMAGE = "<image id>"  # replaced by the id each client got for the upload
TARGET = 1.5
KERNELS8 = list(KERNEL_NAMES[:8])
SOBEL = ["sobel_x", "sobel_y"]  # the pooling page's largest choice of maps
WORD = ("thequickbrownfoxjumpsoverthelazydog" * 6)[:200]  # the pages' longest word
ALPHABET = "".join(sorted(set(WORD)))
SURNAME = "Wolfeschlegelsteinhausenbergerdorff"  # 35 letters
NAME30 = SURNAME[:30]  # the names endpoints' and /api/rnn/gru's limit
BATCH = [SURNAME[: 30 - i] for i in range(16)]  # 16 names (the limit), 30 … 15 characters
Case = tuple[str, str, dict, Callable[[], object]]  # (label, path, JSON body, engine call)
COST = {
    "in_channels": 192,
    "height": 28,
    "width": 28,
    "out_channels": 32,
    "kernel": 5,
    "reduce_to": 16,
    "repeats": 20,
    "threads": 1,
}  # 21 passes ≈ the 3·10⁹ multiplications the server allows


def cost_engine() -> None:
    """What /api/cnn/cost runs: both variants counted on meta, then timed on one thread."""
    c, h, w, out, k, r = (
        COST[n] for n in ("in_channels", "height", "width", "out_channels", "kernel", "reduce_to")
    )
    for meta in (cost.conv_layers(c, out, k, r_, device="meta") for r_ in (None, r)):
        cost.torch_flops(meta, c, h, w), cost.costs(meta, h, w)
    cost.time_variants(c, out, k, [None, r], h, w, COST["repeats"], COST["threads"])


def inception_engine(x: torch.Tensor) -> None:
    """Scale to max_side 128, build the seeded block, count it, run the four branches, join them."""
    x = inception.fit_side(x, 128)  # (3, 128, 128)
    block = inception.seeded_block(x.shape[0], 0, **BranchWidths().model_dump())
    inception.block_costs(block, *x.shape, padded=True)
    inception.run_block(block, x)


def cases(x: torch.Tensor) -> list[Case]:
    """The CNN cases on x, the upload as (3, 512, 512) float, then the RNN ones."""
    digit_net = digits.shipped_model()
    k10, slope = list(KERNEL_NAMES), activation.LEAKY_SLOPE
    s = ConvSettings(padding=1)
    stack = depth.StackConfig(
        depth=56, residual=False, activation="sigmoid", init="default", batch_norm=False, width=64
    )

    def digit() -> None:
        digits.read_digit(digit_net, grayscale(x)[0])

    return [
        (
            "cnn/conv (8 kernels, pad 1)",
            "/api/cnn/conv",
            {"image_id": IMAGE, "kernels": KERNELS8, "padding": 1},
            lambda: conv_layer(x, layer(x, KERNELS8, None, s)),
        ),
        (
            "cnn/pool (2 kernels, 2×2 s1)",
            "/api/cnn/pool",
            {"image_id": IMAGE, "kernels": SOBEL, "kind": "max", "kernel_size": 2, "stride": 1},
            lambda: pool.pool_maps(x, "max", 2, 1, 0, SOBEL),
        ),
        (
            "cnn/activation (10 kernels)",
            "/api/cnn/activation",
            {"image_id": IMAGE, "function": "relu", "kernels": k10, "bins": 200},
            lambda: (
                activation.apply(x, "relu", k10, 200, slope, 1 / 255),
                activation.curve("relu", 6.0, 241, slope),
                activation.kernel_stack(k10),
            ),
        ),
        ("cnn/channels", "/api/cnn/channels", {"image_id": IMAGE}, lambda: (grayscale(x), to_pixels(x))),
        (
            "cnn/inception (max_side 128)",
            "/api/cnn/inception",
            {"image_id": IMAGE, "max_side": 128},
            lambda: inception_engine(x),
        ),
        (
            "cnn/gradient-norms (56, 32)",
            "/api/cnn/gradient-norms",
            {"depth": 56, "batch": 32, "activation": "sigmoid", "init": "default"},
            lambda: depth.digit_gradient_norms(stack, 32, 0),
        ),
        ("cnn/cost (course layer, 20 reps)", "/api/cnn/cost", COST, cost_engine),
        ("digits/predict (512² image)", "/api/digits/predict", {"image_id": IMAGE}, digit),
    ] + rnn_cases()


def rnn_cases() -> list[Case]:
    net = names.shipped_model()
    x = one_hot(WORD, ALPHABET)  # (200, I)
    target = torch.full((len(WORD), 1), 0.5, dtype=torch.float64)  # (T, O)

    def back() -> None:
        bptt.bptt_report(x, seeded_rnn_weights(len(ALPHABET), 6, 1, 3, 1), target, "every")

    def flows() -> None:
        st = gradient_flow.setup(256, 200, 0, input_scale=0.3, update_bias=3.0)
        gradient_flow.flow_report(st, 0.9, ["rnn", "linear", "gru"])

    word = {"word": WORD, "alphabet": ALPHABET}
    return [
        (
            "rnn/forward (T 200, H 8, 4 layers)",
            "/api/rnn/forward",
            {**word, "hidden_size": 8, "output_size": 4, "num_layers": 4},
            lambda: forward(x, seeded_rnn_weights(len(ALPHABET), 8, 4, 4, 0)),
        ),
        (
            "rnn/bptt (T 200, H 6, 3 layers)",
            "/api/rnn/bptt",
            {
                **word,
                "hidden_size": 6,
                "num_layers": 3,
                "loss": "every",
                "target": [0.5] * len(WORD),
                "seed": 1,
                "encoding": "list",
            },
            back,
        ),
        (
            "rnn/gradient-flow (T 200, H 256)",
            "/api/rnn/gradient-flow",
            {"spectral_radius": 0.9, "steps": 200, "hidden_size": 256},
            flows,
        ),
        (
            "rnn/gru (trained, 30 chars)",
            "/api/rnn/gru",
            {"name": NAME30},
            lambda: names.name_gates(net, NAME30),
        ),
        (
            "rnn/pack (16 names)",
            "/api/rnn/pack",
            {"names": BATCH},
            lambda: pack.pack_names(BATCH),
        ),
        (
            "names/predict (30 chars, k 18)",
            "/api/names/predict",
            {"name": NAME30, "k": 18},
            lambda: names.predict_top(net, NAME30, 18),
        ),
        (
            "names/batch (16 names)",
            "/api/names/batch",
            {"names": BATCH},
            lambda: names.batch_stages(net, BATCH),
        ),
    ]


def upload(client: httpx.Client) -> str:
    buf = io.BytesIO()
    image().save(buf, format="PNG")
    res = client.post("/api/images", files={"file": ("bench.png", buf.getvalue())})
    res.raise_for_status()
    return res.json()["id"]


def wire_bytes(client: httpx.Client, path: str, body: dict, accept: str = "gzip", form: str = BINARY) -> int:
    """POST and read the body as sent (not decompressed); its size in bytes."""
    headers = {"Accept-Encoding": accept, "Accept": form}
    with client.stream("POST", path, json=body, headers=headers) as r:
        r.raise_for_status()
        return sum(len(chunk) for chunk in r.iter_raw())


def with_image(body: dict, image_id: str) -> dict:
    return {k: image_id if v == IMAGE else v for k, v in body.items()}


def measure(case: Case, local: TestClient, http: httpx.Client, kept: httpx.Client, ids: list[str]) -> tuple:
    """(engine, in-process, HTTP, HTTP repeated) median ms, and KB: JSON gzip, binary, binary gzip.
    In-process and HTTP answers are fresh (no answer cache); `kept` answers from its cache."""
    _, path, body, engine = case
    here, there, again = (with_image(body, i) for i in ids)
    times = [
        timed(fn)[1]
        for fn in (
            engine,
            lambda: wire_bytes(local, path, here),
            lambda: wire_bytes(http, path, there),
            lambda: wire_bytes(kept, path, again),
        )
    ]
    sizes = [
        wire_bytes(http, path, there, "gzip", "application/json"),
        wire_bytes(http, path, there, "identity"),
        wire_bytes(http, path, there, "gzip"),
    ]
    return *times, *(n / 1024 for n in sizes)


def main() -> None:
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    table = cases(to_channels(np.asarray(image())))  # the upload as (3, 512, 512)
    os.environ["NATURALLY_ANSWER_CACHE_MAX_ENTRIES"] = "0"  # fresh answers: every request computed
    get_settings.cache_clear()
    app = create_app()
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryDirectory() as tmp_http,
        tempfile.TemporaryDirectory() as tmp_kept,
    ):
        app.dependency_overrides[get_settings] = lambda: Settings(data_dir=Path(tmp))
        proc, base = serve(tmp_http)
        del os.environ["NATURALLY_ANSWER_CACHE_MAX_ENTRIES"]
        get_settings.cache_clear()
        keeper, kept_base = serve(tmp_kept)
        try:
            with (
                TestClient(app) as local,
                httpx.Client(base_url=base, timeout=120) as http,
                httpx.Client(base_url=kept_base, timeout=120) as kept,
            ):
                ids = [upload(c) for c in (local, http, kept)]
                rows = [(c[0], measure(c, local, http, kept, ids)) for c in table]
        finally:
            for p in (proc, keeper):
                p.terminate()
                p.wait(timeout=10)
    print(
        f"torch threads {torch.get_num_threads()}; load average before {load}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}; medians of {RUNS} runs; API calls ask for binary "
        "tensors and gzip, as the pages do; fresh: the server's answer cache off\n"
    )
    print(
        "| endpoint | engine ms | API in-process ms | API over HTTP ms | HTTP/engine | repeat (cache) ms "
        "| KB JSON gzip | KB binary | KB binary gzip |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, (eng, local_ms, http_ms, kept_ms, kb_json, kb, kb_gz) in rows:
        print(
            f"| {label} | {eng:.1f} | {local_ms:.1f} | {http_ms:.1f} | {http_ms / eng:.1f}× | {kept_ms:.1f} "
            f"| {kb_json:,.1f} | {kb:,.1f} | {kb_gz:,.1f} |"
        )
    print()
    for label, (eng, _, http_ms, *_) in rows:
        if http_ms / eng > TARGET:
            print(f"{label}: HTTP takes {http_ms / eng:.1f}× the engine time, above the {TARGET}× target")


if __name__ == "__main__":
    main()
