"""The hand-off from the bot to a volunteer, as the conversation sees it (rule 5: a person is one tap away).

``hubdesk.conversation`` calls two things here, after the Dialog has decided:

- ``decide_after_dialog``, in the conversation's own transaction: a crisis opens an urgent case (on top of
  the emergency reply); while the visitor has an open case, whatever they write joins it and the bot says so
  instead of answering; an explicit request for a person opens a case; any other question is remembered
  (``Visitor.last_question``) so that a tap on "Ask a volunteer" can hand it over without making the
  visitor type it again.
- ``on_button``: "Ask a volunteer" opens the case with that remembered question; "Cancel my question"
  withdraws it.

The visitor is told the case number, when volunteers answer (the hub's ``volunteer_hours``) and gets a
cancel button. Database work runs in a worker thread; relay effects are performed after the commit.

When the database is down, ``during_outage`` writes the case a crisis or a request for a person would have
opened to the local journal (``hubdesk.journal``), and tells the visitor only what is true: the volunteers
will get it (the journal took it; the case number follows once it is opened) or they could not be reached.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from hubdesk import cases, journal
from hubdesk.i18n import translator
from hubdesk.messages import Button, ButtonAction, DialogResult, Incoming, Reply
from hubdesk.models import Case, Visitor
from hubdesk.settings import get_settings
from hubdesk.visitors import get_visitor

# Questions the bot could not answer for sure (a choice, or nothing fits): their text is what a hand-off needs.
# Of an answered question only the topic and language are kept (issue 15, item 9), so that asking for a person
# after it still files the case under its topic; the visitor writes the question for the volunteer again.
REMEMBERED_ACTIONS = ("choose", "escalate")

# The web chat's client (``webchat.client_key``) while one of its requests is handled: the cap on open cases
# per address applies then. Set by the web-chat route; travels with the request into worker threads.
case_client: ContextVar[str | None] = ContextVar("case_client", default=None)


def _cap_reached(session: Session, channel: str, chat_key: str) -> bool:
    """Whether a new case from this web-chat address would pass its cap (a message joining an open case
    of the same session opens nothing new, so it is never stopped)."""
    from hubdesk import webchat

    client = case_client.get()
    if client is None or cases.open_case_for(session=session, channel=channel, chat_key=chat_key) is not None:
        return False
    if webchat.open_cases_of(session=session, client=client) < get_settings().HUBDESK_WEBCHAT_OPEN_CASES_PER_CLIENT:
        return False
    from hubdesk.metrics import refused

    refused("webchat_open_cases")
    return True


def _opened(session: Session, result: cases.CaseResult) -> cases.CaseResult:
    client = case_client.get()
    if client is not None and result.created and result.case.id is not None:
        from hubdesk import webchat

        webchat.remember_case(session=session, client=client, case_id=result.case.id)
    return result


def capped_reply(lang: str) -> Reply:
    t = translator(lang)
    return Reply(t.gettext(
        "There are already several open questions for the volunteers from this connection, so I have not "
        "opened another one. Please wait for their answer, or come to the hub."
    ), ((Button(t.gettext("Menu"), ButtonAction.MENU),),))


@dataclass
class Handoff:
    replies: list[Reply]
    effects: cases.Effects = field(default_factory=cases.Effects)


def _hub(visitor: Visitor | None, hub_id: str | None) -> str:
    return hub_id or (visitor.hub_id if visitor else None) or get_settings().HUBDESK_DEFAULT_HUB


def _take_question(visitor: Visitor | None) -> str:
    """The remembered question, forgotten as it is handed over (it lives on in the case until purged)."""
    if visitor is None or not visitor.last_question:
        return ""
    question, visitor.last_question = visitor.last_question, None
    visitor.last_category = visitor.last_language = None
    return question


def _remember_question(visitor: Visitor, text: str, result: DialogResult) -> None:
    visitor.last_question = text[: cases.MAX_TEXT]
    visitor.last_category, visitor.last_language = result.category, result.language


def about_the_question(visitor: Visitor, result: DialogResult) -> DialogResult:
    """A request for a person is about the question the visitor asked before it, if there is one.

    "I want to talk to a volunteer" says nothing about the topic: a guess from its words would file the case
    (and the month's statistics) under a wrong category, and a short sentence may read as another language.
    So the case and the event take the remembered question's topic and input language.
    """
    if not result.asked_for_person or not (visitor.last_question or visitor.last_category):
        return result
    return replace(
        result,
        category=visitor.last_category or result.category,
        language=visitor.last_language or result.language,
    )


def decide_after_dialog(
    *, session: Session, visitor: Visitor, active: Case | None, text: str, result: DialogResult
) -> Handoff:
    """What the visitor is told, given the Dialog's decision and their open case (``active``, if any).

    The caller has both at hand in its transaction; nothing here commits that the caller's would not.
    """
    lang = result.reply_language
    channel, chat_key = visitor.channel, visitor.chat_key
    hub = _hub(visitor, None)
    if result.action == "crisis":
        _take_question(visitor)
        if _cap_reached(session, channel, chat_key):  # the emergency numbers still come first
            return Handoff([*result.replies, capped_reply(lang)])
        opened = _opened(session, cases.open_case(
            session=session, channel=channel, chat_key=chat_key, text=text, language=lang,
            category=result.category, hub_id=hub, urgent=True,
        ))
        return Handoff([*result.replies, cases.handoff_reply(opened.case, lang)], opened.effects)
    if active is not None:
        if active.category == "other" and result.action in ("answer", "choose"):
            active.category = result.category  # opened before its question was known: now it is
        added = cases.add_visitor_message(session=session, case=active, text=text)
        return Handoff([cases.added_reply(active, lang)], added.effects)
    if result.asked_for_person:
        if _cap_reached(session, channel, chat_key):
            return Handoff([capped_reply(lang)])
        question = _take_question(visitor)
        opened = _opened(session, cases.open_case(
            session=session, channel=channel, chat_key=chat_key,
            text=f"{question}\n\n{text}" if question else text, language=lang,
            category=result.category, hub_id=hub,
        ))
        return Handoff([cases.handoff_reply(opened.case, lang)], opened.effects)
    if result.action in REMEMBERED_ACTIONS:
        _remember_question(visitor, text, result)
        session.add(visitor)
    elif result.action == "answer":  # answered: no text kept, and an older question is moot
        visitor.last_question = None
        visitor.last_category, visitor.last_language = result.category, result.language
        session.add(visitor)
    return Handoff(list(result.replies))


def during_outage(*, incoming: Incoming, result: DialogResult) -> list[Reply]:
    """The replies when the database refused the message: a case that must not wait is journalled first."""
    if result.action != "crisis" and not result.asked_for_person:
        return list(result.replies)
    urgent = result.action == "crisis"
    lang = result.reply_language
    t = translator(lang)
    try:
        journal.append(journal.PendingCase(
            channel=incoming.channel, chat_key=incoming.chat_key, text=incoming.text[: cases.MAX_TEXT],
            language=lang, category=result.category, urgent=urgent,
        ))
    except journal.JournalError:
        if urgent:  # the emergency numbers above are what helps now; say plainly that no one was asked
            told = t.gettext(
                "Because of a technical problem I could not pass your message to a volunteer of the hub just "
                "now. Please call one of the numbers above, or write to me again in a few minutes."
            )
        else:
            told = t.gettext(
                "Because of a technical problem I cannot reach the volunteers of the hub just now. "
                "Please write to me again in a few minutes."
            )
        head = list(result.replies) if urgent else []
        return [*head, Reply(told, ((Button(t.gettext("Menu"), ButtonAction.MENU),),))]
    told = t.gettext(
        "I have passed your message to the volunteers of the hub. Our system has a technical problem right "
        "now, so it may take a little longer: you will get your case number here as soon as it is registered."
    )
    if urgent:
        return [*result.replies, Reply(told)]
    hours = _hours(lang)
    return [Reply(told + ("\n" + t.gettext("When: {hours}.").format(hours=hours) if hours else ""))]


def _hours(lang: str) -> str:
    from hubdesk import kb

    try:
        return kb.volunteer_hours(get_settings().HUBDESK_DEFAULT_HUB, lang) or ""
    except Exception:  # a missing hub must not cost the visitor their reply
        return ""


def decide_on_button(*, session: Session, channel: str, chat_key: str, action: str, lang: str) -> Handoff:
    """"Ask a volunteer" and "Cancel my question"."""
    if action == ButtonAction.CANCEL_CASE:
        cancelled = cases.cancel(session=session, channel=channel, chat_key=chat_key)
        return Handoff([cases.cancelled_reply(cancelled, lang)], cancelled.effects if cancelled else cases.Effects())
    active = cases.open_case_for(session=session, channel=channel, chat_key=chat_key)
    if active is not None:  # tapped again: remind them of the case they have
        return Handoff([cases.handoff_reply(active, lang)])
    if _cap_reached(session, channel, chat_key):
        return Handoff([capped_reply(lang)])
    visitor = get_visitor(session=session, channel=channel, chat_key=chat_key)
    category = (visitor.last_category if visitor else None) or "other"
    question = _take_question(visitor)
    opened = _opened(session, cases.open_case(
        session=session, channel=channel, chat_key=chat_key, text=question, language=lang,
        category=category, hub_id=_hub(visitor, None),
    ))
    return Handoff([cases.handoff_reply(opened.case, lang, with_question=bool(question))], opened.effects)


async def _run(decide, **kwargs) -> list[Reply]:  # type: ignore[no-untyped-def]
    from hubdesk.db import get_engine

    def work() -> Handoff:
        with Session(get_engine()) as session:
            return decide(session=session, **kwargs)

    handoff = await asyncio.to_thread(work)
    await cases.perform(handoff.effects)
    return handoff.replies


async def on_button(*, channel: str, chat_key: str, action: str, lang: str) -> list[Reply]:
    """Handle ButtonAction.VOLUNTEER and ButtonAction.CANCEL_CASE."""
    return await _run(decide_on_button, channel=channel, chat_key=chat_key, action=action, lang=lang)


HANDOFF_ACTIONS = (ButtonAction.VOLUNTEER, ButtonAction.CANCEL_CASE)
