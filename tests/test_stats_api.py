"""The statistics endpoints and the coordinator page: the numbers, the CSV, and every 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hubdesk.hubs import known_hub_ids
from hubdesk.settings import Settings, get_settings
from hubdesk.users import create_user, revoke_user
from tests.utils.stats import add_known_month, write_two_hubs

MONTHLY = "/api/v1/stats/monthly"


@pytest.fixture
def two_hubs(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A knowledge base with the hubs "example" and "north"."""
    write_two_hubs(settings.HUBDESK_KB_DIR, tmp_path / "kb")
    monkeypatch.setenv("HUBDESK_KB_DIR", str(tmp_path / "kb"))
    get_settings.cache_clear()
    assert known_hub_ids() == {"example", "north"}
    yield
    get_settings.cache_clear()


def token(session: Session, role: str, hub: str | None = None) -> dict[str, str]:
    _, secret = create_user(session=session, name=f"{role} {hub}", role=role, hub_id=hub)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def data(session: Session, two_hubs: None) -> None:
    add_known_month(session)


def test_coordinator_gets_the_monthly_report(client: TestClient, session: Session, data: None) -> None:
    response = client.get(MONTHLY, params={"month": "2026-10"}, headers=token(session, "coordinator"))
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["hub"], body["totals"]["questions"]) == ("2026-10", None, 23)
    response = client.get(MONTHLY, params={"month": "2026-10", "hub": "example"}, headers=token(session, "admin"))
    assert response.json()["totals"]["questions"] == 18
    assert response.json()["rates"]["crisis"] == {"count": "<5", "rate": None}


def test_a_coordinator_bound_to_a_hub_sees_only_that_hub(client: TestClient, session: Session, data: None) -> None:
    headers = token(session, "coordinator", "north")
    own = client.get(MONTHLY, params={"month": "2026-10"}, headers=headers)
    assert own.status_code == 200
    assert (own.json()["hub"], own.json()["totals"]["questions"]) == ("north", 5)
    other = client.get(MONTHLY, params={"month": "2026-10", "hub": "example"}, headers=headers)
    assert other.status_code == 403
    assert other.json() == {"detail": "your account is limited to hub 'north'"}
    csv_other = client.get(MONTHLY + ".csv", params={"month": "2026-10", "hub": "example"}, headers=headers)
    assert csv_other.status_code == 403


def test_csv_export(client: TestClient, session: Session, data: None) -> None:
    response = client.get(
        MONTHLY + ".csv", params={"month": "2026-10", "hub": "example"}, headers=token(session, "coordinator")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="hubdesk-2026-10-example.csv"' in response.headers["content-disposition"]
    assert "category,work,5,,<5,\n" in response.text
    assert "rates,crisis,<5,,,\n" in response.text


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "november", "2026-10-01", ""])
def test_a_malformed_month_is_422(client: TestClient, session: Session, data: None, month: str) -> None:
    for path in (MONTHLY, MONTHLY + ".csv"):
        response = client.get(path, params={"month": month}, headers=token(session, "admin"))
        assert response.status_code == 422
        assert [error["loc"] for error in response.json()["detail"]] == [["query", "month"]]


def test_a_missing_month_is_422(client: TestClient, session: Session, data: None) -> None:
    response = client.get(MONTHLY, headers=token(session, "admin"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "month"]


def test_an_unknown_hub_is_404(client: TestClient, session: Session, data: None) -> None:
    response = client.get(MONTHLY, params={"month": "2026-10", "hub": "atlantis"}, headers=token(session, "admin"))
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown hub 'atlantis'"}


def test_missing_unknown_and_revoked_tokens_are_401(client: TestClient, session: Session, data: None) -> None:
    params = {"month": "2026-10"}
    missing = client.get(MONTHLY, params=params)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in missing.json()["detail"]
    unknown = client.get(MONTHLY, params=params, headers={"Authorization": "Bearer hd_not-a-real-token"})
    assert unknown.status_code == 401
    assert unknown.json() == {"detail": "the access token is unknown or has been revoked"}
    user, secret = create_user(session=session, name="Former", role="coordinator")
    revoke_user(session=session, user_id=user.id)  # type: ignore[arg-type]
    revoked = client.get(MONTHLY, params=params, headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    malformed = client.get(MONTHLY, params=params, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert malformed.status_code == 401


def test_a_volunteer_may_not_see_statistics(client: TestClient, session: Session, data: None) -> None:
    response = client.get(MONTHLY, params={"month": "2026-10"}, headers=token(session, "volunteer"))
    assert response.status_code == 403
    assert response.json() == {"detail": "this needs the role admin or coordinator"}


def test_the_coordinator_page_after_logging_in(client: TestClient, session: Session, data: None) -> None:
    anonymous = client.get("/coordinator", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert client.get("/login").status_code == 200

    _, secret = create_user(session=session, name="Coordinator", role="coordinator")
    refused = client.post("/login", data={"token": "wrong", "next": "/coordinator"}, follow_redirects=False)
    assert refused.status_code == 401
    login = client.post("/login", data={"token": secret, "next": "/coordinator"}, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/coordinator"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()

    page = client.get("/coordinator", params={"month": "2026-10", "hub": "example", "lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "<polyline" in html and '<link rel="stylesheet" href="/pages/pages.css">' in html
    assert "@media print" in client.get("/pages/pages.css").text  # it prints cleanly
    assert "https://" not in html.replace("https://www.", "")  # no CDN or external asset
    assert ">&lt;5<" in html  # hidden counts stay hidden on the page too
    assert "/api/v1/stats/monthly.csv?month=2026-10&amp;hub=example" in html

    bad = client.get("/coordinator", params={"month": "2026-99"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text

    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/coordinator", follow_redirects=False).status_code == 303


def test_the_page_refuses_volunteers_and_login_never_redirects_off_site(client: TestClient, session: Session) -> None:
    _, secret = create_user(session=session, name="Volunteer", role="volunteer")
    login = client.post("/login", data={"token": secret, "next": "//evil.example/x"}, follow_redirects=False)
    assert login.headers["location"] == "/volunteer"  # not off-site: the volunteer's own page
    assert client.get("/coordinator").status_code == 403
