"""Building the model: deterministic, cached by text, current with the data it ships with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from hubdesk.engine.encoder import load_encoder
from hubdesk.engine.heads import fit_mlp, fit_softmax
from hubdesk.engine.model import UnderstandingModel, data_fingerprint, model_path
from hubdesk.engine.sparse import Vectorizer, fit_sparse_softmax
from hubdesk.engine.training import build_model
from hubdesk.engine.vectors import VectorCache
from hubdesk.knowledge_base.loader import DEFAULT_DIR

ARTICLES = ("work-without-permit", "money-leefgeld-amounts", "healthcare-register-huisarts",
            "registration-digid")


def test_the_committed_model_is_built_from_the_committed_data():
    """Change a phrasing or a corpus line and forget `hubdesk model build`: this fails."""
    model = UnderstandingModel.load(model_path())
    assert model.manifest.fingerprint == data_fingerprint(), "run `hubdesk model build` and commit the model"
    assert model.manifest.encoder_id == load_encoder().id


def test_an_answer_text_edit_does_not_make_the_model_stale(tmp_path: Path):
    kb = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, kb, ignore=shutil.ignore_patterns("__pycache__", "*.py", "model"))
    before = data_fingerprint(kb)
    path = kb / "articles" / "work-without-permit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("checked: 2026-12-02", "checked: 2026-12-01"),
                    encoding="utf-8")
    assert data_fingerprint(kb) == before  # not read by training
    path.write_text(path.read_text(encoding="utf-8").replace('"heb ik een werkvergunning nodig"',
                                                             '"heb ik echt een werkvergunning nodig"'),
                    encoding="utf-8")
    assert data_fingerprint(kb) != before  # a phrasing is


def small_kb(root: Path) -> Path:
    """Four articles with their visitor corpora and slices of the safety corpus."""
    kb = root / "kb"
    (kb / "articles").mkdir(parents=True)
    (kb / "corpus" / "visitor").mkdir(parents=True)
    (kb / "corpus" / "crisis").mkdir(parents=True)
    for name in ("categories.yaml", "hubs.yaml", "lexicon.yaml"):
        shutil.copy(DEFAULT_DIR / name, kb / name)
    for article in ARTICLES:
        shutil.copy(DEFAULT_DIR / "articles" / f"{article}.yaml", kb / "articles")
        shutil.copy(DEFAULT_DIR / "corpus" / "visitor" / f"{article}.jsonl", kb / "corpus" / "visitor")
    for name in ("crisis", "not_crisis", "concern"):
        lines = (DEFAULT_DIR / "corpus" / "crisis" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        (kb / "corpus" / "crisis" / f"{name}.jsonl").write_text("\n".join(lines[::12]) + "\n", encoding="utf-8")
    lines = (DEFAULT_DIR / "corpus" / "offtopic.jsonl").read_text(encoding="utf-8").splitlines()
    (kb / "corpus" / "offtopic.jsonl").write_text("\n".join(lines[::6]) + "\n", encoding="utf-8")
    return kb


@pytest.mark.slow
def test_the_same_data_builds_the_same_model(tmp_path: Path):
    kb = small_kb(tmp_path)
    encoder = load_encoder()
    first = build_model(kb, encoder, tmp_path / "cache")
    second = build_model(kb, encoder, tmp_path / "cache")
    first.save(tmp_path / "a.npz")
    second.save(tmp_path / "b.npz")
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            if key != "manifest":  # it records the seconds the build took
                assert np.array_equal(a[key], b[key]), key
    assert first.manifest.fingerprint == data_fingerprint(kb)
    # and it understands what it was trained on, through the real answerer
    from hubdesk.engine.answerer import load_answerer

    second.save(model_path(kb))
    answerer = load_answerer(kb)
    assert not answerer.degraded
    assert answerer.analyse("скільки лефгельду на дитину").top.article.id == "money-leefgeld-amounts"


class CountingEncoder:
    id = "counting"
    dim = 3

    def __init__(self):
        self.calls: list[str] = []

    def encode(self, texts):
        self.calls.extend(texts)
        return np.array([[len(t), 1.0, 0.0] for t in texts], np.float32)


def test_the_vector_cache_encodes_each_text_once_and_survives_a_restart(tmp_path: Path):
    encoder = CountingEncoder()
    cache = VectorCache(tmp_path, encoder)
    first = cache.encode(["a", "bb", "a"])
    assert encoder.calls == ["a", "bb"]
    again = VectorCache(tmp_path, encoder).encode(["bb", "a", "ccc"])
    assert encoder.calls == ["a", "bb", "ccc"]
    assert np.array_equal(again[:2], first[[1, 0]])


def test_a_broken_cache_file_costs_time_not_correctness(tmp_path: Path):
    encoder = CountingEncoder()
    VectorCache(tmp_path, encoder).encode(["a"])
    (tmp_path / "counting.vectors.npy").write_bytes(b"not numpy")
    assert VectorCache(tmp_path, encoder).encode(["a"]).tolist() == [[1.0, 1.0, 0.0]]


def test_the_heads_learn_a_simple_rule_and_are_deterministic():
    rng = np.random.RandomState(7)
    x = rng.randn(300, 5).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    for fit in (lambda: fit_softmax(x, y, 2, steps=300), lambda: fit_mlp(x, y, 2, hidden=16, epochs=300)):
        a, b = fit(), fit()
        assert np.array_equal(a.proba(x), b.proba(x))
        assert (a.proba(x).argmax(axis=1) == y).mean() > 0.95


def test_neighbour_features_lean_to_the_nearer_kind_and_survive_saving():
    from hubdesk.engine.neighbours import Neighbours

    rng = np.random.RandomState(3)
    crisis_centre, other_centre = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]

    def around(centre: np.ndarray, n: int) -> np.ndarray:
        v = centre + 0.3 * rng.randn(n, 8).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    refs = np.vstack([around(crisis_centre, 40), around(other_centre, 60)])
    near = Neighbours.of(refs, np.array([True] * 40 + [False] * 60))
    assert near.crisis.shape == (40, 8) and near.other.shape == (60, 8)
    queries = np.vstack([around(crisis_centre, 5), around(other_centre, 5)])
    features = near.features(queries)
    assert features.shape == (10, 2)
    assert (features[:5] > 0).all() and (features[5:] < 0).all()
    assert near.features(queries[0]).shape == (1, 2)  # one message, as the answerer asks
    loaded = Neighbours.from_arrays(near.to_arrays("n"), "n")
    assert np.allclose(loaded.features(queries), features, atol=0.01)


def test_the_neighbour_references_are_the_corpus_and_the_most_crisis_like_quarter():
    from hubdesk.engine.safety import SAFETY_CLASSES
    from hubdesk.engine.training import NEAR_ORDINARY_SHARE, Builder

    n_corpus, n_ordinary = 10, 100
    in_corpus = np.arange(n_corpus + n_ordinary) < n_corpus
    crisis_p = np.concatenate([np.full(n_corpus, 0.01), np.linspace(0, 0.9, n_ordinary)])
    probs = np.zeros((len(crisis_p), len(SAFETY_CLASSES)), np.float32)
    probs[:, 0], probs[:, 2] = 1 - crisis_p, crisis_p
    refs = Builder._near_references(in_corpus, probs, probs)
    assert refs[:n_corpus].all()  # every corpus message, however safe it looks
    ordinary = np.where(refs[n_corpus:])[0]
    assert len(ordinary) == round(NEAR_ORDINARY_SHARE * n_ordinary)
    assert ordinary.min() == n_ordinary - len(ordinary)  # the most crisis-like ones


def test_out_of_fold_neighbours_never_meet_their_own_fold():
    """A crisis message and its copy are the only crisis references. In one fold, neither may find the
    other (a cosine of 1 no new message will have): no crisis reference is left, the feature is the
    farthest possible. In two folds, each finds its twin."""
    from hubdesk.engine.training import out_of_fold_neighbours

    rng = np.random.RandomState(5)
    vectors = rng.randn(20, 16).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[1] = vectors[0]
    is_crisis = np.zeros(20, bool)
    is_crisis[[0, 1]] = True
    refs = np.ones(20, bool)
    folds = np.arange(20) % 5
    folds[1] = folds[0]
    together = out_of_fold_neighbours(vectors, is_crisis, refs, folds)
    folds[1] = (folds[0] + 1) % 5
    apart = out_of_fold_neighbours(vectors, is_crisis, refs, folds)
    assert together[0, 0] < -5 < 0 < apart[0, 0]  # nearest crisis: none (-1) vs its twin (1)
    assert together[1, 0] < -5 < 0 < apart[1, 0]


def test_the_lexical_head_keeps_a_word_inside_a_long_message():
    texts = [["de", "brief", "is", "lang"], ["ik", "wil", "springen"], ["hoe", "laat", "open"], ["springen", "nu"]]
    y = np.array([0, 1, 0, 1])
    vectorizer = Vectorizer.fit(texts)
    model = fit_sparse_softmax(vectorizer.transform(texts), y, 2, steps=400, learning_rate=0.1)
    long = ["mijn", "vraag", "gaat", "over", "de", "huur", "maar", "ik", "wil", "springen"]
    p = model.proba(vectorizer.transform([long, ["hoe", "laat"]]))[:, 1]
    assert p[0] > 0.5 > p[1]


def test_model_info_says_whether_the_model_is_current(capsys):
    from hubdesk.cli import main

    assert main(["model", "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["current"] is True and "crisis_fused" in info["metrics"]


def test_an_article_that_speaks_of_danger_is_not_taught_as_safe(tmp_path: Path):
    """The 113 article is asked for with "ne khochu zhyty": its phrasings and visitor messages train the
    topic heads, but the safety heads must not learn them as "no crisis"."""
    from hubdesk.engine.training import Builder, base_samples

    kb = small_kb(tmp_path)
    shutil.copy(DEFAULT_DIR / "articles" / "mental-health-dark-thoughts-113.yaml", kb / "articles")
    shutil.copy(DEFAULT_DIR / "corpus" / "visitor" / "mental-health-dark-thoughts-113.jsonl", kb / "corpus" / "visitor")
    builder = Builder(kb, CountingEncoder(), tmp_path / "cache")
    base = base_samples(builder.kb)
    safe = {s.text for s in builder._safe_messages(base)}
    danger = builder.kb.articles["mental-health-dark-thoughts-113"]
    assert danger.speaks_of_danger
    phrasings = {text for _lang, text in danger.questions.all()}
    assert "ne khochu zhyty" in phrasings
    assert not phrasings & safe
    assert not {m.text for m in builder.corpus.visitor[danger.id]} & safe
    # every other article's phrasings and messages still count as safe, and so do off-topic lines
    leefgeld = builder.kb.articles["money-leefgeld-amounts"]
    assert {text for _lang, text in leefgeld.questions.all()} <= safe
    assert {m.text for m in builder.corpus.visitor[leefgeld.id]} <= safe
    assert {m.text for m in builder.corpus.offtopic} <= safe


def test_a_model_from_another_recipe_is_not_read_and_hubdesk_degrades(tmp_path: Path):
    """Heads trained on other features than this code computes would fail on the first message: such a
    model file is refused at load, loudly, and HubDesk answers in degraded mode instead."""
    import dataclasses

    from hubdesk.engine.answerer import load_answerer
    from hubdesk.engine.model import RECIPE_VERSION

    model = UnderstandingModel.load(model_path())
    older = dataclasses.replace(model, manifest=dataclasses.replace(model.manifest, recipe=RECIPE_VERSION - 1))
    kb = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, kb, ignore=shutil.ignore_patterns("__pycache__", "*.py", "model"))
    older.save(model_path(kb))
    with pytest.raises(ValueError, match="recipe"):
        UnderstandingModel.load(model_path(kb))
    answerer = load_answerer(kb)
    assert answerer.degraded and answerer.status["model"].startswith("missing")
    assert answerer.analyse("zelfmoord").safety.crisis  # degraded, a danger word alone decides
