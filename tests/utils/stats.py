"""A known month of events, cases and visitors for exact statistics tests (October 2026, hubs example/north)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import yaml
from sqlmodel import Session

from hubdesk import visitors
from hubdesk.models import Case, Event

OCT = date(2026, 10, 14)
SEP = date(2026, 9, 9)


def events(n: int, category: str, outcome: str, **fields: object) -> list[Event]:
    base: dict[str, object] = {
        "day": OCT,
        "hub_id": "example",
        "channel": "telegram",
        "language": "uk",
        "reply_language": "uk",
        "category": category,
        "outcome": outcome,
    }
    return [Event(**{**base, **fields}) for _ in range(n)]  # type: ignore[arg-type]


def add_known_month(session: Session) -> None:
    """The fixture every exact number in tests/test_stats*.py is derived from (see the comments)."""
    rows = [
        # October 2026, hub example: 18 questions and 4 greetings
        *events(3, "housing", "answered", article_id="housing-rent", helpful=True),
        *events(1, "housing", "answered", article_id="housing-rent", helpful=False),
        *events(2, "housing", "answered", article_id="housing-rent"),
        *events(5, "work", "answered", article_id="work-permit", language="ru", channel="whatsapp"),
        *events(2, "tax", "choices", language="nl", reply_language="nl", channel="webchat"),
        *events(3, "other", "unanswered"),
        *events(1, "other", "escalated"),
        *events(1, "mental_health", "crisis"),
        *events(4, "other", "greeting"),
        # October 2026, hub north: 5 questions
        *events(5, "housing", "answered", article_id="housing-rent", hub_id="north"),
        # September 2026, hub example: 12 questions (the previous month)
        *events(10, "housing", "answered", article_id="housing-rent", day=SEP),
        *events(2, "work", "answered", day=SEP),
        # November 2025 (first month of the trend) and October 2025 (outside it)
        *events(7, "tax", "answered", day=date(2025, 11, 3)),
        *events(3, "tax", "answered", day=date(2025, 10, 3)),
    ]
    session.add_all(rows)
    opened = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)
    for minutes in (10, 20, 30, 40, 50, None):  # example: median first reply 30 minutes, 5 of 6 replied
        replied = opened + timedelta(minutes=minutes) if minutes is not None else None
        session.add(_case("example", opened, replied))
    session.add(_case("north", opened, opened + timedelta(minutes=100)))
    session.add(_case("example", opened - timedelta(days=40), opened))  # opened in September: not counted
    for chat in ("1", "2", "3", "4", "5", "6"):
        visitors.count_visitor(session=session, channel="telegram", chat_key=chat, hub_id="example", day=OCT)
    visitors.count_visitor(session=session, channel="telegram", chat_key="1", hub_id="north", day=OCT)
    session.commit()


def _case(hub_id: str, created: datetime, replied: datetime | None) -> Case:
    return Case(
        channel="telegram",
        chat_key=None,
        language="uk",
        category="housing",
        hub_id=hub_id,
        created_at=created,
        first_reply_at=replied,
        status="closed",
    )


def write_two_hubs(kb_dir_source, target) -> None:  # type: ignore[no-untyped-def]
    """A hubs.yaml with the example hub and a second one, "north", under ``target``."""
    data = yaml.safe_load((kb_dir_source / "hubs.yaml").read_text(encoding="utf-8"))
    north = {**data["hubs"][0], "id": "north", "name": "North hub (EXAMPLE)"}
    data["hubs"].append(north)
    target.mkdir(parents=True, exist_ok=True)
    (target / "hubs.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
