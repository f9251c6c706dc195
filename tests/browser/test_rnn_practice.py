"""§6 in Chromium: the stage packs the typed batch step by step (keyboard, links, presentation, the
home page's link); the packing views follow the typed names; a typed name gets its top-5 bars."""

import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect

from engine.data.names import names_split
from tests.browser.conftest import plot_points
from tests.browser.stage import presentation_shows_only_the_stage
from tests.browser.test_home import ready


def packed_count(page: Page) -> int:
    return page.evaluate(
        "() => { const el = document.getElementById('plot-packed');"
        " return el && el.data ? el.data[0].z[0].length : 0; }"
    )


def test_typing_names_updates_the_packing_views(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-packed').data")
    assert packed_count(page) == len("nguyenschmidtrossio'brientanakadvorak")
    page.fill("#names", "Li, Chan, Dvořák")
    page.wait_for_function("() => document.getElementById('plot-packed').data[0].z[0].length === 12")
    expect(page.locator("#caption-packed")).to_contain_text("batch_sizes = [3, 3, 2, 2, 1, 1]")
    assert plot_points(page, "#plot-batch-sizes") == 6
    assert plot_points(page, "#plot-probs") == 3 * 18
    assert page.locator("#shown-name option").count() == 3
    assert page.errors == []
    page.fill("#names", "Li, Иванов")  # Cyrillic: the hint beside the box says why, in the page's language
    expect(page.locator("#names-hint")).to_contain_text("Иванов: Only Latin letters")
    assert page.errors == []  # checked on the page: no request the server must refuse


def test_typing_a_name_shows_top_five_bars(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "Nakamura")
    expect(page.locator("#predict-text")).to_contain_text("nakamura")
    expect(page.locator("#predict-text")).to_contain_text("日语")  # the language in the page's language
    assert plot_points(page, "#plot-predict") == 5
    bars = page.evaluate("() => document.getElementById('plot-predict').data[0].x")
    assert bars[0] == "日语"
    expect(page.locator("#param-table tbody tr")).to_have_count(8)
    assert page.errors == []


def test_a_name_the_model_cannot_read_clears_the_old_answer(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "李")
    expect(page.locator("#predict-text")).to_contain_text("can be read, not: 李")  # beside the box
    assert page.evaluate("() => document.getElementById('plot-predict').data") is None
    page.fill("#predict-name", "Kowalski")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "a" * 31)  # the page says so, instead of cutting the name
    expect(page.locator("#predict-text")).to_have_text("A name has at most 30 characters; this one has 31.")
    page.fill("#names", "Li, R2D2")
    expect(page.locator("#names-hint")).to_contain_text("R2D2: Only Latin letters")
    page.fill("#predict-name", "")
    expect(page.locator("#predict-text")).to_have_text("Type a surname to see the model's guess.")
    assert page.errors == []  # checked on the page: no request the server must refuse


def test_a_cancelled_run_gives_the_page_back_to_the_shipped_model(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    title = "() => document.getElementById('plot-per-class').layout?.title?.text"
    page.wait_for_function(f"{title} === 'shipped model'")
    # small, but too long to end on its own before the click: 40 epochs over 3,000 names
    tiny = {"epochs": "40", "train_size": "3000", "hidden_size": "8", "embedding_dim": "4"}
    for field, value in tiny.items():
        page.fill(f"#{field}", value)
    page.click("#start")
    page.wait_for_function(f"{title}?.startsWith('your model after epoch')", timeout=60_000)
    page.click("#cancel")
    expect(page.locator("#job-text")).to_have_text("Cancelled.")
    page.wait_for_function(f"{title} === 'shipped model'")  # not a cancelled run's epoch beside it
    expect(page.locator("#job-weights")).to_be_hidden()
    assert page.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_answer_from_a_small_class_says_how_small(page: Page, base_url: str, lang: str):
    """ "Nguyen" is Vietnamese in the data, a class of 73 names; the model answers Chinese."""
    split = names_split()
    k = split.languages.index("Vietnamese")
    size = int((split.labels == k).sum())
    train = split.counts("train")[k]
    answer = httpx.post(f"{base_url}/api/names/predict", json={"name": "Nguyen", "k": 1}).json()
    top = answer["top"][0]["language"]
    assert top != "Vietnamese" and size < 0.01 * len(split.names)  # what the note is about
    page.goto(f"{base_url}/rnn/practice?lang={lang}")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "Nguyen")
    text = page.locator("#predict-text")
    if lang == "en":
        expect(text).to_contain_text("The data lists “nguyen” as Vietnamese (held out, never trained on)")
        expect(text).to_contain_text(
            f"Vietnamese is a small class: {size} of the {len(split.names):,} names ({train}"
        )
    else:
        expect(text).to_contain_text("数据集里“nguyen”标注为越南语")
        expect(text).to_contain_text(
            f"越南语是个小类：全部 {len(split.names):,} 个姓名中只有 {size} 个（{train} 个"
        )
    page.fill("#predict-name", "Xu")  # not in the data, not a small class: no note
    expect(text).not_to_contain_text("nguyen")
    assert "small class" not in (text.text_content() or "") and "小类" not in (text.text_content() or "")
    assert page.errors == []


