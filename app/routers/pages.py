"""HTML pages: the lesson map and one page per built lesson."""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.bodies import BodyRoute
from app.deps import LangDep
from app.jobs.digits import shipped_params
from app.lessons import LESSONS, Lesson
from app.templating import render_page
from app.urls import path_for
from engine.models.digits import MODELS

router = APIRouter(tags=["pages"], include_in_schema=False, route_class=BodyRoute)


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, lang: LangDep) -> HTMLResponse:
    """The network at a glance (both trained models, live), then the lesson map. Plotly is loaded
    only when a detail panel first opens, from the URL the page is given."""
    return render_page(request, lang, "home.html", data={"plotly": path_for(request, "plotly")})


# What a lesson's script needs from the server at once, in #page-data (besides its messages).
LESSON_DATA: dict[str, Callable[[], dict]] = {
    # §3's form fills in each net's recipe, the settings its shipped weights were trained with
    "cnn.practice": lambda: {"recipes": {name: shipped_params(name).model_dump() for name in MODELS}},
}


def _lesson_page(lesson: Lesson) -> Callable[[Request, str], HTMLResponse]:
    def page(request: Request, lang: LangDep) -> HTMLResponse:
        data = LESSON_DATA[lesson.key]() if lesson.key in LESSON_DATA else None
        return render_page(request, lang, f"{lesson.key.replace('.', '/')}.html", lesson=lesson, data=data)

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
