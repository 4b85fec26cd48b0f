"""Headers every response carries, so a browser treats HubDesk's pages and data as private and its own.

- ``X-Content-Type-Options: nosniff``: a visitor's text served as JSON or plain text is never run as script.
- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``: no other site can frame
  the volunteer page and trick a volunteer into clicking "close" (clickjacking).
- ``Content-Security-Policy`` (``CSP``): script, style, images and requests from this origin only, no inline
  script or style: a visitor's text that slipped through as HTML still could not run (issue 15, item 12).
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

# Scripts, styles, images and requests from this origin only; no inline script or style (the pages keep theirs
# in files: api/static/, /pages/pages.css and .js), no plugins, forms post only here, nobody frames a page.
# Images may be data: URLs (none today; harmless). The bot's HTML in the web chat is escaped by the server,
# and even an injected <script> or onclick= would not run under this policy.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# FastAPI's API docs pages load Swagger UI / ReDoc from a CDN with an inline start-up script: their own policy.
DOCS_CSP = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src https://fonts.gstatic.com; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "connect-src 'self'; worker-src blob:; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/api/docs", "/redoc", "/docs/oauth2-redirect"})
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
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
        path = scope.get("path", "")
        private = path.startswith(PRIVATE_PREFIX)
        csp = (DOCS_CSP if path in DOCS_PATHS else CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in ALWAYS if name not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", csp))
                if private and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
