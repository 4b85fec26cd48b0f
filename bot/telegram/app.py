"""Build, start and stop the Telegram channel: a python-telegram-bot ``Application`` inside the FastAPI app.

Requests go to ``{TELEGRAM_API_BASE_URL}/bot{token}/{method}`` (a self-hosted Bot API server or a test
server is set there). Long polling by default; webhook mode when ``TELEGRAM_WEBHOOK_URL`` is set, with
updates arriving at ``POST /telegram/webhook`` of the same app (``api/routes/telegram_webhook.py``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
from collections import deque
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from hubdesk.announcements.sender import couriers
from hubdesk.bot.telegram import announce, handlers, texts, volunteers
from hubdesk.bot.telegram.send import send_replies, with_retries
from hubdesk.i18n import LANGUAGES
from hubdesk.inbox import GroupWriter, Inbox
from hubdesk.messages import Reply
from hubdesk.relay import relay
from hubdesk.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Updates handled at once: a slow database or Telegram call for one visitor must not hold up the others;
# more than this only adds database lock contention (the work is CPU-bound on one core per process).
CONCURRENT_UPDATES = 16
# Connections to the Bot API. httpcore checks every pooled connection on each request, so a huge pool
# (PTB's default is 256) costs CPU; a request waits up to POOL_TIMEOUT for a free one instead of failing.
CONNECTION_POOL = 32
POOL_TIMEOUT = 10.0
# MY_CHAT_MEMBER: Telegram says when a visitor blocks the bot; their route (and news subscription) goes at once.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
POLL_TIMEOUT = dt.timedelta(seconds=10)  # long-polling wait per getUpdates call
START_RETRY_MAX = 300.0  # seconds between attempts to reach Telegram when it is down at start-up
PRUNE_INTERVAL = 3600.0  # seconds between clean-ups of old update ids and rate-limit windows
RECENT_UPDATES = 10_000  # update ids a process remembers to answer a retry without the database (under 1 MB)


def build_application(settings: Settings) -> Application:
    """The bot with every handler registered; not started."""
    assert settings.TELEGRAM_BOT_TOKEN is not None
    # PTB 22 is moving time periods (RetryAfter.retry_after, ...) from int seconds to timedelta and warns on
    # every flood-control error until one opts in; opt in (send.retry_after_seconds reads either form).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    root = settings.TELEGRAM_API_BASE_URL.rstrip("/")
    builder = (
        Application.builder()
        .token(settings.TELEGRAM_BOT_TOKEN.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(CONNECTION_POOL)
        .pool_timeout(POOL_TIMEOUT)
    )
    if settings.telegram_webhook_mode:
        builder = builder.updater(None)  # updates come through the FastAPI route
    application = builder.application_class(_Application).build()
    add_handlers(application, settings.TELEGRAM_VOLUNTEER_CHAT_ID)
    return application


def add_handlers(application: Application, volunteer_chat_id: int | None) -> None:
    """Declare the whole conversation in one place."""
    application.add_handler(TypeHandler(Update, handlers.guard), group=-1)
    visitors = filters.UpdateType.MESSAGES
    if volunteer_chat_id is not None:
        group = filters.Chat(volunteer_chat_id)
        application.add_handler(
            CommandHandler(["claim", "close", "reopen"], volunteers.volunteer_command, filters=group)
        )
        application.add_handler(
            MessageHandler(group & filters.UpdateType.MESSAGE & filters.REPLY & ~filters.COMMAND,
                           volunteers.volunteer_reply)
        )
        application.add_handler(MessageHandler(group, volunteers.ignore))
        visitors = visitors & ~group
    application.add_handlers([
        # A volunteer links their Telegram account with a code from the volunteer page; never in a group.
        CommandHandler("link", volunteers.link_account, filters=visitors & filters.ChatType.PRIVATE),
        CommandHandler("start", handlers.start, filters=visitors),
        CommandHandler("menu", handlers.show_menu, filters=visitors),
        CommandHandler("language", handlers.choose_language, filters=visitors),
        CommandHandler("hub", handlers.choose_hub, filters=visitors),
        CommandHandler("help", handlers.show_help, filters=visitors),
        CommandHandler("privacy", handlers.show_privacy, filters=visitors),
        CommandHandler("forget", handlers.forget, filters=visitors),
        CommandHandler("news", handlers.news, filters=visitors),
        MessageHandler(visitors & filters.TEXT & ~filters.COMMAND, handlers.question),
        MessageHandler(visitors & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.not_text),
        MessageHandler(visitors & filters.COMMAND, handlers.show_help),  # an unknown /command
        CallbackQueryHandler(handlers.tap),
        ChatMemberHandler(handlers.bot_blocked, ChatMemberHandler.MY_CHAT_MEMBER),
    ])
    application.add_error_handler(handlers.on_error)


async def register_commands(application: Application, volunteer_chat_id: int | None) -> None:
    """The command menu in uk, nl and en; Ukrainian for every other language (Russian speakers included)."""
    bot = application.bot

    def commands(lang: str, which: Sequence[tuple[str, str]] = texts.COMMANDS) -> list[BotCommand]:
        return [BotCommand(name, description) for name, description in texts.command_list(lang, tuple(which))]

    await with_retries(lambda: bot.set_my_commands(commands("uk")), what="setMyCommands")
    for lang in LANGUAGES:
        await with_retries(lambda lang=lang: bot.set_my_commands(commands(lang), language_code=lang),
                           what="setMyCommands")
    if volunteer_chat_id is not None:
        lang = get_settings().TELEGRAM_VOLUNTEER_LANGUAGE
        await with_retries(
            lambda: bot.set_my_commands(commands(lang, texts.VOLUNTEER_COMMANDS),
                                        scope=BotCommandScopeChat(volunteer_chat_id)),
            what="setMyCommands",
        )


class _Application(Application):
    """PTB's Application, telling the channel when an update has been handled (so its inbox entry can go)."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:  # handled, dropped by the guard or failed in a handler (logged by the error handler): done
            handled = self.bot_data.get("on_handled")
            if handled is not None and isinstance(update, Update):
                await handled(update)


