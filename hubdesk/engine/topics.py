"""Which article answers a question: meaning and form, fused by a trained model.

Two rankers look at every question:

- the semantic head, a small network over the encoder's embedding trained on every article's phrasings,
  titles and visitor-style corpus, plus an "off topic" class trained on messages no article answers;
- the lexical matcher (``matcher``), strong on names and compounds the encoder blurs (leefgeld, DigiD,
  BSN, kinderopvangtoeslag) and on transliteration.

Their top candidates meet in one table of features (probability and rank in each, the category's share,
the lead over the runner-up) and a logistic model, trained on out-of-fold predictions for the visitor
corpus, gives each candidate the probability that it is the right article. Two thresholds on that
probability, also chosen on out-of-fold data by ``training``, decide: answer, offer a choice, or say
honestly that nothing fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hubdesk.engine.heads import Ensemble, Softmax
from hubdesk.engine.matcher import Ranked
from hubdesk.knowledge_base.schema import Article

CANDIDATES = 8  # from each ranker
# The semantic head's classes after the articles: messages that are no question for any article.
NON_ARTICLE_CLASSES = ("offtopic", "greeting", "thanks", "human")
INTENT_CLASSES = NON_ARTICLE_CLASSES[1:]
FEATURES = (
    "sem_p", "sem_log_p", "sem_is_top", "sem_rank", "sem_offtopic", "sem_intent", "sem_top_p", "sem_category_p",
    "lex_score", "lex_coverage", "lex_is_top", "lex_rank", "lex_top_score", "lex_lead", "lex_category_score",
)


@dataclass(frozen=True)
class Candidate:
    article: Article
    probability: float  # fused: the chance this is the right article


def candidate_table(
    sem: np.ndarray | None,
    lexical: Sequence[Ranked],
    article_ids: Sequence[str],
    categories: Sequence[str],
) -> tuple[list[str], np.ndarray]:
    """The candidate article ids of one question and their feature rows (``FEATURES`` columns).

    ``sem`` holds the semantic head's probabilities (one per ``article_ids`` entry, then one per
    ``NON_ARTICLE_CLASSES``), or None without the encoder. ``categories[i]`` is the category of ``article_ids[i]``.
    """
    index = {a: i for i, a in enumerate(article_ids)}
    n = len(article_ids)
    sem_articles = sem[:n] if sem is not None else np.zeros(n, np.float32)
    offtopic = float(sem[n]) if sem is not None else 0.0
    intent = float(sem[n + 1 :].sum()) if sem is not None else 0.0
    order = np.argsort(-sem_articles)[:CANDIDATES] if sem is not None else np.zeros(0, int)
    sem_rank = {article_ids[i]: r for r, i in enumerate(order)}
    lex = {r.article.id: (k, r.score, r.coverage) for k, r in enumerate(lexical[:CANDIDATES])}
    category_p: dict[str, float] = {}
    for i, p in enumerate(sem_articles):
        category_p[categories[i]] = category_p.get(categories[i], 0.0) + float(p)
    lex_category: dict[str, float] = {}
    for r in lexical[:CANDIDATES]:
        lex_category[r.article.category] = max(lex_category.get(r.article.category, 0.0), r.score)
    top_sem = float(sem_articles[order[0]]) if len(order) else 0.0
    top_lex = lexical[0].score if lexical else 0.0
    second_lex = lexical[1].score if len(lexical) > 1 else 0.0
    ids = list(dict.fromkeys([*(article_ids[i] for i in order), *lex]))
    category_of = {r.article.id: r.article.category for r in lexical}
    rows = []
    for article_id in ids:
        i = index.get(article_id)
        p = float(sem_articles[i]) if i is not None else 0.0
        rank = sem_rank.get(article_id, CANDIDATES)
        k, score, coverage = lex.get(article_id, (CANDIDATES, 0.0, 0.0))
        category = categories[i] if i is not None else category_of.get(article_id, "")
        rows.append([
            p, np.log(p + 1e-6), float(rank == 0), rank / CANDIDATES, offtopic, intent, top_sem,
            category_p.get(category, 0.0),
            score, coverage, float(k == 0), k / CANDIDATES, top_lex, score - (second_lex if k == 0 else top_lex),
            lex_category.get(category, 0.0),
        ])
    return ids, np.asarray(rows, np.float32).reshape(len(ids), len(FEATURES))


@dataclass(frozen=True)
class Thresholds:
    """On a candidate's probability: answer at or above ``answer_at``, offer a choice from ``choose_at``."""

    answer_at: float
    choose_at: float


