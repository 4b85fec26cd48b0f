"""``hubdesk run`` as a real process for the tests that need one (browser, schemathesis): one way to start it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import CHANNEL_ENV

START_TIMEOUT_S = 90  # the first start loads the encoder; on two busy cores that takes a while


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """This environment without any HubDesk or channel setting of the caller's, and state under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if k not in CHANNEL_ENV and not k.startswith("HUBDESK_")}
    env.update(
        ENVIRONMENT="test",
        HUBDESK_DATABASE_URL=database_url,
        HUBDESK_DATA_DIR=str(tmp_path / "data"),
        HUBDESK_SECRET_KEY="live-test-secret-" + uuid.uuid4().hex,
        HUBDESK_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@contextmanager
def hubdesk_run(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Start ``hubdesk run`` on a free loopback port, yield its URL once ``/healthz`` answers, stop it after."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hubdesk.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=log_path.parent,  # not the checkout: no .env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail("hubdesk run exited: " + log_path.read_text(errors="replace")[-2000:])
            try:
                if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("hubdesk run did not answer /healthz in time")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
