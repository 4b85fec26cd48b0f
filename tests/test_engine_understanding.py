"""The understanding engine as a visitor meets it: crisis first, the right article, concern, degradation.

The messages here are the ones issue 12 names, plus a few of each family, typed the way a person would.
They are not in the training corpus (tests/test_corpus.py checks the held-out sets; these are checked here).
"""

from __future__ import annotations

import pytest

from hubdesk.dialog import respond
from hubdesk.engine.answerer import Answerer, default_answerer
from hubdesk.engine.lexicon import load_lexicon
from hubdesk.knowledge_base.corpus import load_corpus

CRISIS = [
    ("I don't want to live anymore", "mental_health"),
    ("Мій чоловік мене б'є", "mental_health"),
    ("хочу покінчити з цим", "mental_health"),
    ("mijn vader praat raar en zijn mond hangt scheef", "healthcare"),
    ("Дякую вам за все. Кота я віддала сусідці, речі роздала. Прощавайте", "mental_health"),
    ("I am standing on the bridge", "mental_health"),
    ("he grabbed a knife, I locked myself in the bathroom with the kids", "mental_health"),
    ("сусід лежить на підлозі і дивно дихає", "healthcare"),
    ("ya ne khochu bilshe zhyty", "mental_health"),
    # a danger named as happening now: the word alone ("stroke", "huiselijk geweld") only weighs in
    ("у него инсульт прямо сейчас", "healthcare"),
    ("mijn man heeft een hartaanval, wat moet ik doen", "healthcare"),
    ("ik ben slachtoffer van huiselijk geweld", "mental_health"),
]


def test_the_issue_examples_are_not_in_the_training_corpus():
    corpus = load_corpus()
    seen = {m.text.strip().lower() for ms in corpus.visitor.values() for m in ms}
    seen |= {m.text.strip().lower() for m in corpus.safety}
    assert not [text for text, _ in CRISIS if text.lower() in seen]


@pytest.mark.parametrize(("text", "category"), CRISIS)
def test_a_crisis_gets_the_emergency_reply_first(text, category):
    result = respond(text)
    assert result.action == "crisis", result
    assert result.urgent and result.tier == "crisis"
    assert result.category == category
    reply = result.replies[0].text
    assert "112" in reply and "113" in reply


@pytest.mark.parametrize(
    "text",
    [
        "this tax letter is killing me, what does it want from me",
        "I want to end my rental contract, how much notice do I give",
        "де знайти психолога, який говорить українською?",
        "у дитини температура 38, записатися до хюсарта завтра чи можна почекати",
        # the Dutch idiom the network alone took for a crisis; its nearest known messages are idioms
        "ik ga dood van het wachten op de IND, hoe lang duurt het nog",
    ],
)
def test_alarming_words_in_ordinary_questions_raise_no_alarm(text):
    assert respond(text).action != "crisis"


@pytest.mark.parametrize(
    ("text", "article"),
    [
        ("Is werken toegestaan voor mij?", "work-without-permit"),
        ("скільки лефгельду дають на дитину", "money-leefgeld-amounts"),
        ("chy mozhna pratsiuvaty z tymchasovym zakhystom", "work-without-permit"),
        ("kak zaregistrirovatsia v gemeente i poluchit BSN", "registration-brp-bsn"),
    ],
)
def test_questions_reach_their_article(text, article):
    result = respond(text)
    assert result.action in ("answer", "choose")
    assert article == result.article or article in result.choices


def test_concern_gets_the_answer_and_one_line_with_113():
    result = respond("я вже плачу кожен вечір, ці папери від IND мене виснажили, не розумію що від мене хочуть")
    assert result.action != "crisis"
    assert result.tier == "concern"
    assert "113" in result.replies[-1].text
    assert any(b.action == "volunteer" for row in result.replies[-1].buttons for b in row)


def test_without_the_encoder_crisis_and_answers_still_work():
    full = default_answerer()
    lexical = Answerer(full.kb, load_lexicon(), model=full.model, encoder=None)
    assert lexical.degraded
    assert respond("I want to kill myself tonight", answerer=lexical).action == "crisis"
    result = respond("скільки лефгельду на дитину", answerer=lexical)
    assert result.action in ("answer", "choose") and result.category == "money"


def test_without_the_trained_model_the_phrases_still_screen():
    bare = Answerer(default_answerer().kb, load_lexicon())
    assert bare.degraded
    assert respond("я хочу вбити себе", answerer=bare).action == "crisis"


def test_the_shipped_answerer_runs_in_full_mode():
    answerer = default_answerer()
    assert not answerer.degraded, answerer.status
    assert "model" not in answerer.status  # built from the current articles and corpus


def test_answering_multiplies_on_one_blas_thread():
    """Two BLAS threads per answer spin against each other on two busy cores (limit_blas_threads)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from hubdesk.engine.answerer import load_answerer

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):  # as a fresh process on two cores; restored after
        if blas_threads() != {2}:
            pytest.skip("this BLAS cannot run two threads here")
        assert not load_answerer().degraded
        assert blas_threads() == {1}
