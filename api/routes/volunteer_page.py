"""The volunteer page: one static HTML page with its script and style, no CDN. It talks to the case API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
# Served from fixed names (not a directory mount), so nothing else in static/ is exposed by accident.
FILES = {"volunteer.js": "text/javascript; charset=utf-8", "volunteer.css": "text/css; charset=utf-8"}
NO_CACHE = {"Cache-Control": "no-cache"}  # a new release's page must not run with yesterday's script

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/volunteer")
def volunteer_page() -> FileResponse:
    return FileResponse(STATIC / "volunteer.html", media_type="text/html; charset=utf-8", headers=NO_CACHE)


@router.get("/volunteer/volunteer.js")
def volunteer_script() -> FileResponse:
    return FileResponse(STATIC / "volunteer.js", media_type=FILES["volunteer.js"], headers=NO_CACHE)


@router.get("/volunteer/volunteer.css")
def volunteer_style() -> FileResponse:
    return FileResponse(STATIC / "volunteer.css", media_type=FILES["volunteer.css"], headers=NO_CACHE)
