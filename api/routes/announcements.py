"""Announcements for coordinators (and admins): write, preview, send, follow. Roles and hubs as for statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status

from hubdesk.announcements import service, subscriptions
from hubdesk.api.deps import CoordinatorUser, HubQuery, SessionDep, allowed_hub
from hubdesk.api.errors import INT32_MAX
from hubdesk.api.schemas.announcements import AnnouncementCreate, AnnouncementPublic, AnnouncementsPublic
from hubdesk.hubs import known_hub_ids
from hubdesk.i18n import LANGUAGES
from hubdesk.models import Announcement, User
from hubdesk.settings import get_settings
from hubdesk.stats import Masker

router = APIRouter(prefix="/api/v1/announcements", tags=["announcements"])
AnnouncementId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the announcement's id")]
NOT_FOUND = {404: {"description": "No such announcement (or it belongs to another hub)"}}
CREATE_ERRORS = {404: {"description": "No such hub or article"}}
SEND_ERRORS = {**NOT_FOUND, 409: {"description": "Already sending or sent"}}


def public(session: SessionDep, announcement: Announcement) -> AnnouncementPublic:
    assert announcement.id is not None
    return AnnouncementPublic.of(announcement, service.counts(session=session, announcement_id=announcement.id))


def _load(session: SessionDep, user: User, announcement_id: int) -> Announcement:
    """The announcement if this user may see it; 404 otherwise (another hub's is not even confirmed)."""
    try:
        announcement = service.get(session=session, announcement_id=announcement_id)
        allowed_hub(user, announcement.hub_id)
    except (service.NotFound, HTTPException) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no announcement {announcement_id}") from exc
    return announcement


def create_for(session: SessionDep, user: User, body: AnnouncementCreate) -> Announcement:
    """Check the hub against the user's limit, then write it (shared with the page)."""
    from hubdesk.kb import knowledge_base

    if body.hub not in known_hub_ids():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown hub {body.hub!r}")
    if body.article is not None and body.article not in knowledge_base().articles:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown article {body.article!r}")
    hub = allowed_hub(user, body.hub)
    assert hub is not None
    draft = service.Draft(hub_id=hub, topics=tuple(body.topics), texts=body.text, article_id=body.article,
                          send_at=body.send_at)
    try:
        return service.create(session=session, draft=draft, user_id=user.id)
    except service.AnnouncementError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@router.post("", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
def create(session: SessionDep, user: CoordinatorUser, body: AnnouncementCreate) -> AnnouncementPublic:
    """Write an announcement: scheduled with ``send_at``, else a draft until ``/send``."""
    return public(session, create_for(session, user, body))


@router.get("")
def list_announcements(session: SessionDep, user: CoordinatorUser, hub: HubQuery = None) -> AnnouncementsPublic:
    hub_id = allowed_hub(user, hub or None)
    items = [public(session, a) for a in service.list_for(session=session, hub_id=hub_id)]
    return AnnouncementsPublic(data=items, count=len(items))


@router.get("/subscribers")
def subscribers(session: SessionDep, user: CoordinatorUser, hub: HubQuery = None) -> dict[str, Any]:
    """Subscribers per hub and reading language; counts below HUBDESK_STATS_MIN_COUNT are "<5"."""
    hub_id = allowed_hub(user, hub or None)
    return subscriber_report(session, hub_id)


def subscriber_report(session: SessionDep, hub_id: str | None) -> dict[str, Any]:
    masker = Masker(get_settings().HUBDESK_STATS_MIN_COUNT)
    counts = subscriptions.subscriber_counts(session=session, hub_id=hub_id)
    return {"hubs": {hub: {"total": masker.count(sum(c.values())), "languages": masker.counter(c, LANGUAGES)}
                     for hub, c in sorted(counts.items())}}


@router.get("/{announcement_id}", responses=NOT_FOUND)
def get_one(session: SessionDep, user: CoordinatorUser, announcement_id: AnnouncementId) -> AnnouncementPublic:
    """The announcement, its state and its counts."""
    return public(session, _load(session, user, announcement_id))


@router.get("/{announcement_id}/preview", responses=NOT_FOUND)
def preview(session: SessionDep, user: CoordinatorUser, announcement_id: AnnouncementId) -> dict[str, Any]:
    """Exactly what Telegram and WhatsApp are sent, per reader language, and which languages fall back."""
    return preview_of(_load(session, user, announcement_id))


def preview_of(announcement: Announcement) -> dict[str, Any]:
    from hubdesk.bot.telegram.announce import preview as telegram_preview
    from hubdesk.bot.whatsapp.announce import preview as whatsapp_preview

    out: dict[str, Any] = {"missing_languages": service.missing_languages(announcement),
                           "fallback_language": service.fallback_language(announcement), "languages": {}}
    for lang in LANGUAGES:
        reply = service.message(announcement, lang)
        out["languages"][lang] = {"text_language": service.text_for(announcement, lang)[1],
                                  "telegram": telegram_preview(reply), "whatsapp": whatsapp_preview(reply, lang)}
    return out


@router.post("/{announcement_id}/send", responses=SEND_ERRORS)
def send(session: SessionDep, user: CoordinatorUser, announcement_id: AnnouncementId) -> AnnouncementPublic:
    """Send it now; the sender starts within a few seconds. 409 if it is already sending or sent."""
    announcement = _load(session, user, announcement_id)
    try:
        announcement = service.start(session=session, announcement=announcement)
    except service.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return public(session, announcement)
