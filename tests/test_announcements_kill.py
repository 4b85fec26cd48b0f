"""kill -9 in the middle of an announcement: after the restart every subscriber has it exactly once.

The real ``hubdesk run`` (webhook mode) in a process of its own sends an announcement to 300 subscribers
through the fake Bot API, one request at a time. When the 120th message arrives, the fake server kills the
process with SIGKILL before answering: that message reached Telegram, its row is left ``claimed``. The
process is started again on the same database: it takes the announcement over once the dead sender's lease
has run out, marks the rows left claimed ``unconfirmed`` (never sent again: see
hubdesk/announcements/delivery.py) and sends the rest.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import Session

from hubdesk.announcements import service, subscriptions
from hubdesk.db import get_engine
from hubdesk.settings import Settings
from tests import fake_telegram as tg
from tests.telegram_harness import SECRET
from tests.test_faults_kill import _free_port, _start

SUBSCRIBERS = 300
KILL_AT = 120
FIRST_CHAT = 8_200_000


class KillingBotApi(tg.FakeBotApi):
    """The fake Bot API, which kills the bot's process when the ``KILL_AT``-th announcement arrives."""

    victim: int | None = None

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.victim is not None and str(params.get("text", "")).startswith("📣"):
            if len([c for c in self.calls_to("sendMessage") if str(c.get("text", "")).startswith("📣")]) == KILL_AT:
                os.kill(self.victim, signal.SIGKILL)
                self.victim = None
        return super()._api_sendMessage(params)


def _announcements(fake: tg.FakeBotApi) -> Counter[int]:
    return Counter(int(c["chat_id"]) for c in fake.calls_to("sendMessage") if str(c.get("text", "")).startswith("📣"))


def test_a_sender_killed_half_way_resumes_and_nobody_gets_it_twice(settings: Settings, tmp_path: Path) -> None:
    with Session(get_engine(settings.HUBDESK_DATABASE_URL)) as session:
        for n in range(SUBSCRIBERS):
            subscriptions.subscribe(session=session, channel="telegram", chat_key=str(FIRST_CHAT + n))
        announcement = service.create(session=session, draft=service.Draft(
            "example", (), {"uk": "Нові правила щодо житла.", "nl": "Nieuwe regels voor huisvesting."}))
        service.start(session=session, announcement=announcement)
        announcement_id = announcement.id
    fake = KillingBotApi().start()
    try:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBDESK_", "TELEGRAM_", "WHATSAPP_"))}
        env.update(
            ENVIRONMENT="test", HUBDESK_DATABASE_URL=settings.HUBDESK_DATABASE_URL, HUBDESK_LOG_LEVEL="WARNING",
            HUBDESK_SECRET_KEY=settings.HUBDESK_SECRET_KEY.get_secret_value(),
            HUBDESK_JOURNAL_PATH=str(tmp_path / "journal.sqlite3"), HUBDESK_INBOX_DIR=str(tmp_path / "inbox"),
            TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.url,
            TELEGRAM_WEBHOOK_URL="https://hub.example.org/telegram/webhook", TELEGRAM_WEBHOOK_SECRET=SECRET,
            HUBDESK_ANNOUNCEMENT_RATE="100", HUBDESK_ANNOUNCEMENT_CONCURRENCY="1",
            HUBDESK_ANNOUNCEMENT_LEASE_SECONDS="3", HUBDESK_ANNOUNCEMENT_POLL_SECONDS="0.2",
        )
        log = tmp_path / "hubdesk.log"
        server = _start(env, port, log)
        fake.victim = server.pid
        server.wait(timeout=120)  # killed by the fake server at the KILL_AT-th announcement
        assert server.returncode == -signal.SIGKILL
        before = _announcements(fake)
        assert sum(before.values()) == KILL_AT
        server = _start(env, port, log)
        try:
            deadline = time.monotonic() + 120
            while len(_announcements(fake)) < SUBSCRIBERS and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # a late duplicate would show now
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    finally:
        fake.stop()
    received = _announcements(fake)
    print(f"\nbefore kill -9: {sum(before.values())}, after the restart: {len(received)} subscribers, "
          f"twice: {sum(1 for n in received.values() if n > 1)}")
    assert received == Counter({FIRST_CHAT + n: 1 for n in range(SUBSCRIBERS)})  # every subscriber, once
    with Session(get_engine(settings.HUBDESK_DATABASE_URL)) as session:
        counts = service.counts(session=session, announcement_id=announcement_id)
        # the one killed in flight, and those whose outcome was still waiting for its group commit
        assert counts.sent + counts.unconfirmed == SUBSCRIBERS and counts.pending == 0
        assert 1 <= counts.unconfirmed <= 100 * 0.25 + 2
