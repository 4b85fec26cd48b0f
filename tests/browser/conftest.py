"""Fixtures of the real-browser tests (see tests/browser_harness.py): the running app and a Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_harness import LiveApp, chromium_path, skip_reason, start_app

REASON = skip_reason()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every browser test ``browser``; skip them, saying why, where there is no Chromium or playwright."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if REASON is not None:
                item.add_marker(pytest.mark.skip(reason=REASON))


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The real app on a free loopback port, on a SQLite database of this test's own."""
    yield from start_app(tmp_path)


# Module scope, not session: while Playwright's sync API is open it keeps an event loop running in this thread,
# and every pytest-asyncio test after the browser tests would then fail ("another loop is running").
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """``new_page(viewport=..., locale=...)``: a page in a fresh browser context (its own storage)."""
    contexts = []

    def make(*, viewport: dict[str, int] | None = None, locale: str = "en-US") -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
