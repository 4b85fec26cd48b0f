"""/healthz, /readyz and /metrics: what a load balancer and a Prometheus scrape see."""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hubdesk.events import EventData, record_event
from hubdesk.logs import JsonFormatter
from hubdesk.relay import relay
from tests.utils.cases import make_case


def test_healthz_says_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_check(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["migrations"]["ok"] is True
    assert checks["migrations"]["current"] == checks["migrations"]["head"] != []
    assert checks["knowledge_base"]["ok"] is True
    assert checks["knowledge_base"]["articles"] > 10
    assert checks["channels"] == {"webchat": {"ok": True}}


def test_readyz_is_503_when_a_configured_channel_is_not_registered(client: TestClient) -> None:
    sender = relay.senders.pop("webchat")
    try:
        response = client.get("/readyz")
    finally:
        relay.senders["webchat"] = sender
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["channels"]["webchat"]["ok"] is False


def test_readyz_is_503_when_the_schema_is_behind(client: TestClient, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'an_old_revision'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["current"] == ["an_old_revision"]
    assert "hubdesk db upgrade" in migrations["detail"]


def test_readyz_is_503_when_the_database_was_never_migrated(client: TestClient, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True}  # reachable
    assert checks["migrations"]["ok"] is False and checks["migrations"]["current"] == []


def test_readyz_is_503_when_the_database_is_unreachable(
    client: TestClient, app, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlmodel import Session as SqlSession

    from hubdesk.db import get_session, make_engine

    dead = make_engine(f"sqlite:///{tmp_path}/no-such-dir/hubdesk.db")

    def unreachable():  # type: ignore[no-untyped-def]
        with SqlSession(dead) as session:
            yield session

    app.dependency_overrides[get_session] = unreachable
    response = client.get("/readyz")
    dead.dispose()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "detail": "OperationalError"}
    assert checks["migrations"] == {"ok": False, "detail": "database unavailable"}
    assert checks["knowledge_base"]["ok"] is True  # the rest is still reported
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the database
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert _metric(metrics.text, "hubdesk_database_up") == 0
    assert "hubdesk_replies_total{" not in metrics.text  # no numbers rather than wrong ones


def _metric(page: str, name: str, **labels: str) -> float:
    """The value of one sample; fails when the sample is missing."""
    for line in page.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(2))
    raise AssertionError(f"no sample {name} {labels} in:\n{page}")


def _event(session: Session, outcome: str, channel: str = "telegram") -> None:
    record_event(session=session, data=EventData(
        day=date(2026, 11, 22), hub_id="example", channel=channel, language="uk", reply_language="uk",
        category="work", outcome=outcome,
    ))
    session.commit()


def test_metrics_count_replies_cases_and_errors(client: TestClient, session: Session) -> None:
    for _ in range(3):
        _event(session, "answered")
    _event(session, "answered", channel="whatsapp")
    _event(session, "escalated")
    make_case(session)
    make_case(session, chat_key="999", urgent=True)
    before = client.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain; version=0.0.4")
    page = before.text
    assert _metric(page, "hubdesk_replies_total", outcome="answered", channel="telegram") == 3
    assert _metric(page, "hubdesk_replies_total", outcome="answered", channel="whatsapp") == 1
    assert _metric(page, "hubdesk_replies_total", outcome="escalated", channel="telegram") == 1
    assert _metric(page, "hubdesk_cases_opened_total", urgent="false") == 1
    assert _metric(page, "hubdesk_cases_opened_total", urgent="true") == 1
    assert _metric(page, "hubdesk_cases", status="open") == 2
    assert _metric(page, "hubdesk_cases", status="closed") == 0
    assert _metric(page, "hubdesk_database_up") == 1
    assert _metric(page, "hubdesk_process_resident_memory_bytes") > 10_000_000
    errors_before = {
        line for line in page.splitlines() if line.startswith('hubdesk_errors_total{logger="hubdesk"')
    }
    base = _metric(page, "hubdesk_errors_total", logger="hubdesk") if errors_before else 0

    logging.getLogger("hubdesk.test").error("a deliberate error for the counter")
    after = client.get("/metrics").text
    assert _metric(after, "hubdesk_errors_total", logger="hubdesk") == base + 1
    # every line is a comment or a well-formed sample
    for line in after.splitlines():
        assert line.startswith("# ") or re.fullmatch(r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \S+', line)


def test_json_log_lines_carry_extra_fields_and_tracebacks() -> None:
    formatter = JsonFormatter()
    record = logging.makeLogRecord({
        "name": "hubdesk.cases", "levelno": logging.INFO, "levelname": "INFO", "msg": "case %s opened",
        "args": (42,), "case_id": 42, "channel": "telegram",
    })
    line = json.loads(formatter.format(record))
    assert line["message"] == "case 42 opened"
    assert line["level"] == "INFO" and line["logger"] == "hubdesk.cases"
    assert line["case_id"] == 42 and line["channel"] == "telegram"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.makeLogRecord({"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()})
    assert "ValueError: boom" in json.loads(formatter.format(record))["exc"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_configure_logging_is_idempotent(fmt: str) -> None:
    from hubdesk.logs import configure_logging, error_counter

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging("INFO", fmt)
        configure_logging("INFO", fmt)
        ours = [h for h in root.handlers if getattr(h, "_hubdesk", False)]
        assert len(ours) == 1
        assert isinstance(ours[0].formatter, JsonFormatter) == (fmt == "json")
        assert root.handlers.count(error_counter) == 1
        assert logging.getLogger("httpx").level == logging.WARNING  # Bot API URLs carry the token
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


async def test_readyz_waits_for_telegram_to_be_connected(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from tests import fake_telegram
    from tests.telegram_harness import configure, running_app

    fake_telegram.loopback_only(monkeypatch)
    with fake_telegram.running() as fake:
        configure(monkeypatch, fake, webhook=True)
        async with running_app() as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                ready = await client.get("/readyz")
                app.state.telegram.running = False  # as while it keeps retrying an unreachable Telegram
                try:
                    waiting = await client.get("/readyz")
                finally:
                    app.state.telegram.running = True
        assert fake.calls_to("setWebhook")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["channels"] == {"webchat": {"ok": True}, "telegram": {"ok": True}}
    assert waiting.status_code == 503
    assert waiting.json()["checks"]["channels"]["telegram"] == {"ok": False, "detail": "not connected yet"}
