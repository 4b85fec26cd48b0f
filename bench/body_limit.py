"""Peak memory of one ``hubdesk run`` while hostile bodies arrive (issue 15, item 4).

Starts the real command (SQLite in a temporary directory, on 127.0.0.1), waits for /readyz, then sends, over
a raw socket, a 200 MB JSON body to ``POST /api/v1/chat`` (chunked, and again with its Content-Length) and a
chunked 300 MB body to the WhatsApp webhook; reads the server's resident memory (VmRSS) and its peak
(VmHWM) from /proc. The server should refuse each with 413 long before the end, and its peak stay near idle.

    .venv/bin/python bench/body_limit.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.memory import _free_port, _status_kb

MB = 1_000_000
CHUNK = 64 * 1024


def _upload(port: int, path: str, size: int, *, chunked: bool) -> tuple[int, int]:
    """Send ``size`` bytes of JSON to ``path``; return (status, bytes sent before the server answered)."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    sock.sendall(head.encode())
    sent = 0
    payload = b"a" * CHUNK
    sock.setblocking(False)
    response = b""
    try:
        while sent < size:
            try:
                response += sock.recv(65536)
                if response:
                    break
            except BlockingIOError:
                pass
            piece = f"{len(payload):x}\r\n".encode() + payload + b"\r\n" if chunked else payload
            try:
                sock.setblocking(True)
                sock.sendall(piece)
                sock.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(payload)
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n" not in response:
            more = sock.recv(65536)
            if not more:
                break
            response += more
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    status = int(response.split()[1]) if response.startswith(b"HTTP/") else 0
    return status, sent


def _memory(pid: int) -> str:
    return f"RSS {_status_kb(pid, 'VmRSS') / 1024:.0f} MiB, peak {_status_kb(pid, 'VmHWM') / 1024:.0f} MiB"


def main() -> None:
    hubdesk = Path(sys.executable).parent / "hubdesk"
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBDESK_", "TELEGRAM_", "WHATSAPP_"))}
        env.update(HUBDESK_DATABASE_URL=f"sqlite:///{tmp}/bench.db", HUBDESK_LOG_LEVEL="WARNING",
                   HUBDESK_JOURNAL_PATH=f"{tmp}/journal.sqlite3", HUBDESK_INBOX_DIR=f"{tmp}/inbox",
                   WHATSAPP_TOKEN="t", WHATSAPP_APP_SECRET="s",
                   WHATSAPP_PHONE_NUMBER_ID="1")
        server = subprocess.Popen([str(hubdesk), "run", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.monotonic()
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() - started > 120:
                    raise RuntimeError("hubdesk run did not start")
                time.sleep(0.2)
            httpx.post(f"http://127.0.0.1:{port}/api/v1/chat", json={"session": "warmup123", "text": "hallo"},
                       timeout=60)
            time.sleep(1)
            print(f"idle after start: {_memory(server.pid)}")
            for path, size, chunked in (("/api/v1/chat", 200 * MB, True), ("/api/v1/chat", 200 * MB, False),
                                        ("/webhooks/whatsapp", 300 * MB, True)):
                status, sent = _upload(port, path, size, chunked=chunked)
                how = "chunked" if chunked else "Content-Length"
                print(f"{size // MB} MB {how:14s} {path:20s} -> {status}, after {sent / 1024:.0f} KiB sent; "
                      f"{_memory(server.pid)}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
