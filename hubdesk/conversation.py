"""The stateful side of a conversation, shared by every channel: one call per incoming message or tap.

Channel adapters call ``handle_message`` / ``handle_button`` and send back the replies they return.
This is the one place that ties the pure Dialog to storage: the visitor's chosen language and hub,
the anonymised event, cases for volunteers.

CONTRACT (stable; channel adapters rely on it):
    async def handle_message(incoming: Incoming) -> list[Reply]
    async def handle_button(channel: Channel, chat_key: str, action: str, locale_hint: str | None = None) -> list[Reply]
    async def forget(channel: Channel, chat_key: str, locale_hint: str | None = None) -> list[Reply]
Blocking database work runs in a worker thread (``asyncio.to_thread``), one session per call.

If the database is down the visitor still gets the Dialog's answer: the event waits in memory
(``hubdesk.events.pending_events``) and is written with the next event that can be saved; a case that a
crisis or a request for a person opens waits on disk (``hubdesk.journal``) and is opened once it can be.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hubdesk import cases, dialog, events, feedback, handoff, journal, markers, visitors
from hubdesk.announcements import consent, subscriptions
from hubdesk.db import session_scope
from hubdesk.engine.answerer import Analysis, default_answerer
from hubdesk.engine.language import LANGUAGE_TO_REPLY
from hubdesk.hubs import UnknownHubError
from hubdesk.i18n import translator
from hubdesk.messages import ButtonAction, Channel, DialogResult, Incoming, Reply
from hubdesk.models import Event, Outcome, Visitor
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

FEEDBACK_DAYS = feedback.FEEDBACK_DAYS


@dataclass(frozen=True)
class Prefs:
    """What we remember about a visitor: their chosen reply language and hub (None = not chosen), and the
    language of what they last wrote."""

    language: str | None = None
    hub_id: str | None = None
    conversation_language: str | None = None

    def reply_language(self, locale_hint: str | None) -> str:
        """The language to answer a tap in: chosen, else the conversation's, else the locale's."""
        return dialog.reply_language_for(self.language or self.conversation_language, locale_hint)

    @classmethod
    def of(cls, visitor: Visitor | None) -> Prefs:
        if visitor is None:
            return cls()
        return cls(
            language=visitor.language, hub_id=visitor.hub_id, conversation_language=visitor.conversation_language
        )


# -- messages -------------------------------------------------------------------------------------------


async def handle_message(incoming: Incoming) -> list[Reply]:
    """Answer one visitor message, remembering the visitor and recording one anonymised event."""
    outcome = await asyncio.to_thread(_answer, incoming)
    await cases.perform(outcome.effects)  # news for the volunteers, after the commit
    return outcome.replies


def _answer(incoming: Incoming) -> handoff.Handoff:
    """Load the visitor, ask the Dialog, record the event, open or join a case: one transaction.

    Cases for volunteers (``hubdesk.handoff``): a crisis or a request for a person opens one; while one is
    open, the message joins it instead of being answered by the bot (and is no new question to count).
    Without a database the visitor is answered anyway and the event waits in memory.
    """
    # Understanding first, outside the transaction: the encoder takes tens of milliseconds, and on SQLite
    # units of work take turns (hubdesk.db), so encoding inside one would hold every other message up.
    analysis = default_answerer().analyse(incoming.text, locale_hint=incoming.locale_hint)
    news = None if analysis.crisis else consent.command_of(incoming.text)  # "news", "what's new?" (after crisis)
    if news is not None:
        return handoff.Handoff(consent.for_command(channel=incoming.channel, chat_key=incoming.chat_key,
                                                   action=news, fallback_lang=analysis.reply_language))
    try:
        with session_scope() as session:
            visitor = visitors.touch_visitor(session=session, channel=incoming.channel, chat_key=incoming.chat_key)
            prefs = Prefs.of(visitor)
            result = _respond(analysis, incoming, prefs)
            if result.action == "greeting":  # the welcome carries the one-tap news switch
                result = replace(result, replies=tuple(consent.with_news_row(
                    session=session, visitor=visitor, replies=result.replies, lang=result.reply_language)))
            if analysis.language in LANGUAGE_TO_REPLY:  # what they wrote is the conversation's language now
                visitor.conversation_language = LANGUAGE_TO_REPLY[analysis.language]
            result = handoff.about_the_question(visitor, result)
            active = None if result.action == "crisis" else cases.open_case_for(
                session=session, channel=incoming.channel, chat_key=incoming.chat_key)
            event_id = None if active is not None else _record(session, visitor, result, prefs).id
            outcome = handoff.decide_after_dialog(
                session=session, visitor=visitor, active=active, text=incoming.text,
                result=replace(result, replies=tuple(
                    _with_feedback(result, event_id, incoming.channel, incoming.chat_key))),
            )
    except SQLAlchemyError:
        log.warning("database unavailable while answering a %s message; answering without it", incoming.channel)
        result = _respond(analysis, incoming, Prefs())
        events.pending_events.put(_event_data(incoming.channel, result, Prefs()))
        return handoff.Handoff(handoff.during_outage(incoming=incoming, result=result))
    if len(events.pending_events):  # the database is back after an outage: write what waited
        try:
            with session_scope() as session:
                events.pending_events.flush(session=session)
        except SQLAlchemyError:  # not quite back; the next message tries again (this one is answered)
            log.warning("events kept during the outage not written yet")
    if journal.waiting():  # and open the cases journalled meanwhile (a background job does it too)
        replayed = journal.replay()
        outcome.effects.notices.extend(replayed.notices)
        outcome.effects.deliveries.extend(replayed.deliveries)
    return outcome


def _respond(analysis: Analysis, incoming: Incoming, prefs: Prefs) -> DialogResult:
    """The Dialog's answer in the chosen language, else the message's own, else the conversation's so far."""
    hub = default_answerer().kb.hub(prefs.hub_id)
    hint = prefs.conversation_language or incoming.locale_hint
    return dialog.decide(analysis.for_visitor(prefs.language, hint), hub=hub)


