"""Hostile requests against a real server on loopback: does any single request stall, crash or
exhaust it?

    .venv/bin/python scripts/abuse.py [--quick] [--stall-ms 300] [--rss-mb 1500] [--back-mb 200]
                                      [--only NAME ...] [--identity] [--app-dir DIR]

It starts its own uvicorn (scripts/server.py's serve(): one process, a temporary data folder, a free
127.0.0.1 port) and a prober process that asks GET /healthz every 20 ms and reads the server's RSS
(/proc/<pid>/status) after each answer. Then it runs each class of attack in turn, the request bodies
built beforehand, and prints one row per attack: the statuses, its seconds, the server's RSS before,
at its peak and after, and the longest /healthz wait while the attack ran. At the end, after a few
idle seconds, the RSS again against the start.

It exits 1 when any answer is a 5xx (but the 503 with Retry-After of a full queue, where the attack
expects it), an answer's status is not the one the attack expects, /healthz waited longer than
--stall-ms during an attack, the RSS went past --rss-mb, or it did not come back within --back-mb
of its start. --quick runs the same classes with smaller inputs (a few seconds; the
test suite runs it); --identity asks for answers without gzip (by default the client accepts gzip,
as browsers do); --app-dir serves another checkout (a `git worktree` of an older commit, to measure
before a change)."""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from server import ROOT, serve

KERNELS = ("identity", "edge", "edge_horizontal", "edge_vertical", "sobel_x")
KERNELS += ("sobel_y", "blur", "gaussian", "sharpen", "emboss")
PROBE_EVERY = 0.02  # seconds between two /healthz
SETTLE = 0.3  # seconds of probing before and after each attack
IDLE_BEFORE_LAST_RSS = 5.0


@dataclass
class Answer:
    status: int
    seconds: float
    size: int  # bytes on the wire (compressed if gzip)
    head: bytes  # the first bytes, to show what a 4xx said
    retry_after: str | None = None
    request: str = ""  # method and path, to say which one failed


@dataclass
class Attack:
    name: str
    what: str
    expect: str  # "2xx", "4xx", "4xx|2xx" (either is fine), "413", "2xx|503"
    run: Callable[[httpx.Client], list[Answer]]


@dataclass
class Row:
    attack: Attack
    answers: list[Answer]
    seconds: float
    rss_before: float
    rss_peak: float
    rss_after: float
    healthz_max_ms: float
    problems: list[str] = field(default_factory=list)


# ---- the prober: another process, so the client's own work never delays what it measures ----


def probe(base: str, pid: int) -> None:
    """Print `start end status rss_kb` for every /healthz, forever (the parent kills it)."""
    with httpx.Client(timeout=120) as client:
        while True:
            start = time.time()
            try:
                status = client.get(f"{base}/healthz").status_code
            except httpx.HTTPError:
                status = 0
            print(f"{start:.4f} {time.time():.4f} {status} {rss_kb(pid)}", flush=True)
            time.sleep(PROBE_EVERY)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Prober:
    def __init__(self, base: str, pid: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--probe", base, str(pid)], stdout=subprocess.PIPE, text=True
        )
        self.samples: list[tuple[float, float, int, int]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            start, end, status, rss = line.split()
            self.samples.append((float(start), float(end), int(status), int(rss)))

    def window(self, t0: float, t1: float) -> list[tuple[float, float, int, int]]:
        """Probes that overlapped [t0, t1]."""
        return [s for s in list(self.samples) if s[1] >= t0 and s[0] <= t1]

    def rss_mb(self) -> float:
        time.sleep(PROBE_EVERY * 3)
        return self.samples[-1][3] / 1024 if self.samples else 0.0

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# ---- sending ----


def send(
    client: httpx.Client, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> Answer:
    head, size = b"", 0
    start = time.perf_counter()
    try:
        with client.stream(method, path, content=body, headers=headers) as res:
            for chunk in res.iter_raw():
                if len(head) < 400:
                    head += chunk[: 400 - len(head)]
                size += len(chunk)
            retry_after = res.headers.get("retry-after")
            return Answer(
                res.status_code, time.perf_counter() - start, size, head, retry_after, f"{method} {path}"
            )
    except httpx.HTTPError as e:
        return Answer(0, time.perf_counter() - start, size, str(e).encode()[:400], None, f"{method} {path}")


def post_json(client: httpx.Client, path: str, body: bytes) -> Answer:
    return send(client, "POST", path, body, {"content-type": "application/json"})


def at_once(client: httpx.Client, path: str, bodies: list[bytes]) -> list[Answer]:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: post_json(client, path, body), bodies))


