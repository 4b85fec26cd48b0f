"""Two real ``hubdesk run`` processes on one PostgreSQL, as behind a load balancer (webhook mode).

They start together on an empty schema (one migrates, the other waits), and then:
- the same Telegram update delivered to both is processed once;
- the per-chat rate limit counts messages that went to either;
- a case opened through one is listed, claimed and answered through the other, and posted to the
  volunteers' group exactly once;
- two volunteers claiming the same case at the same moment on different processes: one 200, one 409.

PostgreSQL only (``HUBDESK_TEST_DATABASE_URL``); SQLite is one machine's file and not a scale-out target.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from hubdesk.db import make_engine
from hubdesk.models import Case, Event, ProcessedUpdate
from tests import fake_telegram as tg
from tests.conftest import CHANNEL_ENV, postgres_base_url, url_with_schema
from tests.telegram_harness import SECRET, VOLUNTEERS
from tests.utils.cases import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_base_url() is None, reason="needs PostgreSQL: set HUBDESK_TEST_DATABASE_URL"),
]

RATE_LIMIT = 4
HUBDESK = Path(sys.executable).parent / "hubdesk"
QUESTION = "Як отримати BSN номер?"
HUMAN = "Хочу поговорити з волонтером"


@dataclass
class Node:
    """One ``hubdesk run`` process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def webhook(self, update: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.url}/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=30,
        )


