"""Memory that comes back after a burst (glibc's allocator; elsewhere these do nothing).

Measured with scripts/abuse.py: the server's RSS went from 350 MB to 1.1 GB after a dozen large
requests and stayed there, although nothing held the memory any more. glibc keeps freed memory
for reuse: in up to 8 arenas per core (one per thread that ever allocated), and, after a large
block is freed, it raises the size above which it maps blocks of their own (up to 32 MB), so the
next large tensors and JSON strings come from the arenas and fragment them. Two fixes:

- tune_allocator(), once at start: two arenas, and a fixed 1 MB threshold above which every block
  is mapped on its own and unmapped when freed;
- give_back(), after a burst of requests or a job: malloc_trim(0) returns the arenas' free pages
  to the system (≈ 1–30 ms, in the calling thread, without Python's lock)."""

import ctypes
import ctypes.util
import threading
import time

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 1 << 20
TRIM_EVERY = 1.0  # seconds: give_back_soon() trims at most this often


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()
_TRIMMING = threading.Lock()
_SCHEDULED = threading.Event()  # a trim waits to run
_last_trim = 0.0


def tune_allocator() -> None:
    if _LIBC is not None:
        _LIBC.mallopt(M_ARENA_MAX, ARENAS)
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        _LIBC.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)


def give_back() -> None:
    """Return the allocator's free memory to the system (one trim at a time; others skip)."""
    global _last_trim
    if _LIBC is not None and _TRIMMING.acquire(blocking=False):
        try:
            _last_trim = time.monotonic()
            _LIBC.malloc_trim(0)
        finally:
            _TRIMMING.release()


def give_back_soon() -> None:
    """give_back() in a thread of its own (the caller, the event loop, does not wait), at most once
    every TRIM_EVERY seconds: the calls in between are served by the one already waiting."""
    if _SCHEDULED.is_set():
        return
    _SCHEDULED.set()
    timer = threading.Timer(max(0.0, _last_trim + TRIM_EVERY - time.monotonic()), _scheduled)
    timer.daemon = True
    timer.start()


def _scheduled() -> None:
    _SCHEDULED.clear()
    give_back()
