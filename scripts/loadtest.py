"""A load test on loopback, in one of two modes.

    python scripts/loadtest.py --students 100 [--think 2-5] [--seconds 60] [--json] [--app-dir DIR]
    python scripts/loadtest.py --clients 32 [--seconds 60] [--training]

--students N is a lecture hall, open loop, in two phases. The arrivals: the students arrive over
--ramp seconds, and each opens one lesson page (the HTML and every script and stylesheet it names,
as a browser with an empty cache does; a fifth of those on image lessons then upload a photo of
their own) and sends the call the page makes on opening. The lesson, --seconds long: each student
moves one control every 2–5 s (--think) and sends the page's call, whether or not the previous
answer has arrived. Lessons go round the class: convolution, pooling, input (channels), vanishing
gradients (two calls: plain and residual), GRU gates, the digit model, the name model. Controls
move as a student's hand does: sliders by a step or two, a select to another option, a kernel
ticked or unticked, another surname typed, another digit drawn or picked. Requests carry
`Accept-Encoding: gzip` and ask for tensors in binary, as the pages do (--json: as JSON, as a
notebook does). For each phase it prints per endpoint the answers, errors, p50 and p99, the bytes
on the wire per answer and the share answered from the server's cache (X-Cache: hit, or 304), then
the server's CPU seconds (utime + stime of the uvicorn process and its children, from
/proc/<pid>/stat) per API answer (page, asset and upload requests count in the CPU, not in the
answers) and the load test's own CPU.

--clients N is the closed loop: N clients each loop over a fixed mix for --seconds, with
--training a `digits` job trains meanwhile.

It starts its own uvicorn (one process unless --workers, a temporary data folder) on a free
127.0.0.1 port, from this checkout or --app-dir (another checkout, e.g. a `git worktree` of an older
commit, to measure "before"). Only loopback is ever contacted."""

import argparse
import asyncio
import gzip
import io
import json
import os
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image, ImageDraw
from server import ROOT, serve

BINARY = "application/vnd.naturally.tensors"  # app/transport.py; older servers answer JSON
ASSET = re.compile(r'(?:src|href)="(?:https?://[^/"]+)?(/(?:static|vendor)/[^"]+)"')
KERNELS = ("identity", "edge", "edge_horizontal", "edge_vertical", "sobel_x")
KERNELS += ("sobel_y", "blur", "gaussian", "sharpen", "emboss")
SAMPLES = ("scene", "shapes", "checker", "gradient")
POOL_MAPS = ("rgb", "gray", "edge", "edge_horizontal,edge_vertical", "sobel_x,sobel_y", "blur")
PAD1 = {"padding": 1}
Call = tuple[str, str, str, dict | None, bytes | None]  # (label, method, path, json, PNG file)


# ---------------------------------------------------------------- the closed loop (--clients)
def mix(image_id: str) -> list[Call]:
    return [
        (
            "conv",
            "POST",
            "/api/cnn/conv",
            {"image_id": image_id, "kernels": ["sobel_x", "blur"]} | PAD1,
            None,
        ),
        ("pool", "POST", "/api/cnn/pool", {"image_id": image_id, "kind": "max", "kernel_size": 2}, None),
        ("gradient norms", "POST", "/api/cnn/gradient-norms", {"depth": 20, "batch": 16}, None),
        ("gru gates", "POST", "/api/rnn/gru", {"name": "Nakamura"}, None),
        ("digit predict", "POST", "/api/digits/predict", {"image_id": "digit"}, None),
        ("name predict", "POST", "/api/names/predict", {"name": "Kowalski", "k": 5}, None),
        ("page", "GET", "/cnn/convolution", None, None),
    ]


async def client(http: httpx.AsyncClient, jobs: list[Call], until: float, results: dict) -> None:
    i = 0
    while time.monotonic() < until:
        label, method, path, body, _ = jobs[i % len(jobs)]
        i += 1
        start = time.perf_counter()
        try:
            res = await http.request(method, path, json=body)
            ok = res.status_code < 400
        except httpx.HTTPError:
            ok = False
        results.setdefault(label, []).append(((time.perf_counter() - start) * 1000, ok))


