"""Retrieval over the knowledge base: which articles fit a question, and how well.

Every phrasing, title and keyword of an article is a small document. A question and each document
become TF-IDF vectors over two feature kinds built from word skeletons (see ``text``):

- stems (the first letters of each word), which survive inflection and transliteration;
- character 4-grams, which survive typos and find the parts of Dutch compounds
  ("kinderopvangtoeslag" shares grams with "kinderopvang" and "toeslag").

IDF is counted over *articles*, not documents, so a word that many articles use ("werk", "можна")
weighs little and a word that names one topic ("leefgeld", "huisarts") weighs a lot. An article's score
is its best document's cosine, blended with how much of the question the article knows at all
(coverage), so one shared word in a short phrasing cannot carry an off-topic question. Query words the
knowledge base has never seen are corrected to the closest known stem with rapidfuzz when close enough,
and otherwise count against the match, so a question about the weather finds nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from hubdesk.engine.lexicon import Lexicon
from hubdesk.engine.stopwords import STOP_KEYS
from hubdesk.engine.text import clean, skeleton, stems, words
from hubdesk.knowledge_base.schema import Article

NGRAM = 4
STEM_WEIGHT = 0.6  # share of the stem cosine in a document's score; the rest is character grams
CANDIDATES = 40  # articles re-scored with coverage: it reorders near neighbours, it does not find new ones
COVERAGE_WEIGHT = 0.5  # share of "how much of the question does this article know at all"
COVER_ANSWERS = True  # an article "knows" the words of its own answers too
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


def featurize(keys: Iterable[str], lexicon: Lexicon | None = None) -> Features:
    stem_tf: dict[str, float] = defaultdict(float)
    gram_tf: dict[str, float] = defaultdict(float)
    for key in keys:
        for s in stems(key):
            stem_tf[s] += 1.0
        if lexicon is not None:
            for concept in lexicon.concepts(key):
                stem_tf[f"={concept}"] += 1.0
        padded = f"#{key}#"
        for i in range(max(1, len(padded) - NGRAM + 1)):
            gram_tf[padded[i : i + NGRAM]] += 1.0
    return Features(dict(stem_tf), dict(gram_tf))


@dataclass(frozen=True)
class Ranked:
    article: Article
    score: float
    coverage: float = 1.0  # share of the question's weight that the article's words cover


class _Space:
    """One TF-IDF vector space (stems or grams): per feature, its documents and weights as arrays."""

    def __init__(self, docs: list[dict[str, float]], doc_article: list[int], n_articles: int):
        df: dict[str, set[int]] = defaultdict(set)
        for doc, art in zip(docs, doc_article, strict=True):
            for f in doc:
                df[f].add(art)
        self.n_docs = len(docs)
        self.idf = {f: math.log((n_articles + 1) / (len(arts) + 0.5)) for f, arts in df.items()}
        self.unknown_idf = math.log((n_articles + 1) / 0.5)
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, doc in enumerate(docs):
            vec = {f: (1 + math.log(tf)) * self.idf[f] for f, tf in doc.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for f, v in vec.items():
                ids, weights = postings[f]
                ids.append(i)
                weights.append(v / norm)
        self.postings = {
            f: (np.asarray(ids, dtype=np.int32), np.asarray(ws, dtype=np.float32)) for f, (ids, ws) in postings.items()
        }

    def weights(self, query: dict[str, float], boost: dict[str, float]) -> dict[str, float]:
        """The query's unit-length TF-IDF vector; unknown features weigh like the rarest."""
        vec = {f: (1 + math.log(tf)) * self.idf.get(f, self.unknown_idf) * boost.get(f, 1.0) for f, tf in query.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {f: v / norm for f, v in vec.items()} if norm else {}

    def cosines(self, query: dict[str, float], scale: float, out: np.ndarray, boost: dict[str, float]) -> None:
        """Add ``scale`` times the cosine of the query with every document to ``out``."""
        for f, w in self.weights(query, boost).items():
            posting = self.postings.get(f)
            if posting is not None:
                ids, doc_weights = posting
                out[ids] += (scale * w) * doc_weights  # ids are unique within one posting


class Matcher:
    """Built once per knowledge base; ``rank`` is pure and safe to call from many tasks."""

    def __init__(self, articles: Iterable[Article], lexicon: Lexicon | None = None):
        self.articles = list(articles)
        self.lexicon = lexicon or Lexicon({})
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
        feats = [featurize(content_keys(t), self.lexicon) for t in texts]
        self.stems = _Space([f.stems for f in feats], owner, len(self.articles))
        self.grams = _Space([f.grams for f in feats], owner, len(self.articles))
        # Documents are stored article by article, so an article's documents are one slice.
        self.article_starts = np.searchsorted(np.asarray(owner), np.arange(len(self.articles)))
        collected: list[set[str]] = [set() for _ in self.articles]
        for f, art in zip(feats, owner, strict=True):
            collected[art].update(f.stems)
        if COVER_ANSWERS:
            for i, article in enumerate(self.articles):
                for lang in ("uk", "nl", "en"):
                    collected[i].update(featurize(content_keys(article.answer.get(lang)), self.lexicon).stems)
        self.article_stems: list[frozenset[str]] = [frozenset(s) for s in collected]
        # Typos rarely hit the first letter; looking only among stems that share it is ~20x less work.
        self.known_stems: dict[str, list[str]] = defaultdict(list)
        for s in sorted(self.stems.idf):
            if len(s) >= 4 and not s.startswith("="):
                self.known_stems[s[0]].append(s)
        self._correct_one = lru_cache(maxsize=16384)(self._closest_stem)

    def _closest_stem(self, unknown: str) -> tuple[str, float] | None:
        candidates = self.known_stems.get(unknown[0], [])
        hit = process.extractOne(unknown, candidates, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return (hit[0], hit[1] / 100) if hit else None

    def _correct(self, query_stems: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
        """Replace unknown stems by a close known one (typos, spelling variants)."""
        corrected: dict[str, float] = defaultdict(float)
        boost: dict[str, float] = {}
        for s, tf in query_stems.items():
            hit = None if s in self.stems.idf or len(s) < 4 else self._correct_one(s)
            if hit is None:
                corrected[s] += tf
            else:
                corrected[hit[0]] += tf
                boost[hit[0]] = hit[1]
        return dict(corrected), boost

    def rank(self, text: str, limit: int = 5) -> list[Ranked]:
        """Articles ordered by how well they fit ``text``, best first, scores in 0..1."""
        keys = content_keys(text)
        if not keys:
            return []
        feats = featurize(keys, self.lexicon)
        query_stems, boost = self._correct(feats.stems)
        doc_scores = np.zeros(self.stems.n_docs, dtype=np.float32)
        self.stems.cosines(query_stems, STEM_WEIGHT, doc_scores, boost)
        self.grams.cosines(feats.grams, 1 - STEM_WEIGHT, doc_scores, {})
        best = np.maximum.reduceat(doc_scores, self.article_starts)
        order = np.argsort(-best)[:CANDIDATES]
        mass = {s: (self.stems.idf.get(s, self.stems.unknown_idf) * boost.get(s, 1.0)) ** 2 for s in query_stems}
        total = sum(mass.values()) or 1.0
        rescored = []
        for art in order:
            score = float(best[art])
            if score <= 0.0:
                break
            covered = sum(m for s, m in mass.items() if s in self.article_stems[art]) / total
            blended = (1 - COVERAGE_WEIGHT) * score + COVERAGE_WEIGHT * covered * score**0.5
            rescored.append((int(art), blended, covered))
        rescored.sort(key=lambda kv: kv[1], reverse=True)
        return [Ranked(self.articles[i], min(1.0, s), round(c, 3)) for i, s, c in rescored[:limit]]
