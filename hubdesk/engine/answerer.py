"""The Answerer: one pure call from a message to everything the Dialog needs to decide."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from hubdesk.engine.crisis import CrisisKind, detect_crisis
from hubdesk.engine.intents import Intent, detect_intent
from hubdesk.engine.language import detect_language, reply_language
from hubdesk.engine.lexicon import Lexicon, load_lexicon
from hubdesk.engine.matcher import Matcher, Ranked
from hubdesk.engine.patterns import skeleton_line
from hubdesk.engine.text import clean, words
from knowledge_base import KnowledgeBase, load_knowledge_base

Decision = Literal["answer", "choose", "none"]

# Calibrated on the development questions and on off-topic probes (see bench/answer_speed.py and
# tests/test_engine_matching.py): a top score below CHOOSE_AT is noise; between the two the best few are
# offered as choices; an answer needs a clear score or a clear lead over the runner-up.
ANSWER_AT = 0.42
CHOOSE_AT = 0.24
CLEAR_LEAD = 1.35
# An article that knows less than this share of the question's meaningful words is a coincidence
# ("какой сегодня день недели" sharing "недели" with an article on the 4-week rule): below an answer's
# score it is not offered at all, above it only as a choice.
MIN_COVERAGE = 0.2


@dataclass(frozen=True)
class Analysis:
    language: str
    reply_language: str
    crisis: CrisisKind | None
    intent: Intent | None
    ranked: tuple[Ranked, ...]
    decision: Decision
    confidence: float

    @property
    def top(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None

    @property
    def category_guess(self) -> str:
        """The best topical guess, for statistics and volunteers, even when unsure."""
        top = self.top
        return top.article.category if top is not None and top.score >= CHOOSE_AT else "other"


def decide(ranked: list[Ranked]) -> tuple[Decision, float]:
    """Answer, offer choices, or admit nothing fits; and a 0..1 confidence for the top article."""
    if not ranked or ranked[0].score < CHOOSE_AT:
        return "none", round(ranked[0].score if ranked else 0.0, 3)
    top = ranked[0].score
    runner_up = next((r.score for r in ranked[1:] if r.article.id != ranked[0].article.id), 0.0)
    lead = top / runner_up if runner_up else 10.0
    confidence = min(1.0, 0.5 * top / ANSWER_AT + 0.5 * min(1.0, (lead - 1.0) / (CLEAR_LEAD - 1.0)))
    thin = ranked[0].coverage < MIN_COVERAGE
    if thin and top < ANSWER_AT:
        return "none", round(min(confidence, 0.3), 3)
    if not thin and (top >= ANSWER_AT and lead >= 1.12 or lead >= CLEAR_LEAD and top >= (ANSWER_AT + CHOOSE_AT) / 2):
        return "answer", round(max(confidence, 0.6), 3)
    return "choose", round(min(confidence, 0.59), 3)


class Answerer:
    """Holds the matcher for one knowledge base; ``analyse`` does no I/O."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon | None = None):
        self.kb = kb
        self.matcher = Matcher(kb.articles.values(), lexicon)

    def analyse(self, text: str, *, chosen_language: str | None = None, locale_hint: str | None = None) -> Analysis:
        cleaned = clean(text)
        tokens = words(cleaned)
        language = detect_language(cleaned, tokens)
        reply_lang = reply_language(language, chosen_language, locale_hint)
        line = skeleton_line(tokens)
        crisis = detect_crisis(line)
        intent = None if crisis else detect_intent(tokens, line)
        ranked = [] if crisis or intent in ("greeting", "thanks") else self.matcher.rank(cleaned)
        decision, confidence = decide(ranked)
        if crisis:
            decision, confidence = "none", 1.0
        return Analysis(language, reply_lang, crisis, intent, tuple(ranked), decision, confidence)


@lru_cache(maxsize=1)
def default_answerer() -> Answerer:
    """The answerer for the configured knowledge base, built once per process."""
    from hubdesk.settings import get_settings

    directory = get_settings().HUBDESK_KB_DIR
    return Answerer(load_knowledge_base(directory), load_lexicon(directory))
