"""Naturally: the web app (FastAPI) around the torch engine."""

import os

# Idle OpenMP threads should sleep, not spin: requests, training jobs and other processes share
# few cores, and spinning workers made small torch ops 10–100× slower on a busy 2-core machine.
# It must be set before torch is first imported, which the app's modules do.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
