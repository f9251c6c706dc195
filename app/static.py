"""Static files with versioned URLs (/static/css/naturally.css?v=<content hash>), served
precompressed.

A versioned URL names one exact content, so browsers may keep it a year; the unversioned URL is
revalidated every time. Templates call static_url(path) instead of url_for('static', ...).

Text files (scripts, styles, SVG) go to clients that accept gzip as gzip made once per file content
at level 9, in a worker thread, and kept: no request compresses anything (app/transport.py leaves
answers that already carry a Content-Encoding alone). The vendor bundles (app/routers/assets.py)
use the same `file_response`."""

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
YEAR = "public, max-age=31536000, immutable"
TEXT = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json"}


@lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def version(path: str) -> str:
    """A short hash of the file's content (recomputed when the file changes)."""
    return _version(path, (STATIC_DIR / path).stat().st_mtime_ns)


@lru_cache(maxsize=128)
def _gzipped(path: Path, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def gzipped(path: Path) -> bytes:
    """The file gzipped at level 9, made once per content (its modification time and size)."""
    st = path.stat()
    return _gzipped(path, st.st_mtime_ns, st.st_size)


async def file_response(path: Path, accept_encoding: str, headers: dict[str, str]) -> Response:
    """The file, gzipped (made once, off the event loop) if it is text and the client accepts it."""
    kind = TEXT.get(path.suffix)
    if kind is None or "gzip" not in accept_encoding:
        return FileResponse(path, headers=headers, media_type=kind)
    body = await anyio.to_thread.run_sync(gzipped, path)
    extra = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, media_type=kind, headers=headers | extra)


class VersionedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            versioned = b"v=" in scope.get("query_string", b"")
            cache = {"Cache-Control": YEAR if versioned else "no-cache"}
            if isinstance(response, FileResponse) and scope["method"] == "GET":
                validators = {k: v for k, v in response.headers.items() if k in ("etag", "last-modified")}
                accept = Headers(scope=scope).get("accept-encoding", "")
                return await file_response(Path(response.path), accept, validators | cache)
            response.headers.update(cache)
        return response
