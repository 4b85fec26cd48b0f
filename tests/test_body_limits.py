"""Request bodies are refused while they arrive, per route, before parsing or signature checks (issue 15, item 4).

The body comes from a generator, as a chunked upload would: the test counts how much of it the app pulled
before answering. Peak memory of a real server under a 200 MB body: ``python bench/body_limit.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from hubdesk import metrics
from hubdesk.api.body_limit import LIMITS

CHUNK = 64 * 1024
TOTAL_CHUNKS = 3200  # 200 MiB if it were all read


class Upload:
    """A 200 MiB body, one 64 KiB chunk at a time, counting the chunks taken."""

    def __init__(self, head: bytes = b'{"session": "abcdefgh12", "text": "'):
        self.head = head
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.head
        for _ in range(TOTAL_CHUNKS):
            self.pulled += 1
            yield b"a" * CHUNK


async def post(app: FastAPI, path: str, upload: Upload, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.post(path, content=upload, headers=headers or {})


@pytest.mark.parametrize("path", ["/api/v1/chat", "/webhooks/whatsapp", "/telegram/webhook", "/login",
                                  "/api/v1/cases/1/reply"])
async def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(app: FastAPI, path: str) -> None:
    before = metrics.refused_counts().get("body_too_large", 0)
    upload = Upload()
    response = await post(app, path, upload, {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=0"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    limit = LIMITS.get(path, 64 * 1024)
    assert upload.pulled <= limit // CHUNK + 1  # stopped at the limit, not after 200 MiB
    assert metrics.refused_counts()["body_too_large"] == before + 1


async def test_a_declared_length_over_the_limit_is_refused_before_reading(app: FastAPI) -> None:
    upload = Upload()
    response = await post(app, "/api/v1/chat", upload, {"Content-Length": str(200 * 1024 * 1024)})
    assert response.status_code == 413 and upload.pulled == 0


async def test_a_body_within_the_limit_still_reaches_the_route(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def small() -> AsyncIterator[bytes]:
            yield b'{"session": "abcdefgh12", '
            yield b'"text": "hallo"}'

        response = await client.post("/api/v1/chat", content=small(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["replies"]
