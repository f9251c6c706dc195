"""Seeded work on torch's one global random generator, safe beside other threads.

A web server runs requests and training jobs in threads that share torch's global generator, so
`torch.manual_seed(s); build()` in one thread can interleave with another's draws and give other
weights for the same seed. `seeded_global_rng(s)` makes such a block exclusive and restores the generator's
state afterwards. (Random draws made outside any such block, e.g. dropout during training, can
still interleave; code that needs reproducible draws there passes its own torch.Generator.)"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_LOCK = threading.RLock()


@contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    with _LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def reseed(seed: int) -> None:
    """torch.manual_seed(seed), but never in the middle of another thread's seeded block."""
    with _LOCK:
        torch.manual_seed(seed)
