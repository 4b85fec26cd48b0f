"""Small trained models in plain numpy: softmax regression and a one-hidden-layer network.

Every trained part of the engine is one of these over a feature vector (the encoder's embedding, or a few
scores). Training is Adam for a fixed number of steps, from zero weights (softmax) or from a seeded
random start (the network): the same data gives the same model on every run.

Why a hidden layer: a linear head over the embedding cannot separate "I want to end it tonight" from "I
want to end my rental contract" (their vectors differ in a direction that matters only together with
others). One layer of 256 units could, in cross-validation on the crisis corpus, at the same cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Softmax:
    """``P(class | x) = softmax((x - mean) / scale @ W + b)``."""

    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((np.atleast_2d(x) - self.mean) / self.scale) @ self.weights + self.bias

    def proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.logits(x))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_w": self.weights, f"{prefix}_b": self.bias, f"{prefix}_mean": self.mean,
                f"{prefix}_scale": self.scale}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Softmax:
        return cls(arrays[f"{prefix}_w"], arrays[f"{prefix}_b"], arrays[f"{prefix}_mean"], arrays[f"{prefix}_scale"])


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_softmax(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    l2: float = 1e-3,
    steps: int = 400,
    learning_rate: float = 0.05,
    sample_weight: np.ndarray | None = None,
    standardize: bool = True,
) -> Softmax:
    """Fit by minimising the weighted mean cross-entropy plus ``l2 * |W|^2``.

    ``sample_weight`` lets a rare class count as much as a frequent one (crisis messages against
    thousands of ordinary questions) without duplicating rows.
    """
    x = np.asarray(x, dtype=np.float32)
    n, d = x.shape
    if standardize:
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-6
    else:
        mean, scale = np.zeros(d, np.float32), np.ones(d, np.float32)
    xs = (x - mean) / scale
    onehot = np.zeros((n, n_classes), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    w_s = np.ones(n, np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
    w_s = w_s / w_s.sum()
    weights = np.zeros((d, n_classes), np.float32)
    bias = np.zeros(n_classes, np.float32)
    m_w, v_w = np.zeros_like(weights), np.zeros_like(weights)
    m_b, v_b = np.zeros_like(bias), np.zeros_like(bias)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        p = softmax(xs @ weights + bias)
        g = (p - onehot) * w_s[:, None]
        grad_w = xs.T @ g + 2 * l2 * weights
        grad_b = g.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        lr = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        weights -= lr * m_w / (np.sqrt(v_w) + eps)
        bias -= lr * m_b / (np.sqrt(v_b) + eps)
    return Softmax(weights.astype(np.float32), bias.astype(np.float32), mean.astype(np.float32),
                   scale.astype(np.float32))


def balanced_weights(y: np.ndarray, n_classes: int, power: float = 1.0) -> np.ndarray:
    """Per-sample weights so each class weighs ``count ** (1 - power)`` in total (power 1: all equal)."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    per_class = np.where(counts > 0, counts ** -power, 0.0)
    return (per_class[y] * len(y) / max(1e-9, (per_class[y]).sum())).astype(np.float32)


@dataclass(frozen=True)
class MLP:
    """``softmax(relu(((x - mean) / scale) @ W1 + b1) @ W2 + b2)``."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(((np.atleast_2d(x) - self.mean) / self.scale) @ self.w1 + self.b1, 0.0)
        return hidden @ self.w2 + self.b2

    def proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.logits(x))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_{k}": getattr(self, k) for k in ("w1", "b1", "w2", "b2", "mean", "scale")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> MLP:
        return cls(*(arrays[f"{prefix}_{k}"] for k in ("w1", "b1", "w2", "b2", "mean", "scale")))


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    hidden: int = 256,
    l2: float = 1e-4,
    epochs: int = 60,
    learning_rate: float = 3e-3,
    batch: int = 512,
    sample_weight: np.ndarray | None = None,
    seed: int = 0,
) -> MLP:
    """Mini-batch Adam on weighted cross-entropy plus ``l2 * |W|^2``; seeded, so deterministic."""
    rng = np.random.RandomState(seed)
    x = np.asarray(x, np.float32)
    n, d = x.shape
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    xs = (x - mean) / scale
    params = [
        (rng.randn(d, hidden) * np.sqrt(2.0 / d)).astype(np.float32),
        np.zeros(hidden, np.float32),
        (rng.randn(hidden, n_classes) * np.sqrt(1.0 / hidden)).astype(np.float32),
        np.zeros(n_classes, np.float32),
    ]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    w_s = np.ones(n, np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    t = 0
    for _epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            t += 1
            w1, b1, w2, b2 = params
            pre = xs[idx] @ w1 + b1
            act = np.maximum(pre, 0.0)
            weight = w_s[idx] / w_s[idx].sum()
            g = (softmax(act @ w2 + b2) - onehot[idx]) * weight[:, None]
            g_act = g @ w2.T
            g_act[pre <= 0] = 0.0
            grads = [xs[idx].T @ g_act + 2 * l2 * w1, g_act.sum(axis=0), act.T @ g + 2 * l2 * w2, g.sum(axis=0)]
            step = learning_rate * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            for i, grad in enumerate(grads):
                m, v = moments[i]
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad**2
                params[i] -= step * m / (np.sqrt(v) + 1e-8)
    return MLP(*params, mean.astype(np.float32), scale.astype(np.float32))


@dataclass(frozen=True)
class Ensemble:
    """The mean of several networks trained from different seeds: steadier than any one of them."""

    members: tuple[MLP, ...]

    def proba(self, x: np.ndarray) -> np.ndarray:
        return np.mean([m.proba(x) for m in self.members], axis=0)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {f"{prefix}_n": np.array(len(self.members))}
        for i, m in enumerate(self.members):
            out.update(m.to_arrays(f"{prefix}{i}"))
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Ensemble:
        return cls(tuple(MLP.from_arrays(arrays, f"{prefix}{i}") for i in range(int(arrays[f"{prefix}_n"]))))
