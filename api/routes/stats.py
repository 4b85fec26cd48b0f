"""Monthly statistics for coordinators: JSON, CSV and the printable page. Everything goes through
``hubdesk.stats.public_report``, so the "<5" rule holds in every export."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hubdesk.api.deps import CoordinatorUser, HubQuery, OptionalUser, SessionDep, allowed_hub
from hubdesk.api.pages.layout import page_language, remember_language
from hubdesk.api.pages.stats_page import forbidden_page, stats_page
from hubdesk.hubs import known_hub_ids
from hubdesk.models import Role, User, utcnow
from hubdesk.settings import get_settings
from hubdesk.stats import monthly_report, public_report, report_csv
from hubdesk.visitors import MonthError, month_of, parse_month

router = APIRouter(tags=["stats"])

MonthQuery = Annotated[str, Query(description="YYYY-MM", max_length=20, pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]
ERRORS = {404: {"description": "No such hub"}}


def resolve(user: User, month: str, hub: str | None) -> tuple[str, str | None]:
    """Check the month and hub of a request and apply the user's hub limit; 4xx with a reason otherwise."""
    hub = hub or None  # "?hub=" means every hub the user may see
    try:
        month = parse_month(month)
    except MonthError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    if hub is not None and hub not in known_hub_ids():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown hub {hub!r}")
    return month, allowed_hub(user, hub)


def build(session: SessionDep, user: User, month: str, hub: str | None) -> dict[str, Any]:
    month, hub_id = resolve(user, month, hub)
    report = monthly_report(session=session, month=month, hub_id=hub_id)
    return public_report(report, min_count=get_settings().HUBDESK_STATS_MIN_COUNT)


@router.get("/api/v1/stats/monthly", responses=ERRORS)
def monthly_json(session: SessionDep, user: CoordinatorUser, month: MonthQuery, hub: HubQuery = None) -> dict:
    """The monthly report; counts below HUBDESK_STATS_MIN_COUNT are the string "<5"."""
    return build(session, user, month, hub)


@router.get("/api/v1/stats/monthly.csv", response_class=Response, responses=ERRORS)
def monthly_csv(session: SessionDep, user: CoordinatorUser, month: MonthQuery, hub: HubQuery = None) -> Response:
    public = build(session, user, month, hub)
    name = f"hubdesk-{public['month']}-{public['hub'] or 'all'}.csv"
    return Response(
        report_csv(public),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/coordinator", response_class=HTMLResponse, include_in_schema=False)
def coordinator_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    month: Annotated[str | None, Query(max_length=20)] = None,
    hub: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The page for the monthly meeting: chart, trend, tables, CSV link; log in first."""
    lang = page_language(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/login?" + urlencode({"next": here, "lang": lang})
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        return HTMLResponse(forbidden_page(lang), status_code=status.HTTP_403_FORBIDDEN)
    try:
        public = build(session, user, month or month_of(utcnow().date()), hub or None)
    except HTTPException as exc:
        return HTMLResponse(stats_page(None, lang=lang, user=user, error=str(exc.detail)), exc.status_code)
    return remember_language(HTMLResponse(stats_page(public, lang=lang, user=user)), request, lang)
