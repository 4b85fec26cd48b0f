"""The knowledge base as one file, for sharing between hubs: ``hubdesk export`` / ``hubdesk import``.

A bundle holds the exact text of every YAML file (categories.yaml, hubs.yaml, lexicon.yaml, articles/*.yaml) and of
the training corpus (corpus/**.jsonl: how visitors ask for each article, the crisis corpus), so comments and
layout survive and a round trip is byte-identical. The trained model is not in it: it is built from these files
(``hubdesk model build`` after an import). It is YAML (multi-line texts as literal blocks, pleasant to
review) or JSON when the file name ends in ``.json``.

Import merges: files in the bundle are added or replaced, local articles the bundle lacks are kept, and
``hubs.yaml`` (your hub's address and hours) is only taken with ``include_hubs``. Everything is validated first
(the merged result must pass ``hubdesk kb check`` without errors) and nothing is written unless it is valid;
replacing a file that differs needs ``force``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hubdesk.knowledge_base.checks import check_knowledge_base
from hubdesk.knowledge_base.corpus import corpus_files
from hubdesk.knowledge_base.loader import SAFE_LOADER, article_files

FORMAT = "hubdesk-kb-bundle"
VERSION = 1
HUBS_FILE = "hubs.yaml"
# Every path a bundle may name; anything else (../, absolute paths, other files) is refused.
ALLOWED_PATH = re.compile(
    r"^(categories\.yaml|hubs\.yaml|lexicon\.yaml|articles/[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.yaml"
    r"|corpus/(visitor|crisis|intents)/[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.jsonl|corpus/offtopic[A-Za-z0-9_.-]{0,60}\.jsonl)$"
)


class BundleError(Exception):
    """The bundle is unreadable or invalid, or the import would overwrite without ``force``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportPlan:
    """What an import does: new files, changed files, files already identical, local articles kept."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # hubs.yaml without include_hubs
    warnings: list[str] = field(default_factory=list)


def kb_files(directory: Path) -> dict[str, str]:
    """Relative path -> text of every knowledge-base file (YAML and corpus) under ``directory``."""
    paths = [directory / "categories.yaml", directory / HUBS_FILE, directory / "lexicon.yaml",
             *article_files(directory), *corpus_files(directory)]
    return {p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8") for p in paths if p.exists()}


class _Dumper(yaml.SafeDumper):  # the pure-Python emitter: libyaml would quote every text with an emoji
    """Multi-line strings as literal blocks, so a bundle reads like the YAML files it carries."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def export_bundle(directory: Path, out: Path, *, today: dt.date | None = None) -> int:
    """Write the knowledge base under ``directory`` to ``out``; refuses a knowledge base with errors.

    Returns the number of articles.
    """
    report = check_knowledge_base(directory, today=today)
    if report.errors:
        raise BundleError(["the knowledge base has errors (run `hubdesk kb check`):", *report.errors])
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "exported": (today or dt.date.today()).isoformat(),
        "articles": report.article_count,
        "files": kb_files(directory),
    }
    if out.suffix == ".json":
        text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    else:
        text = yaml.dump(bundle, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    out.write_text(text, encoding="utf-8")
    return report.article_count


def read_bundle(path: Path) -> dict[str, str]:
    """The files of a bundle, checked for shape and safe paths (not yet for content)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError([f"{path}: cannot read: {exc}"]) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=SAFE_LOADER)
    except (ValueError, yaml.YAMLError) as exc:
        raise BundleError([f"{path}: not a readable bundle: {exc}"]) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError([f"{path}: not a HubDesk knowledge-base bundle (format: {FORMAT} missing)"])
    if data.get("version") != VERSION:
        raise BundleError([f"{path}: bundle version {data.get('version')!r}; this HubDesk reads version {VERSION}"])
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        raise BundleError([f"{path}: the bundle has no files"])
    problems = [
        f"{path}: files: {name!r} is not a knowledge-base file name" for name in files if not ALLOWED_PATH.match(name)
    ]
    problems += [f"{path}: files: {name}: not text" for name, body in files.items() if not isinstance(body, str)]
    if "categories.yaml" not in files or not any(name.startswith("articles/") for name in files):
        problems.append(f"{path}: files: a bundle needs categories.yaml and at least one article")
    if problems:
        raise BundleError(problems)
    return dict(files)


def plan_import(
    files: dict[str, str], directory: Path, *, include_hubs: bool = False, today: dt.date | None = None
) -> ImportPlan:
    """Validate the merged result in a scratch copy and say what would change; raises ``BundleError``."""
    plan = ImportPlan()
    local = kb_files(directory) if directory.exists() else {}
    incoming = {name: body for name, body in files.items() if include_hubs or name != HUBS_FILE}
    if HUBS_FILE in files and not include_hubs:
        if local.get(HUBS_FILE, files[HUBS_FILE]) == files[HUBS_FILE]:  # none here (or the same): take it
            incoming[HUBS_FILE] = files[HUBS_FILE]
        else:
            plan.skipped.append(HUBS_FILE)
    for name, body in sorted(incoming.items()):
        if name not in local:
            plan.new.append(name)
        elif local[name] != body:
            plan.changed.append(name)
        else:
            plan.unchanged.append(name)
    plan.kept = sorted(name for name in local if name.startswith("articles/") and name not in incoming)
    with tempfile.TemporaryDirectory(prefix="hubdesk-import-") as scratch:
        merged = Path(scratch)
        for name, body in {**local, **incoming}.items():
            (merged / name).parent.mkdir(parents=True, exist_ok=True)
            (merged / name).write_text(body, encoding="utf-8")
        report = check_knowledge_base(merged, today=today)
    if report.errors:
        shown = [line.replace(str(merged) + "/", "") for line in report.errors]
        raise BundleError(["the bundle does not make a valid knowledge base; nothing was written:", *shown])
    plan.warnings = [line.replace(str(merged) + "/", "") for line in report.warnings]
    return plan


def import_bundle(
    path: Path, directory: Path, *, force: bool = False, include_hubs: bool = False, today: dt.date | None = None
) -> ImportPlan:
    """Validate, then write the bundle's files into ``directory``. Changed files need ``force``."""
    files = read_bundle(path)
    plan = plan_import(files, directory, include_hubs=include_hubs, today=today)
    if plan.changed and not force:
        raise BundleError([
            f"{len(plan.changed)} file(s) would be replaced: {', '.join(plan.changed[:10])}"
            f"{' ...' if len(plan.changed) > 10 else ''}",
            "nothing was written; run again with --force to replace them",
        ])
    for name in plan.new + plan.changed:
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(target.name + ".importing")
        scratch.write_text(files[name], encoding="utf-8")
        shutil.move(scratch, target)  # a reader never sees half a file
    return plan
