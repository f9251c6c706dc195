"""Third-party front-end files, served from installed packages (no CDN): Plotly's JavaScript and
the Swagger UI of /docs."""

from pathlib import Path

import plotly
import swagger_ui
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.bodies import BodyRoute
from app.static import YEAR, file_response
from app.urls import path_for

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
SWAGGER_DIR = Path(swagger_ui.__file__).resolve().parent / "static"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
DAY = "public, max-age=86400"

router = APIRouter(tags=["assets"], include_in_schema=False, route_class=BodyRoute)


# The URL names Plotly's version, so browsers may keep the file a year.
@router.get(f"/vendor/plotly-{plotly.__version__}.min.js", name="plotly")
async def plotly_js(request: Request) -> Response:
    """The bundle, gzipped once at level 9 (1.47 MB; made when the app starts, app/main.py)."""
    return await file_response(PLOTLY_JS, request.headers.get("accept-encoding", ""), {"Cache-Control": YEAR})


@router.get("/vendor/swagger/{name}", name="swagger")
async def swagger_file(name: str, request: Request) -> Response:
    if name not in SWAGGER_FILES:  # a fixed list: nothing a client sends becomes a path
        raise HTTPException(404, detail=f"no file {name!r}")
    return await file_response(
        SWAGGER_DIR / name, request.headers.get("accept-encoding", ""), {"Cache-Control": DAY}
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The OpenAPI documentation, with Swagger UI served locally."""
    return get_swagger_ui_html(
        openapi_url=path_for(request, "openapi"),
        title="Naturally API",
        swagger_js_url=path_for(request, "swagger", name="swagger-ui-bundle.js"),
        swagger_css_url=path_for(request, "swagger", name="swagger-ui.css"),
        swagger_favicon_url=path_for(request, "swagger", name="favicon-32x32.png"),
    )
