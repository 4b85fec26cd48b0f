"""The knowledge base's schema errors and ``hubdesk kb check``'s editorial rules."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from hubdesk.knowledge_base import KnowledgeBaseError, load_knowledge_base
from hubdesk.knowledge_base.checks import check_knowledge_base
from hubdesk.knowledge_base.loader import DEFAULT_DIR

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge base to break."""
    target = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def article_path(kb_dir: Path, article_id: str = "work-without-permit") -> Path:
    return kb_dir / "articles" / f"{article_id}.yaml"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_shipped_knowledge_base_passes_the_check():
    report = check_knowledge_base(DEFAULT_DIR, today=TODAY)
    assert report.errors == []
    assert report.article_count >= 60


def test_every_topical_category_has_enough_articles():
    kb = load_knowledge_base()
    for category in ("residence", "work", "money", "healthcare", "housing"):
        assert len(kb.in_category(category)) >= 6, category


def test_a_missing_language_names_file_and_field(kb_dir):
    path = article_path(kb_dir)
    edit(path, lambda d: d["answer"].pop("nl"))
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(kb_dir)
    assert f"{path}: answer.nl: Field required" in str(err.value)


def test_broken_yaml_names_the_file_and_line(kb_dir):
    path = article_path(kb_dir)
    path.write_text("id: x\ncategory: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(kb_dir)
    assert str(path) in str(err.value) and "not valid YAML" in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(sources=[]), "sources: List should have at least 1 item"),
        (lambda d: d["sources"][0].update(url="not a link"), "sources.0.url"),
        (lambda d: d["sources"][0].update(url="http://example.org/x"), "https"),
        (lambda d: d.update(category="weather"), "category"),
        (lambda d: d.update(id="Work Permit"), "id"),
        (lambda d: d.update(colour="blue"), "colour: Extra inputs are not permitted"),
        (lambda d: d["answer"].update(uk="Адреса: {hub_street}"), "unknown placeholder"),
    ],
)
def test_schema_errors_are_reported_by_field(kb_dir, change, message):
    edit(article_path(kb_dir), change)
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any(message in line for line in report.errors), report.errors


def test_too_few_phrasings_fail_the_check(kb_dir):
    edit(article_path(kb_dir), lambda d: d["questions"].update(ru=["можно ли работать"]))
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("questions.ru: 1 phrasings, at least 5 needed" in line for line in report.errors)


def test_check_dates_warn_after_six_months_and_fail_after_twelve(kb_dir):
    edit(article_path(kb_dir), lambda d: d.update(checked="2026-03-01"))
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("more than 6 months ago" in w for w in report.warnings)
    assert not any("checked" in e for e in report.errors)
    edit(article_path(kb_dir), lambda d: d.update(checked="2025-10-01"))
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("more than 12 months ago" in e for e in report.errors)


def test_duplicate_ids_fail(kb_dir):
    shutil.copy(article_path(kb_dir), kb_dir / "articles" / "zz-copy.yaml")
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("duplicate id 'work-without-permit'" in e for e in report.errors)


def test_an_uncovered_category_fails(kb_dir):
    for path in (kb_dir / "articles").glob("hub-*.yaml"):
        path.unlink()
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("category 'hub': 0 articles" in e for e in report.errors)


def test_unknown_related_article_fails(kb_dir):
    edit(article_path(kb_dir), lambda d: d.update(related=["no-such-article"]))
    report = check_knowledge_base(kb_dir, today=TODAY)
    assert any("related: unknown article 'no-such-article'" in e for e in report.errors)
