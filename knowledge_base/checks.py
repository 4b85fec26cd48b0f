"""``hubdesk kb check``: the editorial rules on top of the schema.

The schema makes a file loadable; these checks make it publishable: every language present, enough
phrasings to be found, sources, a recent check date, and every category covered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from hubdesk.knowledge_base.corpus import load_corpus
from hubdesk.knowledge_base.loader import KnowledgeBaseError, load_knowledge_base
from hubdesk.knowledge_base.schema import TOPICAL_CATEGORY_IDS

MIN_PHRASINGS = {"uk": 8, "nl": 5, "ru": 5, "en": 5}
MIN_ARTICLES_PER_CATEGORY = 8
MIN_VISITOR_MESSAGES = 30  # visitor-style corpus lines per article (knowledge_base/corpus/visitor/)
OLD_SOURCE = dt.timedelta(days=730)  # a changing rule resting only on sources older than this needs a new look
ERROR_AGE = dt.timedelta(days=365)  # older than 12 months: not served as current
WARN_AGE = dt.timedelta(days=183)  # older than 6 months: time to check again
MAX_ANSWER_WORDS = 160  # the style guide says about 120; this catches the ones that ran away


@dataclass
class Report:
    article_count: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_knowledge_base(directory: Path | None = None, today: dt.date | None = None) -> Report:
    """Load and check everything; never raises for content problems, reports them."""
    today = today or dt.date.today()
    report = Report()
    try:
        kb = load_knowledge_base(directory)
    except KnowledgeBaseError as exc:
        report.errors.extend(exc.problems)
        return report
    report.article_count = len(kb.articles)
    for article_id, article in kb.articles.items():
        where = kb.source_files.get(article_id, article_id)
        for lang, minimum in MIN_PHRASINGS.items():
            count = len(getattr(article.questions, lang))
            if count < minimum:
                report.errors.append(f"{where}: questions.{lang}: {count} phrasings, at least {minimum} needed")
        age = today - article.checked
        if article.checked > today:
            report.errors.append(f"{where}: checked: {article.checked} is in the future")
        elif age > ERROR_AGE:
            report.errors.append(f"{where}: checked: {article.checked} is more than 12 months ago")
        elif age > WARN_AGE:
            report.warnings.append(f"{where}: checked: {article.checked} is more than 6 months ago")
        for rel in article.related:
            if rel not in kb.articles:
                report.errors.append(f"{where}: related: unknown article '{rel}'")
        if article.changing:
            if article.rule_date is None:
                report.errors.append(f"{where}: rule_date: a changing rule needs the date of its newest official "
                                     "statement")
            elif article.rule_date > today:
                report.errors.append(f"{where}: rule_date: {article.rule_date} is in the future")
            dated = [s.date for s in article.sources if s.date is not None]
            if not dated or max(dated) < today - OLD_SOURCE:
                newest = max(dated).isoformat() if dated else "no dated source"
                report.warnings.append(f"{where}: sources: a changing rule whose newest source is older than two "
                                       f"years ({newest}); look for a newer official statement")
        for lang in ("uk", "nl", "en"):
            n = len(article.answer.get(lang).split())
            if n > MAX_ANSWER_WORDS:
                report.warnings.append(f"{where}: answer.{lang}: {n} words, keep it near 120")
    for category in TOPICAL_CATEGORY_IDS:
        count = len(kb.in_category(category))
        if count < MIN_ARTICLES_PER_CATEGORY:
            report.errors.append(
                f"category '{category}': {count} articles, at least {MIN_ARTICLES_PER_CATEGORY} needed"
            )
    _check_corpus(directory, kb.articles, report)
    missing_names = set(TOPICAL_CATEGORY_IDS) - set(kb.categories)
    for category in sorted(missing_names):
        report.errors.append(f"categories.yaml: category '{category}' is missing")
    return report


def _check_corpus(directory: Path | None, articles: dict, report: Report) -> None:
    """The training corpus: readable, pointing at real articles, enough visitor messages per article."""
    try:
        corpus = load_corpus(directory, set(articles))
    except KnowledgeBaseError as exc:
        report.errors.extend(exc.problems)
        return
    for article_id in articles:
        count = len(corpus.visitor.get(article_id, []))
        if count < MIN_VISITOR_MESSAGES:  # a warning: a hub's own new article may start without one
            report.warnings.append(f"corpus/visitor/{article_id}.jsonl: {count} visitor messages; with fewer "
                                   f"than {MIN_VISITOR_MESSAGES} the article is found mostly by its phrasings")
