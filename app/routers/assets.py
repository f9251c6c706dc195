"""Plotly's JavaScript, served from the installed `plotly` package (no CDN)."""

from pathlib import Path

import plotly
from fastapi import APIRouter
from fastapi.responses import FileResponse

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

router = APIRouter(tags=["assets"], include_in_schema=False)


@router.get("/vendor/plotly.min.js", name="plotly")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})