async def closed_loop(base: str, clients: int, seconds: float, training: bool) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        image_id = (await http.post("/api/images", files={"file": ("load.png", photo(0))})).json()["id"]
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
        every += rows
        p50, p99 = percentiles([t for t, _ in rows])
        print(f"{label:16} {len(rows):9} {sum(not ok for _, ok in rows):7} {p50:8.0f} {p99:8.0f}")
    p50, p99 = percentiles([t for t, _ in every])
    print(
        f"{'all':16} {len(every):9} {sum(not ok for _, ok in every):7} {p50:8.0f} {p99:8.0f}"
        f"   throughput {len(every) / elapsed:.1f} req/s"
    )


def percentiles(times: list[float]) -> tuple[float, float]:
    """(p50, p99) of a list of times (nearest rank)."""
    s = sorted(times)
    return statistics.median(s), s[min(len(s) - 1, int(0.99 * len(s)))]


# ---------------------------------------------------------------- pictures students send
def photo(seed: int, size: tuple[int, int] = (512, 384)) -> bytes:
    """A photo-like JPEG: smooth shapes in colour, plus sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) * 128 / (w + h)], axis=-1)
    img = Image.fromarray(np.clip(rgb + rng.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y, r = rng.integers(0, w), rng.integers(0, h), rng.integers(20, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def drawing(rng: random.Random) -> bytes:
    """A digit drawn on the 280×280 pad: a few thick strokes, black on white, as drawpad.js sends."""
    img = Image.new("RGB", (280, 280), "white")
    pen = ImageDraw.Draw(img)
    points = [(rng.randint(70, 210), rng.randint(50, 230)) for _ in range(rng.randint(3, 6))]
    pen.line(points, fill="black", width=20, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def surnames() -> list[str]:
    """Every surname of the names data set: what students type."""
    folder = ROOT / "data" / "names"
    return sorted({n.strip() for f in folder.glob("*.txt") for n in f.read_text().splitlines() if n.strip()})


# ---------------------------------------------------------------- a student's lesson
@dataclass
class Student:
    lesson: str
    rng: random.Random
    state: dict
    own_image: str | None = None
    names: list[str] = field(default_factory=list)
    pixels: list | None = None  # the held-out digit shown (its 28×28 pixels)
    file: bytes | None = None  # the digit last drawn


def step(x: int, lo: int, hi: int, rng: random.Random, most: int = 2) -> int:
    """A slider moved by a step or two, within its range."""
    return min(hi, max(lo, x + rng.choice([d for d in range(-most, most + 1) if d])))


def other(options: tuple | list, now: object, rng: random.Random) -> object:
    return rng.choice([o for o in options if o != now])


def images(s: Student) -> tuple[str, ...]:
    return SAMPLES + ((s.own_image,) if s.own_image else ())


LESSONS = {
    "convolution": {"image": "scene", "color": "rgb", "kernels": ("sobel_x", "sobel_y", "blur")}
    | {"stride": 1, "padding": 1, "dilation": 1, "group": 0},
    "pooling": {"image": "scene", "maps": "edge", "kind": "max", "window": 2, "stride": 2, "padding": 0},
    "input": {"image": "scene"},
    "vanishing-gradients": {"depth": 20, "activation": "sigmoid", "init": "default"}
    | {"batch_norm": False, "batch": 32, "seed": 0},
    "gru": {"name": "Schmidt"},
    "fully-connected": {"index": 0, "model": "residual", "source": "held-out"},
    "practice": {"name": "Kowalski", "k": 5},
}
PAGES = {
    "convolution": "/cnn/convolution",
    "pooling": "/cnn/pooling",
    "input": "/cnn/input",
    "vanishing-gradients": "/cnn/vanishing-gradients",
    "gru": "/rnn/gru",
    "fully-connected": "/cnn/fully-connected",
    "practice": "/rnn/practice",
}


def move(s: Student) -> None:
    """One control moved, as the student's hand does."""
    st, rng = s.state, s.rng
    if s.lesson == "convolution":
        control = rng.choice(
            ["image", "color", "kernels", "kernels", "stride", "padding", "padding"] + ["dilation"]
        )
        if control == "image":
            st["image"] = other(images(s), st["image"], rng)
        elif control == "color":
            st["color"] = other(("rgb", "gray"), st["color"], rng)
        elif control == "kernels":
            ticked = set(st["kernels"]) ^ {rng.choice(KERNELS)}
            st["kernels"] = tuple(k for k in KERNELS if k in ticked) or ("sobel_x",)
            st["group"] = min(st["group"], len(st["kernels"]) - 1)
        else:
            lo, hi = {"stride": (1, 8), "padding": (0, 10), "dilation": (1, 4)}[control]
            st[control] = step(st[control], lo, hi, rng)
    elif s.lesson == "pooling":
        control = rng.choice(["image", "maps", "kind", "window", "stride", "stride", "padding"])
        options = {"image": images(s), "maps": POOL_MAPS, "kind": ("max", "avg"), "window": (2, 3, 4)}
        if control in options:
            st[control] = other(options[control], st[control], rng)
        else:
            st[control] = step(st[control], *{"stride": (1, 4), "padding": (0, 1)}[control], rng, most=1)
    elif s.lesson == "input":
        st["image"] = other(images(s), st["image"], rng)
    elif s.lesson == "vanishing-gradients":
        control = rng.choice(["depth", "depth", "depth", "activation", "init", "batch_norm", "batch", "seed"])
        if control == "depth":
            st["depth"] = step(st["depth"], 2, 100, rng, most=4)
        elif control == "activation":
            st["activation"] = other(("sigmoid", "tanh", "relu"), st["activation"], rng)
        elif control == "init":
            st["init"] = other(("default", "xavier", "he"), st["init"], rng)
        elif control == "batch_norm":
            st["batch_norm"] = not st["batch_norm"]
        elif control == "batch":
            st["batch"] = other((8, 16, 32, 64), st["batch"], rng)
        else:
            st["seed"] = step(st["seed"], 0, 20, rng, most=1)
    elif s.lesson == "gru":
        st["name"] = rng.choice(s.names)
    elif s.lesson == "fully-connected":
        what = rng.choice(["draw", "draw", "held-out", "held-out", "model"])
        if what == "model":
            st["model"] = other(("basic", "inception", "residual"), st["model"], rng)
        else:
            st["source"] = what
            st["index"] = rng.randrange(2000)
            s.file = drawing(rng) if what == "draw" else None
    else:
        if rng.random() < 0.7:
            st["name"] = rng.choice(s.names)
        else:
            st["k"] = step(st["k"], 1, 18, rng, most=1)


