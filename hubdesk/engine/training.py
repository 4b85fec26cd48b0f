"""Building the understanding model from the knowledge base and its corpus (``hubdesk model build``).

Deterministic: folds come from a hash of each text, every head starts from zero or a fixed seed, so the
same data and encoder give the same model. Thresholds are never typed in by hand: each is read off
out-of-fold predictions (every corpus message scored by heads that did not see it), against a target
written here with its reason. The held-out sets under ``bench/heldout/`` are not read here, ever.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hubdesk.engine.encoder import Encoder
from hubdesk.engine.heads import Ensemble, balanced_weights, fit_mlp, fit_softmax
from hubdesk.engine.language import LanguageModel
from hubdesk.engine.lexicon import load_lexicon
from hubdesk.engine.matcher import Matcher
from hubdesk.engine.model import Manifest, UnderstandingModel, data_fingerprint
from hubdesk.engine.neighbours import Neighbours
from hubdesk.engine.reader import Reader, Reading
from hubdesk.engine.safety import CRISIS_COLUMNS, SAFETY_CLASSES, TIERS, Phrases, SafetyModel, Stacker, stack_features
from hubdesk.engine.sparse import Vectorizer, fit_sparse_softmax
from hubdesk.engine.text import CYRILLIC
from hubdesk.engine.topics import INTENT_CLASSES, NON_ARTICLE_CLASSES, Thresholds, TopicModel, candidate_table
from hubdesk.engine.translit import Transliterator
from hubdesk.engine.vectors import VectorCache
from hubdesk.knowledge_base import KnowledgeBase, load_knowledge_base
from hubdesk.knowledge_base.corpus import CRISIS_LABELS, Corpus, load_corpus

log = logging.getLogger(__name__)

FOLDS = 5
# Crisis: the share of out-of-fold crisis messages the trained detector alone must catch (the phrases
# come on top). Recall before precision (DESIGN.md rule 1), but not at any price: on this corpus each
# step from 98 % towards 99.5 % doubles the false alarms on ordinary questions (docs/understanding.md has
# the curve), and a bot that shows emergency numbers to every tenth question teaches people to ignore it.
CRISIS_RECALL = 0.98
# Topics: at most this share of off-topic messages may still be offered an article (as answer or choice).
OFFTOPIC_LEAK = 0.08
# A direct answer (no choice) only when out-of-fold answers at that confidence are this often the right
# article: below it, offering the best two or three is kinder than a confident wrong answer.
ANSWER_PRECISION = 0.95
# Nearest-neighbour references for the safety screen: every safety-corpus message, and of the ordinary
# messages only this most crisis-like share (by the detectors' out-of-fold score). In the out-of-fold
# experiment that chose it (docs/understanding.md) the top quarter kept nearly all of what every message
# gives (false alarms on hard negatives 7.5 -> 5.8 %, on questions 1.4 -> 1.1 %, against 6.1 / 1.0 % with
# all) at 43 % of the memory and time; in the shipped build, 8.2 -> 5.7 % and 1.6 -> 1.1 %.
NEAR_ORDINARY_SHARE = 0.25
# Networks per head, each from its own seed, averaged: the crisis head is where steadiness matters most.
SAFETY_SEEDS = (0, 1, 2)
TOPIC_SEEDS = (0, 1, 2)
# The semantic head names a message small talk or a request for a person only this surely (out of fold).
INTENT_PRECISION = 0.95

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Sample:
    text: str
    lang: str  # the corpus' language tag (uk, ru, nl, en, uk-latn, ru-latn, mixed)
    label: str  # article id, a safety label, or "other"


def fold_of(text: str) -> int:
    """A stable fold per text: the same message lands in the same fold on every build."""
    return zlib.crc32(text.strip().lower().encode("utf-8")) % FOLDS


def _script_lang(text: str, lang: str) -> str:
    """Phrasings under ``uk``/``ru`` may be typed in Latin letters."""
    if lang in ("uk", "ru") and not CYRILLIC.search(text):
        return f"{lang}-latn"
    return lang


def base_samples(kb: KnowledgeBase) -> list[Sample]:
    """Every article's phrasings, titles and keywords: always trained on, never scored out of fold."""
    out = []
    for article in kb.articles.values():
        for lang, text in article.questions.all():
            out.append(Sample(text, _script_lang(text, lang), article.id))
        for lang in ("uk", "nl", "en"):
            out.append(Sample(article.title.get(lang), lang, article.id))
        out.extend(Sample(k, "mixed", article.id) for k in article.keywords)
    return out


