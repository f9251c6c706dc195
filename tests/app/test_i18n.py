"""Both catalogs hold the same keys, and every key the templates and scripts use exists."""

import json
import re
from pathlib import Path

import pytest

from app.i18n import LOCALES_DIR, catalog, from_accept_language, part_of
from app.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_have_the_same_keys():
    en, zh = catalog("en"), catalog("zh")
    assert sorted(en.keys() - zh.keys()) == []
    assert sorted(zh.keys() - en.keys()) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_message_sits_in_its_lessons_file(lang: str):
    files = sorted((LOCALES_DIR / lang).glob("*.json"))
    parts = {"common", "home", "api"}
    assert {f.stem for f in files} == parts | {lesson.key for lesson in LESSONS if lesson.built}
    for f in files:
        misplaced = [k for k in json.loads(f.read_text(encoding="utf-8")) if part_of(k) != f.stem]
        assert misplaced == [], f.name


def test_a_key_in_two_files_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "xx").mkdir()
    for name in ("common", "cnn.input"):
        (tmp_path / "xx" / f"{name}.json").write_text('{"common.copy": "Copy"}')
    monkeypatch.setattr("app.i18n.LOCALES_DIR", tmp_path)
    with pytest.raises(ValueError, match="'common.copy' is in two xx files"):
        catalog.__wrapped__("xx")


def test_no_message_is_empty_or_untranslated():
    en, zh = catalog("en"), catalog("zh")
    for key, text in en.items():
        assert text.strip(), key
        assert zh[key].strip(), key
        if key.endswith("_html"):
            assert zh[key] != text, f"{key} is not translated"


def test_every_lesson_has_a_title_and_summary():
    for lesson in LESSONS:
        for key in (f"lesson.{lesson.key}", f"lesson.{lesson.key}.summary"):
            assert key in catalog("en"), key
        if lesson.built:
            assert f"{lesson.key}.explain_html" in catalog("en")


def test_literal_keys_used_in_templates_and_scripts_exist():
    used: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*'([\w.]+)'\s*[,)]""", path.read_text()))
    for path in (ROOT / "static" / "js").rglob("*.js"):
        used |= set(re.findall(r"""\bt\(\s*["'`]([\w.]+)["'`]\s*[,)]""", path.read_text()))
    missing = sorted(k for k in used if k not in catalog("en"))
    assert missing == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW;q=0.3, en;q=0.2", "zh"),
        ("en;q=0.1, zh;q=0.9", "zh"),
        ("ja, ko", None),
        ("en;q=oops, zh", "zh"),
    ],
)
def test_accept_language_parsing(header: str, expected: str | None):
    assert from_accept_language(header) == expected
