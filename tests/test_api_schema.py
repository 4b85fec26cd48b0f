"""The API answers what its OpenAPI document says, with every role (issue 15, item 11).

Schemathesis (``st run --checks all``) against a real ``hubdesk run`` on a loopback port, on this test's own
database (SQLite, or PostgreSQL with ``HUBDESK_TEST_DATABASE_URL``): anonymous, then a volunteer, a coordinator
and an admin. Bounded (``EXAMPLES`` cases per operation and phase) and seeded, so a run is repeatable and takes
about a minute here. It must find no server error and no response that breaks the document (undocumented
statuses, bodies off their schema, a wrong ``Allow``, a schema-valid request refused, ...).

Reproduce a failure with the command the assertion prints (``st replay <id>`` against the same app).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.live import app_env, free_port, hubdesk_run

pytestmark = pytest.mark.api_fuzz

SEED = 15
EXAMPLES = 25
ROLES = ("anonymous", "volunteer", "coordinator", "admin")  # the admin last: it revokes accounts as it goes


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if found is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture
def live_app(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``hubdesk run`` on this test's database, WhatsApp configured against a Graph API that is not there."""
    env = app_env(
        tmp_path, database_url,
        HUBDESK_SECRET_KEY="schema-test-secret-" + uuid.uuid4().hex,
        HUBDESK_ENCODER="none",  # the document, not the understanding, is under test; starts in seconds
        WHATSAPP_TOKEN="test-token",
        WHATSAPP_PHONE_NUMBER_ID="1234567890",
        WHATSAPP_APP_SECRET="test-app-secret-" + uuid.uuid4().hex,
        WHATSAPP_VERIFY_TOKEN="test-verify-token",
        WHATSAPP_API_BASE_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens: sends fail, on loopback
    )
    log_path = tmp_path / "server.log"
    with hubdesk_run(env, log_path) as url:
        yield url, env
    log_text = log_path.read_text(errors="replace")
    assert "Traceback" not in log_text, "the app logged an exception:\n" + log_text[-4000:]


def _tokens(database_url: str) -> dict[str, str]:
    from sqlmodel import Session

    from hubdesk.db import make_engine
    from hubdesk.users import create_user

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return {role: create_user(session=session, name=f"schema {role}", role=role, hub_id=None)[1]
                    for role in ROLES if role != "anonymous"}
    finally:
        engine.dispose()


def test_every_role_gets_what_the_openapi_document_promises(
    live_app: tuple[str, dict[str, str]], database_url: str, tmp_path: Path
) -> None:
    url, env = live_app
    tokens = _tokens(database_url)
    tested = 0
    for role in ROLES:
        report = tmp_path / f"schemathesis-{role}.json"
        command = [_st(), "run", f"{url}/api/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
                   "--seed", str(SEED), "--workers", "1", "--no-color", "--report", "json",
                   "--report-json-path", str(report)]
        if role in tokens:
            command += ["--header", f"Authorization: Bearer {tokens[role]}"]
        run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                             env=env)
        summary = run.stdout[-6000:]
        assert report.exists(), f"schemathesis as {role} wrote no report:\n{summary}\n{run.stderr[-2000:]}"
        data = json.loads(report.read_text())
        assert data["complete"], summary
        assert data["failures"] == [], f"schemathesis as {role} found problems:\n{summary}"
        assert data["errors"] == [], f"schemathesis as {role} could not test everything:\n{summary}"
        assert run.returncode == 0, summary
        tested += int(data["test_cases"]["generated"])
        print(f"schemathesis as {role}: {data['test_cases']['generated']} cases, 0 failures")  # pytest -s
    assert tested > 1000, f"only {tested} test cases ran"  # a run that tests nothing proves nothing

