"""A fake WhatsApp Graph API on 127.0.0.1 and signed Meta webhook payloads, for the WhatsApp tests.

The fake is a real HTTP server on a random port (a thread), so the channel's httpx client, its retries and
its error handling run exactly as against graph.facebook.com. Payloads follow Meta's documented shapes
(``whatsapp_business_account`` notifications: text, interactive button_reply / list_reply, statuses, media).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APP_SECRET = "test-app-secret-0123456789"
VERIFY_TOKEN = "test-verify-token"
TOKEN = "test-graph-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
WA_ID = "31612345678"
_ids = itertools.count(1)


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeGraph:
    """Records every POST; answers from ``script`` first, then with success."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    script: deque[Scripted] = field(default_factory=deque)
    url: str = ""

    def fail(self, status: int, code: int | None = None, *, times: int = 1, retry_after: str | None = None) -> None:
        body: dict[str, Any] = {"error": {"message": f"fake error {code}", "type": "OAuthException",
                                          "code": code or status, "fbtrace_id": "AbC"}}
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        for _ in range(times):
            self.script.append(Scripted(status, body, headers))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The message bodies that were accepted (answered 200), in order."""
        return [r["json"] for r in self.requests if r["answered"] == 200]

    def to(self, wa_id: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["to"] == wa_id]


def _handler(graph: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            scripted = graph.script.popleft() if graph.script else None
            status = scripted.status if scripted else 200
            graph.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                   "json": payload, "answered": status})
            body = scripted.body if scripted else {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
                "messages": [{"id": f"wamid.out{next(_ids)}"}],
            }
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (scripted.headers if scripted else {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            pass

    return Handler


class GraphServer:
    """Start and stop the fake Graph API (a context manager)."""

    def __init__(self) -> None:
        self.graph = FakeGraph()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.graph))
        self.graph.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGraph:
        self.thread.start()
        return self.graph

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# ---- Meta's webhook payloads ------------------------------------------------------------------------------


def notification(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            **value,
        }}]}],
    }


def _inbound(message: dict[str, Any], wa_id: str, message_id: str | None) -> dict[str, Any]:
    return notification({
        "contacts": [{"profile": {"name": "Olena"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": message_id or f"wamid.in{next(_ids)}", "timestamp": "1763800000",
                      **message}],
    })


def text_payload(text: str, *, wa_id: str = WA_ID, message_id: str | None = None) -> dict[str, Any]:
    return _inbound({"type": "text", "text": {"body": text}}, wa_id, message_id)


def button_payload(reply_id: str, title: str = "Tap", *, wa_id: str = WA_ID) -> dict[str, Any]:
    return _inbound({
        "context": {"from": "15550783881", "id": "wamid.out1"},
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    }, wa_id, None)


def list_payload(row_id: str, title: str = "Row", *, wa_id: str = WA_ID) -> dict[str, Any]:
    return _inbound({
        "context": {"from": "15550783881", "id": "wamid.out2"},
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title, "description": "d"}},
    }, wa_id, None)


def media_payload(kind: str, *, wa_id: str = WA_ID) -> dict[str, Any]:
    media = {"mime_type": "image/webp" if kind == "sticker" else "image/jpeg", "sha256": "81d3bd8a", "id": "27548"}
    return _inbound({"type": kind, kind: media}, wa_id, None)


def status_payload(status: str = "delivered", *, wa_id: str = WA_ID, codes: tuple[int, ...] = ()) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "wamid.out1", "status": status, "timestamp": "1763800001", "recipient_id": wa_id}
    if status != "failed":
        item["conversation"] = {"id": "a75d17ad", "origin": {"type": "service"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    else:
        item["errors"] = [{"code": code, "title": "Re-engagement message"} for code in codes]
    return notification({"statuses": [item]})


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return body, {"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"}
