"""The volunteer page: one HTML page (translated on the server) with its script and style, no CDN. It talks to
the case API; logging in happens on the one login page (``/login``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from hubdesk.api.deps import OptionalUser
from hubdesk.api.pages.layout import page_language, remember_language
from hubdesk.api.pages.volunteer import volunteer_page

STATIC = Path(__file__).resolve().parent.parent / "static"
# Served from fixed names (not a directory mount), so nothing else in static/ is exposed by accident.
FILES = {"volunteer.js": "text/javascript; charset=utf-8", "volunteer.css": "text/css; charset=utf-8"}
NO_CACHE = {"Cache-Control": "no-cache"}  # a new release's page must not run with yesterday's script

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/volunteer")
def volunteer_page_route(request: Request, user: OptionalUser) -> Response:
    """The page in the volunteer's language (chosen, remembered, or the browser's); the login page first."""
    lang = page_language(request)
    if user is None:
        target = "/login?" + urlencode({"next": "/volunteer", "lang": lang})
        return remember_language(RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER), request, lang)
    html = HTMLResponse(volunteer_page(lang), headers=NO_CACHE)
    return remember_language(html, request, lang)


@router.get("/volunteer/volunteer.js")
def volunteer_script() -> FileResponse:
    return FileResponse(STATIC / "volunteer.js", media_type=FILES["volunteer.js"], headers=NO_CACHE)


@router.get("/volunteer/volunteer.css")
def volunteer_style() -> FileResponse:
    return FileResponse(STATIC / "volunteer.css", media_type=FILES["volunteer.css"], headers=NO_CACHE)
