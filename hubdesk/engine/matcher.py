"""Retrieval over the knowledge base: which articles fit a question, and how well.

Every phrasing, title and keyword set of an article is a small document. A question and each document
become TF-IDF vectors over two feature kinds built from word skeletons (see ``text``):

- stems (the first letters of each word), which survive inflection and transliteration;
- character 4-grams, which survive typos and find the parts of Dutch compounds
  ("kinderopvangtoeslag" shares grams with "kinderopvang" and "toeslag").

IDF is counted over *articles*, not documents, so a word that many articles use ("werk", "можна")
weighs little and a word that names one topic ("leefgeld", "huisarts") weighs a lot. Query words the
knowledge base has never seen are corrected to the closest known stem with rapidfuzz when close enough,
and otherwise count against the match, so a question about the weather finds nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hubdesk.engine.stopwords import STOP_KEYS
from hubdesk.engine.text import clean, skeleton, stems, words
from knowledge_base.schema import Article

NGRAM = 4
STEM_WEIGHT = 0.6  # share of the stem cosine in a document's score; the rest is character grams
COVERAGE_WEIGHT = 0.5  # share of "how much of the question does this article know at all"
TYPO_CUTOFF = 84  # rapidfuzz ratio above which an unknown stem is taken for a known one


@dataclass(frozen=True)
class Features:
    stems: dict[str, float]
    grams: dict[str, float]


def content_keys(text: str) -> list[str]:
    """Skeletons of the words that carry meaning (no stop words, no lone digits or letters)."""
    keys = []
    for word in words(clean(text)):
        key = skeleton(word)
        if len(key) < 2 or key in STOP_KEYS or key.isdigit():
            continue
        keys.append(key)
    return keys


def featurize(keys: Iterable[str]) -> Features:
    out_stems: dict[str, float] = defaultdict(float)
    grams: dict[str, float] = defaultdict(float)
    for key in keys:
        for s in stems(key):
            out_stems[s] += 1.0
        padded = f"#{key}#"
        for i in range(max(1, len(padded) - NGRAM + 1)):
            grams[padded[i : i + NGRAM]] += 1.0
    return Features(dict(out_stems), dict(grams))


@dataclass(frozen=True)
class Ranked:
    article: Article
    score: float


class _Space:
    """One TF-IDF vector space (stems or grams) with an inverted index over documents."""

    def __init__(self, docs: list[dict[str, float]], doc_article: list[int], n_articles: int):
        df: dict[str, set[int]] = defaultdict(set)
        for doc, art in zip(docs, doc_article, strict=True):
            for f in doc:
                df[f].add(art)
        self.idf = {f: math.log((n_articles + 1) / (len(arts) + 0.5)) for f, arts in df.items()}
        self.unknown_idf = math.log((n_articles + 1) / 0.5)
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            vec = {f: (1 + math.log(tf)) * self.idf[f] for f, tf in doc.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for f, v in vec.items():
                self.postings[f].append((i, v / norm))

    def cosines(self, query: dict[str, float], extra_weight: dict[str, float] | None = None) -> dict[int, float]:
        vec = {}
        for f, tf in query.items():
            vec[f] = (1 + math.log(tf)) * self.idf.get(f, self.unknown_idf) * (extra_weight or {}).get(f, 1.0)
        norm = math.sqrt(sum(v * v for v in vec.values()))
        scores: dict[int, float] = defaultdict(float)
        if not norm:
            return scores
        for f, v in vec.items():
            for doc, dv in self.postings.get(f, ()):
                scores[doc] += v * dv / norm
        return scores


class Matcher:
    """Built once per knowledge base; ``rank`` is pure and safe to call from many tasks."""

    def __init__(self, articles: Iterable[Article]):
        self.articles = list(articles)
        texts: list[str] = []
        owner: list[int] = []
        for i, article in enumerate(self.articles):
            for _lang, phrasing in article.questions.all():
                texts.append(phrasing)
                owner.append(i)
            for lang in ("uk", "nl", "en"):
                texts.append(article.title.get(lang))
                owner.append(i)
            for keyword in article.keywords:
                texts.append(keyword)
                owner.append(i)
        feats = [featurize(content_keys(t)) for t in texts]
        self.doc_article = owner
        # Every stem an article knows, over all its phrasings: how much of a question it covers.
        self.article_stems: list[set[str]] = [set() for _ in self.articles]
        for f, art in zip(feats, owner, strict=True):
            self.article_stems[art].update(f.stems)
        self.stems = _Space([f.stems for f in feats], owner, len(self.articles))
        self.grams = _Space([f.grams for f in feats], owner, len(self.articles))
        self.known_stems = sorted(s for s in self.stems.idf if len(s) >= 4)

    def _correct(self, stems: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
        """Replace unknown stems by a close known one (typos, spelling variants)."""
        corrected: dict[str, float] = {}
        weight: dict[str, float] = {}
        for s, tf in stems.items():
            if s in self.stems.idf or len(s) < 4:
                corrected[s] = corrected.get(s, 0) + tf
                continue
            hit = process.extractOne(s, self.known_stems, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
            if hit is None:
                corrected[s] = corrected.get(s, 0) + tf
            else:
                corrected[hit[0]] = corrected.get(hit[0], 0) + tf
                weight[hit[0]] = hit[1] / 100
        return corrected, weight

    def rank(self, text: str, limit: int = 5) -> list[Ranked]:
        """Articles ordered by how well they fit ``text``, best first, scores in 0..1."""
        keys = content_keys(text)
        if not keys:
            return []
        feats = featurize(keys)
        stems, weight = self._correct(feats.stems)
        stem_scores = self.stems.cosines(stems, weight)
        gram_scores = self.grams.cosines(feats.grams)
        best: dict[int, float] = {}
        for doc in set(stem_scores) | set(gram_scores):
            score = STEM_WEIGHT * stem_scores.get(doc, 0.0) + (1 - STEM_WEIGHT) * gram_scores.get(doc, 0.0)
            art = self.doc_article[doc]
            if score > best.get(art, 0.0):
                best[art] = score
        mass = {s: (self.stems.idf.get(s, self.stems.unknown_idf) * weight.get(s, 1.0)) ** 2 for s in stems}
        total = sum(mass.values()) or 1.0
        for art, score in best.items():
            covered = sum(m for s, m in mass.items() if s in self.article_stems[art]) / total
            best[art] = (1 - COVERAGE_WEIGHT) * score + COVERAGE_WEIGHT * covered * score ** 0.5
        ordered = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:limit]
        return [Ranked(self.articles[i], min(1.0, s)) for i, s in ordered]