class RecentIds:
    """The last ``size`` ids added; ``add`` says whether an id is new. Not shared between processes."""

    def __init__(self, size: int = RECENT_UPDATES):
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._size = size

    def discard(self, value: int) -> None:
        self._seen.discard(value)  # (it leaves the order when it ages out, as any other)

    def add(self, value: int) -> bool:
        if value in self._seen:
            return False
        self._seen.add(value)
        self._order.append(value)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


class TelegramChannel:
    """One bot for this process: started with the app, registered with the relay, stopped with the app."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.application = build_application(settings)
        self.running = False
        self._retry: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._recent = RecentIds()
        # Webhook mode: every update is on disk before Telegram gets its 200, and leaves once handled; what a
        # crashed process left is handled at the next start (hubdesk.inbox). Those ids skip the guard's
        # "already handled" check: the claim may have been made just before the crash, the answer not.
        self.inbox = Inbox("telegram") if settings.telegram_webhook_mode else None
        self._writer = GroupWriter(self.inbox) if self.inbox is not None else None
        self._replayed: set[int] = set()
        self.application.bot_data["replayed_updates"] = self._replayed
        self.application.bot_data["on_handled"] = self._handled
        self.announcements: announce.TelegramCourier | None = None
        self.group: volunteers.VolunteerGroup | None = None
        if settings.TELEGRAM_VOLUNTEER_CHAT_ID is not None:
            self.group = volunteers.VolunteerGroup(
                self.application.bot, settings.TELEGRAM_VOLUNTEER_CHAT_ID, settings.TELEGRAM_VOLUNTEER_LANGUAGE
            )
            self.application.bot_data["volunteer_group"] = self.group

    @property
    def webhook_mode(self) -> bool:
        return self.settings.telegram_webhook_mode

    async def send_to_visitor(self, chat_key: str, replies: Sequence[Reply]) -> None:
        """The relay's sender for Telegram visitors (volunteers' answers, case news)."""
        await send_replies(self.application.bot, int(chat_key), list(replies))

    async def start(self) -> None:
        """Start now if Telegram answers; otherwise keep trying in the background (the app runs anyway)."""
        # Build the answerer and load the catalogs once, before the first update: otherwise the first burst
        # of updates builds the (unlocked, cached) answerer in several worker threads at once.
        _enough_threads()
        if self.inbox is not None:
            await asyncio.to_thread(self.inbox.open)
        await asyncio.to_thread(_warm_up)
        self._pruner = asyncio.create_task(_prune_hourly(), name="telegram-prune")
        relay.register_sender("telegram", self.send_to_visitor)
        self.announcements = announce.register(self.settings)  # the announcement sender's own bot (core sender)
        if self.group is not None:
            self.group.start()
            relay.register_case_listener(self.group.on_case_notice)
        try:
            await self._start()
        except InvalidToken:
            log.error("Telegram refused TELEGRAM_BOT_TOKEN: the Telegram channel is off")
        except TelegramError as exc:
            log.error("cannot reach Telegram (%s): retrying in the background", exc)
            self._retry = asyncio.create_task(self._keep_trying())

    async def _start(self) -> None:
        application = self.application
        await with_retries(application.initialize, what="getMe")
        await register_commands(application, self.settings.TELEGRAM_VOLUNTEER_CHAT_ID)
        await application.start()
        bot = application.bot
        if self.webhook_mode:
            secret = self.settings.TELEGRAM_WEBHOOK_SECRET
            assert secret is not None and self.settings.TELEGRAM_WEBHOOK_URL is not None
            url = self.settings.TELEGRAM_WEBHOOK_URL
            await with_retries(
                lambda: bot.set_webhook(url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES),
                what="setWebhook",
            )
        else:
            await with_retries(bot.delete_webhook, what="deleteWebhook")
            assert application.updater is not None
            await application.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
        await self._replay()  # before taking new updates: a retry of one of these is then known
        self.running = True
        log.info("Telegram channel started as @%s (%s)", bot.username, "webhook" if self.webhook_mode else "polling")

    async def _keep_trying(self) -> None:
        delay = 5.0
        while not self.running:
            await asyncio.sleep(delay)
            try:
                await self._start()
            except InvalidToken:
                log.error("Telegram refused TELEGRAM_BOT_TOKEN: the Telegram channel is off")
                return
            except TelegramError as exc:
                delay = min(delay * 2, START_RETRY_MAX)
                log.warning("still cannot reach Telegram (%s): next try in %.0f s", exc, delay)

    async def stop(self) -> None:
        """Stop polling and processing; the webhook stays set (another process may still serve it)."""
        for task in (self._retry, self._pruner):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        relay.senders.pop("telegram", None)
        if self.announcements is not None:
            couriers.unregister("telegram")
            await self.announcements.close()
        if self.group is not None:
            if self.group.on_case_notice in relay.listeners:
                relay.listeners.remove(self.group.on_case_notice)
            await self.group.stop()
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await application.bot.shutdown()  # closes the HTTP client even when start-up never got through
        if self.inbox is not None:
            self.inbox.close()
        if self._writer is not None:
            self._writer.close()
        self.running = False

    async def _replay(self) -> None:
        """Queue the updates a crashed process acknowledged and did not handle."""
        if self.inbox is None:
            return
        pending = await asyncio.to_thread(self.inbox.pending)
        for key, payload in pending:
            update_id = int(key)
            self._replayed.add(update_id)
            self._recent.add(update_id)
            await self.application.update_queue.put(Update.de_json(json.loads(payload), self.application.bot))
        if pending:
            log.warning("handling %d Telegram update(s) acknowledged before a restart", len(pending))

    async def _handled(self, update: Update) -> None:
        self._replayed.discard(update.update_id)
        if self.inbox is not None:
            self.inbox.done(str(update.update_id))  # microseconds, on the loop: the window for a repeat is tiny

    def backlog(self) -> int:
        """Updates accepted from the webhook and not yet picked up for processing."""
        return self.application.update_queue.qsize()

    def first_sight(self, update_id: int) -> bool:
        """False for an update id this process accepted recently (a retry); the guard checks the database."""
        return self._recent.add(update_id)

    def forget_sight(self, update_id: int) -> None:
        """The update was not kept after all: Telegram's retry must be taken as new."""
        self._recent.discard(update_id)

    async def keep(self, data: dict) -> None:
        """Write one webhook update to the inbox (before the 200); raises if the disk refuses it.

        Written in groups, on a thread of its own (``GroupWriter``): a disk flush per delivery, in the pool
        shared with the answers' database work, held a burst to a quarter of its pace.
        """
        if self._writer is not None:
            await self._writer.put(str(data["update_id"]), json.dumps(data, ensure_ascii=False))

    async def accept(self, data: dict) -> None:
        """Queue one webhook update for processing (as PTB's own webhook server does) and return at once.

        Telegram only needs the 200; up to ``CONCURRENT_UPDATES`` updates are then handled side by side.
        Pending updates are still handled when the app stops (``Application.stop`` drains the queue).
        """
        await self.application.update_queue.put(Update.de_json(data, self.application.bot))

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every accepted update has been handled (tests and the bench use this)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        processor = self.application.update_processor
        quiet = 0
        while quiet < 3:  # several quiet looks in a row: an update may be between the queue and a handler
            busy = self.backlog() or processor.current_concurrent_updates
            quiet = 0 if busy else quiet + 1
            if loop.time() > deadline:
                raise TimeoutError("Telegram updates still being processed")
            await asyncio.sleep(0.005)