def train_reader(kb: KnowledgeBase, corpus: Corpus) -> Reader:
    samples: list[tuple[str, str]] = [(s.text, s.lang) for s in base_samples(kb)]
    for article in kb.articles.values():
        samples.extend((article.answer.get(lang), lang) for lang in ("uk", "nl", "en"))
    messages = [*(m for ms in corpus.visitor.values() for m in ms), *corpus.safety, *corpus.offtopic]
    samples.extend((m.text, m.lang) for m in messages)
    languages = LanguageModel.train(samples)
    cyrillic = {lang: [t for t, tag in samples if tag == lang] for lang in ("uk", "ru")}
    latin = [t for t, tag in samples if tag in ("nl", "en")]
    return Reader(languages, Transliterator.build(cyrillic, latin))


def _threshold_for_recall(scores: np.ndarray, recall: float) -> float:
    """The highest threshold that keeps ``recall`` of these (positive) scores at or above it."""
    if not len(scores):
        return 0.5
    return float(np.quantile(scores, 1.0 - recall, method="lower"))


def out_of_fold_neighbours(vectors: np.ndarray, is_crisis: np.ndarray, refs: np.ndarray,
                           folds: np.ndarray) -> np.ndarray:
    """``Neighbours.features`` for every sample against the references of the other folds only: a
    message must not find itself (cosine 1) among its neighbours, or the stacker learns to trust a
    closeness that no new message will ever have."""
    out = np.zeros((len(vectors), 2), np.float32)
    for f in range(FOLDS):
        held = folds == f
        known = refs & ~held
        out[held] = Neighbours.of(vectors[known], is_crisis[known]).features(vectors[held])
    return out


