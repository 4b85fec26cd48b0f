"""Cookie sessions against cross-site request forgery, and logging out for real (issue 15, item 5).

What a browser sends is reproduced with its headers: ``Sec-Fetch-Site`` (every current browser) and
``Origin``. TestClient's own host is ``testserver``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hubdesk import metrics
from hubdesk.api.deps import SESSION_COOKIE
from hubdesk.models import Case
from hubdesk.users import create_user
from tests.utils.cases import make_case, on_the_relay

SAME_SITE_FORM = {"Sec-Fetch-Site": "same-site", "Origin": "http://blog.testserver"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
OLD_BROWSER_CROSS_SITE = {"Origin": "https://evil.example"}  # no Sec-Fetch-Site
OURS = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


def logged_in(client: TestClient, session: Session, role: str = "volunteer") -> str:
    _, token = create_user(session=session, name="Olena", role=role)
    assert client.post("/api/v1/login/cookie", json={"token": token}, headers=OURS).status_code == 200
    return token


@pytest.mark.parametrize("headers", [SAME_SITE_FORM, CROSS_SITE, OLD_BROWSER_CROSS_SITE, {"Origin": "null"}],
                         ids=["same-site", "cross-site", "origin-only", "null-origin"])
def test_a_page_of_another_origin_cannot_close_a_case(client: TestClient, session: Session,
                                                      headers: dict[str, str]) -> None:
    logged_in(client, session)
    case = make_case(session)
    before = metrics.refused_counts().get("cross_origin", 0)
    with on_the_relay():
        response = client.post(f"/api/v1/cases/{case.id}/close", headers=headers)
    assert response.status_code == 403 and response.json() == {"detail": "cross-origin request refused"}
    session.expire_all()
    assert session.get(Case, case.id).status == "open"  # type: ignore[union-attr]
    assert metrics.refused_counts()["cross_origin"] == before + 1


@pytest.mark.parametrize("headers", [OURS, {"Origin": "http://testserver"}, {}],
                         ids=["same-origin", "origin-only", "no-browser-headers"])
def test_our_own_pages_still_work(client: TestClient, session: Session, headers: dict[str, str]) -> None:
    logged_in(client, session)
    case = make_case(session)
    with on_the_relay():
        assert client.post(f"/api/v1/cases/{case.id}/close", headers=headers).status_code == 200


def test_a_bearer_token_is_not_ambient_and_needs_no_origin(client: TestClient, session: Session) -> None:
    _, token = create_user(session=session, name="Script", role="volunteer")
    case = make_case(session)
    with on_the_relay():
        response = client.post(f"/api/v1/cases/{case.id}/close",
                               headers={"Authorization": f"Bearer {token}", **CROSS_SITE})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/login", "/api/v1/login/cookie"])
def test_login_csrf_is_refused(client: TestClient, session: Session, path: str) -> None:
    """A cross-site page must not log the volunteer's browser into the attacker's account."""
    _, token = create_user(session=session, name="Attacker", role="volunteer")
    if path == "/login":
        response = client.post(path, data={"token": token}, headers=CROSS_SITE, follow_redirects=False)
    else:
        response = client.post(path, json={"token": token}, headers=CROSS_SITE)
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies and SESSION_COOKIE not in client.cookies
    form = client.post("/login", data={"token": token}, headers=OURS, follow_redirects=False)
    assert form.status_code == 303 and SESSION_COOKIE in client.cookies


@pytest.mark.parametrize("logout", ["/api/v1/logout", "/logout"])
def test_a_cookie_saved_before_logout_no_longer_works(client: TestClient, session: Session, logout: str) -> None:
    logged_in(client, session)
    saved = client.cookies[SESSION_COOKIE]
    assert client.get("/api/v1/users/me").status_code == 200
    assert client.post(logout, headers=OURS, follow_redirects=False).status_code in (204, 303)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, saved)
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/cases").status_code == 401


def test_logging_out_ends_only_that_session(client: TestClient, session: Session) -> None:
    token = logged_in(client, session)
    phone = TestClient(client.app)
    assert phone.post("/api/v1/login/cookie", json={"token": token}, headers=OURS).status_code == 200
    assert client.post("/api/v1/logout", headers=OURS).status_code == 204
    assert phone.get("/api/v1/users/me").status_code == 200


def test_a_cross_site_page_cannot_log_the_volunteer_out(client: TestClient, session: Session) -> None:
    logged_in(client, session)
    assert client.post("/logout", headers=CROSS_SITE, follow_redirects=False).status_code == 403
    assert client.get("/api/v1/users/me").status_code == 200
