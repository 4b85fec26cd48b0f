"""A small client for the WhatsApp Cloud API's one endpoint HubDesk needs: ``POST /{phone id}/messages``.

Plain httpx rather than a WhatsApp library (see docs/whatsapp.md): the API is one JSON POST, and what
matters here (retries that never lose a reply, Meta's error codes, a base URL tests can point at
127.0.0.1) is easier to get right and to test in forty lines than through a wrapper's abstractions.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx

from hubdesk.relay import DeliveryError

log = logging.getLogger(__name__)

# Graph error codes worth retrying: throttling (4 app, 80007 account, 130429 throughput, 131056 too many
# messages to one person) and Meta's transient failures (1, 2, 131000 something went wrong, 131016 overloaded).
RETRYABLE_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
WINDOW_CLOSED = 131047  # "Re-engagement message": more than 24 hours since the visitor last wrote
ATTEMPTS = 5
BACKOFF = 0.5  # seconds before the first retry, doubled each time: 0.5 + 1 + 2 + 4 = 7.5 s at most
MAX_RETRY_AFTER = 30.0
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class GraphError(DeliveryError):
    """The Graph API refused a message; ``code`` is Meta's error code (0 when there was none)."""

    def __init__(self, message: str, *, status: int = 0, code: int = 0, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable

    @classmethod
    def from_response(cls, response: httpx.Response) -> GraphError:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        code = error.get("code") if isinstance(error, dict) else None
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else 0
        details = (error.get("error_data") or {}).get("details") if isinstance(error, dict) else None
        text = (error.get("message") if isinstance(error, dict) else None) or response.reason_phrase
        retryable = response.status_code == 429 or response.status_code >= 500 or code in RETRYABLE_CODES
        message = f"WhatsApp refused the message (HTTP {response.status_code}, code {code}): {text}"
        if details:
            message += f" ({details})"
        return cls(message, status=response.status_code, code=code, retryable=retryable)


class GraphClient:
    """Sends message objects to one WhatsApp business number, retrying what can be retried."""

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        http: httpx.AsyncClient | None = None,
    ):
        self.url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self.attempts = attempts
        self.backoff = backoff
        self.http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(self, to: str, message: dict[str, Any]) -> str:
        """Send one message to ``to`` (a wa_id); returns its WhatsApp message id. Raises ``GraphError``."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        for attempt in range(1, self.attempts + 1):
            retry_after: float | None = None
            try:
                response = await self.http.post(self.url, json=payload, headers=self.headers)
            except httpx.TransportError as exc:
                # A timeout may mean it did arrive: a rare duplicate is better than a lost reply.
                error = GraphError(f"WhatsApp could not be reached: {exc!r}", retryable=True)
            else:
                if response.is_success:
                    return _message_id(response)
                error = GraphError.from_response(response)
                retry_after = _retry_after(response)
            if not error.retryable or attempt == self.attempts:
                raise error
            delay = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
            delay *= 1 + random.random() * 0.1  # jitter: several workers should not retry in lockstep
            log.warning("WhatsApp send failed (attempt %d of %d), retrying in %.1fs: %s",
                        attempt, self.attempts, delay, error)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _message_id(response: httpx.Response) -> str:
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:
        return None
