"""The nearest known messages, as evidence for the safety screen.

A trained head draws one smooth boundary through embedding space, and close to it the head cannot
tell "I want to end it tonight" from "I want to end my rental contract". The nearest labelled messages
often can: a message whose closest known neighbours are crisis messages, rather than ordinary questions
and hard negatives, is more likely a crisis than the head alone says, and the other way round. The
stacker in ``safety`` weighs this evidence beside the heads; it was measured out of fold before it
was adopted (docs/understanding.md: fewer false alarms at the same recall).

The references are kept in two matrices, crisis and not, so that one query costs two matrix-vector
products and two partial sorts: 0.3 ms for some 11,000 references on one idle core, in float32 and on one
BLAS thread (``encoder.limit_blas_threads``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K = 5  # neighbours averaged for the second feature: one near message can be a fluke, five rarely are
SCALE = 10.0  # cosine differences are small (a few hundredths); scaled, the stacker's steps fit them
_CHUNK = 2048  # queries per matrix product when training scores thousands at once


def _nearest(queries: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per query, the highest cosine to ``refs`` and the mean of the ``K`` highest (-1, the farthest a
    cosine can be, when there are no references: a knowledge base without a crisis corpus)."""
    if not len(refs):
        far = np.full(len(queries), -1.0, np.float32)
        return far, far
    sims = queries @ refs.T
    k = min(K, refs.shape[0])
    top = -np.partition(-sims, k - 1, axis=1)[:, :k]
    return top.max(axis=1), top.mean(axis=1)


@dataclass(frozen=True)
class Neighbours:
    crisis: np.ndarray  # (n, d) float32, L2-normalised embeddings of crisis messages
    other: np.ndarray  # (m, d) float32: concern, hard negatives and the most crisis-like ordinary messages

    @classmethod
    def of(cls, vectors: np.ndarray, is_crisis: np.ndarray) -> Neighbours:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return cls(vectors[is_crisis], vectors[~is_crisis])

    def features(self, queries: np.ndarray) -> np.ndarray:
        """(n, 2): how much nearer the crisis references are than the others, by the single nearest and
        by the mean of the ``K`` nearest; positive leans to crisis."""
        queries = np.atleast_2d(queries).astype(np.float32, copy=False)
        out = np.empty((len(queries), 2), np.float32)
        for start in range(0, len(queries), _CHUNK):
            block = queries[start : start + _CHUNK]
            crisis_max, crisis_mean = _nearest(block, self.crisis)
            other_max, other_mean = _nearest(block, self.other)
            out[start : start + _CHUNK, 0] = SCALE * (crisis_max - other_max)
            out[start : start + _CHUNK, 1] = SCALE * (crisis_mean - other_mean)
        return out

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        # float16 halves the file; the cosines it changes move in the fourth decimal
        return {f"{prefix}_crisis": self.crisis.astype(np.float16), f"{prefix}_other": self.other.astype(np.float16)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Neighbours:
        return cls(arrays[f"{prefix}_crisis"].astype(np.float32), arrays[f"{prefix}_other"].astype(np.float32))
