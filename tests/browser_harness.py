"""Real-browser tests: the real app in a uvicorn process of its own, driven by Playwright on the system Chromium.

Playwright cannot download browsers here (and should not in CI): it drives Debian's ``chromium`` through
``executable_path``. Without Chromium or without the playwright package the browser tests are skipped with
the reason; ``.ci/run`` installs Chromium, so in CI they run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CHANNEL_ENV

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DOCS = Path(__file__).resolve().parent.parent / "docs"
START_TIMEOUT_S = 90  # the first start loads the encoder; on two busy cores that takes a while


def chromium_path() -> str | None:
    """The system Chromium (``HUBDESK_CHROMIUM`` overrides), or None."""
    override = os.environ.get("HUBDESK_CHROMIUM")
    for candidate in ((override,) if override else ()) + CHROMIUM_CANDIDATES:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no Chromium at /usr/bin/chromium (apt-get install -y chromium); browser tests skipped"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveApp:
    """A running ``hubdesk run`` on a loopback port with a SQLite database of its own."""

    url: str
    database_url: str
    env: dict[str, str]

    def add_user(self, name: str, role: str = "volunteer", hub_id: str | None = "example") -> str:
        """Create an account in the app's database; returns its access token."""
        from sqlmodel import Session

        from hubdesk.db import make_engine
        from hubdesk.users import create_user

        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                return create_user(session=session, name=name, role=role, hub_id=hub_id)[1]
        finally:
            engine.dispose()

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def log_in(page: Any, app: LiveApp, token: str, lang: str | None = None) -> None:
    """Log a volunteer in: the volunteer page sends them to the one login page and back."""
    from playwright.sync_api import expect

    page.goto(app.url + "/volunteer" + (f"?lang={lang}" if lang else ""))
    page.fill("input[name=token]", token)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator("#queue")).to_be_visible()


def screenshot(page: Any, name: str) -> None:
    """Keep the docs' screenshots current: with ``HUBDESK_SCREENSHOTS=1`` a run writes them into docs/."""
    if os.environ.get("HUBDESK_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name))


def start_app(tmp_path: Path) -> Iterator[LiveApp]:
    """Start the real app (migrations included), wait until it answers, stop it afterwards."""
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'hubdesk.db'}"
    env = {k: v for k, v in os.environ.items() if k not in CHANNEL_ENV and not k.startswith("HUBDESK_")}
    env.update(
        ENVIRONMENT="test",
        HUBDESK_DATABASE_URL=database_url,
        HUBDESK_SECRET_KEY="browser-test-secret-" + uuid.uuid4().hex,
        HUBDESK_LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hubdesk.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    app = LiveApp(url=f"http://127.0.0.1:{port}", database_url=database_url, env=env)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail("hubdesk run exited: " + log_path.read_text(errors="replace")[-2000:])
            try:
                if app.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("hubdesk run did not answer /healthz in time")
            time.sleep(0.2)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
