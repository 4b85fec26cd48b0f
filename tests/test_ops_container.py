"""The container's commands, run here without Docker: a non-editable install of the image's build context, the
Dockerfile's start script and its HEALTHCHECK command, exactly as written in the Dockerfile."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _ignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip().removeprefix("**/") for line in lines if line.strip() and not line.startswith("#")]


def _copy_context(target: Path) -> None:
    """``COPY . /app`` minus .dockerignore (its patterns are plain names and globs, matched per path part)."""
    patterns = _ignore_patterns()

    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = Path(directory).relative_to(REPO)
        return {n for n in names if any(fnmatch.fnmatch(n, p) or fnmatch.fnmatch(str(rel / n), p) for p in patterns)}

    shutil.copytree(REPO, target, ignore=ignore)
    if not (target / "README.md").exists():  # pyproject names it; the lead's README may not be written yet
        (target / "README.md").write_text("HubDesk\n")


def _dockerfile_healthcheck() -> list[str]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile has no HEALTHCHECK ... CMD [...]"
    import json

    return json.loads(match.group(1))


def _dockerfile_cmd() -> str:
    match = re.search(r'^CMD \["([^"]+)"\]\s*$', (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile has no CMD"
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """/app (the build context) and a non-editable install of it, as the Dockerfile does (dependencies from .venv)."""
    root = tmp_path_factory.mktemp("image")
    app, site = root / "app", root / "site"
    _copy_context(app)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(app)],
        check=True, cwd=root, timeout=300,
    )
    yield {"root": root, "app": app, "site": site}


def _env(image: dict[str, Path], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUBDESK_", "TELEGRAM_", "WHATSAPP_"))}
    env.update(
        PYTHONPATH=str(image["site"]),  # ahead of .venv's editable install of the checkout
        PATH=f"{image['site'] / 'bin'}:{BIN}:{env.get('PATH', '')}",
        ENVIRONMENT="development",
    )
    env.update(extra)
    return env


def test_a_non_editable_install_has_its_knowledge_base(image: dict[str, Path]) -> None:
    """The YAML files come from the installed package (package data), not from /app."""
    env = _env(image)
    where = subprocess.run(
        [sys.executable, "-c", "import hubdesk.knowledge_base as kb; print(kb.__file__)"],
        env=env, cwd=image["root"], capture_output=True, text=True, check=True,
    ).stdout.split()
    assert all(Path(path).is_relative_to(image["site"]) for path in where), where
    check = subprocess.run(
        ["hubdesk", "kb", "check"], env=env, cwd=image["root"], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"^[1-9]\d* articles, 0 errors", check.stdout, re.MULTILINE), check.stdout


def test_the_container_command_migrates_serves_and_passes_its_healthcheck(image: dict[str, Path]) -> None:
    port = _free_port()
    env = _env(
        image,
        HUBDESK_DATA_DIR=str(image["root"] / "data"),
        HUBDESK_HOST="127.0.0.1",
        HUBDESK_PORT=str(port),
        HUBDESK_LOG_FORMAT="json",
    )
    start = image["app"] / _dockerfile_cmd().removeprefix("/app/")
    log = (image["root"] / "server.log").open("w")
    server = subprocess.Popen([str(start)], env=env, cwd=image["root"], stdout=log, stderr=subprocess.STDOUT)
    try:
        healthcheck = _dockerfile_healthcheck()
        assert healthcheck[0] == "python"
        healthcheck[0] = sys.executable
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(healthcheck, env=env, capture_output=True, timeout=10)
            if probe.returncode == 0:
                break
            assert server.poll() is None, (image["root"] / "server.log").read_text()
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            ready = __import__("json").load(response)
        poll = f"http://127.0.0.1:{port}/api/v1/chat/updates?session=Visitor-Session-0042"
        with urllib.request.urlopen(poll, timeout=10) as response:
            assert response.status == 200
        assert ready["status"] == "ready"
        assert ready["checks"]["knowledge_base"]["articles"] > 10
        assert ready["checks"]["migrations"]["ok"] is True
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert (image["root"] / "data" / "hubdesk.db").is_file()  # state in HUBDESK_DATA_DIR, not in /app
    lines = (image["root"] / "server.log").read_text().splitlines()
    assert any('"logger": "uvicorn.access"' in line and "/readyz" in line for line in lines), lines[-5:]
    polls = [line for line in lines if "/api/v1/chat/updates" in line]
    assert polls and not any("Visitor-Session-0042" in line or "127.0.0.1:" in line for line in polls), polls
    # the start script's own command line, for the record
    assert shlex.split(start.read_text().splitlines()[-1])[:3] == ["exec", "hubdesk", "run"]