def calls(s: Student) -> list[Call]:
    """The requests the lesson page sends for the student's current settings, in order."""
    st = s.state
    if s.lesson == "convolution":
        body = {"image_id": st["image"], "color": st["color"], "kernels": list(st["kernels"])}
        body |= {"bias": [0] * len(st["kernels"]), "stride": st["stride"], "padding": st["padding"]}
        body |= {"dilation": st["dilation"], "partials_group": st["group"]}
        return [("conv", "POST", "/api/cnn/conv", body, None)]
    if s.lesson == "pooling":
        m = st["maps"]
        body = {"image_id": st["image"], "color": "gray" if m == "gray" else "rgb"}
        body |= {"kernels": [] if m in ("rgb", "gray") else m.split(","), "kind": st["kind"]}
        body |= {"kernel_size": st["window"], "stride": st["stride"], "padding": st["padding"]}
        return [("pool", "POST", "/api/cnn/pool", body, None)]
    if s.lesson == "input":
        return [("channels", "POST", "/api/cnn/channels", {"image_id": st["image"]}, None)]
    if s.lesson == "vanishing-gradients":
        body = {k: st[k] for k in ("depth", "activation", "init", "batch_norm", "batch", "seed")}
        return [
            ("gradient norms", "POST", "/api/cnn/gradient-norms", body | {"residual": residual}, None)
            for residual in (False, True)
        ]
    if s.lesson == "gru":
        return [("gru gates", "POST", "/api/rnn/gru", {"name": st["name"], "encoding": "f16"}, None)]
    if s.lesson == "fully-connected":
        if st["source"] == "draw" and s.file:
            path = f"/api/digits/predict/upload?model={st['model']}"
            return [("digit predict", "POST", path, None, s.file)]
        return [
            ("held-out digit", "GET", f"/api/digits/held-out/{st['index']}", None, None),
            ("digit predict", "POST", "/api/digits/predict", {"model": st["model"]}, None),  # + pixels
        ]
    return [("name predict", "POST", "/api/names/predict", {"name": st["name"], "k": st["k"]}, None)]


