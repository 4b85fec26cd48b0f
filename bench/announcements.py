"""Benchmark announcements: 10,000 Telegram subscribers through a real ``hubdesk run`` and the fake Bot API.

The fake Bot API server from the tests runs here (127.0.0.1); ``hubdesk run`` runs as its own process in
webhook mode with its default announcement settings (28 messages a second, 1 a second per chat, 2 in
flight). The bench subscribes 10,000 chats in the database, then:

1. idle: asks questions through the webhook, two a second from chats of their own, and times each from the
   POST to the bot's answer arriving at the fake Bot API (the same clock on both ends);
2. sends one announcement through the API (``POST /api/v1/announcements``, ``/send``) and asks questions
   the same way while it goes out, until the announcement is ``sent``.

It reports the total send time (first to last announcement at the fake Bot API, and from ``/send`` to
``sent``), the peak number of announcements in any one second (and of all messages, answers included),
duplicates (chats that got it more than once), subscribers who never got it, and the p50 / p99 answer time
idle and during the send.

    .venv/bin/python bench/announcements.py [--subscribers 10000] [--rate 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webhook_throughput import SECRET, _die_with_parent, free_port, server_command, server_log  # noqa: E402
from tests import fake_telegram as tg  # noqa: E402

FIRST_SUBSCRIBER = 10_000_000
FIRST_ASKER = 90_000_000
QUESTIONS = ["Як отримати BSN?", "как открыть счет в банке", "Скільки лефгельду я отримую?",
             "Як записати дитину до школи?", "где найти семейного врача", "Hoe vraag ik zorgtoeslag aan?",
             "Мені не платять зарплату", "Чи можна працювати з українським дипломом?"]
LIMIT = 30  # Telegram: about 30 messages a second per bot


class TimedBotApi(tg.FakeBotApi):
    """The fake Bot API, noting when each chat got its first message (no polling of the call list)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.first_at: dict[int, float] = {}
        self.announced: list[tuple[float, int]] = []
        self.all_sent: list[float] = []
        self._times = threading.Lock()

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        chat = int(params["chat_id"])
        with self._times:
            self.first_at.setdefault(chat, now)
            self.all_sent.append(now)
            if str(params.get("text", "")).startswith("📣"):
                self.announced.append((now, chat))
        return super()._api_sendMessage(params)

    def trim(self) -> None:
        """Keep the call list short (the base class keeps every call; 10,000 of them cost the bench CPU)."""
        with self._lock:
            self.calls.clear()


def peak_per_second(times: list[float]) -> int:
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def subscribe_all(url: str, count: int) -> None:
    """``count`` Telegram visitors, each subscribed to the example hub (straight into the database)."""
    from sqlalchemy import insert, select

    from hubdesk.db import make_engine, upgrade_to_head
    from hubdesk.models import Subscription, Visitor, utcnow

    upgrade_to_head(url)
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(insert(Visitor), [
            {"channel": "telegram", "chat_key": str(FIRST_SUBSCRIBER + n), "created_at": now, "last_seen_at": now,
             "language": ("uk", "nl", "en")[n % 3]} for n in range(count)])
        ids = connection.execute(select(Visitor.id)).scalars().all()
        connection.execute(insert(Subscription), [
            {"visitor_id": visitor_id, "hub_id": "example", "topics": "", "created_at": now} for visitor_id in ids])
    engine.dispose()


def coordinator_token(url: str) -> str:
    from sqlmodel import Session

    from hubdesk.db import make_engine
    from hubdesk.users import create_user

    engine = make_engine(url)
    with Session(engine) as session:
        _, token = create_user(session=session, name="Bench coordinator", role="coordinator")
    engine.dispose()
    return token


