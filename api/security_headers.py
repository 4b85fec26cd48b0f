"""Headers every response carries, so a browser treats HubDesk's pages and data as private and its own.

- ``X-Content-Type-Options: nosniff``: a visitor's text served as JSON or plain text is never run as script.
- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``: no other site can frame
  the volunteer page and trick a volunteer into clicking "close" (clickjacking).
- ``Referrer-Policy: no-referrer``: following a source link from an answer tells that site nothing about
  which page or case it came from.
- ``Cache-Control: no-store`` on the JSON API: case texts, accounts and chat replies are personal and must
  not stay in a shared or browser cache after a volunteer logs out. A route that sets its own
  ``Cache-Control`` keeps it.

A pure ASGI middleware (like ``api.body_limit``), so streaming responses are not buffered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
PRIVATE_PREFIX = "/api/v1/"  # everything under it may carry personal data

Message = dict[str, Any]
ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


class SecurityHeadersMiddleware:
    """Add the headers above to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith(PRIVATE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in ALWAYS if name not in present]
                if private and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
