"""HTML pages: the lesson map and one page per built lesson."""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.deps import LangDep
from app.lessons import LESSONS, Lesson
from app.templating import render_page

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, lang: LangDep) -> HTMLResponse:
    return render_page(request, lang, "home.html")


def _lesson_page(lesson: Lesson) -> Callable[[Request, str], HTMLResponse]:
    def page(request: Request, lang: LangDep) -> HTMLResponse:
        return render_page(request, lang, f"{lesson.key.replace('.', '/')}.html", lesson=lesson)

    return page


for _lesson in LESSONS:
    if _lesson.built:
        router.add_api_route(
            _lesson.path,
            _lesson_page(_lesson),
            methods=["GET"],
            response_class=HTMLResponse,
            name=_lesson.name,
        )