# ---------------------------------------------------------------- the open loop (--students)
@dataclass
class Answer:
    label: str
    ms: float
    ok: bool
    wire: int  # bytes of the body as sent (compressed or not)
    cached: bool | None  # X-Cache hit (or 304) / miss; None when the answer says neither


@dataclass
class Hall:
    http: httpx.AsyncClient
    accept: str
    answers: list[Answer] = field(default_factory=list)
    pending: set = field(default_factory=set)

    async def send(self, s: Student | None, call: Call) -> bytes:
        """One request, its answer recorded; returns the body (decompressed if it came gzipped)."""
        label, method, path, body, file = call
        headers = {"Accept-Encoding": "gzip", "Accept": self.accept if path.startswith("/api/") else "*/*"}
        if label == "digit predict" and body is not None and s is not None:
            body = body | {"pixels": s.pixels}
        kw: dict = {"json": body} if body is not None else {}
        if file is not None:
            kw = {"files": {"file": ("picture", file)}}
        start = time.perf_counter()
        raw, cached, ok, gzipped = b"", None, False, False
        try:
            async with self.http.stream(method, path, headers=headers, **kw) as res:
                raw = b"".join([chunk async for chunk in res.aiter_raw()])
                ok = res.status_code < 400
                hit = res.headers.get("x-cache")
                cached = True if res.status_code == 304 else (hit == "hit" if hit else None)
                gzipped = res.headers.get("content-encoding") == "gzip"
        except httpx.HTTPError:
            ok = False
        self.answers.append(Answer(label, (time.perf_counter() - start) * 1000, ok, len(raw), cached))
        if not ok:
            return b""
        return gzip.decompress(raw) if gzipped else raw

    async def act(self, s: Student) -> None:
        """The page's calls for the student's settings, one after the other (as the page does)."""
        for call in calls(s):
            got = await self.send(s, call)
            if call[0] == "held-out digit" and got:
                s.pixels = json.loads(got)["pixels"]["data"]

    def spawn(self, s: Student) -> None:
        task = asyncio.create_task(self.act(s))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def open_page(self, s: Student) -> None:
        """The page, then its scripts and stylesheets (each once: the browser caches them), then
        the student's own photo (a fifth of those on image lessons), then the page's first call."""
        html = (await self.send(None, ("page", "GET", PAGES[s.lesson], None, None))).decode()
        for url in dict.fromkeys(ASSET.findall(html)):
            await self.send(None, ("page assets", "GET", url.replace("&amp;", "&"), None, None))
        if "image" in s.state and s.rng.random() < 0.2:
            up = await self.send(None, ("upload", "POST", "/api/images", None, photo(s.rng.randrange(10**6))))
            if up:
                s.own_image = s.state["image"] = json.loads(up)["id"]
        await self.act(s)

    async def arrive(self, s: Student, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        await self.open_page(s)

    async def lesson(self, s: Student, until: float, think: tuple[float, float]) -> None:
        at = time.monotonic() + s.rng.uniform(*think)
        while at < until:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            move(s)
            self.spawn(s)  # open loop: the next move does not wait for this answer
            at += s.rng.uniform(*think)
        while self.pending:
            await asyncio.wait(list(self.pending))


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and all its descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, grew = {pid}, True
    while grew:
        grown = family | {p for p, (ppid, _) in stats.items() if ppid in family}
        grew, family = grown != family, grown
    return sum(stats[p][1] for p in family if p in stats)


async def settle(pid: int) -> None:
    """Wait until the server idles: its start-up work (the name model's card, Plotly's gzip) done."""
    before = cpu_seconds(pid)
    for _ in range(180):
        await asyncio.sleep(1)
        now = cpu_seconds(pid)
        if now - before <= 0.02:
            return
        before = now


async def warm_up(hall: Hall) -> None:
    """Load every model once, with settings no student starts from."""
    for call in [
        ("conv", "POST", "/api/cnn/conv", {"image_id": "digit", "kernels": ["identity"]}, None),
        ("pool", "POST", "/api/cnn/pool", {"image_id": "digit", "kind": "avg", "kernel_size": 3}, None),
        ("gradient norms", "POST", "/api/cnn/gradient-norms", {"depth": 3, "batch": 2}, None),
        ("gru gates", "POST", "/api/rnn/gru", {"name": "Warmup"}, None),
        ("name predict", "POST", "/api/names/predict", {"name": "Warmup", "k": 2}, None),
        ("name model", "GET", "/api/names/model", None, None),
        *[
            ("digit predict", "POST", "/api/digits/predict", {"image_id": "digit", "model": m}, None)
            for m in ("basic", "inception", "residual")
        ],
    ]:
        await hall.send(None, call)
    hall.answers.clear()


async def open_loop(base: str, pid: int, students: int, args: argparse.Namespace) -> None:
    """The class arrives (pages opened, measured on their own), then the lesson runs --seconds."""
    rng = random.Random(args.seed)
    think = tuple(float(v) for v in args.think.split("-"))
    everyone = surnames()
    lessons = list(LESSONS)
    class_ = []
    for i in range(students):
        lesson = lessons[i % len(lessons)]
        class_.append(Student(lesson, random.Random(rng.random()), dict(LESSONS[lesson])))
        class_[-1].names = [LESSONS[lesson].get("name", ""), *rng.sample(everyone, 3)]
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        hall = Hall(http, "application/json" if args.json else f"{BINARY}, application/json;q=0.9")
        await warm_up(hall)
        await settle(pid)
        phases = []
        for title, run in (
            (
                f"arrivals over {args.ramp:.0f} s",
                lambda s, t0: hall.arrive(s, t0 + rng.uniform(0, args.ramp)),
            ),
            (f"the lesson, {args.seconds:.0f} s", lambda s, t0: hall.lesson(s, t0 + args.seconds, think)),
        ):
            cpu, start, mine = cpu_seconds(pid), time.monotonic(), time.process_time()
            await asyncio.gather(*(run(s, start) for s in class_))
            took = (time.monotonic() - start, cpu_seconds(pid) - cpu, time.process_time() - mine)
            phases.append((title, hall.answers, *took))
            hall.answers = []
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"{students} students, think {args.think} s, tensors as {'JSON' if args.json else 'binary'}, "
        f"Accept-Encoding gzip; load average after {load}"
    )
    for title, answers, elapsed, cpu, mine in phases:
        report(title, answers, elapsed, cpu, mine)


