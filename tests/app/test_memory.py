"""app/memory.py: blocks freed in the middle of the heap stay in the process until give_back()
returns their pages to the system."""

import time

import numpy as np
import pytest

from app import memory
from app.memory import give_back, tune_allocator


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_freed_memory_goes_back_to_the_system():
    tune_allocator()
    blocks = [np.ones(8 * 1024) for _ in range(4000)]  # 4,000 × 64 KB, from the heap (not mapped alone)
    keep = np.ones(8 * 1024)  # allocated last: the freed blocks are a hole below it, not the heap's top
    full = rss_mb()
    del blocks
    assert rss_mb() > full - 50  # freed, but still the process's
    give_back()
    assert rss_mb() < full - 200  # of 250 MB
    assert keep.sum() == 8 * 1024


def no_trim_pending() -> None:
    """Wait for a trim that an earlier test's requests scheduled (its timer would fire inside the
    next test, at a time counted from that test's last trim), and for one running to end."""
    deadline = time.monotonic() + 5 * memory.TRIM_EVERY
    while memory._SCHEDULED.is_set():
        assert time.monotonic() < deadline, "a scheduled trim never ran"
        time.sleep(0.02)
    with memory._TRIMMING:
        pass


def test_soon_means_once_for_many_calls_in_a_second(monkeypatch: pytest.MonkeyPatch):
    no_trim_pending()
    trims: list[float] = []
    monkeypatch.setattr(memory, "give_back", lambda: trims.append(time.monotonic()))
    monkeypatch.setattr(memory, "_last_trim", time.monotonic())  # one just ran
    for _ in range(50):
        memory.give_back_soon()
    time.sleep(memory.TRIM_EVERY + 0.5)
    assert len(trims) == 1 and trims[0] >= memory._last_trim + memory.TRIM_EVERY - 0.05
