"""Annotated dependencies shared by the routers."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from app.i18n import pick_language
from app.images import ImageStore
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
