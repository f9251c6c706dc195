"""A queue worker of the Redis job backend: it runs the jobs that any app replica queued.

    NATURALLY_REDIS_URL=redis://host:6379/0 .venv/bin/python -m app.jobs.worker [--burst]

Start as many as the machines allow (one job at a time each); they need this repository, its
requirements and the same NATURALLY_REDIS_URL and NATURALLY_REDIS_PREFIX as the app.

Each job runs in a fresh Python process (RQ's SpawnWorker), not a fork: torch's OpenMP thread pool
does not survive fork(), and a forked work horse with more than one torch thread hangs."""

import argparse

import torch
from redis import Redis
from rq import get_current_job
from rq.worker import SpawnWorker

from app.jobs.kinds import KINDS, parse_params
from app.jobs.redis_runner import runner_for
from app.jobs.store import this_process
from app.settings import get_settings


def perform(prefix: str, job_id: str) -> None:
    """Called by RQ in the work horse: run the job whose record waits under `prefix`."""
    settings = get_settings()
    torch.set_num_threads(settings.torch_threads)
    runner = runner_for(get_current_job().connection, prefix, settings)
    record = runner.get(job_id)
    if record is None or record.state != "queued":
        return  # cancelled while it waited, or pruned
    runner.perform(record, KINDS[record.kind], parse_params(record.kind, record.params), this_process())


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    args = parser.parse_args()
    connection = Redis.from_url(settings.redis_url)
    SpawnWorker([settings.redis_prefix], connection=connection).work(burst=args.burst)


if __name__ == "__main__":
    main()