async def _prune_hourly() -> None:
    """Drop Telegram update ids past their retry window and expired rate-limit rows (they hold chat ids)."""
    from hubdesk import throttle
    from hubdesk.db import session_scope

    def prune() -> int:
        with session_scope() as session:
            return throttle.prune(session=session, sources=("telegram",))

    while True:
        try:
            await asyncio.to_thread(prune)
        except Exception:  # the database may be down for a while; try again next time
            log.warning("could not prune old Telegram update ids", exc_info=True)
        await asyncio.sleep(PRUNE_INTERVAL)


def _enough_threads() -> None:
    """Give the loop's default executor a thread per concurrently handled update.

    Each update does its database work through ``asyncio.to_thread``; asyncio's default pool has only
    cores + 4 threads, so on a 2-core machine 16 updates would queue for 6 threads while they mostly wait
    for the database (PostgreSQL) or for each other (SQLite).
    """
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=CONCURRENT_UPDATES + 4, thread_name_prefix="hubdesk"))


def _warm_up() -> None:
    from hubdesk.engine.answerer import default_answerer
    from hubdesk.i18n import load_catalogs

    load_catalogs()
    default_answerer()


@asynccontextmanager
async def telegram_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the Telegram channel for the life of the app when TELEGRAM_BOT_TOKEN is set."""
    settings = get_settings()
    app.state.telegram = None
    if not settings.telegram_enabled:
        yield
        return
    channel = TelegramChannel(settings)
    await channel.start()
    app.state.telegram = channel
    try:
        yield
    finally:
        app.state.telegram = None
        await channel.stop()