async def ask(port: int, fake: TimedBotApi, rate: float, stop: asyncio.Event, first_chat: int,
              asked: dict[int, float]) -> None:
    """Questions at ``rate`` a second, each from a chat of its own, until ``stop``."""
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        n = 0
        pending: set[asyncio.Task] = set()
        start = time.monotonic()
        while not stop.is_set():
            chat = first_chat + n
            update = tg.message(fake.next_update_id(), QUESTIONS[n % len(QUESTIONS)], chat_id=chat, lang="uk")
            asked[chat] = time.monotonic()
            task = asyncio.create_task(client.post("/telegram/webhook", json=update,
                                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        await asyncio.gather(*pending)


def latencies(fake: TimedBotApi, asked: dict[int, float], wait: float = 20.0) -> list[float]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(chat not in fake.first_at for chat in asked):
        time.sleep(0.1)
    return [(fake.first_at[chat] - at) * 1000 for chat, at in asked.items() if chat in fake.first_at]


async def idle_phase(port: int, fake: TimedBotApi, rate: float, seconds: float, first_chat: int) -> dict[int, float]:
    asked: dict[int, float] = {}
    stop = asyncio.Event()
    asking = asyncio.create_task(ask(port, fake, rate, stop, first_chat, asked))
    await asyncio.sleep(seconds)
    stop.set()
    await asking
    return asked


async def send_phase(port: int, fake: TimedBotApi, rate: float, token: str) -> tuple[dict[int, float], float, float]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    asked: dict[int, float] = {}
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        created = (await client.post("/api/v1/announcements", headers=headers, json={
            "hub": "example", "text": {"uk": "Нові правила щодо житла з 1 лютого.",
                                       "nl": "Nieuwe regels voor huisvesting vanaf 1 februari.",
                                       "en": "New housing rules from 1 February."}})).json()
        asking = asyncio.create_task(ask(port, fake, rate, stop, FIRST_ASKER + 1_000_000, asked))
        started = time.monotonic()
        response = await client.post(f"/api/v1/announcements/{created['id']}/send", headers=headers)
        response.raise_for_status()
        while True:
            await asyncio.sleep(1.0)
            fake.trim()
            body = (await client.get(f"/api/v1/announcements/{created['id']}", headers=headers)).json()
            if body["status"] == "sent":
                break
        finished = time.monotonic()
        stop.set()
        await asking
    return asked, started, finished


def measure(subscribers: int, rate: float, idle_seconds: float) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="hubdesk-bench-announce-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    subscribe_all(url, subscribers)
    token = coordinator_token(url)
    port = free_port()
    fake = TimedBotApi().start()
    server = None
    try:
        env = {**os.environ, "ENVIRONMENT": "development", "HUBDESK_DATABASE_URL": url,
               "HUBDESK_LOG_LEVEL": "WARNING", "HUBDESK_INBOX_DIR": str(workdir / "inbox"),
               "HUBDESK_JOURNAL_PATH": str(workdir / "journal.sqlite3"), "HUBDESK_RATE_LIMIT_PER_MINUTE": "1000",
               "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.url,
               "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": SECRET}
        for name in ("TELEGRAM_VOLUNTEER_CHAT_ID", "WHATSAPP_TOKEN"):
            env.pop(name, None)
        for name in [k for k in env if k.startswith("HUBDESK_ANNOUNCEMENT_")]:
            env.pop(name)  # the defaults are what is measured
        log_file = (workdir / "server.log").open("wb")
        server = subprocess.Popen(server_command(port, 1), env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                                  stderr=log_file, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 60
        while not fake.webhook_url:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("hubdesk run did not start: " + server_log(workdir))
            time.sleep(0.1)
        time.sleep(2.0)
        asyncio.run(idle_phase(port, fake, rate, 5, FIRST_ASKER + 2_000_000))  # warm up
        idle_asked = asyncio.run(idle_phase(port, fake, rate, idle_seconds, FIRST_ASKER))
        idle = latencies(fake, idle_asked)
        busy_asked, started, finished = asyncio.run(send_phase(port, fake, rate, token))
        busy = latencies(fake, busy_asked)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        fake.stop()
    announced = Counter(chat for _, chat in fake.announced)
    times = [at for at, _ in fake.announced]
    during = [at for at in fake.all_sent if times and times[0] <= at <= times[-1]]
    return {
        "subscribers": subscribers,
        "total_s": round(times[-1] - times[0], 1) if times else None,
        "send_to_sent_s": round(finished - started, 1),
        "platform_minimum_s": round(subscribers / LIMIT, 1),
        "peak_announcements_per_s": peak_per_second(times),
        "peak_all_messages_per_s": peak_per_second(during),
        "duplicates": sum(1 for n in announced.values() if n > 1),
        "missed": subscribers - len(announced),
        "idle_questions": len(idle), "idle_p50_ms": round(statistics.median(idle), 1),
        "idle_p99_ms": round(percentile(idle, 0.99), 1),
        "during_questions": len(busy), "during_p50_ms": round(statistics.median(busy), 1),
        "during_p99_ms": round(percentile(busy, 0.99), 1),
        "unanswered": len(idle_asked) - len(idle) + len(busy_asked) - len(busy),
    }


def run(quick: bool = False) -> list[dict]:
    """The bench/run_all.py interface."""
    result = measure(1000 if quick else 10_000, 2.0, 20 if quick else 60)
    label = f"announcement to {result['subscribers']:,} Telegram subscribers (`hubdesk run`, SQLite)"
    targets = {"total_s": f"close to {result['platform_minimum_s']} s", "peak_announcements_per_s": "<= 30",
               "duplicates": "0", "during_p99_ms": f"<= 2 x idle p99 ({2 * result['idle_p99_ms']:.0f} ms)"}
    units = {"_s": "s", "_ms": "ms", "_per_s": "/s"}
    rows = []
    for key, value in result.items():
        if key == "subscribers":
            continue
        unit = next((u for suffix, u in units.items() if key.endswith(suffix)), "")
        rows.append({"benchmark": label, "metric": key.replace("_", " "), "value": value, "unit": unit,
                     "target": targets.get(key, "")})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=2.0, help="questions a second, idle and during the send")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of questions before the send")
    args = parser.parse_args()
    result = measure(args.subscribers, args.rate, args.idle)
    print(" ".join(f"{key}={value}" for key, value in result.items()), flush=True)


if __name__ == "__main__":
    main()
