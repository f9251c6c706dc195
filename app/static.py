"""Static files with versioned URLs: /static/css/naturally.css?v=<content hash>.

A versioned URL names one exact content, so browsers may keep it a year; the unversioned URL is
revalidated every time. Templates call static_url(path) instead of url_for('static', ...)."""

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
YEAR = "public, max-age=31536000, immutable"


@lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def version(path: str) -> str:
    """A short hash of the file's content (recomputed when the file changes)."""
    return _version(path, (STATIC_DIR / path).stat().st_mtime_ns)


class VersionedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = YEAR if versioned else "no-cache"
        return response
