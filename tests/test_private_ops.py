"""``/metrics`` and the API docs are public in development and private in production (issue 15, item 12).

"Production" is ``ENVIRONMENT=production``; ``HUBDESK_PUBLIC_METRICS`` and ``HUBDESK_PUBLIC_API_DOCS`` override
it either way. A private ``/metrics`` answers ``HUBDESK_METRICS_TOKEN`` (for Prometheus) or an admin; private
API docs are served to any logged-in account and are a 404 to everyone else.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hubdesk.db import get_session
from hubdesk.settings import get_settings
from tests.utils.cases import make_user

DOCS = ("/api/docs", "/api/openapi.json")
METRICS_TOKEN = "metrics-" + "m" * 40


def app_client(engine: Engine) -> TestClient:
    from hubdesk.api.main import create_app

    app = create_app()

    def test_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = test_session
    return TestClient(app)


@pytest.fixture
def production(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("HUBDESK_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("HUBDESK_METRICS_TOKEN", METRICS_TOKEN)
    get_settings.cache_clear()


def test_in_development_both_are_public(engine: Engine) -> None:
    with app_client(engine) as client:
        assert client.get("/metrics").status_code == 200
        for path in DOCS:
            assert client.get(path).status_code == 200, path


def test_in_production_metrics_need_the_metrics_token_or_an_admin(production: None, engine: Engine,
                                                                  session: Session) -> None:
    _, volunteer = make_user(session, role="volunteer")
    _, admin = make_user(session, role="admin")
    with app_client(engine) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers=volunteer).status_code == 403
        for allowed in ({"Authorization": f"Bearer {METRICS_TOKEN}"}, admin):
            response = client.get("/metrics", headers=allowed)
            assert response.status_code == 200 and "hubdesk_" in response.text


def test_in_production_the_api_docs_are_for_logged_in_accounts_only(production: None, engine: Engine,
                                                                    session: Session) -> None:
    _, volunteer = make_user(session, role="volunteer")
    with app_client(engine) as client:
        for path in (*DOCS, "/redoc"):
            assert client.get(path).status_code == 404, path
        assert client.get("/api/openapi.json", headers=volunteer).json()["info"]["title"] == "HubDesk"
        assert "swagger" in client.get("/api/docs", headers=volunteer).text.lower()


@pytest.mark.parametrize(("variable", "value", "path", "status"), [
    ("HUBDESK_PUBLIC_METRICS", "true", "/metrics", 200),
    ("HUBDESK_PUBLIC_API_DOCS", "true", "/api/openapi.json", 200),
])
def test_production_can_make_either_public_on_purpose(production: None, engine: Engine, monkeypatch,
                                                      variable: str, value: str, path: str, status: int) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    with app_client(engine) as client:
        assert client.get(path).status_code == status


def test_development_can_make_them_private(engine: Engine, monkeypatch) -> None:
    monkeypatch.setenv("HUBDESK_PUBLIC_METRICS", "false")
    monkeypatch.setenv("HUBDESK_PUBLIC_API_DOCS", "false")
    get_settings.cache_clear()
    with app_client(engine) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/api/docs").status_code == 404
