"""Where HubDesk keeps state and caches when nothing is set: read from the environment of the moment."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk.settings import PACKAGE, Settings, in_installed_package


def test_defaults_follow_home_and_xdg_when_the_settings_are_read(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    for name in ("HUBDESK_DATA_DIR", "HUBDESK_CACHE_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    settings = Settings(_env_file=None)
    assert settings.HUBDESK_DATA_DIR == tmp_path / "home" / ".local" / "share" / "hubdesk"
    assert settings.HUBDESK_CACHE_DIR == tmp_path / "home" / ".cache" / "hubdesk"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert Settings(_env_file=None).HUBDESK_CACHE_DIR == tmp_path / "cache" / "hubdesk"


def test_a_checkout_is_not_an_installed_package() -> None:
    """In a source tree the knowledge base is the project's own and may be written; the installed case is
    tested on a real wheel in tests/test_packaging.py."""
    assert (PACKAGE.parent / "pyproject.toml").is_file()
    assert not in_installed_package(PACKAGE / "knowledge_base")
