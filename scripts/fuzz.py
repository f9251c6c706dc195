"""Property-based fuzzing of the whole JSON API from its OpenAPI schema, with schemathesis, on loopback.

    .venv/bin/python scripts/fuzz.py [--seconds 300] [--max-examples 50]

It starts its own uvicorn with scripts/server.py's serve() (one process, a temporary data folder,
a free 127.0.0.1 port) and runs the `schemathesis run` CLI on the server's /openapi.json: every
operation and method, phases examples, coverage, fuzzing and stateful, at most --max-examples cases
per operation per round, rounds repeating until the budget is spent (--seconds covers start-up and
clean-up too). It prints the operations fuzzed, the requests sent, every 5xx (grouped by method, path
and status, with the smallest request that caused it as a curl command), the schema-conformance
findings (undocumented status codes or content types: warnings, not failures) and the requests that
got no response. Exits 1 if any response was a 5xx. The server's own log (tracebacks) goes to
stderr; schemathesis's output is shown only if it did not finish (on a busy machine it may overrun
its --max-time: it is then stopped, and what it reported until then is shown).

POST /api/jobs is fuzzed like the rest: the server runs with NATURALLY_MAX_RUNNING_JOBS=1, so at
most one training runs at a time (more get 429), and every job still queued or running at the end
is cancelled through GET /api/jobs and DELETE /api/jobs/{id} before the server stops."""

import argparse
import base64
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from server import serve

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
CLEAN_UP_SECONDS = 20  # kept back from schemathesis: cancel jobs, stop the server, read the report


@dataclass
class Findings:
    finished: bool = False
    sent: set[str] = field(default_factory=set)  # "METHOD /path" as requested, not only the schema's
    requests: int = 0
    server_errors: dict[tuple[str, int], list[dict]] = field(default_factory=dict)  # (op, status)
    warnings: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


def fuzz(base: str, max_time: int, max_examples: int, work: Path) -> tuple[Path, str]:
    """Run the schemathesis CLI (its files go to `work`): its NDJSON event report and its output."""
    report = work / "events.ndjson"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(max_time),
        # without --continue-on-failure an operation stops at its first finding (a 404, say)
        "--workers",
        "2",
        "--request-timeout",
        "20",
        "--continue-on-failure",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    try:
        run = subprocess.run(
            command,
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
            timeout=max_time + CLEAN_UP_SECONDS // 2,
        )
    except subprocess.TimeoutExpired as e:  # a busy machine: stopped, its report read as far as it got
        said = b"".join(x if isinstance(x, bytes) else x.encode() for x in (e.output, e.stderr) if x)
        late = f"stopped {CLEAN_UP_SECONDS // 2} s past its --max-time"
        return report, f"{said.decode(errors='replace')}\n{late}"
    return report, run.stdout + run.stderr


def read(report: Path) -> Findings:
    found = Findings()
    for line in report.open(encoding="utf-8") if report.exists() else ():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # the last line of a run that was stopped while writing it
        found.finished |= "EngineFinished" in event
        if error := event.get("NonFatalError"):
            found.errors[f"{error['label']}: {error['value']['type']}"] += 1
        recorder = event.get("ScenarioFinished", {}).get("recorder", {})
        for case_id, interaction in recorder.get("interactions", {}).items():
            case = recorder["cases"][case_id]["value"]
            operation = f"{case['method']} {case['path']}"
            found.sent.add(operation)
            found.requests += 1
            status = (interaction.get("response") or {}).get("status_code", 0)
            if status >= 500:
                found.server_errors.setdefault((operation, status), []).append(interaction["request"])
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if check["status"] == "failure" and check["name"] != "not_a_server_error":
                    failure = check["failure_info"]["failure"]
                    found.warnings[
                        f"{failure['title']}: {failure['operation']} ({failure['message'].splitlines()[0]})"
                    ] += 1
    return found


def body(request: dict) -> bytes:
    return base64.b64decode(request["body"]["$base64"]) if "body" in request else b""


def curl(request: dict) -> str:
    headers = "".join(
        f" -H {shlex.quote(f'{name}: {value}')}"
        for name, values in request["headers"].items()
        for value in values
    )
    raw = "".join(chr(b) if 32 <= b < 127 and b not in b"'\\" else f"\\x{b:02x}" for b in body(request))
    data = f" --data-binary $'{raw}'" if raw else ""
    return f"curl -X {request['method']} {shlex.quote(request['uri'])}{headers}{data}"


def cancel_jobs(base: str) -> int:
    """Cancel every job still queued or running; how many there were."""
    active = [
        job["id"]
        for job in httpx.get(f"{base}/api/jobs", timeout=30).json()
        if job["state"] in ("queued", "running")
    ]
    for job_id in active:
        httpx.delete(f"{base}/api/jobs/{job_id}", timeout=30).raise_for_status()
    return len(active)


def operations(base: str) -> set[str]:
    paths = httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item}


def show(found: Findings, schema: set[str], cancelled: int, elapsed: float) -> None:
    print(f"\n{'operations fuzzed':26} {len(schema & found.sent)} of {len(schema)}")
    print(f"{'requests sent':26} {found.requests}")
    print(f"{'5xx responses':26} {sum(len(r) for r in found.server_errors.values())}")
    for (operation, status), requests in sorted(found.server_errors.items()):
        smallest = min(requests, key=lambda r: (len(body(r)), len(r["uri"])))
        print(f"  {status} {operation} ×{len(requests)}; smallest:\n    {curl(smallest)}")
    print(f"{'conformance warnings':26} {sum(found.warnings.values())}")
    for text, count in sorted(found.warnings.items()):
        print(f"  ×{count} {text}")
    print(f"{'errors (no response)':26} {sum(found.errors.values())}")
    for text, count in sorted(found.errors.items()):
        print(f"  ×{count} {text}")
    print(f"{'jobs cancelled at the end':26} {cancelled}")
    print(f"{'seconds':26} {elapsed:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300, help="total budget, start-up included")
    parser.add_argument("--max-examples", type=int, default=50, help="cases per operation per round")
    args = parser.parse_args()
    started = time.monotonic()
    os.environ["NATURALLY_MAX_RUNNING_JOBS"] = "1"  # serve() passes the environment on to uvicorn
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as work:
        proc, base = serve(data)
        try:
            schema = operations(base)
            budget = max(1, int(args.seconds - (time.monotonic() - started) - CLEAN_UP_SECONDS))
            print(f"fuzzing {len(schema)} operations at {base} for {budget} s", flush=True)
            report, output = fuzz(base, budget, args.max_examples, Path(work))
        finally:
            cancelled = cancel_jobs(base)
            proc.terminate()
            proc.wait(timeout=10)
        found = read(report)
    if not found.requests:
        sys.exit(f"{output}\nschemathesis reported no request (its output is above)")
    show(found, schema, cancelled, time.monotonic() - started)
    if not found.finished:
        print(f"schemathesis did not finish its run: what it reported until then is above\n{output[-2000:]}")
    sys.exit(1 if found.server_errors else 0)


if __name__ == "__main__":
    main()
