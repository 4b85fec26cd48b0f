"""Benchmark the Telegram webhook: updates per second through a real ``hubdesk run``, and its memory.

Starts the fake Bot API server from the tests on 127.0.0.1, then ``hubdesk run`` as its own process (real
uvicorn, webhook mode, TELEGRAM_API_BASE_URL pointing at the fake server), and posts Telegram updates to
``POST /telegram/webhook`` as Telegram would: many visitors, a mix of questions in Ukrainian, Russian and
Dutch, commands and button taps. Nothing leaves 127.0.0.1. Two rates come out:

- accepted/s: the webhook's 200s. It checks the secret, drops a retry it remembers and queues the update
  (up to MAX_BACKLOG = 2,000 waiting; then 503 and Telegram retries), so a burst of that size is taken at
  this rate;
- answered/s: the whole path to the last reply (the guard's claim and rate limit, the Dialog, the event,
  the reply to the fake Bot API), which is also the most a process can accept for long.

Server CPU per update (from /proc) says what one update costs, whatever else shares the machine.

    .venv/bin/python bench/webhook_throughput.py [--updates 2000] [--concurrency 32] [--database sqlite|postgresql]

PostgreSQL: a throw-away schema in HUBDESK_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import fake_telegram as tg  # noqa: E402

SECRET = "bench-webhook-secret-0123456789abcdef"
QUESTIONS = [
    ("uk", "Як отримати BSN?"), ("ru", "как открыть счет в банке"), ("uk", "Скільки лефгельду я отримую?"),
    ("uk", "Як записати дитину до школи?"), ("ru", "где найти семейного врача"), ("uk", "Привіт"),
    ("uk", "Мені не платять зарплату"), ("ru", "как продлить документ"), ("nl", "Hoe vraag ik zorgtoeslag aan?"),
    ("uk", "qwerty zxcv"), ("uk", "/help"), ("nl", "/menu"),
]
WARM_UP = 100  # updates sent and answered before the clock starts
VISITORS = 600  # distinct chats; each stays well under the per-chat limit of 20 a minute


def _die_with_parent() -> None:
    """The server gets SIGTERM when the bench dies (a ^C or a timeout must not leave it running)."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def server_log(workdir: Path) -> str:
    path = workdir / "server.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) in MB of a process and its children (uvicorn's workers), from /proc."""
    now = peak = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for each in [pid, *map(int, children)]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "VmRSS":
                now += int(rest.split()[0]) / 1024
            elif key == "VmHWM":
                peak += int(rest.split()[0]) / 1024
    return now, peak


