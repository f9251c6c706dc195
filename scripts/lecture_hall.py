"""Issue #17's figures, before and after, in one command (about 25 minutes; best on a quiet machine):

    .venv/bin/python scripts/lecture_hall.py [--before 2f323a7] [--students 100 300] [--seconds 60]

For the checkout of --before (made with `git worktree add` in a temporary folder, using this
checkout's .venv, removed at the end) and for this checkout, it runs scripts/loadtest.py
--students N for each N and prints each run whole, then a table of the lesson phases: the server's
CPU per API answer, p50, p99, errors, KB on the wire per answer and the share answered from the
cache. Then `python -m benchmarks transport endpoints` for this checkout (the alternatives of the
transport, and the per-endpoint table: API over HTTP against the engine). docs/benchmarks.md keeps
what it printed."""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "2f323a7"  # main before #17's transport, cache and load test
ALL_API = re.compile(r"^all API\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\S+)", re.M)
CPU = re.compile(r"([\d.]+) ms per API answer")


def loadtest(app_dir: Path, students: int, seconds: float) -> str:
    cmd = [sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--students", str(students)]
    cmd += ["--seconds", str(seconds), "--app-dir", str(app_dir)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    print(out, flush=True)
    return out


def lesson_row(name: str, students: int, out: str) -> str:
    """The lesson phase's figures (the second of the run's two phases)."""
    rows, cpus = ALL_API.findall(out), CPU.findall(out)
    if len(rows) < 2 or len(cpus) < 2:
        return f"| {name} | {students} | (no figures: see the run above) |"
    answers, errors, p50, p99, kb, cached = rows[-1]
    return f"| {name} | {students} | {cpus[-1]} | {p50} | {p99} | {errors} of {answers} | {kb} | {cached} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="the commit to measure as 'before'")
    parser.add_argument("--students", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), args.before], cwd=ROOT, check=True)
        (before / ".venv").symlink_to(ROOT / ".venv")
        try:
            for name, app_dir in ((f"before ({args.before})", before), ("after (this checkout)", ROOT)):
                for n in args.students:
                    table.append(lesson_row(name, n, loadtest(app_dir, n, args.seconds)))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=True)
    print("| server | students | CPU ms per answer | p50 ms | p99 ms | errors | KB per answer | cached |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(table), flush=True)
    subprocess.run([sys.executable, "-m", "benchmarks", "transport", "endpoints"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
