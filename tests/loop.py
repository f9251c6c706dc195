"""asyncio.run for tests, on a thread of its own.

Playwright's sync API keeps an event loop running on the thread of the browser tests, and under
`pytest -n` (pytest-xdist) a worker may run an app test after a browser test on that same thread,
where asyncio.run() refuses to start: "cannot be called from a running event loop"."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end in a new event loop on a new thread, and return what it returned."""
    with ThreadPoolExecutor(1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, coro).result()
