"""A refused input is explained in the page's language: on every lesson page in Chinese, a bad value
brings a message (the server's, a script's, or the browser's own validity message, which naturally.js
words in the page's language) with no English sentence in the status line or the hint beside it."""

import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import Page

from app.lessons import LESSONS
from tests.browser.test_pages import wait_for_plots
from tests.images import png_bytes

# three or more English words in a row: a sentence left untranslated (identifiers such as
# kernel_size or params.epochs, and code such as (B, C, a, a), are not sentences)
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile("[\u4e00-\u9fff]")
INVALID = """() => [...document.querySelectorAll("main input, main textarea, main select")]
  .filter((el) => !el.validity.valid).map((el) => el.validationMessage)"""
# the first place a case names has said something new (":invalid": a control the browser refuses)
SAID = """([sel, before]) => sel === ":invalid"
  ? [...document.querySelectorAll("main input, main textarea, main select")].some((el) => !el.validity.valid)
  : ![before, ""].includes(document.querySelector(sel)?.textContent.trim() ?? "")"""
# the browser's own line for the refused request itself, not a script's error
REFUSED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d ")
NOT_AN_IMAGE = {"name": "notes.png", "mimeType": "image/png", "buffer": b"these are notes, not a picture"}
NOT_A_ZIP = {"name": "classes.zip", "mimeType": "application/zip", "buffer": b"these are notes, not a zip"}


def upload(page: Page, file: dict) -> None:
    page.set_input_files("#image-file", files=[file])


def type_into(page: Page, selector: str, text: str) -> None:
    page.fill(selector, text)
    page.dispatch_event(selector, "change")


def submit(page: Page, form: str) -> None:
    page.evaluate("sel => document.querySelector(sel).requestSubmit()", form)


def choose(page: Page, selector: str, value: str) -> None:
    page.select_option(selector, value)


def blank_png() -> dict:
    return {
        "name": "blank.png",
        "mimeType": "image/png",
        "buffer": png_bytes(Image.new("L", (200, 200), 255)),
    }


# lesson path → (what the learner does wrong, where the page says why)
CASES: dict[str, tuple[Callable[[Page], None], list[str]]] = {
    "/cnn/input": (lambda p: upload(p, NOT_AN_IMAGE), ["#status"]),
    "/cnn/convolution": (
        lambda p: (choose(p, "#trace-source", "typed"), type_into(p, "#typed-matrix", "1e7 2\n3 4")),
        ["#status"],
    ),
    "/cnn/pooling": (lambda p: type_into(p, "#ex-size", "5000"), ["#status", "#ex-formula"]),
    "/cnn/activation": (lambda p: upload(p, NOT_AN_IMAGE), ["#status"]),
    "/cnn/fully-connected": (lambda p: p.set_input_files("#digit-file", files=[blank_png()]), ["#status"]),
    "/cnn/inception": (lambda p: upload(p, NOT_AN_IMAGE), ["#status"]),
    "/cnn/bottleneck": (lambda p: type_into(p, "#height", "5000"), ["#status"]),
    "/cnn/vanishing-gradients": (
        lambda p: (p.check("#batch_norm"), type_into(p, "#batch", "1")),
        ["#status"],
    ),
    "/cnn/practice": (
        lambda p: (type_into(p, "#lr", "5"), submit(p, "#train-form")),
        [":invalid", "#status"],
    ),
    "/cnn/your-classes": (lambda p: p.set_input_files("#import-file", files=[NOT_A_ZIP]), ["#status"]),
    "/rnn/forward": (lambda p: type_into(p, "#sequence", "1 2 x"), ["#status"]),
    "/rnn/bptt": (lambda p: type_into(p, "#target", "a half"), ["#status"]),
    "/rnn/batching": (
        lambda p: (type_into(p, "#samples", "1024"), type_into(p, "#epochs", "10"), submit(p, "#train-form")),
        ["#status"],
    ),
    "/rnn/bidirectional": (lambda p: type_into(p, "#seed", "-5"), ["#status"]),
    "/rnn/gru": (lambda p: type_into(p, "#name", "Жуков"), ["#prediction", "#status"]),
    "/rnn/practice": (lambda p: type_into(p, "#predict-name", "Жуков"), ["#predict-text", "#status"]),
}


def test_every_lesson_has_a_case():
    assert sorted(lesson.path for lesson in LESSONS if lesson.built) == sorted(CASES)


@pytest.mark.parametrize("path", CASES)
def test_a_bad_input_is_explained_in_chinese(page: Page, base_url: str, path: str):
    page.goto(f"{base_url}{path}?lang=zh")
    wait_for_plots(page)
    act, where = CASES[path]
    before = "" if where[0] == ":invalid" else (page.text_content(where[0]) or "").strip()
    act(page)
    page.wait_for_function(SAID, arg=[where[0], before], timeout=15_000)
    texts = [page.text_content(s) or "" for s in where if s != ":invalid"]
    if ":invalid" in where:  # the browser's bubble (a control never checked keeps the browser's words)
        texts += page.evaluate(INVALID)
    said = [t.strip() for t in texts if t.strip()]
    assert said and any(CJK.search(t) for t in said), said
    assert [t for t in said if ENGLISH.search(t)] == []
    assert [e for e in page.errors if not REFUSED_LOAD.match(e)] == []
