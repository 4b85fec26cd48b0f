"""The repository explains itself: README links stay inside it, the architecture page and the proxy example
exist, the proxy publishes every public route, and SQLite's side files are not committed by accident."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

ROOT = Path(__file__).resolve().parent.parent
CADDYFILE = ROOT / "docs" / "deploy" / "Caddyfile"
LINK = re.compile(r"\]\(([^)\s]+)\)")
NOT_PUBLIC = {"/metrics", "/api/docs", "/api/openapi.json", "/api/docs/oauth2-redirect", "/api/redoc"}


def links(markdown: Path) -> list[str]:
    return [target for target in LINK.findall(markdown.read_text(encoding="utf-8")) if "://" not in target]


PAGES = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES)
def test_every_relative_link_points_to_a_file_in_the_repository(page: str) -> None:
    source = ROOT / page
    for target in links(source):
        path = (source.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page} links outside the repository: {target}"
        assert path.exists(), f"{page} links to a missing file: {target}"


def test_the_readme_points_to_the_architecture_and_the_proxy_example() -> None:
    readme = links(ROOT / "README.md")
    assert "docs/architecture.md" in readme and "docs/deploy/Caddyfile" in readme
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for heading in ("## Layers", "## One message, end to end", "## Contracts"):
        assert heading in architecture
    assert "deploy/Caddyfile" in (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def caddy_paths() -> list[str]:
    """Every path the example Caddyfile proxies to HubDesk (``handle <path>`` and ``@name path ...``)."""
    text = CADDYFILE.read_text(encoding="utf-8")
    paths = re.findall(r"^\s*handle (/\S*) \{", text, flags=re.M)
    for line in re.findall(r"^\s*@\w+ path (.+)$", text, flags=re.M):
        paths += line.split()
    return paths


def test_the_proxy_example_publishes_every_public_route_and_keeps_metrics_inside() -> None:
    from hubdesk.api.main import create_app

    paths = caddy_paths()
    routes = {route.path for route in create_app().routes if isinstance(route, APIRoute)}
    public = {re.sub(r"\{[^}]+\}", "x", path) for path in routes - NOT_PUBLIC}
    for path in sorted(public):
        assert any(fnmatch.fnmatchcase(path, pattern) for pattern in paths), f"{path} is not proxied"
    for path in NOT_PUBLIC:
        assert not any(fnmatch.fnmatchcase(path, pattern) for pattern in paths), f"{path} must stay inside"
    text = CADDYFILE.read_text(encoding="utf-8")
    assert "/telegram/webhook" in paths and "/webhooks/whatsapp" in paths
    assert "hub.example.org {" in text  # a named site: Caddy gets the TLS certificate for it


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed (apt-get install caddy)")
def test_caddy_accepts_the_example(tmp_path: Path) -> None:
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["hubdesk.db", "hubdesk.db-wal", "hubdesk.db-shm"])
def test_sqlite_files_are_ignored_by_git(name: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT, timeout=30)
    assert result.returncode == 0, f"{name} is not in .gitignore"
