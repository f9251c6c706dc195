"""Annotated dependencies shared by the routers."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from app.i18n import pick_language
from app.images import ImageStore
from app.jobs.runner import InProcessRunner, JobRunner
from app.jobs.store import JobStore
from app.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


@lru_cache
def _store(root: str, max_count: int, max_bytes: int) -> ImageStore:
    return ImageStore(Path(root), max_count=max_count, max_bytes=max_bytes)


def get_image_store(settings: SettingsDep) -> ImageStore:
    return _store(str(settings.data_dir / "images"), settings.image_store_max_count,
                  settings.image_store_max_bytes)


def get_lang(request: Request, settings: SettingsDep) -> str:
    return pick_language(request, settings.default_lang)


ImageStoreDep = Annotated[ImageStore, Depends(get_image_store)]
LangDep = Annotated[str, Depends(get_lang)]


_RUNNERS: dict[Path, JobRunner] = {}  # one per data folder in this process


def get_job_runner(settings: SettingsDep) -> JobRunner:
    root = settings.data_dir / "jobs"
    runner = _RUNNERS.get(root)
    if runner is None:
        runner = _RUNNERS[root] = InProcessRunner(JobStore(root, max_kept=settings.jobs_max_kept),
                                                  max_running=settings.max_running_jobs)
    return runner


def shutdown_runners() -> None:
    """Stop every job this process runs (at server shutdown) and forget the runners."""
    for runner in _RUNNERS.values():
        runner.shutdown()
    _RUNNERS.clear()


JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
