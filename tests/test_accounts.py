"""Accounts and roles: tokens shown once and stored hashed, bearer and cookie log-in, revocation, the CLI."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from hubdesk.api.deps import SESSION_COOKIE
from hubdesk.cli import main
from hubdesk.hubs import UnknownHubError
from hubdesk.models import User
from hubdesk.settings import Settings
from hubdesk.users import UserError, create_user, revoke_user, user_for_token


def test_only_a_hash_of_the_token_is_stored(session: Session) -> None:
    user, token = create_user(session=session, name="Olena", role="volunteer", hub_id="example")
    assert token.startswith("hd_") and len(token) > 40
    assert user.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = session.exec(select(User)).one()
    assert token not in {str(v) for v in stored.model_dump().values()}
    assert user_for_token(session=session, token=token).id == user.id  # type: ignore[union-attr]
    assert user_for_token(session=session, token=token + "x") is None
    assert user_for_token(session=session, token="") is None


def test_bad_account_input_is_refused(session: Session) -> None:
    with pytest.raises(UserError):
        create_user(session=session, name="X", role="boss")
    with pytest.raises(UserError):
        create_user(session=session, name="  ", role="admin")
    with pytest.raises(UnknownHubError):
        create_user(session=session, name="X", role="coordinator", hub_id="atlantis")
    with pytest.raises(UserError):
        revoke_user(session=session, user_id=999)


def test_revoked_tokens_stop_working(session: Session) -> None:
    user, token = create_user(session=session, name="Olena", role="volunteer")
    revoke_user(session=session, user_id=user.id)  # type: ignore[arg-type]
    assert user_for_token(session=session, token=token) is None


def test_cookie_login_me_and_logout(client: TestClient, session: Session) -> None:
    user, token = create_user(session=session, name="Olena", role="volunteer", hub_id="example")
    assert client.get("/api/v1/users/me").status_code == 401
    refused = client.post("/api/v1/login/cookie", json={"token": "hd_wrong"})
    assert refused.status_code == 401 and refused.json()["detail"]
    assert client.post("/api/v1/login/cookie", json={}).status_code == 422

    login = client.post("/api/v1/login/cookie", json={"token": token})
    assert login.status_code == 200
    assert login.json() == {
        "id": user.id,
        "name": "Olena",
        "role": "volunteer",
        "hub_id": "example",
        "created_at": login.json()["created_at"],
        "revoked_at": None,
        "telegram_linked": False,
    }
    assert "HttpOnly" in login.headers["set-cookie"]
    assert token not in login.headers["set-cookie"] and user.token_hash not in login.headers["set-cookie"]
    assert client.get("/api/v1/users/me").json()["name"] == "Olena"

    assert client.post("/api/v1/logout").status_code == 204
    assert client.get("/api/v1/users/me").status_code == 401


def test_a_revoked_account_loses_its_browser_session(client: TestClient, session: Session) -> None:
    user, token = create_user(session=session, name="Olena", role="coordinator")
    client.post("/api/v1/login/cookie", json={"token": token})
    assert client.get("/api/v1/users/me").status_code == 200
    revoke_user(session=session, user_id=user.id)  # type: ignore[arg-type]
    assert client.get("/api/v1/users/me").status_code == 401


def test_a_forged_or_foreign_cookie_is_ignored(client: TestClient, session: Session, settings: Settings) -> None:
    user, token = create_user(session=session, name="Olena", role="admin")
    client.post("/api/v1/login/cookie", json={"token": token})
    good = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, good)
    assert client.get("/api/v1/users/me").status_code == 200  # the cookie alone logs in
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert client.get("/api/v1/users/me").status_code == 401
    from itsdangerous import URLSafeTimedSerializer

    other_key = URLSafeTimedSerializer("another-secret", salt="hubdesk.session").dumps({"u": user.id, "t": "x" * 16})
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, other_key)
    assert client.get("/api/v1/users/me").status_code == 401


def test_admin_user_api(client: TestClient, session: Session) -> None:
    _, admin_token = create_user(session=session, name="Admin", role="admin")
    _, coordinator_token = create_user(session=session, name="Coordinator", role="coordinator")
    admin = {"Authorization": f"Bearer {admin_token}"}
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {coordinator_token}"}).status_code == 403
    created = client.post(
        "/api/v1/users", json={"name": "Ivan", "role": "volunteer", "hub_id": "example"}, headers=admin
    )
    assert created.status_code == 201
    new_token = created.json()["token"]
    listed = client.get("/api/v1/users", headers=admin).json()
    assert listed["count"] == 3 and all("token" not in u and "token_hash" not in u for u in listed["data"])
    assert client.post("/api/v1/users", json={"name": "X", "role": "boss"}, headers=admin).status_code == 422
    unknown_hub = client.post(
        "/api/v1/users", json={"name": "X", "role": "volunteer", "hub_id": "atlantis"}, headers=admin
    )
    assert unknown_hub.status_code == 404
    revoked = client.post(f"/api/v1/users/{created.json()['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {new_token}"}).status_code == 401
    assert client.post("/api/v1/users/999/revoke", headers=admin).status_code == 404


def test_cli_users_and_stats(engine: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "Olena Koval", "--role", "coordinator", "--hub", "example"]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    assert token.startswith("hd_") and "created user 1: Olena Koval (coordinator, hub example)" in out

    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Olena Koval" in listing and "active" in listing and token not in listing

    assert main(["users", "revoke", "1"]) == 0
    assert "revoked user 1" in capsys.readouterr().out
    assert main(["users", "revoke", "9"]) == 2
    assert "no user with id 9" in capsys.readouterr().err
    assert main(["users", "add", "X", "--role", "volunteer", "--hub", "atlantis"]) == 2
    assert "unknown hub 'atlantis'" in capsys.readouterr().err

    assert main(["stats", "--month", "2026-10", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["month"] == "2026-10"
    assert main(["stats", "--month", "2026-10", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("section,item,count,rate,previous,change\n")
    assert main(["stats", "--month", "2026-10"]) == 0
    assert "HubDesk monthly report 2026-10" in capsys.readouterr().out
    assert main(["stats", "--month", "10-2026"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["stats", "--month", "2026-10", "--hub", "atlantis"]) == 2

    assert main(["db", "upgrade"]) == 0
    assert main(["db", "close-months"]) == 0
