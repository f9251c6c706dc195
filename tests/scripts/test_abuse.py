"""scripts/abuse.py --quick: every class of hostile request against a real server, in a few
seconds. The stall limit is coarse here (the test machine is shared): what this test holds is
that no answer is a 5xx, every refusal is the expected 4xx (413 for the caps, no echo of the input)
and the memory comes back; docs/benchmarks.md records the full run and its timings."""

import subprocess
import sys

from app.settings import PROJECT_ROOT


def test_abuse_quick_finds_no_5xx_no_unexpected_status_and_memory_back():
    run = subprocess.run(
        [sys.executable, "scripts/abuse.py", "--quick", "--stall-ms", "3000"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "| verdict |" not in line]
    assert len(rows) >= 13 and all(row.endswith("| ok |") for row in rows), run.stdout
