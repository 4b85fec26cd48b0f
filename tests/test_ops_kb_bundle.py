"""``hubdesk export`` / ``hubdesk import``: a byte-identical round trip, merging, --force, broken bundles."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from hubdesk.cli import build_parser
from hubdesk.kb_bundle import kb_files
from hubdesk.settings import get_settings, shipped

SOURCE = shipped("knowledge_base", "knowledge_base")


def load(text: str):  # type: ignore[no-untyped-def]
    return yaml.load(text, Loader=yaml.CSafeLoader)


def dump(data, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return yaml.dump(data, Dumper=yaml.CSafeDumper, **kwargs)


def hubdesk(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(args) or 0)


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty knowledge-base directory that the commands use as HUBDESK_KB_DIR."""
    directory = tmp_path / "kb"
    directory.mkdir()
    monkeypatch.setenv("HUBDESK_KB_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


def export_source(tmp_path: Path, name: str = "bundle.yaml") -> Path:
    """Export the shipped knowledge base (whatever HUBDESK_KB_DIR says now is restored afterwards)."""
    out = tmp_path / name
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUBDESK_KB_DIR", str(SOURCE))
        get_settings.cache_clear()
        assert hubdesk("export", "--out", str(out)) == 0
    get_settings.cache_clear()
    return out


@pytest.mark.parametrize("name", ["bundle.yaml", "bundle.json"])
def test_export_then_import_gives_back_every_file_byte_for_byte(
    tmp_path: Path, kb_dir: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = export_source(tmp_path, name)
    data = json.loads(bundle.read_text()) if name.endswith(".json") else load(bundle.read_text())
    source_files = kb_files(SOURCE)
    assert data["format"] == "hubdesk-kb-bundle" and data["version"] == 1
    assert data["articles"] == len([n for n in source_files if n.startswith("articles/")]) > 10
    assert hubdesk("import", str(bundle)) == 0
    assert kb_files(kb_dir) == source_files  # every file, exact text: comments and layout survive
    out = capsys.readouterr().out
    assert f"{len(source_files)} new, 0 replaced" in out
    # importing the same bundle again changes nothing and needs no --force
    assert hubdesk("import", str(bundle)) == 0
    assert f"0 new, 0 replaced, {len(source_files)} unchanged" in capsys.readouterr().out


def test_export_refuses_to_overwrite_a_file_silently(tmp_path: Path, kb_dir: Path) -> None:
    out = tmp_path / "bundle.yaml"
    out.write_text("precious")
    shutil.copytree(SOURCE, kb_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert hubdesk("export", "--out", str(out)) == 1
    assert out.read_text() == "precious"
    assert hubdesk("export", "--out", str(out), "--force") == 0
    assert load(out.read_text())["format"] == "hubdesk-kb-bundle"


def test_a_changed_article_is_replaced_only_with_force_and_local_articles_and_hubs_are_kept(
    tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = export_source(tmp_path)
    assert hubdesk("import", str(bundle)) == 0
    # this hub has its own hub details and one article of its own
    local_hubs = (kb_dir / "hubs.yaml").read_text().replace("Voorbeeldstraat 1", "Oudegracht 99")
    (kb_dir / "hubs.yaml").write_text(local_hubs)
    own = kb_dir / "articles" / "zz-local.yaml"
    first_article = sorted((kb_dir / "articles").glob("*.yaml"))[0]
    own_data = load(first_article.read_text())
    own_data["id"] = "zz-local"
    own.write_text(dump(own_data, allow_unicode=True))
    # the other hub improved an article
    data = load(bundle.read_text())
    name = f"articles/{first_article.name}"
    data["files"][name] = data["files"][name].replace("checked:", "# reviewed again\nchecked:", 1)
    bundle.write_text(dump(data, allow_unicode=True))
    before = first_article.read_text()

    assert hubdesk("import", str(bundle)) == 1
    assert "--force" in capsys.readouterr().err
    assert first_article.read_text() == before  # nothing written

    assert hubdesk("import", str(bundle), "--force") == 0
    assert "# reviewed again" in first_article.read_text()
    assert own.exists()  # a local article the bundle lacks is kept
    assert "Oudegracht 99" in (kb_dir / "hubs.yaml").read_text()  # and so are this hub's details
    assert "1 local articles kept, hubs.yaml kept" in capsys.readouterr().out

    assert hubdesk("import", str(bundle), "--force", "--include-hubs") == 0
    assert "Voorbeeldstraat 1" in (kb_dir / "hubs.yaml").read_text()


def _broken(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    bundle = export_source(tmp_path)
    data = load(bundle.read_text())
    edit(data["files"])
    bundle.write_text(dump(data, allow_unicode=True))
    return bundle


def _first_article(files: dict[str, str]) -> str:
    return sorted(name for name in files if name.startswith("articles/"))[0]


BROKEN = {
    "invalid YAML": lambda files: files.__setitem__(_first_article(files), "id: [unclosed\n"),
    "missing field": lambda files: files.__setitem__(
        _first_article(files), files[_first_article(files)].replace("category:", "kategorie:", 1)
    ),
    "unknown category": lambda files: files.__setitem__(
        "articles/extra.yaml",
        re.sub(r"(?m)^category: .*$", "category: pets", files[_first_article(files)].replace("id: ", "id: x-", 1)),
    ),
    "path outside the knowledge base": lambda files: files.__setitem__("../../etc/evil.yaml", "x: 1\n"),
    "duplicate id in another file": lambda files: files.__setitem__("articles/copy.yaml", files[_first_article(files)]),
}


@pytest.mark.parametrize("problem", list(BROKEN))
def test_a_broken_bundle_writes_nothing(
    tmp_path: Path, kb_dir: Path, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _broken(tmp_path, BROKEN[problem])
    assert hubdesk("import", str(bundle)) == 1
    assert list(kb_dir.iterdir()) == []  # nothing written, not even the valid files
    err = capsys.readouterr().err
    assert err.startswith("hubdesk import: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "text", ["", "just: yaml\n", "format: hubdesk-kb-bundle\nversion: 99\nfiles: {}\n", "\x00\x01not text"]
)
def test_not_a_bundle_is_refused_politely(
    tmp_path: Path, kb_dir: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "thing.yaml"
    path.write_text(text)
    assert hubdesk("import", str(path)) == 1
    assert "hubdesk import: " in capsys.readouterr().err
    assert list(kb_dir.iterdir()) == []
    assert hubdesk("import", str(tmp_path / "missing.yaml")) == 1
