"""The volunteers' Telegram group: every new case is posted there, and a reply to a post answers the visitor.

Relay by id, never by text: each post the bot makes about a case is stored as (chat id, message id) -> case
in ``VolunteerPost``, and a volunteer's reply is matched through ``reply_to_message``'s id. Every change goes
through the case service (``hubdesk.cases``), which relays the answer to the visitor on their own channel.

Who may answer: any member of the configured group. Being in that group is the hub's own way of saying
"this person is a volunteer", and it is what volunteers already do today. When a member's Telegram id
belongs to a HubDesk user (``User.telegram_user_id``, not revoked), the action is recorded as theirs and that
user's hub rule applies. Posts never carry the visitor's name, username or phone number.

Posts quote what the visitor wrote, so they are purged with the case: once a case's text is erased (the
retention period after closing, or "forget me"), ``VolunteerGroup.scrub`` edits its posts down to the case
number and forgets them. Volunteers' own messages in the group are theirs; the bot cannot edit those.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from contextlib import suppress
from functools import partial

from sqlmodel import Session, col, delete, select
from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from hubdesk import cases, render, users
from hubdesk.bot.telegram.send import send_replies, with_retries
from hubdesk.dialog import LANGUAGE_NAMES
from hubdesk.engine.language import reply_language
from hubdesk.i18n import translator
from hubdesk.messages import Reply
from hubdesk.models import Case, User, VolunteerPost
from hubdesk.relay import CaseNotice

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
SCRUB_INTERVAL = 600.0  # seconds between looks for posts of purged cases ("forget me" scrubs at once)
SCRUB_BATCH = 50  # posts edited per look: a group takes about 20 messages a minute before flood control


def _category_name(category: str, lang: str) -> str:
    try:
        from hubdesk.kb import knowledge_base

        found = knowledge_base().categories.get(category)
        return found.name.get(lang) if found else category
    except Exception:  # the post matters more than a pretty category name
        return category


def post_text(notice: CaseNotice, lang: str) -> str:
    """What the group reads about a case event (neutral markup; never a name, username or phone).

    What people wrote is quoted as a literal: a visitor's ``**`` or ``[text](url)`` stays as typed.
    """
    t = translator(lang)
    number = notice.case_id
    alarm = "🚨 **" + t.gettext("URGENT") + "** · " if notice.urgent else ""
    if notice.kind == "opened":
        head = alarm + "**" + t.gettext("Case {number}").format(number=number) + "** · " + " · ".join([
            LANGUAGE_NAMES.get(notice.language, notice.language),
            notice.channel,
            _category_name(notice.category, lang),
        ])
        how = t.gettext("Reply to this message to answer the visitor. Reply /claim or /close to take or close it.")
        return f"{head}\n\n{render.literal(notice.text)}\n\n{how}"
    line = {
        "visitor_message": t.gettext("Case {number}: the visitor adds:"),
        "claimed": t.gettext("Case {number} was taken by {name}."),
        "replied": t.gettext("Case {number} was answered:"),
        "closed": t.gettext("Case {number} is closed."),
        "reopened": t.gettext("Case {number} was reopened."),
        "cancelled": t.gettext("Case {number}: the visitor withdrew the question."),
    }[notice.kind].format(number=number, name=render.literal(notice.text) if notice.text else t.gettext("a volunteer"))
    if notice.kind in ("visitor_message", "replied") and notice.text:
        line += "\n" + render.literal(notice.text)
    return alarm + line if notice.kind == "visitor_message" else line


# -- the database side (run in worker threads) ------------------------------------------------------------

def _store_posts(chat_id: int, message_ids: list[int], case_id: int) -> None:
    from hubdesk.db import session_scope

    with session_scope() as session:
        for message_id in message_ids:
            session.add(VolunteerPost(chat_id=chat_id, message_id=message_id, case_id=case_id))


def _first_post(chat_id: int, case_id: int) -> int | None:
    from hubdesk.db import get_engine

    with Session(get_engine()) as session:
        query = (
            select(VolunteerPost.message_id)
            .where(VolunteerPost.chat_id == chat_id, VolunteerPost.case_id == case_id)
            .order_by(col(VolunteerPost.id).asc())
        )
        return session.exec(query).first()


def _case_of_post(chat_id: int, message_id: int) -> int | None:
    """The case a post is about; None for a post of a purged case (it is about to be scrubbed)."""
    from hubdesk.db import get_engine

    with Session(get_engine()) as session:
        query = (
            select(VolunteerPost.case_id)
            .join(Case, col(Case.id) == col(VolunteerPost.case_id))
            .where(VolunteerPost.chat_id == chat_id, VolunteerPost.message_id == message_id,
                   col(Case.purged_at).is_(None))
        )
        return session.exec(query).first()


def _posts_to_scrub(limit: int) -> list[tuple[int, int, int, int]]:
    """(row id, chat id, message id, case id) of posts about purged cases, oldest first."""
    from hubdesk.db import session_scope

    with session_scope() as session:
        query = (
            select(VolunteerPost.id, VolunteerPost.chat_id, VolunteerPost.message_id, VolunteerPost.case_id)
            .join(Case, col(Case.id) == col(VolunteerPost.case_id))
            .where(col(Case.purged_at).is_not(None))
            .order_by(col(VolunteerPost.id).asc())
            .limit(limit)
        )
        return [(row_id, chat_id, message_id, case_id) for row_id, chat_id, message_id, case_id in session.exec(query)
                if row_id is not None]


def _forget_post(row_id: int) -> None:
    from hubdesk.db import session_scope

    with session_scope() as session:
        session.exec(delete(VolunteerPost).where(col(VolunteerPost.id) == row_id))  # type: ignore[call-overload]


def _volunteer(telegram_user_id: int) -> User | None:
    from hubdesk.db import get_engine

    with Session(get_engine()) as session:
        query = select(User).where(User.telegram_user_id == telegram_user_id, col(User.revoked_at).is_(None))
        user = session.exec(query).first()
        if user is not None:
            session.expunge(user)  # used after this session closes, read-only
        return user


# -- posting ----------------------------------------------------------------------------------------------


class VolunteerGroup:
    """Posts case news to one Telegram group, in order, urgent first, and maps each post to its case.

    Notices are queued and posted by one worker task: whoever changed the case (a visitor in crisis waiting
    for the emergency numbers, a volunteer on the page) never waits for the group post or its retries.
    """

    DRAIN_SECONDS = 5.0  # at shutdown, how long queued posts may take before they are given up (and logged)
    # Pace: a burst of BURST posts, then one every PACE_SECONDS (Telegram lets a bot post about 20 messages a
    # minute in a group). A flood of new cases waits in the queue, urgent ones first, instead of meeting
    # flood control or drowning the group.
    BURST = 10
    PACE_SECONDS = 3.0

    def __init__(self, bot: Bot, chat_id: int, lang: str):
        self.bot = bot
        self.chat_id = chat_id
        self.lang = lang
        self._queue: asyncio.PriorityQueue[tuple[int, int, CaseNotice]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._worker: asyncio.Task[None] | None = None
        self._scrubber: asyncio.Task[None] | None = None
        self._scrubbing = asyncio.Lock()
        self._scrub_now = asyncio.Event()
        self._tokens = float(self.BURST)
        self._refilled = time.monotonic()

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._post_all(), name="telegram-volunteer-posts")
        if self._scrubber is None:
            self._scrubber = asyncio.create_task(self._scrub_regularly(), name="telegram-volunteer-scrub")

    async def stop(self) -> None:
        if self._scrubber is not None:
            self._scrubber.cancel()
            with suppress(asyncio.CancelledError):
                await self._scrubber
            self._scrubber = None
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), self.DRAIN_SECONDS)
        except TimeoutError:
            log.error("%d case notice(s) not posted to the volunteers' group at shutdown", self._queue.qsize())
        self._worker.cancel()
        with suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def on_case_notice(self, notice: CaseNotice) -> None:
        """Queue a case event for the group (a relay case listener); urgent cases jump the queue."""
        self._queue.put_nowait((0 if notice.urgent else 1, next(self._order), notice))

    async def _pace(self) -> None:
        """Wait for a token of the bucket (see BURST and PACE_SECONDS)."""
        while True:
            now = time.monotonic()
            self._tokens = min(float(self.BURST), self._tokens + (now - self._refilled) / self.PACE_SECONDS)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) * self.PACE_SECONDS)

    async def _post_all(self) -> None:
        while True:
            _, _, notice = await self._queue.get()
            try:
                await self._pace()
                await self.post(notice)
            except Exception:
                log.exception("could not post case %s (%s) to the volunteers' group", notice.case_id, notice.kind)
            finally:
                self._queue.task_done()

    async def post(self, notice: CaseNotice) -> None:
        """Post one case event now, as a reply to the case's first post, and remember which case it is."""
        reply_to = None
        if notice.kind != "opened":
            reply_to = await asyncio.to_thread(_first_post, self.chat_id, notice.case_id)
        sent = await send_replies(self.bot, self.chat_id, [Reply(post_text(notice, self.lang))], reply_to=reply_to)
        if notice.kind != "cancelled":  # after a withdrawal or "forget me" nothing may lead back to the case
            await asyncio.to_thread(_store_posts, self.chat_id, [m.message_id for m in sent], notice.case_id)
        else:  # "forget me" erased the case at once: take the visitor's words out of the group soon too
            self._scrub_now.set()  # (by the scrubber's task: an urgent post must not wait for edits)

    async def scrub(self) -> int:
        """Edit the posts of purged cases down to their case number, then forget them; returns how many.

        A post that is gone, too old or no longer reachable (the bot left the group) has nothing left to
        scrub and is forgotten too; on any other error it stays for the next look.
        """
        async with self._scrubbing:  # the timer and a "forget me" must not edit the same post twice
            posts = await asyncio.to_thread(_posts_to_scrub, SCRUB_BATCH)
            t = translator(self.lang)
            done = 0
            for row_id, chat_id, message_id, case_id in posts:
                text = t.gettext("Case {number}: text removed after the retention period, or at the visitor's request.")
                edit = partial(self.bot.edit_message_text, text.format(number=case_id), chat_id=chat_id,
                               message_id=message_id)
                try:
                    await with_retries(edit, what="editMessageText")
                except (BadRequest, Forbidden) as exc:
                    log.info("post of purged case %s not edited (%s); forgetting it", case_id, exc)
                except TelegramError as exc:
                    log.warning("could not scrub a post of purged case %s (%s); trying again later", case_id, exc)
                    continue
                await asyncio.to_thread(_forget_post, row_id)
                done += 1
            if done:
                log.info("scrubbed %d volunteer-group post(s) of purged cases", done)
            return done

    async def _scrub_regularly(self) -> None:
        while True:
            self._scrub_now.clear()
            try:
                await self.scrub()
            except Exception:  # the database may be down for a while; try again next time
                log.warning("could not scrub the posts of purged cases", exc_info=True)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._scrub_now.wait(), SCRUB_INTERVAL)

    async def say(self, text: str, reply_to: int) -> None:
        await send_replies(self.bot, self.chat_id, [Reply(text)], reply_to=reply_to)


