"""Real-browser tests: the real app in a uvicorn process of its own, driven by Playwright on the system Chromium.

Playwright cannot download browsers here (and should not in CI): it drives Debian's ``chromium`` through
``executable_path``. Without Chromium or without the playwright package the browser tests are skipped with
the reason; ``.ci/run`` installs Chromium, so in CI they run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.utils.live import app_env, hubdesk_run

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DOCS = Path(__file__).resolve().parent.parent / "docs"


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
    database_url = f"sqlite:///{tmp_path / 'hubdesk.db'}"
    env = app_env(tmp_path, database_url, HUBDESK_SECRET_KEY="browser-test-secret-" + uuid.uuid4().hex)
    with hubdesk_run(env, tmp_path / "server.log") as url:
        yield LiveApp(url=url, database_url=database_url, env=env)