@dataclass
class Cluster:
    a: Node
    b: Node
    fake: tg.FakeBotApi
    engine: Engine

    def count(self, statement: Any) -> int:
        with Session(self.engine) as session:
            return int(session.execute(statement).scalar_one())

    def events(self) -> int:
        return self.count(select(func.count()).select_from(Event))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(name: str, url: str, fake: tg.FakeBotApi, tmp: Path) -> Node:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBDESK_") and k not in CHANNEL_ENV}
    env.update(
        ENVIRONMENT="test",
        HUBDESK_DATABASE_URL=url,
        HUBDESK_SECRET_KEY="scale-out-secret-" + uuid.uuid4().hex,
        # Both instances on one host: each takes its own inbox slot in this test's directory (hubdesk.inbox).
        HUBDESK_INBOX_DIR=str(tmp / "inbox"), HUBDESK_JOURNAL_PATH=str(tmp / "journal.sqlite3"),
        HUBDESK_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
        HUBDESK_LOG_FORMAT="json",
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.url,
        TELEGRAM_WEBHOOK_URL="https://hub.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_VOLUNTEER_CHAT_ID=str(VOLUNTEERS),
    )
    port = _free_port()
    log = tmp / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the file descriptor
        process = subprocess.Popen(
            [str(HUBDESK), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp,
        )
    return Node(name, port, process, log)


def _wait_ready(node: Node, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert node.process.poll() is None, f"{node.name} exited:\n{node.log.read_text()[-3000:]}"
        try:
            if httpx.get(f"{node.url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{node.name} never became ready:\n{node.log.read_text()[-3000:]}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = postgres_base_url()
    assert base is not None
    schema = f"scale_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))  # empty: both processes migrate at start
    url = url_with_schema(base, schema)
    tmp = tmp_path_factory.mktemp("scale_out")
    fake = tg.FakeBotApi().start()
    nodes: list[Node] = []
    engine = make_engine(url)
    try:
        nodes = [_start("a", url, fake, tmp), _start("b", url, fake, tmp)]  # started together
        for node in nodes:
            _wait_ready(node)
        yield Cluster(nodes[0], nodes[1], fake, engine)
    finally:
        for node in nodes:
            node.process.terminate()
        for node in nodes:
            try:
                node.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                node.process.kill()
        engine.dispose()
        fake.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_both_started_on_an_empty_schema_and_migrated_it_once(cluster: Cluster) -> None:
    assert cluster.count(text("SELECT count(*) FROM alembic_version")) == 1
    for node in (cluster.a, cluster.b):
        ready = httpx.get(f"{node.url}/readyz", timeout=10).json()
        assert ready["checks"]["migrations"]["ok"] is True
        assert ready["checks"]["channels"]["telegram"] == {"ok": True}
    assert len(cluster.fake.calls_to("setWebhook")) >= 2  # each process set the (same) webhook; none deleted it
    assert cluster.fake.calls_to("deleteWebhook") == []


def _both_at_once(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released together by a barrier; results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait()
        return call()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _eventually(predicate: Any, timeout: float = 20) -> Any:
    """The webhook answers 200 before the update is handled: wait for the effect, not for the response."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out waiting for the update to be handled"
        time.sleep(0.05)
    return value


def _settle(fake: tg.FakeBotApi, chat_id: int, seconds: float = 0.8) -> list[dict[str, Any]]:
    """The messages sent to ``chat_id`` once nothing new has arrived for ``seconds``."""
    seen, quiet_since = -1, time.monotonic()
    while True:
        now = len(fake.sent(chat_id))
        if now != seen:
            seen, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > seconds:
            return fake.sent(chat_id)
        time.sleep(0.05)


def test_the_same_update_delivered_to_both_is_processed_once(cluster: Cluster) -> None:
    fake = cluster.fake
    # the reference: one delivery of the question, to one process
    cluster.a.webhook(tg.message(fake.next_update_id(), QUESTION, chat_id=5002))
    _eventually(lambda: fake.sent(5002))
    single = _settle(fake, 5002)
    assert single, "the bot answered the reference question"

    events_before = cluster.events()
    update = tg.message(fake.next_update_id(), QUESTION, chat_id=5001)
    responses = _both_at_once([lambda: cluster.a.webhook(update), lambda: cluster.b.webhook(update)])
    assert [r.status_code for r in responses] == [200, 200]
    # each process takes it (neither has seen it); the guard's claim in the database lets one of them handle it
    _eventually(lambda: fake.sent(5001))
    assert len(_settle(fake, 5001, seconds=1.5)) == len(single)  # answered once, not twice
    assert cluster.events() == events_before + 1
    key = str(update["update_id"])
    assert cluster.count(select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.key == key)) == 1


def test_the_rate_limit_counts_messages_to_either_process(cluster: Cluster) -> None:
    from hubdesk.bot.telegram.texts import rate_limited

    while datetime.now(UTC).second > 45:  # the limit counts per minute: do not straddle a minute boundary
        time.sleep(0.5)
    fake = cluster.fake
    events_before = cluster.events()
    counted = text("SELECT coalesce(sum(count), 0) FROM rate_limit_windows WHERE chat_key = '6001'")
    sent_counts = []
    for i in range(RATE_LIMIT + 2):
        node = cluster.a if i % 2 == 0 else cluster.b
        already = len(fake.sent(6001))
        assert node.webhook(tg.message(fake.next_update_id(), QUESTION, chat_id=6001)).status_code == 200
        _eventually(lambda i=i: cluster.count(counted) == i + 1)  # counted before the next one is sent
        if i <= RATE_LIMIT:  # an answer, or the one notice: wait for it
            _eventually(lambda already=already: len(fake.sent(6001)) > already)
        sent_counts.append(len(_settle(fake, 6001, seconds=0.5)))
    assert cluster.events() == events_before + RATE_LIMIT  # only the first RATE_LIMIT were answered
    sent = fake.sent(6001)
    after_limit = sent[sent_counts[RATE_LIMIT - 1]:]
    assert [m["text"] for m in after_limit] == [rate_limited("uk")]  # one polite notice, then silence
    assert sent_counts[-1] == sent_counts[-2]


def _volunteer_posts(fake: tg.FakeBotApi, case_id: int) -> list[dict[str, Any]]:
    return [m for m in fake.sent(VOLUNTEERS) if f"#{case_id}" in m["text"] or f" {case_id}" in m["text"]]


def _open_case(cluster: Cluster, node: Node, chat_id: int) -> Case:
    before = cluster.count(select(func.count()).select_from(Case))
    assert node.webhook(tg.message(cluster.fake.next_update_id(), HUMAN, chat_id=chat_id)).status_code == 200

    def opened() -> list[Case]:
        with Session(cluster.engine) as session:
            return list(session.exec(select(Case).where(Case.chat_key == str(chat_id))).all())

    [case] = _eventually(opened)
    assert cluster.count(select(func.count()).select_from(Case)) == before + 1
    return case


def test_a_case_opened_through_one_is_claimed_and_answered_through_the_other(cluster: Cluster) -> None:
    fake = cluster.fake
    with Session(cluster.engine) as session:
        _, headers = make_user(session, role="volunteer", hub_id=None, name="Olena")
    case = _open_case(cluster, cluster.a, chat_id=7001)

    queue = httpx.get(f"{cluster.b.url}/api/v1/cases", headers=headers, timeout=10)
    assert queue.status_code == 200
    assert case.id in [c["id"] for c in queue.json()["data"]]
    assert httpx.post(f"{cluster.b.url}/api/v1/cases/{case.id}/claim", headers=headers, timeout=10).status_code == 200
    before = len(fake.sent(7001))
    reply = httpx.post(
        f"{cluster.b.url}/api/v1/cases/{case.id}/reply", json={"text": "Добрий день! Допоможемо."},
        headers=headers, timeout=10,
    )
    assert reply.status_code == 200, reply.text
    delivered = _settle(fake, 7001)[before:]
    assert any("Допоможемо" in m["text"] for m in delivered)  # B's bot delivered it to the visitor

    _eventually(lambda: [m for m in fake.sent(VOLUNTEERS) if HUMAN in m["text"]])
    _settle(fake, VOLUNTEERS, seconds=1.5)  # let the volunteers' group worker of each process post what it was told
    texts = [m["text"] for m in fake.sent(VOLUNTEERS)]
    opened = [t for t in texts if str(case.id) in t and HUMAN in t]
    assert len(opened) == 1, texts  # the case was posted to the volunteers once, not once per process


def test_a_claim_race_across_processes_has_exactly_one_winner(cluster: Cluster) -> None:
    with Session(cluster.engine) as session:
        _, olena = make_user(session, role="volunteer", hub_id=None, name="Olena")
        _, taras = make_user(session, role="volunteer", hub_id=None, name="Taras")
    for chat_id in range(8001, 8006):  # a race can be won by luck once; five in a row is a pattern
        case = _open_case(cluster, cluster.a if chat_id % 2 else cluster.b, chat_id=chat_id)
        claim = f"/api/v1/cases/{case.id}/claim"
        responses = _both_at_once([
            lambda claim=claim: httpx.post(cluster.a.url + claim, headers=olena, timeout=30),
            lambda claim=claim: httpx.post(cluster.b.url + claim, headers=taras, timeout=30),
        ])
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        with Session(cluster.engine) as session:
            stored = session.get(Case, case.id)
            assert stored is not None and stored.status == "claimed"
            assert stored.claimed_by == winner["claimed_by"]
