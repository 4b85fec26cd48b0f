"""Word and character n-grams, hashed, weighed by TF-IDF: the engine's sense of *form*.

The encoder hears meaning but blurs words it rarely saw ("leefgeld", "DigiD", "лефгельд", "bie") and
misses an explicit word inside a long practical message. A linear model over n-grams of word skeletons
(``text.skeleton``: one key for a word in any script or spelling) keeps them. Features are hashed into
``DIM`` buckets with CRC-32 (stable across processes, unlike ``hash``), so no vocabulary is stored.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hubdesk.engine.heads import softmax

DIM = 1 << 18
CHAR_NGRAMS = (3, 4, 5)
BIAS_FEATURE = 0  # always on, so no message is an empty row


def _bucket(feature: str) -> int:
    return 1 + zlib.crc32(feature.encode("utf-8")) % (DIM - 1)


def hashed_counts(keys: Sequence[str]) -> Counter[int]:
    """Bucket counts of a message given as word skeletons: words, word pairs and character n-grams."""
    counts: Counter[int] = Counter()
    for i, key in enumerate(keys):
        counts[_bucket("w " + key)] += 1
        if i:
            counts[_bucket(f"b {keys[i - 1]} {key}")] += 1
        padded = f"<{key}>"
        for n in CHAR_NGRAMS:
            for j in range(len(padded) - n + 1):
                counts[_bucket(padded[j : j + n])] += 1
    return counts


@dataclass(frozen=True)
class Rows:
    """A batch of messages as CSR arrays (``indptr``, ``indices``, ``data``)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: np.ndarray) -> Rows:
        parts_i, parts_d, ptr = [], [], [0]
        for r in rows:
            a, b = self.indptr[r], self.indptr[r + 1]
            parts_i.append(self.indices[a:b])
            parts_d.append(self.data[a:b])
            ptr.append(ptr[-1] + b - a)
        return Rows(np.asarray(ptr, np.int64), np.concatenate(parts_i), np.concatenate(parts_d))

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.indptr))


@dataclass(frozen=True)
class Vectorizer:
    """Sublinear TF times IDF, L2-normalised per message."""

    idf: np.ndarray  # (DIM,)

    @classmethod
    def fit(cls, messages: Sequence[Sequence[str]]) -> Vectorizer:
        df = np.zeros(DIM, np.float64)
        for keys in messages:
            df[list(hashed_counts(keys))] += 1
        n = len(messages)
        idf = np.log((n + 1) / (df + 1)) + 1.0
        idf[df == 0] = 0.0  # a bucket never seen in training carries nothing learnt
        idf[BIAS_FEATURE] = 1.0
        return cls(idf.astype(np.float32))

    def transform(self, messages: Sequence[Sequence[str]]) -> Rows:
        indptr, indices, data = [0], [], []
        for keys in messages:
            counts = hashed_counts(keys)
            idx = np.fromiter(counts, np.int64, len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float32, len(counts))
            values = tf * self.idf[idx]
            norm = float(np.sqrt((values**2).sum())) or 1.0
            indices.extend(idx.tolist())
            data.extend((values / norm).tolist())
            indices.append(BIAS_FEATURE)
            data.append(1.0)
            indptr.append(len(indices))
        return Rows(np.asarray(indptr, np.int64), np.asarray(indices, np.int64), np.asarray(data, np.float32))


@dataclass(frozen=True)
class SparseSoftmax:
    weights: np.ndarray  # (DIM, classes)

    def logits(self, rows: Rows) -> np.ndarray:
        contrib = self.weights[rows.indices].astype(np.float32) * rows.data[:, None]
        if len(rows) == 1:  # the answer-time case: one message
            return contrib.sum(axis=0, keepdims=True)
        out = np.zeros((len(rows), self.weights.shape[1]), np.float32)
        np.add.at(out, rows.row_ids(), contrib)
        return out

    def proba(self, rows: Rows) -> np.ndarray:
        return softmax(self.logits(rows))


def fit_sparse_softmax(rows: Rows, y: np.ndarray, n_classes: int, *, l2: float = 1e-6, steps: int = 300,
                       learning_rate: float = 0.05, sample_weight: np.ndarray | None = None) -> SparseSoftmax:
    """Weighted cross-entropy plus ``l2 * |W|^2`` by full-batch Adam from zero: deterministic."""
    n = len(rows)
    row_of = rows.row_ids()
    w_s = np.ones(n, np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
    w_s = w_s / w_s.sum()
    onehot = np.zeros((n, n_classes), np.float32)
    onehot[np.arange(n), y] = 1.0
    weights = np.zeros((DIM, n_classes), np.float32)
    m = np.zeros_like(weights)
    v = np.zeros_like(weights)
    for t in range(1, steps + 1):
        z = np.zeros((n, n_classes), np.float32)
        for c in range(n_classes):
            z[:, c] = np.bincount(row_of, weights=weights[rows.indices, c] * rows.data, minlength=n)
        g = (softmax(z) - onehot) * w_s[:, None]
        grad = np.empty_like(weights)
        for c in range(n_classes):
            grad[:, c] = np.bincount(rows.indices, weights=rows.data * g[row_of, c], minlength=DIM)
        grad += 2 * l2 * weights
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        lr = learning_rate * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        weights -= lr * m / (np.sqrt(v) + 1e-8)
    return SparseSoftmax(weights)
