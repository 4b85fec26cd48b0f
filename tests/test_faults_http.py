"""What the HTTP API answers while the database is away: 503 with Retry-After, never a 500 (issue 15, item 10).

The database is really taken away (``tests.utils.faults``: the TCP proxy between the app and PostgreSQL is
cut, or the SQLite file moved away), then restored: the same requests work again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hubdesk.db import get_engine
from hubdesk.users import create_user
from tests.utils.faults import DatabaseFault


@pytest.fixture
def client_and_token(database_fault: DatabaseFault) -> Iterator[tuple[TestClient, str]]:
    """The app on the faulty database (no session override: it reaches the database as in production)."""
    from hubdesk.api.main import create_app

    with Session(get_engine()) as session:
        _, token = create_user(session=session, name="Outage Volunteer", role="volunteer")
    with TestClient(create_app()) as client:
        yield client, token


def requests(token: str) -> dict[str, tuple[str, str, dict]]:
    bearer = {"Authorization": f"Bearer {token}"}
    return {
        "case list": ("GET", "/api/v1/cases", {"headers": bearer}),
        "one case": ("GET", "/api/v1/cases/1", {"headers": bearer}),
        "chat button": ("POST", "/api/v1/chat/button", {"json": {"session": "outage-1", "action": "volunteer"}}),
        "chat updates": ("GET", "/api/v1/chat/updates?session=outage-1&after=0", {}),
        "log-in form": ("POST", "/login", {"data": {"token": token}, "follow_redirects": False}),
        "log-in json": ("POST", "/api/v1/login/cookie", {"json": {"token": token}}),
        "accounts": ("GET", "/api/v1/users", {"headers": bearer}),
        "statistics": ("GET", "/api/v1/stats/monthly?month=2026-11", {"headers": bearer}),
    }


def statuses(client: TestClient, token: str) -> dict[str, int]:
    return {name: client.request(method, path, **kwargs).status_code
            for name, (method, path, kwargs) in requests(token).items()}


def test_an_outage_is_503_with_retry_after_and_every_request_works_again_after_it(
    database_fault: DatabaseFault, client_and_token: tuple[TestClient, str]
) -> None:
    client, token = client_and_token
    before = statuses(client, token)
    assert all(status < 500 for status in before.values()), before

    database_fault.cut()
    during = {}
    for name, (method, path, kw) in requests(token).items():
        response = client.request(method, path, **kw)
        during[name] = response.status_code
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "30"
            assert response.json() == {"detail": "the database is unavailable just now; try again in a moment"}
    assert during == dict.fromkeys(requests(token), 503), during
    # The public chat itself still answers (the Dialog needs no database; the event waits in memory).
    chat = client.post("/api/v1/chat", json={"session": "outage-session-2", "text": "Як отримати BSN?"})
    assert chat.status_code == 200 and "BSN" in chat.json()["replies"][0]["html"]

    database_fault.restore()
    after = statuses(client, token)
    assert all(status < 500 for status in after.values()), after
