"""The WhatsApp channel: what to do with each incoming message, and the relay sender for replies.

Flow of one webhook delivery (see ``api/routes/whatsapp_webhook.py``):

1. ``accept`` (database, in a worker thread): claim the message id in ``ProcessedUpdate`` so Meta's
   retries and a second worker drop it; record the visitor's inbound time (``Visitor.wa_last_inbound_at``,
   the start of WhatsApp's 24-hour window); collect volunteer replies that could not be delivered while the
   window was closed; decide whether to ask for the language (once per visitor).
2. ``answer``: hand the text or the tapped button to ``hubdesk.conversation``; keywords for the language
   and the menu, since WhatsApp has no commands; a polite word for pictures, voice notes and stickers.
3. ``WhatsAppChannel.send`` (the relay sender, also used by the cases service for volunteers' replies):
   refuse early when the 24-hour window is closed (a free-form message would be refused by Meta), send the
   configured template instead (once per closed window) and raise ``WindowClosed`` with a sentence the
   volunteer sees; otherwise render and send each reply in order.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from hubdesk import conversation, dialog, markers, throttle
from hubdesk.bot.whatsapp import texts
from hubdesk.bot.whatsapp.client import WINDOW_CLOSED, GraphClient, GraphError
from hubdesk.bot.whatsapp.render import render_reply, template_message
from hubdesk.bot.whatsapp.webhook import FailedStatus, InboundMessage
from hubdesk.cases import volunteer_reply_text
from hubdesk.db import get_engine, session_scope
from hubdesk.inbox import Inbox
from hubdesk.messages import ButtonAction, Incoming, Reply
from hubdesk.models import Case, CaseMessage, ProcessedUpdate, Sender, Visitor, utcnow
from hubdesk.relay import DeliveryError
from hubdesk.settings import get_settings
from hubdesk.visitors import get_visitor, touch_visitor

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)  # WhatsApp's customer-service window: free-form messages only within it
KEY_LIMIT = 128  # ProcessedUpdate.key
# Markers kept in ProcessedUpdate ("done once"); keyed by a keyed hash so the table holds no phone number
# (hubdesk.markers: "forget me" and the daily purge remove them).
ASKED_LANGUAGE = markers.WA_LANGUAGE
TEMPLATE_SENT = markers.WA_TEMPLATE
FAILED_ONCE = "wa-failed"
LANGUAGE_WORDS = frozenset({"language", "lang", "мова", "мову", "язык", "taal", "taal kiezen"})
FORGET_WORDS = frozenset({"forget me", "/forget", "забудь мене", "забудь меня", "vergeet mij", "vergeet me"})
PRIVACY_WORDS = frozenset({"privacy", "приватність", "конфіденційність", "приватность", "/privacy"})
HUB_WORDS = frozenset({"hub", "хаб", "/hub"})
MENU_WORDS = frozenset({"menu", "меню", "start", "/start", "/menu", "help", "допомога", "помощь", "hulp"})


class WindowClosed(DeliveryError):
    """WhatsApp will not deliver a free-form message: the visitor last wrote more than 24 hours ago."""


def window_open(last_inbound: datetime | None, now: datetime | None = None) -> bool:
    return last_inbound is not None and (now or utcnow()) - last_inbound < WINDOW


def _hashed(wa_id: str) -> str:
    return markers.chat_hash(CHANNEL, wa_id)


def _key(key: str) -> str:
    return key if len(key) <= KEY_LIMIT else hashlib.sha256(key.encode()).hexdigest()


def _once(source: str, key: str, session: Session | None = None) -> bool:
    """True the first time (source, key) is seen (``hubdesk.throttle``'s shared de-duplication table)."""
    key = _key(key)
    if session is not None:
        return throttle.first_delivery(session=session, source=source, key=key)
    with Session(get_engine()) as own:
        return throttle.first_delivery(session=own, source=source, key=key)


# ---- 1. accepting a message -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A new message, and what the visitor's record says about how to answer it."""

    message: InboundMessage
    language: str | None
    ask_language: bool = False
    waiting: tuple[Reply, ...] = field(default=())
    verdict: throttle.Verdict = throttle.Verdict.ALLOW
    previous_inbound: datetime | None = None  # restored if handling fails, so a retry finds the same waiting


def _waiting_replies(session: Session, wa_id: str, since: datetime) -> tuple[Reply, ...]:
    """Volunteer replies written after ``since`` (when the window closed): the sender refused them then."""
    rows = session.exec(
        select(CaseMessage.text, Case.language)
        .join(Case, col(Case.id) == col(CaseMessage.case_id))
        .where(Case.channel == CHANNEL, Case.chat_key == wa_id, CaseMessage.sender == Sender.VOLUNTEER,
               col(CaseMessage.created_at) > since, col(CaseMessage.text).is_not(None))
        .order_by(col(CaseMessage.created_at).asc(), col(CaseMessage.id).asc())
    ).all()
    return tuple(Reply(volunteer_reply_text(text, language)) for text, language in rows if text)


def accept(message: InboundMessage) -> Accepted | None:
    """Claim ``message`` and update its visitor; None when it was handled before (a retry)."""
    with Session(get_engine()) as session:
        if not _once(CHANNEL, message.message_id, session):
            return None
        try:
            return _accept_claimed(session, message)
        except Exception:
            session.rollback()
            _unclaim(message)  # so that Meta's retry is not taken for a duplicate
            raise


def _unclaim(message: InboundMessage) -> None:
    try:
        with session_scope() as session:
            session.exec(delete(ProcessedUpdate).where(  # type: ignore[call-overload]
                col(ProcessedUpdate.source) == CHANNEL, col(ProcessedUpdate.key) == _key(message.message_id)))
    except Exception:  # the database is down: then the claim most likely never reached it either
        log.warning("could not release the claim of a WhatsApp message", exc_info=True)


def _accept_claimed(session: Session, message: InboundMessage) -> Accepted:
    """The claimed message's visitor, rate limit and waiting replies (one session, committed)."""
    verdict = throttle.Verdict.ALLOW
    if message.kind != "ignored":  # a reaction is not a message to answer, nor to count
        limit = get_settings().HUBDESK_RATE_LIMIT_PER_MINUTE
        verdict = throttle.hit(session=session, channel=CHANNEL, chat_key=message.wa_id, limit=limit)
    before = get_visitor(session=session, channel=CHANNEL, chat_key=message.wa_id)
    previous = before.wa_last_inbound_at if before is not None else None
    visitor = touch_visitor(session=session, channel=CHANNEL, chat_key=message.wa_id)
    visitor.wa_last_inbound_at = utcnow()  # every inbound message reopens the 24-hour window
    language = visitor.language
    waiting: tuple[Reply, ...] = ()
    if previous is not None and not window_open(previous):
        waiting = _waiting_replies(session, message.wa_id, previous + WINDOW)
    session.commit()
    ask = (
        message.kind == "text"
        and verdict is throttle.Verdict.ALLOW
        and language is None
        and _once(ASKED_LANGUAGE, _hashed(message.wa_id), session)
    )
    return Accepted(message, language, ask, waiting, verdict, previous)


def release(accepted: Accepted) -> bool:
    """After a failure: forget the claim so Meta's retry is handled as new, the first time only.

    Returns False when this message failed before: then it stays claimed (a bug would fail every retry for
    days) and the visitor is told something went wrong instead.
    """
    message = accepted.message
    if not _once(FAILED_ONCE, message.message_id):
        return False
    _unclaim(message)
    with session_scope() as session:
        if accepted.waiting:  # the retry must find the replies still waiting
            visitor = get_visitor(session=session, channel=CHANNEL, chat_key=message.wa_id)
            if visitor is not None:
                visitor.wa_last_inbound_at = accepted.previous_inbound
                session.add(visitor)
    return True


# ---- 2. answering it ------------------------------------------------------------------------------------


def _keyword(text: str) -> str:
    return " ".join(text.lower().strip(" .!?¿¡").split())


def guess_language(text: str) -> str:
    """The language to ask "which language?" in, before the visitor has chosen one."""
    from hubdesk.engine.answerer import default_answerer
    from hubdesk.engine.language import reply_language

    return reply_language(default_answerer().reader.read(text).language)


def _hubs() -> list[tuple[str, str]]:
    from hubdesk.kb import knowledge_base

    return [(hub.id, f"{hub.city} · {hub.name}") for hub in knowledge_base().hubs.values()]


def hub_reply(lang: str) -> Reply:
    """Which hub: a choice when the knowledge base has several, else which hub this number serves."""
    from hubdesk.kb import knowledge_base

    hubs = knowledge_base().hubs
    if len(hubs) > 1:
        return texts.hub_prompt(lang, _hubs())
    hub = next(iter(hubs.values()))
    return texts.one_hub(lang, hub.name, hub.city)


def _chosen(wa_id: str) -> tuple[str | None, str | None]:
    with Session(get_engine()) as session:
        visitor = get_visitor(session=session, channel=CHANNEL, chat_key=wa_id)
        return (visitor.language, visitor.hub_id) if visitor else (None, None)


async def _tap(wa_id: str, action: str) -> list[Reply]:
    """A tapped button or list row; after a language choice, say what is stored and (if needed) ask the hub."""
    replies = await conversation.handle_button(CHANNEL, wa_id, action)
    if action.startswith(ButtonAction.LANGUAGE):
        from hubdesk.kb import knowledge_base

        language, hub_id = await asyncio.to_thread(_chosen, wa_id)
        lang = language or "uk"
        replies.append(texts.stored_note(lang, get_settings().HUBDESK_CASE_RETENTION_DAYS))
        if hub_id is None and len(knowledge_base().hubs) > 1:
            replies.append(texts.hub_prompt(lang, _hubs()))
    return replies


async def answer(accepted: Accepted) -> list[Reply]:
    """The replies to one accepted message (conversation state is kept by ``hubdesk.conversation``)."""
    message, lang = accepted.message, accepted.language or "uk"
    replies = list(accepted.waiting)
    if accepted.verdict is not throttle.Verdict.ALLOW:  # over the rate limit: say so once, then stay silent
        if accepted.verdict is throttle.Verdict.NOTIFY:
            replies.append(texts.rate_limited(lang))
        return replies
    if message.kind == "button":
        replies += await _tap(message.wa_id, message.text)
    elif message.kind == "unsupported":
        log.info("WhatsApp message of type %s answered with a request to type", message.type)
        replies.append(texts.not_text(lang))
    elif message.kind == "text":
        word = _keyword(message.text)
        if word in LANGUAGE_WORDS:
            replies.append(dialog.language_choice(lang if accepted.language else guess_language(message.text)))
        elif word in FORGET_WORDS:  # WhatsApp has no commands: the privacy promise needs a phrase
            replies = await conversation.forget(CHANNEL, message.wa_id)
        elif word in PRIVACY_WORDS:
            replies.append(texts.privacy(lang, get_settings().HUBDESK_CASE_RETENTION_DAYS))
        elif word in HUB_WORDS:
            replies.append(hub_reply(lang))
        elif word in MENU_WORDS:
            replies += await conversation.handle_button(CHANNEL, message.wa_id, ButtonAction.MENU)
        else:
            replies += await conversation.handle_message(Incoming(CHANNEL, message.wa_id, message.text))
        if accepted.ask_language and word not in LANGUAGE_WORDS | FORGET_WORDS:
            # Answer first, then ask: nobody should wait for a language menu before their answer.
            replies.append(dialog.language_choice(guess_language(message.text)))
    return replies


# ---- 3. sending -----------------------------------------------------------------------------------------


def _visitor_state(wa_id: str) -> tuple[str, datetime | None]:
    with Session(get_engine()) as session:
        visitor = session.exec(select(Visitor).where(Visitor.channel == CHANNEL, Visitor.chat_key == wa_id)).first()
        if visitor is None:
            return "uk", None
        return visitor.language or "uk", visitor.wa_last_inbound_at


def _first_template_of_window(wa_id: str, last_inbound: datetime | None) -> bool:
    """True once per closed window: the template invites the visitor back, it is not a message channel."""
    stamp = last_inbound.isoformat() if last_inbound else "never"
    return _once(TEMPLATE_SENT, f"{_hashed(wa_id)}:{stamp}")


class WhatsAppChannel:
    """The relay sender for ``whatsapp``: renders replies and sends them, in order, per visitor."""

    def __init__(self, client: GraphClient, *, template_name: str | None = None):
        self.client = client
        self.template_name = template_name or None
        self.outbox: Inbox | None = None  # replies acknowledged to Meta and not sent yet (set while running)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, wa_id: str) -> asyncio.Lock:
        lock = self._locks.get(wa_id)
        if lock is None:
            lock = self._locks[wa_id] = asyncio.Lock()
        return lock

    async def send(self, wa_id: str, replies: Sequence[Reply], *, answering: bool = False) -> None:
        """Send ``replies`` to ``wa_id``; ``WindowClosed`` or ``GraphError`` when they cannot be delivered.

        ``answering``: these answer a message the visitor just sent, so the window is open by definition
        (even when "forget me" has just deleted the record of it).
        """
        lang, last_inbound = await asyncio.to_thread(_visitor_state, wa_id)
        if not answering and not window_open(last_inbound):
            await self.window_closed(wa_id, lang, last_inbound)
        async with self._lock(wa_id):  # two quick messages from one visitor: answers do not interleave
            for reply in replies:
                for message in render_reply(reply, lang):
                    try:
                        await self.client.send(wa_id, message)
                    except GraphError as exc:
                        if exc.code == WINDOW_CLOSED:
                            await self.window_closed(wa_id, lang, last_inbound)
                        raise

    async def window_closed(self, wa_id: str, lang: str, last_inbound: datetime | None) -> None:
        """Send the template (once per closed window) and raise ``WindowClosed`` saying what happened."""
        why = "the visitor last wrote on WhatsApp more than 24 hours ago, so WhatsApp does not deliver a " \
              "free-form message until they write again"
        later = "Volunteer replies written meanwhile are delivered as soon as they write."
        if not self.template_name:
            raise WindowClosed(f"Not delivered: {why}. No message template is configured "
                               f"(WHATSAPP_TEMPLATE_NAME) to invite them back. {later}")
        if await asyncio.to_thread(_first_template_of_window, wa_id, last_inbound):
            try:
                await self.client.send(wa_id, template_message(self.template_name, lang))
            except GraphError as exc:
                raise WindowClosed(f"Not delivered: {why}. Sending the message template "
                                   f"'{self.template_name}' failed too: {exc}") from exc
            raise WindowClosed(f"Not delivered yet: {why}. They were sent the message template "
                               f"'{self.template_name}' inviting them to write back. {later}")
        raise WindowClosed(f"Not delivered yet: {why}. They were already sent the message template "
                           f"'{self.template_name}' inviting them to write back. {later}")

    async def failed(self, failure: FailedStatus) -> None:
        """A message WhatsApp reported as failed after accepting it (131047 arrives this way too)."""
        log.warning("WhatsApp did not deliver message %s: error codes %s", failure.message_id, failure.codes)
        if WINDOW_CLOSED in failure.codes and failure.wa_id:
            lang, last_inbound = await asyncio.to_thread(_visitor_state, failure.wa_id)
            try:
                await self.window_closed(failure.wa_id, lang, last_inbound)
            except WindowClosed as exc:
                log.warning("%s", exc)
