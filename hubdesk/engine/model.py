"""The trained understanding model: one file holding every learnt part, and how it knows it is current.

``knowledge_base/model/understanding.npz`` holds the language model, the transliteration vocabulary, the
safety and topic heads and their thresholds, with a manifest saying which data and which encoder they
were built from. The data fingerprint covers only what training reads (phrasings, titles, keywords and
categories of the articles, the lexicon, the corpus), so fixing a typo in an answer or updating a date
does not make the model stale. ``hubdesk model build`` rebuilds it; ``tests/test_model.py`` fails when
the committed file no longer matches the data, so nobody forgets.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hubdesk.engine.language import LanguageModel
from hubdesk.engine.reader import Reader
from hubdesk.engine.safety import SafetyModel
from hubdesk.engine.topics import TopicModel
from hubdesk.engine.translit import Transliterator
from hubdesk.knowledge_base.corpus import corpus_files
from hubdesk.knowledge_base.loader import DEFAULT_DIR, article_files

log = logging.getLogger(__name__)

# Bump when the features or the training recipe change: an old file then counts as stale.
RECIPE_VERSION = 3
MODEL_FILE = "understanding.npz"


def data_fingerprint(kb_dir: Path | None = None) -> str:
    """SHA-256 over what training reads, in a stable order."""
    import yaml

    from hubdesk.knowledge_base.loader import SAFE_LOADER

    directory = Path(kb_dir or DEFAULT_DIR)
    digest = hashlib.sha256(f"recipe {RECIPE_VERSION}\n".encode())
    for path in article_files(directory):
        raw = path.read_bytes()
        try:
            data = yaml.load(raw.decode("utf-8"), Loader=SAFE_LOADER)  # noqa: S506
        except (yaml.YAMLError, UnicodeDecodeError):
            data = None  # a broken file (kb check reports it): its bytes stand for it
        if not isinstance(data, dict):
            digest.update(raw)
            continue
        used = {k: data.get(k) for k in ("id", "category", "title", "questions", "keywords", "speaks_of_danger")}
        digest.update(json.dumps(used, sort_keys=True, ensure_ascii=False, default=str).encode())
    for path in [directory / "lexicon.yaml", *corpus_files(directory)]:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    encoder_id: str
    fingerprint: str
    recipe: int = RECIPE_VERSION
    metrics: dict = field(default_factory=dict)  # out-of-fold numbers from training, for the record


@dataclass(frozen=True)
class UnderstandingModel:
    manifest: Manifest
    reader: Reader
    safety: SafetyModel
    topics: TopicModel

    def save(self, path: Path) -> None:
        translit = self.reader.transliterator
        arrays: dict[str, np.ndarray] = {
            "manifest": np.array(json.dumps(self.manifest.__dict__, ensure_ascii=False)),
            **self.reader.languages.to_arrays(),
            "translit_keep": np.array(sorted(translit.keep), dtype=str),
            **self.safety.to_arrays(),
            **self.topics.to_arrays(),
        }
        for lang, table in translit.cyrillic.items():
            keys = sorted(table)
            arrays[f"translit_{lang}_keys"] = np.array(keys, dtype=str)
            arrays[f"translit_{lang}_words"] = np.array([table[k] for k in keys], dtype=str)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> UnderstandingModel:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        manifest = Manifest(**json.loads(str(arrays["manifest"])))
        if manifest.recipe != RECIPE_VERSION:  # its heads take other features than this code computes
            raise ValueError(f"{path.name} was built by recipe {manifest.recipe}, this code reads recipe "
                             f"{RECIPE_VERSION}: run `hubdesk model build`")
        cyrillic = {
            lang: dict(zip(arrays[f"translit_{lang}_keys"].tolist(), arrays[f"translit_{lang}_words"].tolist(),
                           strict=True))
            for lang in ("uk", "ru")
        }
        reader = Reader(LanguageModel.from_arrays(arrays),
                        Transliterator(cyrillic, frozenset(arrays["translit_keep"].tolist())))
        return cls(manifest, reader, SafetyModel.from_arrays(arrays), TopicModel.from_arrays(arrays))


def model_path(kb_dir: Path | None = None) -> Path:
    return Path(kb_dir or DEFAULT_DIR) / "model" / MODEL_FILE
