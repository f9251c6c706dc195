"""The Jinja2 environment and the context every page gets."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from app.i18n import LANGS, catalog, messages, translate
from app.lessons import LESSONS, Lesson, neighbours
from app.schemas.names import MAX_NAME
from app.static import version
from app.urls import path_for

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["max_name"] = MAX_NAME  # the name boxes' data-max, as the API bounds them


@pass_context
def url_for(context: Context, name: str, /, **params: Any) -> str:
    """Templates' url_for: a path, never an absolute URL built from the client's Host header."""
    return path_for(context["request"], name, **params)


templates.env.globals["url_for"] = url_for


def static_url(request: Request, path: str) -> str:
    """The versioned URL of a file under static/ (long-cached by browsers)."""
    return f"{path_for(request, 'static', path=path)}?v={version(path)}"


def step_numbers(lang: str, key: str) -> list[int]:
    """The guided steps of a lesson's stage: n of every `<key>.step.<n>.title` in the catalog, 1, 2, …"""
    n = 1
    while f"{key}.step.{n}.title" in catalog(lang):
        n += 1
    return list(range(1, n))


def render_page(
    request: Request, lang: str, template: str, *, lesson: Lesson | None = None, data: dict | None = None
) -> HTMLResponse:
    """Render a page in `lang`; `data` reaches the page script as JSON (with its messages)."""
    prefixes = ("common.", lesson.key + "." if lesson else "home.")
    prev, nxt = neighbours(lesson) if lesson else (None, None)
    context = {
        "lang": lang,
        "static_url": lambda path: static_url(request, path),
        "langs": LANGS,
        "t": lambda key, **kw: translate(lang, key, **kw),
        "lessons": LESSONS,
        "lesson": lesson,
        "prev": prev,
        "next": nxt,
        "steps": step_numbers(lang, lesson.key) if lesson else [],
        "page_data": {"lang": lang, "messages": messages(lang, prefixes), **(data or {})},
    }
    response = templates.TemplateResponse(request, template, context)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("lang", request.query_params["lang"], max_age=365 * 24 * 3600, samesite="lax")
    return response