def _touch(session: Session, channel: str, chat_key: str) -> Prefs:
    return Prefs.of(visitors.touch_visitor(session=session, channel=channel, chat_key=chat_key))


def _record(session: Session, visitor: Visitor, result: DialogResult, prefs: Prefs) -> Event:
    """Write the one event of this question and count the visitor for the month (not committed)."""
    data = _event_data(visitor.channel, result, prefs)
    visitors.count_visitor(
        session=session,
        channel=visitor.channel,
        chat_key=visitor.chat_key,
        hub_id=data.hub_id,
        day=data.day,
        visitor=visitor,
    )
    return events.record_event(session=session, data=data)


def outcome_of(result: DialogResult) -> Outcome:
    """The event outcome of a Dialog decision: asking for a person is escalated, no fitting article unanswered."""
    if result.action == "escalate":
        return Outcome.ESCALATED if result.asked_for_person else Outcome.UNANSWERED
    return {
        "answer": Outcome.ANSWERED,
        "choose": Outcome.CHOICES,
        "crisis": Outcome.CRISIS,
        "greeting": Outcome.GREETING,
    }[result.action]


def _event_data(channel: str, result: DialogResult, prefs: Prefs) -> events.EventData:
    outcome = outcome_of(result)
    return events.EventData(
        day=events.today(),
        hub_id=prefs.hub_id or get_settings().HUBDESK_DEFAULT_HUB,
        channel=channel,
        language=(result.language or "unknown")[:8],
        reply_language=result.reply_language,
        category=result.category,
        outcome=outcome.value,
        article_id=result.article if outcome is Outcome.ANSWERED else None,
    )


def _with_feedback(result: DialogResult, event_id: int | None, channel: str, chat_key: str) -> list[Reply]:
    """Offer helpful / not helpful under an answer, once its event exists; only this chat can use them."""
    replies = list(result.replies)
    if event_id is not None and result.action == "answer" and replies:
        replies[-1] = dialog.with_feedback(replies[-1], event_id, result.reply_language, actions=(
            feedback.action(channel, chat_key, event_id, True), feedback.action(channel, chat_key, event_id, False)))
    return replies


# -- taps -----------------------------------------------------------------------------------------------


async def handle_button(channel: Channel, chat_key: str, action: str, locale_hint: str | None = None) -> list[Reply]:
    """Act on a tapped button: feedback, language and hub choices are remembered; the rest navigates."""
    if action in handoff.HANDOFF_ACTIONS:  # ask a volunteer / cancel my question (hubdesk.handoff)
        prefs = await asyncio.to_thread(prefs_of, channel, chat_key)
        lang = prefs.reply_language(locale_hint)
        return await handoff.on_button(channel=channel, chat_key=chat_key, action=action, lang=lang)
    return await asyncio.to_thread(_tap, channel, chat_key, action, locale_hint)


