"""``GET /metrics``: Prometheus counters for replies, cases and errors (see ``hubdesk.metrics`` for which are
shared by all processes and which are per process). No personal data, but it tells an outsider how busy a hub
is and how it fails: private in production (``HUBDESK_PUBLIC_METRICS``), then answered only to an admin
account's token or session, or to ``HUBDESK_METRICS_TOKEN`` (Prometheus' ``bearer_token``)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hubdesk import metrics
from hubdesk.api.deps import SessionDep, optional_user, unauthorized
from hubdesk.logs import install_error_counter
from hubdesk.models import Role
from hubdesk.settings import get_settings

install_error_counter()
_bearer = HTTPBearer(auto_error=False, description="HUBDESK_METRICS_TOKEN, or an admin's access token")


def metrics_access(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through when it carries the metrics token or an admin's login."""
    settings = get_settings()
    token = settings.HUBDESK_METRICS_TOKEN.get_secret_value() if settings.HUBDESK_METRICS_TOKEN else ""
    if token and credentials is not None and secrets.compare_digest(credentials.credentials.encode(), token.encode()):
        return
    user = optional_user(request, session, credentials)
    if user is None:
        raise unauthorized("/metrics is private here: send HUBDESK_METRICS_TOKEN or an admin's access token")
    if user.role != Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="/metrics needs the metrics token or an admin account")


def get_metrics(session: SessionDep) -> PlainTextResponse:
    """The counters, in the Prometheus text format."""
    return PlainTextResponse(metrics.render(session), media_type=metrics.CONTENT_TYPE)


def build_router() -> APIRouter:
    """The /metrics route as configured now: behind ``metrics_access`` when private (and so documented with its
    bearer token in the OpenAPI document), open when public."""
    router = APIRouter(tags=["health"])
    private = not get_settings().metrics_public
    router.add_api_route("/metrics", get_metrics, methods=["GET"], response_class=PlainTextResponse,
                         dependencies=[Depends(metrics_access)] if private else [])
    return router