def report(title: str, answers: list[Answer], elapsed: float, cpu: float, mine: float) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':16} {'answers':>8} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}", end="")
    print(f" {'KB/answer':>10} {'cached':>7}")
    api = [a for a in answers if a.label not in ("page", "page assets", "upload")]
    for label in [*sorted({a.label for a in answers}), "all API"]:
        rows = api if label == "all API" else [a for a in answers if a.label == label]
        if not rows:
            continue
        p50, p99 = percentiles([a.ms for a in rows])
        told = [a.cached for a in rows if a.cached is not None]
        hit = f"{100 * sum(told) / len(told):6.0f}%" if told else "      —"
        kb = statistics.mean(a.wire for a in rows) / 1024
        print(
            f"{label:16} {len(rows):8} {sum(not a.ok for a in rows):7} {p50:8.0f} {p99:8.0f} "
            f"{kb:10.1f} {hit:>7}"
        )
    others = len(answers) - len(api)
    print(
        f"server CPU {cpu:.1f} s over {elapsed:.0f} s ({100 * cpu / elapsed:.0f}% of one core): "
        f"{1000 * cpu / max(1, len(api)):.1f} ms per API answer "
        f"({len(api)} answers, {len(api) / elapsed:.1f}/s"
        + (f"; {others} page, asset and upload requests count in the CPU only" if others else "")
        + f"); this load test's own CPU {mine:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, help="open loop: this many students")
    parser.add_argument("--think", default="2-5", help="seconds between a student's moves, as lo-hi")
    parser.add_argument("--ramp", type=float, default=10, help="students arrive over these seconds")
    parser.add_argument("--json", action="store_true", help="ask for tensors as JSON (notebooks), not binary")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clients", type=int, default=32, help="closed loop: this many clients")
    parser.add_argument("--training", action="store_true", help="closed loop: keep a digits job training")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (default: this)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        extra = ("--workers", str(args.workers)) if args.workers > 1 else ()
        proc, base = serve(tmp, *extra, root=args.app_dir.resolve())
        try:
            if args.students:
                asyncio.run(open_loop(base, proc.pid, args.students, args))
            else:
                asyncio.run(closed_loop(base, args.clients, args.seconds, args.training))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
