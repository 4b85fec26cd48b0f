"""Encoded vectors cached on disk, keyed by the encoder and the exact text.

Training encodes every phrasing and corpus message (thousands); encoding costs about a millisecond per
token here, so each text is encoded once per encoder and kept. One ``.npy`` pair per encoder id holds
the SHA-1 of each text and its vector; new texts are appended. Losing the cache costs time, never
correctness.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from hubdesk.engine.encoder import Encoder

log = logging.getLogger(__name__)
BATCH = 64


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


class VectorCache:
    def __init__(self, directory: Path, encoder: Encoder):
        self.encoder = encoder
        self.directory = Path(directory)
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in encoder.id)
        self.keys_path = self.directory / f"{safe}.keys.npy"
        self.vectors_path = self.directory / f"{safe}.vectors.npy"
        self._index: dict[bytes, int] = {}
        self._vectors = np.zeros((0, encoder.dim), np.float32)
        self._load()

    def _load(self) -> None:
        try:
            keys = np.load(self.keys_path)
            vectors = np.load(self.vectors_path)
        except (OSError, ValueError):
            return
        if len(keys) != len(vectors) or vectors.ndim != 2 or vectors.shape[1] != self.encoder.dim:
            log.warning("vector cache %s is inconsistent; starting a new one", self.vectors_path)
            return
        self._index = {bytes(k): i for i, k in enumerate(keys)}
        self._vectors = vectors.astype(np.float32)

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        keys = np.zeros((len(self._index), 20), np.uint8)
        for key, i in self._index.items():
            keys[i] = np.frombuffer(key, np.uint8)
        for path, array in ((self.keys_path, keys), (self.vectors_path, self._vectors)):
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npy")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, array)
            os.replace(tmp, path)

    def encode(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` (row per text), encoding and remembering only the ones not seen before."""
        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}.items())
        if missing:
            started = time.monotonic()
            chunks = [[t for _, t in missing[s : s + BATCH]] for s in range(0, len(missing), BATCH)]
            # The encoder releases the GIL: one thread per core encodes chunks side by side.
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                new_rows = []
                for done, rows in enumerate(pool.map(self.encoder.encode, chunks), 1):
                    new_rows.append(rows)
                    if progress:
                        progress(min(done * BATCH, len(missing)), len(missing))
            base = len(self._vectors)
            self._vectors = np.vstack([self._vectors, *new_rows]).astype(np.float32)
            for offset, (key, _text) in enumerate(missing):
                self._index[key] = base + offset
            log.info("encoded %d new texts in %.1f s", len(missing), time.monotonic() - started)
            try:
                self._save()
            except OSError as exc:  # a read-only cache directory costs the next start time, nothing else
                log.warning("could not save the vector cache in %s: %s", self.directory, exc)
        return self._vectors[[self._index[k] for k in keys]]