TITLE = "id => document.getElementById(id).layout?.title?.text"
# after every redraw of the confusion matrix: its title and the bars' title (events come in bursts)
RECORD_TITLES = """() => { window.titles = []; const conf = document.getElementById('plot-confusion');
  conf.on('plotly_afterplot', () => window.titles.push(
    [conf.layout.title?.text, document.getElementById('plot-per-class').layout.title?.text])); }"""


def test_bars_and_matrix_always_show_the_same_model(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function(f"() => ({TITLE})('plot-confusion') === 'shipped model'")
    assert page.evaluate(TITLE, "plot-per-class") == "shipped model"
    page.evaluate(RECORD_TITLES)
    for field, value in {
        "epochs": "2",
        "train_size": "300",
        "hidden_size": "8",
        "embedding_dim": "4",
    }.items():
        page.fill(f"#{field}", value)
    page.click("#start")
    expect(page.locator("#job-text")).to_contain_text("Done", timeout=90_000)
    titles = page.evaluate("() => window.titles")
    # after each epoch the matrix switched with the bars: never the shipped model's beside this run's
    assert ["your model after epoch 1"] * 2 in titles and ["your model after epoch 2"] * 2 in titles
    assert all(matrix == bars for matrix, bars in titles) and titles[-1] == ["your model"] * 2
    expect(page.locator("#result-text")).to_contain_text("your model:")
    matrix = page.evaluate("() => document.getElementById('plot-confusion').data[0].z")
    assert all(abs(sum(row) - 100) < 1e-6 for row in matrix)  # each row: shares of its language, in %
    assert page.errors == []


def test_packing_and_confusion_redrawn_for_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-packed').data")
    # PackedSequence.data folded at each step: one row per time step, batch_sizes[t] letters in it
    sizes = page.evaluate(
        "() => document.getElementById('plot-packed').data[0].z"
        ".map((r) => r.filter((v) => v !== null).length)"
    )
    assert sizes == [6, 6, 6, 6, 6, 5, 2]  # the six default names, longest 7 letters
    expect(page.locator("#caption-packed")).to_contain_text("batch_sizes = [6, 6, 6, 6, 6, 5, 2]")
    # the 18×18 matrix becomes one line per language, with the answer it is most often mistaken for
    expect(page.locator("#plot-confusion")).to_be_hidden()
    rows = page.locator("#confusion-list tbody tr")
    expect(rows).to_have_count(18)
    card = httpx.get(f"{base_url}/api/names/model").json()
    k = card["classes"].index("Vietnamese")
    row = card["confusion"][k]
    worst = max((v, j) for j, v in enumerate(row) if j != k)[1]
    line = rows.nth(k)
    expect(line).to_contain_text(f"Vietnamese ({sum(row)})")
    expect(line).to_contain_text(f"{round(100 * row[k] / sum(row))} %")
    expect(line).to_contain_text(card["classes"][worst])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.set_viewport_size({"width": 1280, "height": 800})  # a desktop shows the matrix itself
    expect(page.locator("#plot-confusion")).to_be_visible()
    expect(page.locator("#confusion-list")).to_be_hidden()
    assert page.errors == []


# ---- the stage (issue #14): pack_padded_sequence, one step at a time ----

STAGE = """() => { const el = document.getElementById('plot-stage');
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent,
    batch: el.data[0].text, rows: el.layout.yaxis.ticktext, packed: el.data[1].text }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the batch panel's letters and row labels, and the packed panel's
    letters (one row per time step; '' where nothing is packed yet)."""
    return page.evaluate(STAGE)


def _stage_link(page: Page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}/rnn/practice?{query}")
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    page.wait_for_load_state("networkidle")


def _letters(pack: dict) -> list[list[str]]:
    """PackedSequence.data of a fresh /api/rnn/pack answer, folded per time step, as letters."""
    a, out, start = pack["alphabet"], [], 0
    for n in pack["batch_sizes"]:
        out.append([a[c - 1] for c in pack["data"][start : start + n]])
        start += n
    return out


def _packed(st: dict) -> list[list[str]]:
    return [[c for c in row if c] for row in st["packed"]]


def test_the_keyboard_packs_the_batch_and_the_visual_follows(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=en")
    names = ["Nguyen", "Schmidt", "Rossi", "O'Brien", "Tanaka", "Dvořák"]
    pack = httpx.post(f"{base_url}/api/rnn/pack", json={"names": names}).json()
    st = _stage(page)
    assert st["step"] == "0" and _packed(st) == [[]] * 7  # nothing packed yet
    assert sum(c not in ("", "·") for row in st["batch"] for c in row) == sum(pack["lengths"]) == 37
    assert " ".join(map(str, pack["codes"][0])) in st["text"]  # "nguyen" as codes
    page.keyboard.press("ArrowRight")  # padded: 6 × 7 cells, 5 of them padding
    page.wait_for_function("() => location.search.includes('step=2')")
    st = _stage(page)
    assert sum(c == "·" for row in st["batch"] for c in row) == 6 * 7 - 37 and "42" in st["text"]
    page.keyboard.press("ArrowRight")  # sorted by length, as torch's sorted_indices say
    page.wait_for_function("() => location.search.includes('step=3')")
    st = _stage(page)
    assert [r.split(" ")[0] for r in st["rows"]] == [pack["names"][i] for i in pack["order"]]
    page.keyboard.press("ArrowRight")  # packing walks the time steps, one row of data per frame
    page.wait_for_function(
        "() => document.getElementById('plot-stage').data[1].text.every((r) => r.some((c) => c))",
        timeout=15_000,
    )
    st = _stage(page)
    assert _packed(st) == _letters(pack) and "batch_sizes[6]" in st["text"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=3')")
    page.focus("#names")
    page.keyboard.press("ArrowRight")  # inside the names box the arrows move the caret
    assert _stage(page)["step"] == "2"
    assert page.errors == []


def test_a_link_restores_the_names_and_the_step(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=en&names=Li%2C+Chan%2C+Dvo%C5%99%C3%A1k&k=3&step=5")
    assert page.input_value("#names") == "Li, Chan, Dvořák" and page.input_value("#k") == "3"
    assert page.is_hidden("#state-note")
    st = _stage(page)
    pack = httpx.post(f"{base_url}/api/rnn/pack", json={"names": ["Li", "Chan", "Dvořák"]}).json()
    assert st["step"] == "4" and _packed(st) == _letters(pack)  # the whole batch packed
    assert "12 codes instead of the 18 cells" in st["text"] and "3, 3, 2, 2, 1, 1" in st["text"]
    page.fill("#names", "Li, Chan")  # a change goes back into the link
    page.wait_for_function("() => location.search.includes('names=Li%2C+Chan&')")
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=zh&k=99&optimizer=sideways&epochs=0&step=42&bogus=1")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("(k) = “99”", "(optimizer) = “sideways”", "(epochs) = “0”", "step = “42”", "bogus"):
        assert part in note, part
    values = page.evaluate(
        "() => ['k', 'optimizer', 'epochs'].map((id) => document.getElementById(id).value)"
    )
    assert values == ["5", "adamw", "12"]
    assert _stage(page)["step"] == "0"
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/practice?lang=en&present=1&step=2",
        prose=("#plot-codes", "#plot-probs", "#train-form"),
        shown=("#plot-stage", "#names"),
    )
    assert page.errors == []


def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#rnn-frame .net-over")  # the embedding rows
    page.keyboard.press("Enter")
    link = page.locator("#rnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("practice"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    link.click()
    page.wait_for_url(re.compile("/rnn/practice"))
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#state-note") and page.input_value("#names") == q["names"] == "Nakamura"
    pack = httpx.post(f"{base_url}/api/rnn/pack", json={"names": [q["names"]]}).json()
    page.click("#steps [data-step='4']")  # the packed batch of one: a letter per time step
    assert _packed(_stage(page)) == _letters(pack) == [[c] for c in "nakamura"]
    expect(page.locator("#caption-packed")).to_contain_text("batch_sizes = [1, 1, 1, 1, 1, 1, 1, 1]")
    assert page.errors == []