def pg_schema_url(base: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def update_for(i: int, fake: tg.FakeBotApi) -> dict:
    chat_id = 900_000_000 + i % VISITORS
    if i % 10 == 9:
        return tg.callback(fake.next_update_id(), "menu" if i % 20 == 9 else "c:work", chat_id=chat_id, lang="uk")
    lang, text = QUESTIONS[i % len(QUESTIONS)]
    return tg.message(fake.next_update_id(), text, chat_id=chat_id, lang=lang)


class Connection:
    """One keep-alive HTTP/1.1 connection that posts pre-encoded requests, as Telegram's sender would.

    Raw asyncio streams instead of an HTTP client library: on this 2-core machine the load generator shares
    the CPU with the server, and httpx costs several milliseconds of CPU per request, which would be
    measured as HubDesk's. This costs a tenth of that.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        if b"connection: close" in head.lower():
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def encode(path: str, update: dict) -> bytes:
    body = json.dumps(update).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def fire(port: int, updates: list[dict], concurrency: int) -> tuple[list[float], int]:
    """Post every update (retrying a 503 or a dropped connection as Telegram would); latencies to each 200, and
    how many deliveries had to be retried."""
    latencies: list[float] = []
    busy = 0
    queue = collections.deque(encode("/telegram/webhook", update) for update in updates)

    async def worker() -> None:
        nonlocal busy
        connection = Connection("127.0.0.1", port)
        try:
            while queue:
                request = queue.popleft()
                start = time.perf_counter()
                while True:
                    try:
                        status, body = await connection.post(request)
                    except (OSError, asyncio.IncompleteReadError):  # a closed keep-alive connection: resend
                        await connection.close()
                        busy += 1
                        continue
                    if status != 503:
                        break
                    busy += 1
                    await asyncio.sleep(0.05)
                latencies.append(time.perf_counter() - start)
                assert status == 200, body
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, busy


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (uvicorn's workers) so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for each in [pid, *map(int, children)]:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def wait_answered(fake: tg.FakeBotApi, updates: int, quiet: float = 1.0, timeout: float = 600) -> float:
    """Wait until the bot has sent a message for each of ``updates`` (every update in the mix gets at least
    one) and then nothing for ``quiet`` seconds; the monotonic time of its last call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = max((c.at for c in fake.calls), default=0.0)
        if len(fake.calls_to("sendMessage")) >= updates and time.monotonic() - last > quiet:
            return last
        time.sleep(0.1)
    raise RuntimeError("the bot did not finish")


def server_command(port: int, workers: int) -> list[str]:
    """``hubdesk run`` itself, with ``--workers`` for several processes."""
    return [str(ROOT / ".venv" / "bin" / "hubdesk"), "run", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]


def measure(database: str, updates: int, concurrency: int, workers: int = 1) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="hubdesk-bench-"))
    schema = None
    admin = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text

        base = os.environ.get("HUBDESK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = pg_schema_url(base, schema)
    port = free_port()
    server = None
    try:
        with tg.running() as fake:
            env = {
                **os.environ,
                "ENVIRONMENT": "development",
                "HUBDESK_DATABASE_URL": url,
                "HUBDESK_LOG_LEVEL": "WARNING",
                "HUBDESK_INBOX_DIR": tempfile.mkdtemp(prefix="hubdesk-inbox-"),
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.url,
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
            for name in ("TELEGRAM_VOLUNTEER_CHAT_ID", "WHATSAPP_TOKEN"):
                env.pop(name, None)
            if workers > 1:
                from hubdesk.db import upgrade_to_head

                upgrade_to_head(url)  # hubdesk run does this itself
                env["PYTHONPATH"] = str(ROOT)
            log_file = (workdir / "server.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
            server = subprocess.Popen(
                server_command(port, workers),
                env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=log_file,
                preexec_fn=_die_with_parent,
            )
            deadline = time.monotonic() + 60
            while not fake.webhook_url:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("hubdesk run did not start: " + server_log(workdir))
                time.sleep(0.1)
            time.sleep(1.0 if workers == 1 else 5.0)  # every worker has set the webhook and warmed up
            idle_rss, _ = rss_mb(server.pid)
            asyncio.run(fire(port, [update_for(i, fake) for i in range(WARM_UP)], concurrency))
            wait_answered(fake, WARM_UP)
            fake.clear()
            batch = [update_for(i, fake) for i in range(updates)]
            cpu_before = cpu_seconds(server.pid)
            started = time.monotonic()
            try:
                latencies, busy = asyncio.run(fire(port, batch, concurrency))
            except Exception:
                print(server_log(workdir), file=sys.stderr)
                raise
            accepted = time.monotonic() - started
            handled = wait_answered(fake, updates) - started
            cpu = cpu_seconds(server.pid) - cpu_before
            rss, peak = rss_mb(server.pid)
            replies = len(fake.calls_to("sendMessage"))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "database": database,
        "workers": workers,
        "updates": updates,
        "concurrency": concurrency,
        "accepted_per_second": round(updates / accepted, 1),
        "answered_per_second": round(updates / handled, 1),
        "retried": busy,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "replies_sent": replies,
        "server_cpu_per_update_ms": round(cpu / updates * 1000, 2),
        "rss_idle_mb": round(idle_rss, 1),
        "rss_after_mb": round(rss, 1),
        "rss_peak_mb": round(peak, 1),
    }


UNITS = (("_per_second", "updates/s"), ("_ms", "ms"), ("_mb", "MB"))
TARGETS = {"accepted_per_second": ">= 300 updates/s", "answered_per_second": ">= 30 updates/s (Telegram's limit)",
           "rss_peak_mb": "<= 200 MB"}


def run(quick: bool = False) -> list[dict]:
    """The bench/run_all.py interface: SQLite, and PostgreSQL when HUBDESK_BENCH_POSTGRES_URL is set."""
    base = os.environ.get("HUBDESK_BENCH_POSTGRES_URL")
    rows = []
    for database in ["sqlite"] + (["postgresql"] if base else []):
        result = measure(database, 400 if quick else 2000, 32)
        label = f"Telegram webhook, `hubdesk run` ({database}, {result['updates']:,} updates, 32 at once)"
        for key, value in result.items():
            if key in ("database", "updates", "concurrency", "workers"):
                continue
            suffix, unit = next(((x, u) for x, u in UNITS if key.endswith(x)), ("", ""))
            rows.append({"benchmark": label, "metric": key.removesuffix(suffix).replace("_", " "), "value": value,
                         "unit": unit, "target": TARGETS.get(key, "")})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="server processes (>1: uvicorn --workers)")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        result = measure(database, args.updates, args.concurrency, args.workers)
        print(" ".join(f"{key}={value}" for key, value in result.items()), flush=True)


if __name__ == "__main__":
    main()