@dataclass(frozen=True)
class TopicModel:
    article_ids: tuple[str, ...]  # the semantic head's classes, then "off topic"
    categories: tuple[str, ...]
    semantic: Ensemble
    fusion: Softmax  # over candidate_table rows: (wrong, right)
    fusion_lexical: Softmax  # the same, trained on rows without the semantic head (the encoder is down)
    thresholds: dict[str, Thresholds]  # per mode: fused, lexical, semantic
    intent_at: float  # a non-article class this probable is the message's intent (small talk, a person)

    def semantic_proba(self, vector: np.ndarray | None) -> np.ndarray | None:
        return self.semantic.proba(vector)[0] if vector is not None else None

    def intent(self, sem: np.ndarray | None) -> str | None:
        """greeting, thanks or human when the semantic head is sure the message is that and no question."""
        if sem is None:
            return None
        n = len(self.article_ids) + 1
        best = int(np.argmax(sem[n:]))
        return INTENT_CLASSES[best] if float(sem[n + best]) >= self.intent_at else None

    def rank(self, sem: np.ndarray | None, lexical: Sequence[Ranked], articles: dict[str, Article],
             limit: int = 5, mode: str = "fused") -> tuple[list[Candidate], Thresholds]:
        """Candidates best first and the thresholds that apply to them, from the semantic head's
        probabilities (None without the encoder) and the lexical matcher's ranking. Articles missing from
        ``articles`` (a model older than the knowledge base) are skipped; ``mode`` "semantic" ranks by the
        semantic head alone, which only the benchmark uses, to show what fusion adds."""
        if mode == "lexical":
            sem = None
        if mode == "semantic" and sem is not None:
            order = np.argsort(-sem[: len(self.article_ids)])
            ranked = [(self.article_ids[i], float(sem[i])) for i in order[: limit * 2]]
            return [Candidate(articles[a], p) for a, p in ranked if a in articles][:limit], self.thresholds["semantic"]
        ids, rows = candidate_table(sem, lexical, self.article_ids, self.categories)
        mode = "fused" if sem is not None else "lexical"
        if not ids:
            return [], self.thresholds[mode]
        p = (self.fusion if sem is not None else self.fusion_lexical).proba(rows)[:, 1]
        ranked = sorted(zip(ids, p, strict=True), key=lambda kv: -kv[1])
        return [Candidate(articles[a], float(q)) for a, q in ranked if a in articles][:limit], self.thresholds[mode]

    def to_arrays(self) -> dict[str, np.ndarray]:
        modes = sorted(self.thresholds)
        return {
            "topic_ids": np.array(self.article_ids, dtype=str),
            "topic_categories": np.array(self.categories, dtype=str),
            **self.semantic.to_arrays("topic_sem"),
            **self.fusion.to_arrays("topic_fusion"),
            **self.fusion_lexical.to_arrays("topic_fusion_lex"),
            "topic_threshold_modes": np.array(modes, dtype=str),
            "topic_thresholds": np.array([[self.thresholds[m].answer_at, self.thresholds[m].choose_at]
                                          for m in modes], np.float32),
            "topic_intent_at": np.array(self.intent_at, np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TopicModel:
        thresholds = {str(m): Thresholds(float(a), float(c)) for m, (a, c) in
                      zip(arrays["topic_threshold_modes"].tolist(), arrays["topic_thresholds"], strict=True)}
        return cls(
            tuple(arrays["topic_ids"].tolist()), tuple(arrays["topic_categories"].tolist()),
            Ensemble.from_arrays(arrays, "topic_sem"), Softmax.from_arrays(arrays, "topic_fusion"),
            Softmax.from_arrays(arrays, "topic_fusion_lex"), thresholds, float(arrays["topic_intent_at"]),
        )