# ---- the attacks ----


def conv_body(source: bytes, kernels: int, encoding: str = "auto", first: int = 0) -> bytes:
    """A conv body: `source` is the JSON of its "input" or "image_id" member; `first` rotates the
    kernels, so that bodies that cost the same are not the same request (the server keeps answers
    to repeats)."""
    names = [KERNELS[(first + i) % len(KERNELS)] for i in range(kernels)]
    return b"{" + source + json.dumps({"kernels": names, "padding": 1, "encoding": encoding}).encode()[1:]


def photo(side: int, seed: int = 0) -> bytes:
    """A noisy side×side RGB PNG (noise: the worst case for PNG size and for every kernel's output)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def chunks(data: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def multipart(name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "naturally-abuse-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def big_png(side: int) -> bytes:
    """A side×side gradient PNG: tiny on disk, side² pixels decoded."""
    row = np.linspace(0, 255, side, dtype=np.float32).astype(np.uint8)
    pixels = np.broadcast_to(row[None, :, None], (side, side, 3)).copy()
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=9)
    return buf.getvalue()


def attacks(client: httpx.Client, quick: bool, image_id: str) -> list[Attack]:
    rng = np.random.default_rng(0)
    zeros_n = 1_000_000 if quick else 5_000_000  # "0," is two bytes: 2 MB or 10 MB of zeros
    zeros = b'{"input": [' + b",".join([b"0"] * zeros_n) + b'], "kernels": ["blur"]}'
    side = 256 if quick else 512
    typed = (
        b'"input": '
        + json.dumps((rng.random((4, side, side), dtype=np.float32) * 255).tolist()).encode()
        + b","
    )
    upload = f'"image_id": "{image_id}",'.encode()
    valid = [conv_body(typed, 32, first=i) for i in range(5)]  # 4·512² = 2²⁰ numbers
    listed = [conv_body(upload, 32, "list", first=i) for i in range(5)]  # 32 maps of the upload: 2²³
    containers = b'{"input": [' + b",".join([b"[]"] * (250_000 if quick else 1_000_000)) + b"]}"
    deep = b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    surrogate = b'{"name": "\\ud800abc", "k": 3}'
    upload_over, upload_type = multipart("big.png", os.urandom(11 * 1024 * 1024), "image/png")
    png_side = 3000 if quick else 6000  # 36 M pixels: under the 40 M pixel cap
    bomb, bomb_type = multipart("bomb.png", big_png(png_side), "image/png")
    biggest = {"epochs": 40, "hidden_size": 256, "num_layers": 3, "embedding_dim": 128, "batch_size": 8}
    names_max = json.dumps({"kind": "names", "params": biggest}).encode()

    def job_then_cancel(client: httpx.Client) -> list[Answer]:
        answer = post_json(client, "/api/jobs", names_max)
        started = re.search(rb'"id":\s*"([0-9a-f]{32})"', answer.head)
        if answer.status == 202 and started:
            time.sleep(3)  # it trains meanwhile: does /healthz wait?
            client.delete(f"/api/jobs/{started[1].decode()}")
        return [answer]

    def unicode_everywhere(client: httpx.Client) -> list[Answer]:
        return [
            post_json(client, "/api/names/predict", surrogate),
            send(client, "GET", "/api/jobs/%ED%A0%80"),
            send(client, "GET", "/cnn/convolution?lang=%ED%A0%80"),
            send(
                client,
                "GET",
                "/healthz",
                headers={"accept-language": "zh\udc80".encode("utf-8", "surrogateescape")},
            ),
        ]

    def last_event_ids(client: httpx.Client) -> list[Answer]:
        url = f"/api/jobs/{finished_job}/events"
        values = (b"\xb2", b"9" * 5000, b"-1", b"1e3", b"0x10", b"\xd9\xa1")  # ², 5000 digits, …, ١
        return [send(client, "GET", url, headers={"last-event-id": value}) for value in values]

    def jobs_running(client: httpx.Client) -> list[Answer]:
        """Two default digits jobs (the cap) train while /healthz is asked; then they are cancelled."""
        started = [post_json(client, "/api/jobs", b'{"kind": "digits"}') for _ in range(2)]
        time.sleep(15)
        for job in client.get("/api/jobs").json():
            if job["state"] in ("queued", "running"):
                client.delete(f"/api/jobs/{job['id']}")
        return started

    finished_job = wait_done(
        client, post_json(client, "/api/jobs", b'{"kind": "batching", "params": {"samples": 16}}')
    )
    n_flood = 8 if quick else 40
    flood = [conv_body(upload, 8, first=i) + b" " * i for i in range(n_flood)]  # each its own request
    return [
        Attack(
            "zeros-body",
            f"{len(zeros) / 1e6:.0f} MB JSON of zeros as a conv input",
            "4xx",
            lambda c: [post_json(c, "/api/cnn/conv", zeros)],
        ),
        Attack(
            "valid-1M",
            f"conv of a typed 4×{side}×{side} input ({len(valid[0]) / 1e6:.0f} MB), 32 kernels",
            "2xx",
            lambda c: [post_json(c, "/api/cnn/conv", valid[0])],
        ),
        Attack(
            "list-answer",
            "32 maps of a 512×512 upload, encoding list",
            "4xx|2xx",
            lambda c: [post_json(c, "/api/cnn/conv", listed[0])],
        ),
        Attack(
            "four-lists",
            "the same, four at once",
            "4xx|2xx|503",
            lambda c: at_once(c, "/api/cnn/conv", listed[1:]),
        ),
        Attack(
            "four-heavy",
            "valid-1M, four at once",
            "2xx|503",
            lambda c: at_once(c, "/api/cnn/conv", valid[1:]),
        ),
        Attack(
            "flood",
            f"{n_flood} convs of the upload (8 kernels) at once",
            "2xx|503",
            lambda c: at_once(c, "/api/cnn/conv", flood),
        ),
        Attack(
            "containers",
            "a conv input of empty lists",
            "4xx",
            lambda c: [post_json(c, "/api/cnn/conv", containers)],
        ),
        Attack("deep-json", "100,000 nested lists", "4xx", lambda c: [post_json(c, "/api/cnn/conv", deep)]),
        Attack(
            "unicode",
            "a lone surrogate in a body, a path, a query and a header",
            "4xx|2xx",
            unicode_everywhere,
        ),
        Attack("last-event-id", "malformed Last-Event-ID on a job's event stream", "4xx|2xx", last_event_ids),
        Attack(
            "chunked-upload",
            "an 11 MB upload sent chunked (no Content-Length)",
            "413",
            lambda c: [send(c, "POST", "/api/images", chunks(upload_over), {"content-type": upload_type})],
        ),
        Attack(
            "pixel-bomb",
            f"a {png_side}×{png_side} PNG upload",
            "2xx",
            lambda c: [send(c, "POST", "/api/images", bomb, {"content-type": bomb_type})],
        ),
        *(
            []
            if quick
            else [Attack("jobs-running", "two digits jobs (the cap) training", "2xx", jobs_running)]
        ),
        Attack("max-job", "a names job at the maximum of every parameter", "4xx", job_then_cancel),
    ]


# ---- running and judging ----


def run_attack(client: httpx.Client, prober: Prober, attack: Attack) -> Row:
    rss_before = prober.rss_mb()
    t0 = time.time()
    started = time.perf_counter()
    answers = attack.run(client)
    seconds = time.perf_counter() - started
    t1 = time.time()
    time.sleep(SETTLE)
    window = prober.window(t0, t1)
    healthz_max = max(((end - start) * 1000 for start, end, _, _ in window), default=0.0)
    rss_peak = max((rss / 1024 for *_, rss in prober.window(t0, t1 + SETTLE)), default=rss_before)
    return Row(attack, answers, seconds, rss_before, rss_peak, prober.rss_mb(), healthz_max)


def judge(row: Row, stall_ms: float, rss_mb: float) -> None:
    allowed = row.attack.expect.split("|")
    for a in row.answers:
        klass = f"{a.status // 100}xx"
        if a.status == 503 and "503" in allowed:
            if not a.retry_after:
                row.problems.append("503 without Retry-After")
        elif a.status >= 500 or a.status == 0:
            row.problems.append(f"{a.status} to {a.request[:60]}: {a.head[:120]!r}")
        elif str(a.status) not in allowed and klass not in allowed:
            row.problems.append(f"{a.status} (expected {row.attack.expect})")
        if 400 <= a.status < 500 and a.size > 4096:
            row.problems.append(f"a {a.status} of {a.size:,} bytes (it echoes the input?)")
    if row.healthz_max_ms > stall_ms:
        row.problems.append(f"/healthz waited {row.healthz_max_ms:.0f} ms > {stall_ms:.0f}")
    if row.rss_peak > rss_mb:
        row.problems.append(f"RSS {row.rss_peak:.0f} MB > {rss_mb:.0f}")


def statuses(answers: list[Answer]) -> str:
    counts: dict[int, int] = {}
    for a in answers:
        counts[a.status] = counts.get(a.status, 0) + 1
    return " ".join(f"{s}×{n}" if n > 1 else str(s) for s, n in sorted(counts.items()))


HEADER = (
    "| attack | what | status | s | answer MB | RSS before → peak → after MB | /healthz max ms | verdict |\n"
    "|---|---|---|---:|---:|---|---:|---|"
)


def line(r: Row) -> str:
    mb = max(a.size for a in r.answers) / 1e6
    verdict = "ok" if not r.problems else "**" + "; ".join(dict.fromkeys(r.problems)) + "**"
    return (
        f"| {r.attack.name} | {r.attack.what} | {statuses(r.answers)} | {r.seconds:.2f} | {mb:.2f} | "
        f"{r.rss_before:.0f} → {r.rss_peak:.0f} → {r.rss_after:.0f} | {r.healthz_max_ms:.0f} | {verdict} |"
    )


def wait_done(client: httpx.Client, answer: Answer) -> str:
    """The id of the job `answer` started, once it has ended."""
    job_id = re.search(rb'"id":\s*"([0-9a-f]{32})"', answer.head)[1].decode()
    while client.get(f"/api/jobs/{job_id}").json()["state"] in ("queued", "running"):
        time.sleep(0.2)
    return job_id


def upload(client: httpx.Client, data: bytes) -> str:
    res = client.post("/api/images", files={"file": ("noise.png", data, "image/png")})
    res.raise_for_status()
    return res.json()["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, a few seconds")
    parser.add_argument("--stall-ms", type=float, default=300, help="longest /healthz wait allowed")
    parser.add_argument("--rss-mb", type=float, default=1500, help="largest server RSS allowed")
    parser.add_argument("--back-mb", type=float, default=200, help="RSS at the end at most start + this")
    parser.add_argument("--only", nargs="*", help="run only these attacks (by name)")
    parser.add_argument("--identity", action="store_true", help="ask for answers without gzip")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (default: this)")
    parser.add_argument("--probe", nargs=2, metavar=("BASE", "PID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe[0], int(args.probe[1]))
        return
    with tempfile.TemporaryDirectory() as data:
        proc, base = serve(data, root=args.app_dir.resolve())
        prober = Prober(base, proc.pid)
        headers = {"accept-encoding": "identity" if args.identity else "gzip"}
        try:
            with httpx.Client(base_url=base, timeout=600, headers=headers) as client:
                image_id = upload(client, photo(512))
                for warm in ("/api/samples", "/cnn/convolution"):
                    client.get(warm)
                post_json(client, "/api/cnn/conv", conv_body(f'"image_id": "{image_id}",'.encode(), 2))
                time.sleep(1)
                start_rss = prober.rss_mb()
                rows = []
                print(HEADER, flush=True)
                for attack in attacks(client, args.quick, image_id):
                    if args.only and attack.name not in args.only:
                        continue
                    row = run_attack(client, prober, attack)
                    judge(row, args.stall_ms, args.rss_mb)
                    rows.append(row)
                    print(line(row), flush=True)
                idle = IDLE_BEFORE_LAST_RSS / (3 if args.quick else 1)
                time.sleep(idle)
                end_rss = prober.rss_mb()
        finally:
            prober.stop()
            proc.terminate()
            proc.wait(timeout=30)
    back = end_rss - start_rss <= args.back_mb
    print(
        f"\nserver RSS: {start_rss:.0f} MB after warm-up, {end_rss:.0f} MB "
        f"{idle:.0f} s after the "
        f"last attack ({'within' if back else '**more than**'} {args.back_mb:.0f} MB of the start); "
        f"peak {max(r.rss_peak for r in rows):.0f} MB; gzip {'off' if args.identity else 'on'}"
    )
    failed = [r.attack.name for r in rows if r.problems]
    if failed or not back:
        sys.exit(f"failed: {', '.join(failed) or 'RSS did not come back'}")


if __name__ == "__main__":
    main()
