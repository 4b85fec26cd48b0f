"""Benchmark the WhatsApp webhook on a real server: time to Meta's 200, and until the reply is sent.

Runs the app under uvicorn on 127.0.0.1 with a fresh SQLite database and the fake Graph API from the
tests (also on 127.0.0.1), then posts signed text messages as Meta would, each from its own visitor.

    .venv/bin/python bench/whatsapp_webhook.py [N]

``run(quick)`` is the bench/run_all.py interface.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "Як отримати BSN?", "Як відкрити рахунок у банку?", "Скільки лефгельду я отримую?",
    "Як записати дитину до школи?", "Де знайти сімейного лікаря?", "Привіт", "Мені не платять зарплату",
    "Как продлить документ?", "Hoe vraag ik zorgtoeslag aan?", "qwerty zxcv",
]

WARM_UP = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(n: int) -> dict[str, float]:
    """Latencies (ms) of ``n`` sequential messages, and messages/s of ``n`` more from 8 clients at once."""
    from tests.utils import whatsapp as wa

    database = Path(tempfile.mkdtemp()) / "bench.db"
    with wa.GraphServer() as graph:
        os.environ.update({
            "HUBDESK_DATABASE_URL": f"sqlite:///{database}", "ENVIRONMENT": "test",
            "HUBDESK_INBOX_DIR": str(database.parent / "inbox"), "HUBDESK_JOURNAL_PATH": str(database.parent / "j.db"),
            "HUBDESK_RATE_LIMIT_PER_MINUTE": "1000",
            "WHATSAPP_TOKEN": wa.TOKEN, "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": wa.APP_SECRET, "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
            "WHATSAPP_API_BASE_URL": graph.url,
        })
        for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"):
            os.environ.pop(name, None)
        import httpx
        import uvicorn

        from hubdesk.api.main import create_app
        from hubdesk.db import upgrade_to_head

        upgrade_to_head()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        base = f"http://127.0.0.1:{port}/webhooks/whatsapp"

        # Sequential: latency to the 200, and until the reply's first message reached the Graph API.
        to_ok: list[float] = []
        to_reply: list[float] = []
        with httpx.Client(timeout=30) as client:
            for i in range(WARM_UP):  # the first messages load the answerer and the catalogs: not timed
                body, headers = wa.signed(wa.text_payload(QUESTIONS[i], wa_id=f"3150{i:07d}"))
                assert client.post(base, content=body, headers=headers).status_code == 200
            for i in range(n):
                wa_id = f"3160{i:07d}"
                body, headers = wa.signed(wa.text_payload(QUESTIONS[i % len(QUESTIONS)], wa_id=wa_id))
                start = time.perf_counter()
                response = client.post(base, content=body, headers=headers)
                ok = time.perf_counter()
                assert response.status_code == 200, response.text
                while not any(r["json"].get("to") == wa_id for r in list(graph.requests)):
                    time.sleep(0.0005)
                done = time.perf_counter()
                to_ok.append((ok - start) * 1000)
                to_reply.append((done - start) * 1000)

        # Concurrent: 8 clients at once, each message from its own visitor.
        async def burst(total: int, concurrency: int = 8) -> float:
            async with httpx.AsyncClient(timeout=60) as client:
                queue = list(range(total))

                async def worker() -> None:
                    while queue:
                        i = queue.pop()
                        payload = wa.text_payload(QUESTIONS[i % len(QUESTIONS)], wa_id=f"3170{i:07d}")
                        body, headers = wa.signed(payload)
                        response = await client.post(base, content=body, headers=headers)
                        assert response.status_code == 200

                start = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return time.perf_counter() - start

        elapsed = asyncio.run(burst(n))
        server.should_exit = True
        thread.join(timeout=10)

    return {
        "to_200_p50": statistics.median(to_ok), "to_200_p95": percentile(to_ok, 95),
        "to_200_p99": percentile(to_ok, 99), "to_reply_p50": statistics.median(to_reply),
        "to_reply_p95": percentile(to_reply, 95), "to_reply_p99": percentile(to_reply, 99),
        "per_second": n / elapsed,
    }


def run(quick: bool = False) -> list[dict]:
    n = 50 if quick else 300
    result = measure(n)
    label = f"WhatsApp webhook, one uvicorn worker, SQLite ({n} signed text messages)"
    rows = [{"benchmark": label, "metric": f"{what.replace('_', ' ')} (one after another)",
             "value": round(value, 1), "unit": "ms", "target": ""}
            for what, value in result.items() if what != "per_second"]
    rows.append({"benchmark": label, "metric": "messages accepted, 8 clients at once",
                 "value": round(result["per_second"]), "unit": "messages/s", "target": ""})
    return rows


def main(n: int) -> None:
    r = measure(n)
    print(f"{n} messages, sequential (ms):  to 200  p50 {r['to_200_p50']:.1f}  p95 {r['to_200_p95']:.1f}  "
          f"p99 {r['to_200_p99']:.1f}")
    print(f"                         to reply sent  p50 {r['to_reply_p50']:.1f}  p95 {r['to_reply_p95']:.1f}  "
          f"p99 {r['to_reply_p99']:.1f}")
    print(f"{n} messages, 8 concurrent clients: {r['per_second']:.0f} messages/s (one uvicorn worker, SQLite)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
