"""Request bodies are limited per route while they are read, before any parsing or signature check.

An ASGI middleware, outermost: a declared ``Content-Length`` over the route's limit is refused at once, and
a body without one (chunked) is counted as it arrives and refused with 413 the moment it passes the limit.
The route only ever sees a body within its limit, so a 200 MB upload costs at most the limit in memory,
not 200 MB (FastAPI would otherwise read it whole to parse it, and ``request.body()`` would hold it all).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

KIB = 1024
MIB = 1024 * KIB

# Per path (exact match). What each route can legitimately receive, with room to spare.
LIMITS: dict[str, int] = {
    "/api/v1/chat": 64 * KIB,  # 4,000 characters, JSON-escaped at worst (\uXXXX), plus the session id
    "/api/v1/chat/button": 4 * KIB,  # a 64-byte action
    "/login": 8 * KIB,  # a token and two hidden fields
    "/api/v1/login/cookie": 8 * KIB,
    "/webhooks/whatsapp": MIB,  # Meta batches at most a few messages (api.routes.whatsapp_webhook.MAX_BODY)
    "/telegram/webhook": MIB,  # one update; a message is at most 4,096 characters plus its entities
}
DEFAULT_LIMIT = 64 * KIB  # everything else (volunteer replies, accounts) is small JSON

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimitMiddleware:
    """Refuse a request body larger than its route's limit (413), counting the bytes as they arrive."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int] | None = None, default: int = DEFAULT_LIMIT):
        self.app = app
        self.limits = dict(LIMITS if limits is None else limits)
        self.default = default
        self.refused = 0  # bodies refused since start (GET /metrics: hubdesk_requests_refused_total)

    def limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:  # read the body now, up to the limit; the route gets it from memory below
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        self.refused += 1
        from hubdesk.metrics import refused

        refused("body_too_large")
        body = json.dumps({"detail": f"the request body is larger than {limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None
