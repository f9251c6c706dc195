"""Two languages, one flat message catalog per language, kept as one file per lesson plus one for
what the pages share (app/locales/<lang>/<part>.json, merged when first read).

Keys are dotted; a lesson's keys start with its key ("cnn.convolution.title") and live in
cnn.convolution.json, the home page's (home.*) in home.json, what the API writes (api.*: its error
messages) in api.json, the others (common.*, lesson.*) in common.json: `part_of(key)`.
A key ending in "_html" holds trusted markup written by us.
A page's language comes from ?lang=, then the `lang` cookie, then Accept-Language, then the default;
an API answer's from Accept-Language alone (English without it: a notebook's client sends none, a
page's script sends the page's language).
"""

import json
from functools import lru_cache
from pathlib import Path

from fastapi import Request

LANGS = ("en", "zh")
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def part_of(key: str) -> str:
    """The file a key belongs in: "cnn.convolution.title" → "cnn.convolution", "home.title" → "home",
    "api.x" → "api", "common.copy" → "common"."""
    head = key.split(".")
    if head[0] in ("home", "api"):
        return head[0]
    return ".".join(head[:2]) if head[0] in ("cnn", "rnn") else "common"


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message {key!r} is in two {lang} files (again in {path.name})")
            merged[key] = text
    return merged


class _Values(dict):
    """Values that leave a placeholder they lack as it is, rather than fail."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(lang: str, key: str, **values: object) -> str:
    """The message for `key` in `lang`, with {name} placeholders filled; the key itself if missing."""
    text = catalog(lang).get(key, key)
    return text.format_map(_Values(values)) if values else text


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


def api_language(request: Request) -> str:
    """The language of an API answer's messages: Accept-Language's, else English."""
    return from_accept_language(request.headers.get("accept-language", "")) or "en"
