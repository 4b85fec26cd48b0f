"""The conversation glue with storage: one event per question, remembered choices, feedback, outages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from hubdesk import conversation, events, feedback
from hubdesk.messages import ButtonAction, Incoming
from hubdesk.models import Event, MonthVisitor, Visitor
from hubdesk.settings import get_settings

ANSWERED = "Як отримати BSN номер?"
UNANSWERED = "qwertz blorp fnord"


@pytest.fixture(autouse=True)
def empty_queue() -> Iterator[None]:
    events.pending_events.clear()
    yield
    events.pending_events.clear()


def message(text: str, chat_key: str = "4242", channel: str = "telegram") -> Incoming:
    return Incoming(channel=channel, chat_key=chat_key, text=text, locale_hint="uk")  # type: ignore[arg-type]


def all_events(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).order_by(Event.id)).all())


def feedback_action(replies: list) -> str:
    actions = [b.action for r in replies for row in r.buttons for b in row]
    return next(a for a in actions if a.startswith(ButtonAction.FEEDBACK))


async def test_an_answered_question_writes_one_event_and_offers_feedback(engine: Engine) -> None:
    replies = await conversation.handle_message(message(ANSWERED))
    [event] = all_events(engine)
    assert (event.outcome, event.category, event.article_id) == ("answered", "registration", "registration-brp-bsn")
    assert (event.channel, event.language, event.reply_language, event.hub_id) == ("telegram", "uk", "uk", "example")
    assert event.helpful is None
    assert feedback_action(replies) == feedback.action("telegram", "4242", event.id, True)  # type: ignore[arg-type]


async def test_feedback_sets_helpful_once_and_navigation_taps_write_no_event(engine: Engine) -> None:
    replies = await conversation.handle_message(message(ANSWERED))
    yes = feedback_action(replies)
    event_id = all_events(engine)[0].id
    no = feedback.action("telegram", "4242", event_id, False)  # type: ignore[arg-type]
    await conversation.handle_button("telegram", "4242", ButtonAction.MENU)
    await conversation.handle_button("telegram", "4242", ButtonAction.category("housing"))
    await conversation.handle_button("telegram", "4242", no)
    [event] = all_events(engine)
    assert event.helpful is False
    await conversation.handle_button("telegram", "4242", yes)  # once: the first verdict stays
    assert all_events(engine)[0].helpful is False


async def test_feedback_counts_only_from_the_chat_the_answer_went_to(engine: Engine) -> None:
    """Issue 15, item 7: "f:<id>:0" for ids 1-300 from one chat set "not helpful" on everyone's answers."""
    replies = await conversation.handle_message(message(ANSWERED, chat_key="1001"))
    [event] = all_events(engine)
    theirs = feedback_action(replies)
    # Their button, the same without its proof, and the proof of the same chat key on another channel: only the
    # server can make a proof (a keyed hash), so these are all another chat can have.
    for forged in (theirs, f"f:{event.id}:0", feedback.action("whatsapp", "1001", event.id, False)):  # type: ignore[arg-type]
        thanks = await conversation.handle_button("telegram", "2002", forged)
        assert len(thanks) == 1  # thanked all the same: a forger learns nothing
    assert all_events(engine)[0].helpful is None
    for event_id in range(1, 301):  # the review's sweep, from a chat of its own
        await conversation.handle_button("webchat", "sweeper-session", f"f:{event_id}:0")
    assert all_events(engine)[0].helpful is None
    await conversation.handle_button("telegram", "1001", theirs)
    assert all_events(engine)[0].helpful is True


@pytest.mark.parametrize("action", ["f:abc:1", "f:1:yes", "f:", "f:999999:1", "f:99999999999999999999:1",
                                    "f:²:1", "f:1:1:" + "0" * 16])
async def test_malformed_or_unknown_feedback_is_thanked_and_ignored(engine: Engine, action: str) -> None:
    await conversation.handle_message(message(ANSWERED))
    replies = await conversation.handle_button("telegram", "4242", action)
    assert len(replies) == 1
    assert all_events(engine)[0].helpful is None


async def test_unanswered_and_greeting_outcomes(engine: Engine) -> None:
    await conversation.handle_message(message(UNANSWERED))
    await conversation.handle_message(message("Привіт"))
    assert [e.outcome for e in all_events(engine)] == ["unanswered", "greeting"]
    assert all_events(engine)[0].article_id is None


async def test_language_and_hub_choices_are_remembered_and_used(engine: Engine) -> None:
    await conversation.handle_button("telegram", "4242", ButtonAction.language("nl"))
    await conversation.handle_button("telegram", "4242", ButtonAction.hub("example"))
    await conversation.handle_button("telegram", "4242", ButtonAction.hub("atlantis"))  # unknown: ignored
    with Session(engine) as session:
        visitor = session.exec(select(Visitor)).one()
        assert (visitor.language, visitor.hub_id) == ("nl", "example")
    await conversation.handle_message(message(ANSWERED))
    [event] = all_events(engine)
    assert (event.language, event.reply_language) == ("uk", "nl")  # asked in Ukrainian, answered in Dutch


async def test_each_visitor_is_counted_once_for_the_month(engine: Engine) -> None:
    for chat in ("1", "1", "2"):
        await conversation.handle_message(message(ANSWERED, chat_key=chat))
    with Session(engine) as session:
        assert len(session.exec(select(MonthVisitor)).all()) == 2
    assert len(all_events(engine)) == 3


async def test_forget_deletes_the_visitor(engine: Engine) -> None:
    await conversation.handle_button("telegram", "4242", ButtonAction.language("en"))
    replies = await conversation.handle_message(message(ANSWERED))
    assert replies
    forgot = await conversation.forget("telegram", "4242")
    assert forgot and forgot[0].text.startswith("Done")  # in the visitor's chosen language (English)
    with Session(engine) as session:
        assert session.exec(select(Visitor)).all() == []
    assert len(all_events(engine)) == 1  # anonymous counts remain


async def test_the_visitor_is_answered_while_the_database_is_down(
    engine: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    good_url = get_settings().HUBDESK_DATABASE_URL
    monkeypatch.setenv("HUBDESK_DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/hubdesk.db")
    get_settings.cache_clear()

    replies = await conversation.handle_message(message(ANSWERED))
    tapped = await conversation.handle_button("telegram", "4242", ButtonAction.MENU)

    assert replies and tapped  # answered all the same, without feedback buttons (no event id yet)
    assert not any(b.action.startswith("f:") for r in replies for row in r.buttons for b in row)
    assert len(events.pending_events) == 1
    assert "database unavailable" in caplog.text

    monkeypatch.setenv("HUBDESK_DATABASE_URL", good_url)
    get_settings.cache_clear()
    await conversation.handle_message(message(UNANSWERED))
    assert sorted(e.outcome for e in all_events(engine)) == ["answered", "unanswered"]
    assert len(events.pending_events) == 0


def test_the_pending_queue_is_bounded() -> None:
    queue = events.PendingEvents(limit=3)
    data = events.EventData(
        day=__import__("datetime").date(2026, 11, 1),
        hub_id="example",
        channel="telegram",
        language="uk",
        reply_language="uk",
        category="work",
        outcome="answered",
    )
    for _ in range(5):
        queue.put(data)
    assert (len(queue), queue.dropped) == (3, 2)
    with pytest.raises(ValueError):
        events.EventData(**{**data.__dict__, "outcome": "maybe"})
