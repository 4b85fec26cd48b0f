"""Load and validate the knowledge base; a broken file is reported by file and field, never a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hubdesk.knowledge_base.schema import Article, CategoriesFile, Category, Hub, HubsFile

DEFAULT_DIR = Path(__file__).resolve().parent
M = TypeVar("M", bound=BaseModel)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 7x faster start-up


class KnowledgeBaseError(Exception):
    """One or more files are invalid; ``problems`` holds one readable line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded content. Read-only after loading, so it can be shared between requests."""

    articles: dict[str, Article]
    categories: dict[str, Category]
    hubs: dict[str, Hub]
    source_files: dict[str, Path] = field(default_factory=dict)

    def in_category(self, category: str) -> list[Article]:
        return [a for a in self.articles.values() if a.category == category]

    def hub(self, hub_id: str | None) -> Hub:
        """The named hub, or the first one when the id is unknown or not given."""
        if hub_id and hub_id in self.hubs:
            return self.hubs[hub_id]
        return next(iter(self.hubs.values()))


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)


def _validate(model: type[M], data: Any, path: Path, problems: list[str]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(file)"
            problems.append(f"{path}: {where}: {err['msg']}")
        return None


def _load_file(model: type[M], path: Path, problems: list[str]) -> M | None:
    try:
        data = _read_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        problems.append(f"{path}: not valid YAML{line}: {getattr(exc, 'problem', exc)}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None
    return _validate(model, data, path, problems)


def article_files(directory: Path) -> Iterable[Path]:
    return sorted((directory / "articles").glob("*.yaml"))


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load every file under ``directory``; raise ``KnowledgeBaseError`` listing all problems at once."""
    directory = Path(directory or DEFAULT_DIR)
    problems: list[str] = []
    cats = _load_file(CategoriesFile, directory / "categories.yaml", problems)
    hubs = _load_file(HubsFile, directory / "hubs.yaml", problems)
    articles: dict[str, Article] = {}
    files: dict[str, Path] = {}
    for path in article_files(directory):
        article = _load_file(Article, path, problems)
        if article is None:
            continue
        if article.id in articles:
            problems.append(f"{path}: id: duplicate id '{article.id}' (also in {files[article.id]})")
            continue
        articles[article.id] = article
        files[article.id] = path
    hub_ids: set[str] = set()
    for hub in hubs.hubs if hubs else []:
        if hub.id in hub_ids:
            problems.append(f"{directory / 'hubs.yaml'}: hubs: duplicate hub id '{hub.id}'")
        hub_ids.add(hub.id)
    if not articles and not problems:
        problems.append(f"{directory / 'articles'}: no articles found")
    if problems:
        raise KnowledgeBaseError(problems)
    assert cats is not None and hubs is not None
    return KnowledgeBase(
        articles=articles,
        categories={c.id: c for c in cats.categories},
        hubs={h.id: h for h in hubs.hubs},
        source_files=files,
    )
