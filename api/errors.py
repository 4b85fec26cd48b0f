"""Errors the API answers, and the OpenAPI document saying so (issue 15, items 10 and 11).

- **A database outage is a 503**, never a 500: every driver error that means "the database cannot be reached"
  (``OperationalError``, ``InterfaceError``, a pool time-out, an invalidated connection) is answered
  ``503 {"detail": ...}`` with ``Retry-After``. The visitor-facing chat keeps answering through an outage where
  it can (``hubdesk.conversation``); this is for what cannot work without the database (the case list, the
  log-in, a poll for a volunteer's reply).
- **One shape for a 422**: the schema says ``HTTPValidationError`` (``detail`` is a list of
  ``{loc, msg, type}``), so a route's own 422 with a sentence is answered in that shape too.
- **A 405 lists every method of the path** in ``Allow`` (Starlette lists only the first route's: the WhatsApp
  webhook's GET and POST are two routes).
- ``document_errors`` adds to each operation of the OpenAPI document the error statuses it can really answer,
  worked out from its dependencies (who may call it), its body and its database use.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hubdesk import metrics

log = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1  # ids and offsets: PostgreSQL's integer columns end here (SQLite's at 2**63 - 1)
RETRY_AFTER_SECONDS = "30"


class ErrorOut(BaseModel):
    """An error with a sentence saying what went wrong."""

    detail: str


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached now (rather than a bug in a query)."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if not database_unavailable(error):
        raise error  # a real bug: the server error middleware logs it and answers 500
    log.warning("database unavailable: %s %s answered 503 (%s)", request.method, request.url.path,
                type(error).__name__)
    metrics.refused("database_unavailable")
    return JSONResponse({"detail": "the database is unavailable just now; try again in a moment"},
                        status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path (a full match: path and method)."""
    routes = request.app.router.routes
    return [method for method in METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)]


async def _http_error(request: Request, error: Exception) -> Any:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                                headers={**(error.headers or {}), "Allow": ", ".join(allowed)})
    if error.status_code == 422 and isinstance(error.detail, str):
        body = {"detail": [{"loc": [], "msg": error.detail, "type": "value_error"}]}
        return JSONResponse(body, status_code=422, headers=error.headers)
    return await http_exception_handler(request, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    app.add_exception_handler(sa_exc.TimeoutError, _database_error)


# ---- the OpenAPI document --------------------------------------------------------------------------------

DESCRIPTIONS = {
    400: "The body is not valid JSON (or not what this webhook receives)",
    401: "Not logged in, or the access token is unknown or revoked",
    403: "The account's role or hub does not allow this, or a cross-origin request from a browser",
    413: "The request body is larger than this route accepts",
    503: "The database is unavailable just now; try again (see Retry-After)",
}
NO_DATABASE = {("GET", "/healthz"), ("GET", "/webhooks/whatsapp")}  # answer without touching the database


def errors_of(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer besides those it documents itself, read off the document:
    a security requirement means ``api.deps.optional_user`` (an unknown or revoked token 401, a role, a hub or
    a cookie sent from another origin 403); a body can be malformed (400) or too large (413,
    ``api.body_limit``); and whatever touches the database answers 503 while it is away."""
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403}
    if "requestBody" in operation:
        statuses |= {400, 413}
    if (method.upper(), path) not in NO_DATABASE:
        statuses.add(503)
    return statuses


def document_errors(app: FastAPI) -> None:
    """Make the OpenAPI document list, for every operation, the statuses of ``errors_of``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        if schema.get("x-hubdesk-errors"):  # FastAPI caches the document: amend it once
            return schema
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in sorted(errors_of(method, path, operation)):
                    responses.setdefault(str(status), {
                        "description": DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
                    })
        schema["x-hubdesk-errors"] = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
