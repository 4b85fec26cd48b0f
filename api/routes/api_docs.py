"""The API docs when they are private (``HUBDESK_PUBLIC_API_DOCS``, private in production by default): the same
``/api/docs`` and ``/api/openapi.json``, served only to a logged-in account (session cookie or bearer token);
anyone else gets 404, as if there were none. When they are public FastAPI serves them itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from hubdesk.api.deps import OptionalUser

router = APIRouter(include_in_schema=False)
OPENAPI_URL = "/api/openapi.json"


def _staff(user: OptionalUser) -> None:
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")


@router.get(OPENAPI_URL)
def openapi_document(request: Request, user: OptionalUser) -> dict[str, Any]:
    _staff(user)
    return request.app.openapi()


@router.get("/api/docs")
def api_docs(request: Request, user: OptionalUser) -> HTMLResponse:
    _staff(user)
    return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{request.app.title} API")
