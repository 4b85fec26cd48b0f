"""``pip install .`` as a Python user does it: build the wheel, install it (not editable), run from an empty folder.

The wheel must carry everything HubDesk reads at run time (compiled catalogs, migrations, the knowledge base
and its trained model) under the one import name ``hubdesk``, and keep state out of site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDERS = {"hubdesk": "hubdesk", "hubdesk/bot": "bot", "hubdesk/api": "api",
           "hubdesk/knowledge_base": "knowledge_base", "hubdesk/migrations": "alembic"}
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", "*.mo", "build", "dist", "*.egg-info",
                              "*.db", "var", "bench", "docs", "tests", ".ci")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of a copy of the checkout (no compiled catalogs in it: the build must compile them)."""
    root = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, root / "src", ignore=SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"),
                    str(root / "src")], check=True, cwd=root, timeout=600)
    (built,) = (root / "dist").glob("hubdesk-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Iterator[dict[str, Path]]:
    """The wheel installed into a folder of its own; dependencies come from this environment."""
    root = wheel.parent.parent
    site, home, work = root / "site", root / "home", root / "empty"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, timeout=300)
    home.mkdir()
    work.mkdir()
    yield {"site": site, "home": home, "work": work}


def _env(installed: dict[str, Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUBDESK_", "TELEGRAM_", "WHATSAPP_", "XDG_")) and k != "ENVIRONMENT"}
    env.update(PYTHONPATH=str(installed["site"]), HOME=str(installed["home"]))  # ahead of the editable checkout
    return env


def _hubdesk(installed: dict[str, Path], *args: str, stdin: str | None = None,
             **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubdesk.cli", *args], env=_env(installed) | extra_env,
                          cwd=installed["work"], input=stdin, capture_output=True, text=True, timeout=180)


def test_the_wheel_holds_catalogs_migrations_and_content_under_one_name(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"hubdesk"}, top
    for lang in ("uk", "nl", "en"):
        assert f"hubdesk/locales/{lang}/LC_MESSAGES/hubdesk.mo" in names
    assert {"hubdesk/migrations/env.py", "hubdesk/migrations/script.py.mako",
            "hubdesk/knowledge_base/model/understanding.npz", "hubdesk/knowledge_base/categories.yaml",
            *(f"hubdesk/api/static/{p.name}" for p in (REPO / "api" / "static").iterdir() if p.is_file()),
            *(f"hubdesk/knowledge_base/{p.relative_to(REPO / 'knowledge_base').as_posix()}"
              for p in (REPO / "knowledge_base" / "corpus").rglob("*.jsonl"))} <= names
    articles = [n for n in names if n.startswith("hubdesk/knowledge_base/articles/") and n.endswith(".yaml")]
    assert len(articles) == len(list((REPO / "knowledge_base" / "articles").glob("*.yaml")))
    # every module of every folder made it (a new subpackage cannot be forgotten by setup.py)
    for target, folder in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            assert f"{target}/{path.relative_to(REPO / folder).as_posix()}" in names, path


def test_the_installed_package_alone_is_imported(installed: dict[str, Path]) -> None:
    """This environment's editable install of the checkout must not fill in what the wheel lacks."""
    code = ("import importlib, pkgutil, hubdesk, sys\n"
            "for m in pkgutil.walk_packages(hubdesk.__path__, 'hubdesk.'):\n"
            "    if not m.name.startswith('hubdesk.migrations') and not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n"
            "print('\\n'.join(sorted({getattr(v, '__file__', None) or '' for k, v in sys.modules.items()"
            " if k.startswith('hubdesk')})))")
    files = subprocess.run([sys.executable, "-c", code], env=_env(installed), cwd=installed["work"],
                           capture_output=True, text=True, timeout=180, check=True).stdout.split()
    assert len(files) > 60
    assert all(Path(f).is_relative_to(installed["site"]) for f in files), [f for f in files if "site" not in f][:5]


def test_ask_users_and_stats_work_from_an_empty_folder(installed: dict[str, Path]) -> None:
    site = installed["site"]
    assert not any((site / name).exists() for name in ("api", "bot", "knowledge_base", "locales", "alembic"))
    asked = _hubdesk(installed, "ask", "--json", "як знайти сімейного лікаря?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["category"] == "healthcare" and answer["reply_language"] == "uk", answer
    assert "huisarts" in answer["text"]
    added = _hubdesk(installed, "users", "add", "Olena", "--role", "coordinator")
    assert added.returncode == 0, added.stderr
    assert _hubdesk(installed, "users", "list").stdout.count("Olena") == 1
    stats = _hubdesk(installed, "stats", "--month", "2026-11", "--format", "csv")
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.splitlines()[1].startswith("report,month,2026-11,"), stats.stdout[:200]
    data = installed["home"] / ".local" / "share" / "hubdesk"
    assert (data / "hubdesk.db").is_file()  # the platform data directory, never site-packages or the cwd
    assert not list(site.rglob("*.db")) and not list(installed["work"].iterdir())


def test_writing_the_knowledge_base_refuses_the_installed_copy(installed: dict[str, Path]) -> None:
    """An import or a model build into site-packages would be lost at the next upgrade: refused, with the way
    out; the same import into a copy of the hub's own (HUBDESK_KB_DIR) goes through."""
    shipped = installed["site"] / "hubdesk" / "knowledge_base"
    before = sorted(p.relative_to(shipped) for p in shipped.rglob("*"))
    bundle = installed["home"] / "bundle.yaml"
    exported = _hubdesk(installed, "export", "--out", str(bundle))
    assert exported.returncode == 0, exported.stderr
    for args in (["import", str(bundle), "--force"], ["model", "build"]):
        refused = _hubdesk(installed, *args)
        assert refused.returncode == 1, (args, refused.stdout, refused.stderr)
        assert "inside the installed package" in refused.stderr and "HUBDESK_KB_DIR" in refused.stderr
    assert sorted(p.relative_to(shipped) for p in shipped.rglob("*")) == before
    own = installed["home"] / "own-kb"
    shutil.copytree(shipped, own)
    imported = _hubdesk(installed, "import", str(bundle), "--force", HUBDESK_KB_DIR=str(own))
    assert imported.returncode == 0, imported.stderr
    assert f"imported into {own}" in imported.stdout


def test_run_is_ready(installed: dict[str, Path]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = installed["home"] / "run.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "hubdesk.cli", "run", "--port", str(port)],
                                  env=_env(installed), cwd=installed["work"], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline, ready = time.monotonic() + 90, None
        while ready is None:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    ready = json.load(response)
            except OSError:
                time.sleep(0.3)
        assert ready["status"] == "ready", ready
        assert ready["checks"]["migrations"]["ok"] is True
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert f"data directory {installed['home'] / '.local' / 'share' / 'hubdesk'}" in log.read_text()
