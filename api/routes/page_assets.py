"""The server-rendered pages' stylesheet and script (``api.pages.layout``), from this origin: the
Content-Security-Policy (``api.security_headers``) allows no inline script or style."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hubdesk.api.pages.layout import CSS, SCRIPT

router = APIRouter(tags=["pages"], include_in_schema=False)
NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("/pages/pages.css")
def pages_style() -> Response:
    return Response(CSS, media_type="text/css; charset=utf-8", headers=NO_CACHE)


@router.get("/pages/pages.js")
def pages_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8", headers=NO_CACHE)