# -- volunteers acting in the group -------------------------------------------------------------------------

def _group(context: Context) -> VolunteerGroup:
    return context.bot_data["volunteer_group"]


async def _case_replied_to(update: Update, context: Context) -> int | None:
    """The case of the post this message replies to; None (and a hint, if it was our post) otherwise."""
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message
    group = _group(context)
    t = translator(group.lang)
    if target is None:
        await group.say(t.gettext("Use this as a reply to the post of a case."), message.message_id)
        return None
    case_id = await asyncio.to_thread(_case_of_post, group.chat_id, target.message_id)
    if case_id is None and target.from_user is not None and target.from_user.id == context.bot.id:
        await group.say(t.gettext("This post is not about a case. Reply to the post of a case."), message.message_id)
    return case_id


async def _act(update: Update, context: Context, fn, **kwargs) -> cases.CaseResult | None:
    """Run one case-service step as this volunteer; say the rule that stopped it, if one did."""
    message = update.effective_message
    assert message is not None
    user = await asyncio.to_thread(_volunteer, message.from_user.id) if message.from_user else None
    try:
        return await cases.run(fn, user=user, **kwargs)
    except cases.CaseError as exc:
        await _group(context).say(str(exc), message.message_id)
        return None


async def volunteer_reply(update: Update, context: Context) -> None:
    """Relay a volunteer's reply to a case post to the visitor, through the case service."""
    message = update.effective_message
    assert message is not None
    case_id = await _case_replied_to(update, context)
    if case_id is None:
        return
    group = _group(context)
    t = translator(group.lang)
    if not message.text:
        await group.say(t.gettext("Only text can be passed on to the visitor. Please type your answer."),
                        message.message_id)
        return
    result = await _act(update, context, cases.reply, case_id=case_id, text=message.text)
    if result is not None and result.undelivered:
        await group.say(
            t.gettext("⚠️ Saved in case {number}, but it could not be delivered to the visitor: {reason}")
            .format(number=case_id, reason="; ".join(result.undelivered)),
            message.message_id,
        )


