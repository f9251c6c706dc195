"""Two languages, one flat message catalog per language (app/locales/{en,zh}.json).

Keys are dotted ("input.title"); a key ending in "_html" holds trusted markup written by us.
The language comes from ?lang=, then the `lang` cookie, then Accept-Language, then the default.
"""

import json
from functools import lru_cache
from pathlib import Path

from fastapi import Request

LANGS = ("en", "zh")
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    return json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def translate(lang: str, key: str, **values: object) -> str:
    """The message for `key` in `lang`, with {name} placeholders filled; the key itself if missing."""
    text = catalog(lang).get(key, key)
    return text.format(**values) if values else text


def messages(lang: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The catalog entries a page script needs (those under the given key prefixes)."""
    return {k: v for k, v in catalog(lang).items() if k.startswith(prefixes)}


def from_accept_language(header: str) -> str | None:
    """The first of our languages in an Accept-Language header, by q-value."""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in LANGS:
            return code
    return None


def pick_language(request: Request, default: str) -> str:
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGS:
            return candidate
    return from_accept_language(request.headers.get("accept-language", "")) or default
