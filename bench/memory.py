"""Memory of one ``hubdesk run`` process: after start-up, and after serving web-chat visitors.

Starts the real command (SQLite in a temporary directory, no bot channels, on 127.0.0.1), waits for /readyz,
reads the process's resident memory from /proc (Linux), then sends questions as many web-chat visitors and
reads it again, with the peak (VmHWM). A hub's small server (1 GB) should fit HubDesk and PostgreSQL.

    .venv/bin/python bench/memory.py [--quick]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

QUESTIONS = [
    "Як отримати BSN?", "Як відкрити рахунок у банку?", "Скільки лефгельду я отримую?", "Привіт",
    "Як записати дитину до школи?", "Де знайти сімейного лікаря?", "Мені не платять зарплату",
    "Как продлить документ?", "Hoe vraag ik zorgtoeslag aan?", "qwerty zxcv",
]
TARGET_MB = 250  # issue 12: resident memory of `hubdesk run` <= 250 MB, with the sentence encoder loaded


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def measure(messages: int) -> dict[str, float]:
    """Start ``hubdesk run``, measure, stop; memory in MiB."""
    hubdesk = Path(sys.executable).parent / "hubdesk"
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBDESK_", "TELEGRAM_", "WHATSAPP_"))}
        # One client plays many visitors here: lift the web chat's per-address limits for it.
        env.update(HUBDESK_DATABASE_URL=f"sqlite:///{tmp}/bench.db", HUBDESK_LOG_LEVEL="WARNING",
                   HUBDESK_WEBCHAT_CLIENT_PER_MINUTE="1000000", HUBDESK_WEBCHAT_OPEN_CASES_PER_CLIENT="1000000",
                   HUBDESK_JOURNAL_PATH=f"{tmp}/journal.sqlite3", HUBDESK_INBOX_DIR=f"{tmp}/inbox")
        server = subprocess.Popen(
            [str(hubdesk), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            started = time.monotonic()
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() - started > 120:
                    raise RuntimeError("hubdesk run did not become ready")
                time.sleep(0.2)
            ready_s = time.monotonic() - started
            time.sleep(1)
            idle = _status_kb(server.pid, "VmRSS")
            with httpx.Client(base_url=base, timeout=30) as client:
                for i in range(messages):
                    session = f"bench-{i % 200:04d}-{uuid.uuid4().hex[:8]}"
                    body = {"session": session, "text": QUESTIONS[i % len(QUESTIONS)], "locale": "uk"}
                    client.post("/api/v1/chat", json=body).raise_for_status()
            busy = _status_kb(server.pid, "VmRSS")
            peak = _status_kb(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"ready_s": ready_s, "idle_mb": idle / 1024, "busy_mb": busy / 1024, "peak_mb": peak / 1024}


def run(quick: bool = False) -> list[dict]:
    """Rows for bench/run_all.py."""
    messages = 200 if quick else 2000
    result = measure(messages)
    label = "memory of `hubdesk run` (SQLite, web chat)"
    return [
        {"benchmark": label, "metric": "start to ready", "value": round(result["ready_s"], 1), "unit": "s",
         "target": ""},
        {"benchmark": label, "metric": "resident, idle after start", "value": round(result["idle_mb"]), "unit": "MiB",
         "target": f"<= {TARGET_MB} MiB"},
        {"benchmark": label, "metric": f"resident after {messages:,} messages", "value": round(result["busy_mb"]),
         "unit": "MiB", "target": f"<= {TARGET_MB} MiB"},
        {"benchmark": label, "metric": "peak resident", "value": round(result["peak_mb"]), "unit": "MiB",
         "target": f"<= {TARGET_MB} MiB"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['metric']:32s} {row['value']:>8} {row['unit']} {row['target']}")