async def volunteer_command(update: Update, context: Context) -> None:
    """/claim, /close or /reopen, sent as a reply to a case post."""
    message = update.effective_message
    assert message is not None and message.text is not None
    case_id = await _case_replied_to(update, context)
    if case_id is None:
        return
    command = message.text.split()[0].split("@")[0].lstrip("/").lower()
    step = {"claim": cases.claim, "close": cases.close, "reopen": cases.reopen}[command]
    await _act(update, context, step, case_id=case_id)


async def ignore(update: Update, context: Context) -> None:
    """Volunteers talking among themselves: not for the bot."""


# -- linking a volunteer's Telegram account -------------------------------------------------------------------

def _link(code: str, telegram_user_id: int) -> str | None:
    """The name of the account now linked to this Telegram user, or None when the code does not work."""
    from hubdesk.db import session_scope

    with session_scope() as session:
        user = users.link_telegram(session=session, code=code, telegram_user_id=telegram_user_id)
        return user.name if user is not None else None


async def link_account(update: Update, context: Context) -> None:
    """/link CODE in a private chat: this Telegram account becomes the volunteer's whose page made the code."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    t = translator(reply_language("unknown", None, sender.language_code))
    code = " ".join(context.args or [])
    if not code:
        text = t.gettext("Send the code from the volunteer page like this: /link CODE")
    else:
        name = await asyncio.to_thread(_link, code, sender.id)
        if name is None:
            text = t.gettext(
                "That code is unknown, used or expired. Make a new one on the volunteer page (Link Telegram) "
                "and send it within 15 minutes."
            )
        else:
            text = t.gettext(
                "Linked: this Telegram account is {name} on HubDesk now. Your claims and replies in the "
                "volunteers' group count as yours."
            ).format(name=name)
    await send_replies(context.bot, message.chat_id, [Reply(text)])
