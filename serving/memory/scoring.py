"""The retrieval score: recency, importance and relevance, each min-max normalised over the
candidates, then weighted and summed (vectorised with numpy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Weights:
    recency: float
    importance: float
    relevance: float


@dataclass(frozen=True, slots=True)
class Scores:
    recency: Floats
    importance: Floats
    relevance: Floats
    total: Floats


def min_max(values: Floats) -> Floats:
    """Scale to 0..1; a constant (or single) column becomes all ones."""
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-12:
        return np.ones_like(values)
    return (values - low) / (high - low)


def recency(hours_ago: Floats, decay_per_hour: float) -> Floats:
    """`decay ** hours`, computed in log space relative to the newest candidate, so a month-old
    world does not underflow to zeros before normalisation."""
    if hours_ago.size == 0:
        return hours_ago
    log_decay = np.maximum(hours_ago, 0.0) * math.log(decay_per_hour)
    return np.exp(log_decay - log_decay.max())


def cosine(query: npt.NDArray[np.float32], rows: npt.NDArray[np.float32]) -> Floats:
    """Cosine similarity of one vector to each row."""
    if rows.shape[0] == 0:
        return np.zeros(0)
    q = query.astype(np.float64)
    m = rows.astype(np.float64)
    norms = np.linalg.norm(m, axis=1) * max(float(np.linalg.norm(q)), 1e-12)
    return np.asarray((m @ q) / np.maximum(norms, 1e-12), dtype=np.float64)


def score(
    hours_ago: Floats,
    importance: Floats,
    similarity: Floats | None,
    weights: Weights,
    decay_per_hour: float,
) -> Scores:
    """Per-candidate components (each 0..1) and the weighted total. Without a query
    (`similarity` None) relevance is zero and does not count."""
    rec = min_max(recency(hours_ago, decay_per_hour))
    imp = min_max(importance)
    rel = min_max(similarity) if similarity is not None else np.zeros_like(rec)
    total = weights.recency * rec + weights.importance * imp + weights.relevance * rel
    return Scores(recency=rec, importance=imp, relevance=rel, total=total)
