"""``GET /metrics``: Prometheus counters for replies, cases and errors (see ``hubdesk.metrics`` for which are
shared by all processes and which are per process). No personal data; still, keep it off the public internet
at the reverse proxy."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from hubdesk import metrics
from hubdesk.api.deps import SessionDep
from hubdesk.logs import install_error_counter

router = APIRouter(tags=["health"])
install_error_counter()


@router.get("/metrics", response_class=PlainTextResponse)
def get_metrics(session: SessionDep) -> PlainTextResponse:
    """The counters, in the Prometheus text format."""
    return PlainTextResponse(metrics.render(session), media_type=metrics.CONTENT_TYPE)
