"""Third-party front-end files, served from installed packages (no CDN): Plotly's JavaScript and
the Swagger UI of /docs."""

import gzip
from functools import lru_cache
from pathlib import Path

import plotly
import swagger_ui
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from app.static import YEAR

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
SWAGGER_DIR = Path(swagger_ui.__file__).resolve().parent / "static"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
DAY = "public, max-age=86400"

router = APIRouter(tags=["assets"], include_in_schema=False)


@lru_cache(maxsize=1)
def plotly_gzip() -> bytes:
    """The bundle gzipped once at level 9: 1.47 MB, where compressing each response at the
    middleware's level 1 sends 1.71 MB (about 0.3 s of work, done when the app starts)."""
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=9, mtime=0)


# The URL names Plotly's version, so browsers may keep the file a year.
@router.get(f"/vendor/plotly-{plotly.__version__}.min.js", name="plotly")
def plotly_js(request: Request) -> Response:
    headers = {"Cache-Control": YEAR, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            plotly_gzip(), media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"}
        )
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)


@router.get("/vendor/swagger/{name}", name="swagger")
def swagger_file(name: str) -> FileResponse:
    if name not in SWAGGER_FILES:  # a fixed list: nothing a client sends becomes a path
        raise HTTPException(404, detail=f"no file {name!r}")
    return FileResponse(SWAGGER_DIR / name, headers={"Cache-Control": DAY})


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The OpenAPI documentation, with Swagger UI served locally."""
    return get_swagger_ui_html(
        openapi_url=str(request.url_for("openapi")),
        title="Naturally API",
        swagger_js_url=str(request.url_for("swagger", name="swagger-ui-bundle.js")),
        swagger_css_url=str(request.url_for("swagger", name="swagger-ui.css")),
        swagger_favicon_url=str(request.url_for("swagger", name="favicon-32x32.png")),
    )