class Builder:
    def __init__(self, kb_dir: Path | None, encoder: Encoder, cache_dir: Path, progress: Progress | None = None):
        self.kb_dir = kb_dir
        self.fingerprint = data_fingerprint(kb_dir)  # before reading: an edit during the build makes it stale
        self.kb = load_knowledge_base(kb_dir)
        self.corpus = load_corpus(kb_dir, set(self.kb.articles))
        self.lexicon = load_lexicon(kb_dir)
        self.encoder = encoder
        self.cache = VectorCache(cache_dir, encoder)
        self.say = progress or (lambda msg: log.info("%s", msg))
        self.metrics: dict = {}

    def _readings(self, samples: list[Sample]) -> tuple[list[Reading], np.ndarray]:
        readings = [self.reader.read(s.text) for s in samples]
        vectors = self.cache.encode([r.for_encoder for r in readings])
        return readings, vectors

    # -- safety ------------------------------------------------------------------------------------------

    def _safe_messages(self, base: list[Sample]) -> list[Sample]:
        """The messages the safety heads learn as "no crisis": every phrasing and visitor message of an
        article, off-topic and small talk, except those of articles that speak of danger themselves (the
        phrasings of the 113 article include "I see no reason to go on living", which is a crisis)."""
        danger = {a.id for a in self.kb.articles.values() if a.speaks_of_danger}
        visitor = [m for article_id, ms in self.corpus.visitor.items() if article_id not in danger for m in ms]
        texts = [(s.text, s.lang) for s in base if s.label not in danger] + [
            (m.text, m.lang) for m in (*visitor, *self.corpus.offtopic, *self.corpus.intents)]
        return [Sample(text, lang, "none") for text, lang in texts]

    def _safety(self, topical: list[Sample]) -> SafetyModel:
        samples = [Sample(m.text, m.lang, m.label) for m in self.corpus.safety] + [
            Sample(s.text, s.lang, "none") for s in topical]
        readings, vectors = self._readings(samples)
        y = np.array([SAFETY_CLASSES.index(s.label) for s in samples])
        tier = np.array([TIERS.index("crisis" if s.label in CRISIS_LABELS else s.label) for s in samples])
        phrases = [Phrases.of(r.line) for r in readings]
        statement = np.array([p.statement is not None for p in phrases])
        word = np.array([p.word is not None for p in phrases])
        keys = [r.keys for r in readings]
        folds = np.array([fold_of(s.text) for s in samples])
        n_classes = len(SAFETY_CLASSES)

        def fit(rows: np.ndarray):
            weight = balanced_weights(y[rows], n_classes)
            semantic = Ensemble(tuple(
                fit_mlp(vectors[rows], y[rows], n_classes, hidden=256, epochs=60, sample_weight=weight, seed=seed)
                for seed in SAFETY_SEEDS))
            vectorizer = Vectorizer.fit([keys[i] for i in rows])
            lexical = fit_sparse_softmax(vectorizer.transform([keys[i] for i in rows]), y[rows], n_classes,
                                         steps=200, sample_weight=weight)
            return semantic, vectorizer, lexical

        oof_sem = np.zeros((len(samples), n_classes), np.float32)
        oof_lex = np.zeros((len(samples), n_classes), np.float32)
        for f in range(FOLDS):
            self.say(f"safety: fold {f + 1} of {FOLDS}")
            train, held = np.where(folds != f)[0], np.where(folds == f)[0]
            semantic, vectorizer, lexical = fit(train)
            oof_sem[held] = semantic.proba(vectors[held])
            oof_lex[held] = lexical.proba(vectorizer.transform([keys[i] for i in held]))
        in_safety_corpus = np.arange(len(samples)) < len(self.corpus.safety)
        hard = in_safety_corpus & (tier != 2)
        is_crisis = tier == 2
        refs = self._near_references(in_safety_corpus, oof_sem, oof_lex)
        oof_near = out_of_fold_neighbours(vectors, is_crisis, refs, folds)
        stackers, features = {}, {}
        for name, sem, lex in (("fused", oof_sem, oof_lex), ("lexical_only", None, oof_lex),
                               ("semantic_only", oof_sem, None)):
            decisive = np.array([p.decisive(blind=sem is None) is not None for p in phrases])
            features[name] = stack_features(sem, lex, statement, word, oof_near if sem is not None else None)
            stackers[name] = self._stacker(name, features[name], tier, decisive, hard)
        p_concern = stackers["fused"].model.proba(features["fused"])[:, 1]
        concern_at = self._concern_threshold(p_concern, tier == 1, ~is_crisis)
        self.say(f"safety out of fold: {self.metrics['crisis_fused']}")
        self.say("safety: final fit")
        semantic, vectorizer, lexical = fit(np.arange(len(samples)))
        neighbours = Neighbours.of(vectors[refs], is_crisis[refs])
        return SafetyModel(semantic, neighbours, vectorizer, lexical, stackers["fused"], stackers["lexical_only"],
                           stackers["semantic_only"], concern_at)

    @staticmethod
    def _near_references(in_safety_corpus: np.ndarray, oof_sem: np.ndarray, oof_lex: np.ndarray) -> np.ndarray:
        """Which samples the neighbour features compare against: the whole safety corpus, and the
        ``NEAR_ORDINARY_SHARE`` of ordinary messages that the detectors found most like a crisis (the
        rest lie far from every crisis and would add memory, not evidence). "Most like" is the sum of
        the two heads' out-of-fold crisis probabilities: only their order matters here, and it exists
        before the stacker that would otherwise give it."""
        crisis_like = oof_sem[:, CRISIS_COLUMNS].sum(axis=1) + oof_lex[:, CRISIS_COLUMNS].sum(axis=1)
        ordinary = ~in_safety_corpus
        cut = np.quantile(crisis_like[ordinary], 1 - NEAR_ORDINARY_SHARE) if ordinary.any() else np.inf
        return in_safety_corpus | (crisis_like >= cut)

    def _stacker(self, name: str, features: np.ndarray, tier: np.ndarray, decisive: np.ndarray,
                 hard: np.ndarray) -> Stacker:
        """Fit the tier model on out-of-fold scores and read its crisis threshold off them."""
        model = fit_softmax(features, tier, len(TIERS), steps=500, sample_weight=balanced_weights(tier, len(TIERS)))
        score = model.proba(features)[:, 2]
        is_crisis = tier == 2
        crisis_at = _threshold_for_recall(score[is_crisis & ~decisive], CRISIS_RECALL)
        raised = decisive | (score >= crisis_at)
        self.metrics[f"crisis_{name}"] = {
            "threshold": round(crisis_at, 4),
            "recall": round(float(raised[is_crisis].mean()), 4),
            "false_alarms_hard_negatives": round(float(raised[hard].mean()), 4),
            "false_alarms_questions": round(float(raised[~is_crisis & ~hard].mean()), 4),
        }
        return Stacker(model, crisis_at)

    @staticmethod
    def _concern_threshold(score: np.ndarray, positive: np.ndarray, eligible: np.ndarray) -> float:
        """The threshold with the best F1 for concern among messages that are not a crisis."""
        best, best_f1 = 0.5, -1.0
        for t in np.linspace(0.05, 0.95, 91):
            flagged = (score >= t) & eligible
            tp = float((flagged & positive).sum())
            precision = tp / max(1.0, float(flagged.sum()))
            recall = tp / max(1.0, float((positive & eligible).sum()))
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            if f1 > best_f1:
                best, best_f1 = float(t), f1
        return best

    # -- topics ------------------------------------------------------------------------------------------

    def _topics(self, base: list[Sample]) -> TopicModel:
        article_ids = tuple(sorted(self.kb.articles))
        categories = tuple(self.kb.articles[a].category for a in article_ids)
        index = {a: i for i, a in enumerate(article_ids)}
        index.update({name: len(article_ids) + k for k, name in enumerate(NON_ARTICLE_CLASSES)})
        scored = [Sample(m.text, m.lang, m.label) for ms in self.corpus.visitor.values() for m in ms] + [
            Sample(m.text, m.lang, "offtopic") for m in self.corpus.offtopic] + [
            Sample(m.text, m.lang, m.label) for m in self.corpus.intents]
        _base_readings, base_vectors = self._readings(base)
        readings, vectors = self._readings(scored)
        base_y = np.array([index[s.label] for s in base])
        y = np.array([index[s.label] for s in scored])
        folds = np.array([fold_of(s.text) for s in scored])
        n_classes = len(index)

        def fit(rows: np.ndarray) -> Ensemble:
            x = np.vstack([base_vectors, vectors[rows]])
            labels = np.concatenate([base_y, y[rows]])
            return Ensemble(tuple(fit_mlp(x, labels, n_classes, hidden=512, epochs=40, seed=seed)
                                  for seed in TOPIC_SEEDS))

        matcher = Matcher(self.kb.articles.values(), self.lexicon)
        lexical = [matcher.rank(r.cleaned, limit=8) for r in readings]
        oof = np.zeros((len(scored), n_classes), np.float32)
        for f in range(FOLDS):
            self.say(f"topics: fold {f + 1} of {FOLDS}")
            train, held = np.where(folds != f)[0], np.where(folds == f)[0]
            oof[held] = fit(train).proba(vectors[held])
        tables = [candidate_table(oof[i], lexical[i], article_ids, categories) for i in range(len(scored))]
        tables_lex = [candidate_table(None, lexical[i], article_ids, categories) for i in range(len(scored))]
        fusion = self._fit_fusion(tables, scored)
        fusion_lexical = self._fit_fusion(tables_lex, scored)
        n = len(article_ids)
        tops = {
            "fused": self._tops(tables, fusion),
            "lexical": self._tops(tables_lex, fusion_lexical),
            "semantic": [(article_ids[int(np.argmax(p[:n]))], float(np.max(p[:n]))) for p in oof],
        }
        thresholds = {mode: self._decision_thresholds(mode, top, scored) for mode, top in tops.items()}
        intent_at = self._intent_threshold(oof[:, n + 1 :], scored)
        self.say(f"topics out of fold: {self.metrics['topics_fused']}")
        self.say("topics: final fit")
        return TopicModel(article_ids, categories, fit(np.arange(len(scored))), fusion, fusion_lexical, thresholds,
                          intent_at)

    def _intent_threshold(self, intent_p: np.ndarray, scored: list[Sample]) -> float:
        """The lowest probability at which the semantic head's intent is right ``INTENT_PRECISION`` of the
        time out of fold (an article question taken for small talk would go unanswered)."""
        best = intent_p.argmax(axis=1)
        p = intent_p.max(axis=1)
        truth = np.array([INTENT_CLASSES.index(s.label) if s.label in INTENT_CLASSES else -1 for s in scored])
        intent_at = 1.0
        for t in np.linspace(0.3, 1.0, 141):
            said = p >= t
            if said.any() and (best[said] == truth[said]).mean() >= INTENT_PRECISION:
                intent_at = float(t)
                break
        said = p >= intent_at
        is_intent = truth >= 0
        self.metrics["intents"] = {
            "intent_at": round(intent_at, 4),
            "recall": round(float((said & (best == truth))[is_intent].mean()), 4) if is_intent.any() else None,
            "questions_taken_for_intents": round(float(said[~is_intent].mean()), 4),
        }
        return intent_at

    @staticmethod
    def _fit_fusion(tables, scored: list[Sample]):
        rows = np.vstack([rows for _ids, rows in tables if len(rows)])
        right = np.concatenate([[a == s.label for a in ids] for (ids, _r), s in zip(tables, scored, strict=True)])
        return fit_softmax(rows, right.astype(int), 2, steps=600)

    @staticmethod
    def _tops(tables, fusion) -> list[tuple[str, float]]:
        tops = []
        for ids, rows in tables:
            if not len(rows):
                tops.append(("", 0.0))
                continue
            p = fusion.proba(rows)[:, 1]
            tops.append((ids[int(p.argmax())], float(p.max())))
        return tops

    def _decision_thresholds(self, mode: str, tops: list[tuple[str, float]], scored: list[Sample]) -> Thresholds:
        top_p = np.array([p for _a, p in tops])
        offtopic = np.array([s.label == "offtopic" for s in scored])
        topical = np.array([s.label in self.kb.articles for s in scored])
        category = {a: art.category for a, art in self.kb.articles.items()}
        right_article = np.array([a == s.label for (a, _p), s in zip(tops, scored, strict=True)])
        right_category = np.array([category.get(a) == category.get(s.label) for (a, _p), s in zip(tops, scored,
                                                                                               strict=True)])
        choose_at = float(np.quantile(top_p[offtopic], 1 - OFFTOPIC_LEAK)) if offtopic.any() else 0.2
        answer_at = 1.0
        for t in np.linspace(choose_at, 1.0, 201):
            answered = (top_p >= t) & topical
            if answered.any() and right_article[answered].mean() >= ANSWER_PRECISION:
                answer_at = float(t)
                break
        offered = top_p >= choose_at
        self.metrics[f"topics_{mode}"] = {
            "choose_at": round(choose_at, 4),
            "answer_at": round(answer_at, 4),
            "category_right": round(float((offered & right_category)[topical].mean()), 4),
            "direct_answers": round(float((top_p >= answer_at)[topical].mean()), 4),
            "offtopic_without_article": round(float((~offered)[offtopic].mean()), 4) if offtopic.any() else None,
        }
        return Thresholds(answer_at, choose_at)

    # -- all ---------------------------------------------------------------------------------------------

    def build(self) -> UnderstandingModel:
        started = time.monotonic()
        self.say("reading: language model and transliteration")
        self.reader = train_reader(self.kb, self.corpus)
        base = base_samples(self.kb)
        self.say(f"encoding (cached in {self.cache.directory})")
        safety = self._safety(self._safe_messages(base))
        topics = self._topics(base)
        self.metrics["seconds"] = round(time.monotonic() - started, 1)
        self.metrics["articles"] = len(self.kb.articles)
        manifest = Manifest(self.encoder.id, self.fingerprint, metrics=self.metrics)
        return UnderstandingModel(manifest, self.reader, safety, topics)


def build_model(kb_dir: Path | None, encoder: Encoder, cache_dir: Path,
                progress: Progress | None = None) -> UnderstandingModel:
    return Builder(kb_dir, encoder, cache_dir, progress).build()
