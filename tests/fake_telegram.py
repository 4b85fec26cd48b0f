"""A small fake Telegram Bot API server on 127.0.0.1, for driving the real python-telegram-bot stack over HTTP.

It answers ``/bot{token}/{method}`` like api.telegram.org does (the methods HubDesk uses), records every
call, serves queued updates to ``getUpdates`` (long polling), and can be told to fail the next call of a
method (a 429 with ``retry_after``, or a 5xx). The bench uses it too, as the Telegram side of the loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
BOT_ID = 123456
BOT_USERNAME = "hubdesk_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "HubDesk", "username": BOT_USERNAME}
JSON_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "reply_markup", "allowed_updates", "commands",
    "scope", "reply_parameters", "link_preview_options", "show_alert", "cache_time", "max_connections",
    "drop_pending_updates", "reply_to_message_id", "disable_web_page_preview", "reaction",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    failed: bool = False
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeBotApi:
    """The server; ``url`` is what TELEGRAM_API_BASE_URL should be."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    webhook_url: str = ""
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control, from the test --------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotApi:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-bot-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Bot API server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._lock:
            self.updates.append(update)

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (429 carries ``retry_after``)."""
        with self._lock:
            self.failures.setdefault(method, []).extend([(status, retry_after)] * times)

    def calls_to(self, method: str, *, failed: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method and c.failed == failed]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (successfully), optionally to one chat, oldest first."""
        return [p for p in self.calls_to("sendMessage") if chat_id is None or p.get("chat_id") == chat_id]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait (without blocking the event loop) until ``predicate()`` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` messages went to ``chat_id``; return them all."""
        return await self.wait_for(lambda: (m := self.sent(chat_id)) and len(m) >= count and m, timeout)

    # -- the server side -------------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if content_type.startswith("application/json"):
                params.update(await request.json())
            else:
                form = await request.form()
                params.update({key: value for key, value in form.items() if isinstance(value, str)})
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params = await self._params(request)
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        with self._lock:
            failure = self.failures.get(method, []).pop(0) if self.failures.get(method) else None
            self.calls.append(Call(method, params, failed=failure is not None))
        if failure is not None:
            status, retry_after = failure
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"Fake failure {status}"}
            if status == 429:
                body["description"] = f"Too Many Requests: retry after {retry_after}"
                body["parameters"] = {"retry_after": retry_after}
            return JSONResponse(body, status_code=status)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        return JSONResponse({"ok": True, "result": result})

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params)
        params["_message_id"] = message["message_id"]  # tests reply to the bot's posts by this id
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._message(params), "message_id": int(params.get("message_id", 0))}

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._message(params), "message_id": int(params.get("message_id", 0))}

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params.get("url", "")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    _api_answerCallbackQuery = _api_setMyCommands = _api_deleteMyCommands = _api_sendChatAction = _ok
    _api_setMessageReaction = _api_close = _api_logOut = _ok

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)  # short, so the bot stops quickly in tests
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # older ones are confirmed
                ready = list(self.updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)


@contextmanager
def running() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    try:
        yield fake
    finally:
        fake.stop()


# -- only loopback ------------------------------------------------------------------------------------------

def loopback_only(monkeypatch: Any) -> None:
    """Make any network access beyond 127.0.0.1 fail the test at once."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: Any) -> None:
        if isinstance(address, tuple) and address and address[0] not in LOOPBACK:
            raise AssertionError(f"network access outside loopback: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK and host is not None:
            raise AssertionError(f"name lookup outside loopback: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# -- updates as Telegram sends them -------------------------------------------------------------------------

_message_ids = itertools.count(1)


def telegram_user(user_id: int, lang: str | None = "uk", first_name: str = "Olena") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "username": f"user{user_id}"}
    if lang:
        user["language_code"] = lang
    return user


def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Olena"}
    return {"id": chat_id, "type": chat_type, "title": "A group"}


def message(
    update_id: int,
    text: str | None,
    *,
    chat_id: int,
    user_id: int | None = None,
    lang: str | None = "uk",
    chat_type: str = "private",
    reply_to: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    edited: bool = False,
) -> dict[str, Any]:
    """A message update; commands get their ``bot_command`` entity, @mentions their ``mention`` entity."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id, chat_type),
        "from": telegram_user(user_id or chat_id, lang),
    }
    if text is not None:
        body["text"] = text
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        mention = f"@{BOT_USERNAME}"
        if mention in text:
            entities.append({"type": "mention", "offset": _utf16(text[: text.index(mention)]),
                             "length": len(mention)})
        if entities:
            body["entities"] = entities
    if reply_to is not None:
        body["reply_to_message"] = reply_to
    if extra:
        body.update(extra)
    if edited:
        body["edit_date"] = int(time.time())
    return {"update_id": update_id, "edited_message" if edited else "message": body}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def bot_post(message_id: int, chat_id: int, text: str = "") -> dict[str, Any]:
    """The bot's own earlier message, as it appears in ``reply_to_message``."""
    return {"message_id": message_id, "date": int(time.time()), "chat": chat(chat_id, "supergroup"),
            "from": BOT_USER, "text": text}


def callback(
    update_id: int, data: str, *, chat_id: int, user_id: int | None = None, lang: str | None = "uk",
    message_id: int = 1, markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button tap on one of the bot's messages (``markup``: that message's inline keyboard)."""
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": telegram_user(user_id or chat_id, lang),
            "chat_instance": "ci",
            "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": chat(chat_id),
                        "from": BOT_USER, "text": "..."},
        },
    }
    if markup is not None:
        update["callback_query"]["message"]["reply_markup"] = markup
    return update


STICKER = {"sticker": {"file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False}}
PHOTO = {"photo": [{"file_id": "ph1", "file_unique_id": "ph1u", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "vo1", "file_unique_id": "vo1u", "duration": 3}}
DOCUMENT = {"document": {"file_id": "do1", "file_unique_id": "do1u", "file_name": "letter.pdf"}}
