"""The home page, lesson pages, language choice, and the static assets they need."""

import re
from pathlib import Path

import plotly
import pytest
from fastapi.testclient import TestClient

from app.i18n import catalog
from app.lessons import LESSONS, Lesson
from app.templating import step_numbers


def test_home_lists_every_lesson_and_links_only_built_ones(client: TestClient):
    html = client.get("/?lang=en").text
    for lesson in LESSONS:
        assert f"§{lesson.section}" in html
        linked = f'href="{lesson.path}"' in html
        assert linked == lesson.built, lesson.path
    assert "coming" in html


@pytest.mark.parametrize("lesson", [ls for ls in LESSONS if ls.built], ids=lambda ls: ls.path)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_built_lesson_renders(client: TestClient, lesson, lang: str):  # noqa: ANN001
    res = client.get(f"{lesson.path}?lang={lang}")
    assert res.status_code == 200
    html = res.text
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
    plotly_js = f"/vendor/plotly-{plotly.__version__}.min.js"
    for anchor in ('id="torch-code"', 'id="api-call"', 'id="page-data"', plotly_js):
        assert anchor in html
    assert not re.search(r"(src|href)=\"(https?:)?//(?!testserver)", html), "no other hosts"
    for plot in re.findall(r"<div [^>]*data-waits=\"job\"[^>]*>", html):
        assert 'data-empty="' in plot, plot  # an empty box says what it waits for


def test_unbuilt_lessons_are_not_served(client: TestClient):
    for lesson in LESSONS:
        if not lesson.built:
            assert client.get(lesson.path).status_code == 404


def test_language_from_query_is_remembered_in_a_cookie(client: TestClient):
    res = client.get("/?lang=zh")
    assert res.cookies.get("lang") == "zh"
    assert '<html lang="zh-CN">' in client.get("/").text  # the client keeps the cookie
    assert "课程地图" in client.get("/").text


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.7", "zh-CN"),
        ("de", "en"),
        ("", "en"),
    ],
)
def test_language_from_accept_language(client: TestClient, header: str, lang: str):
    html = client.get("/", headers={"Accept-Language": header}).text
    assert f'<html lang="{lang}">' in html


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def staged(lesson: Lesson) -> bool:
    """Whether a lesson has the stage anatomy (issue #14): its template fills {% block stage %}."""
    return "{% block stage %}" in (TEMPLATES / f"{lesson.key.replace('.', '/')}.html").read_text()


@pytest.mark.parametrize("lesson", [ls for ls in LESSONS if ls.built], ids=lambda ls: ls.path)
def test_a_staged_lesson_has_a_lead_and_four_to_ten_steps(client: TestClient, lesson: Lesson):
    html = client.get(f"{lesson.path}?lang=en").text
    steps = step_numbers("en", lesson.key)
    assert step_numbers("zh", lesson.key) == steps
    assert 'id="copy-link"' in html and 'id="state-note"' in html  # every lesson: its link, and the note
    if not staged(lesson):
        assert steps == [] and 'id="stage"' not in html
        return
    assert 4 <= len(steps) <= 10, steps
    for lang in ("en", "zh"):
        for n in steps:
            assert f"{lesson.key}.step.{n}.text_html" in catalog(lang)
        assert f"{lesson.key}.lead_html" in catalog(lang)
    assert html.count("data-step=") == len(steps)
    assert html.index('id="stage"') < html.index('class="explain"')  # the visual comes before the prose


@pytest.mark.parametrize("lesson", [ls for ls in LESSONS if ls.built][::4], ids=lambda ls: ls.path)
def test_unknown_or_nonsense_query_parameters_still_serve_the_page(client: TestClient, lesson: Lesson):
    query = "?lang=xx&hidden-size=9999&step=-3&present=maybe&%3Cscript%3E=%22%3E%3Cb%3E&bogus"
    res = client.get(lesson.path + query)
    assert res.status_code == 200  # the page's script names what it could not use (urlstate.js)
    assert "<b>" not in res.text and "<script>=" not in res.text