def _tap(channel: str, chat_key: str, action: str, locale_hint: str | None) -> list[Reply]:
    try:
        with session_scope() as session:
            prefs = _touch(session, channel, chat_key)
            prefs = _remember_choice(session, channel, chat_key, action, prefs)
            lang = prefs.reply_language(locale_hint)
            if action.startswith(ButtonAction.FEEDBACK):
                return [_feedback(session, channel, chat_key, action, lang)]
            if consent.is_news_action(action):
                return consent.on_action(session=session, channel=channel, chat_key=chat_key, action=action, lang=lang)
            replies = list(dialog.on_button(action, lang=lang, hub_id=prefs.hub_id))
            if action == ButtonAction.MENU or action.startswith(ButtonAction.LANGUAGE):  # menu and welcome: 🔔
                visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
                replies = consent.with_news_row(session=session, visitor=visitor, replies=replies, lang=lang)
            return replies
    except SQLAlchemyError:
        log.warning("database unavailable while handling a %s button; navigating without it", channel)
    lang = dialog.reply_language_for(_chosen_language(action), locale_hint)
    if action.startswith(ButtonAction.FEEDBACK):
        return [Reply(translator(lang).gettext("Thank you for telling us!"))]
    return list(dialog.on_button(action, lang=lang))


def _remember_choice(session: Session, channel: str, chat_key: str, action: str, prefs: Prefs) -> Prefs:
    """Save a language or hub choice; an unknown value is ignored (buttons can be stale or forged)."""
    if action.startswith(ButtonAction.LANGUAGE):
        language = _chosen_language(action)
        if language is not None:
            visitors.set_language(session=session, channel=channel, chat_key=chat_key, language=language)
            return replace(prefs, language=language)
    if action.startswith(ButtonAction.HUB):
        hub_id = action.removeprefix(ButtonAction.HUB)
        try:
            visitors.set_hub(session=session, channel=channel, chat_key=chat_key, hub_id=hub_id)
        except UnknownHubError:
            log.info("ignored a tap on an unknown hub")
            return prefs
        return replace(prefs, hub_id=hub_id)
    return prefs


def _chosen_language(action: str) -> str | None:
    if not action.startswith(ButtonAction.LANGUAGE):
        return None
    language = action.removeprefix(ButtonAction.LANGUAGE)
    return language if language in visitors.LANGUAGES else None


def _feedback(session: Session, channel: str, chat_key: str, action: str, lang: str) -> Reply:
    """Store helpful / not helpful for a recent answer, if it went to this chat and has no verdict yet."""
    if not feedback.record(session=session, channel=channel, chat_key=chat_key, text=action, today=events.today()):
        log.info("ignored a %s feedback tap (not this chat's answer, already given, stale or malformed)", channel)
    return Reply(translator(lang).gettext("Thank you for telling us!"))


# -- forget me ------------------------------------------------------------------------------------------


async def forget(channel: Channel, chat_key: str, locale_hint: str | None = None) -> list[Reply]:
    """ "Forget me": close the visitor's cases and erase their text, then delete the visitor row."""
    prefs = await asyncio.to_thread(prefs_of, channel, chat_key)
    lang = prefs.reply_language(locale_hint)
    await cases.run(cases.forget_visitor, channel=channel, chat_key=chat_key)
    await asyncio.to_thread(_forget_visitor, channel, chat_key)
    text = translator(lang).gettext(
        "Done: I have deleted what I kept about this chat (your language choice and any open question). "
        "Anonymous counts without your messages remain."
    )
    return [Reply(text)]


def prefs_of(channel: str, chat_key: str) -> Prefs:
    """The visitor's stored choices (blocking: call it in a worker thread)."""
    with session_scope() as session:
        return Prefs.of(visitors.get_visitor(session=session, channel=channel, chat_key=chat_key))


def _forget_visitor(channel: str, chat_key: str) -> None:
    with session_scope() as session:
        subscriptions.before_forget(session=session, channel=channel, chat_key=chat_key)  # the row goes with it
        markers.forget(session=session, channel=channel, chat_key=chat_key)  # WhatsApp's markers, rate windows
        visitors.forget_visitor(session=session, channel=channel, chat_key=chat_key)
