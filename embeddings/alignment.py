"""Token alignment ("late interaction"): how well each question token finds its counterpart in a passage.

Why: the pooled e5 vector of an English question lands measurably far from its Vietnamese answer,
yet the model's middle layers still line up words across languages (SimAlign, Jalili Sabet et al.
2020). Scoring a passage by the mean, over the question's tokens, of each token's best match among
the passage's tokens (ColBERT's MaxSim) recovers part of what pooling loses. On XQuAD en->vi,
re-ranking the top passages with layer 8 of 12 lifted Recall@1 more than the last layer did
(0.804 -> 0.854 vs 0.841, fp32 measurement, weight 5).

Passage tokens are stored as one sign bit per dimension (48 bytes a token, `pack`): cosine with a
sign vector keeps nearly all of the effect (0.847 vs 0.854 above) at 1/32 of float32's size.
"""

from __future__ import annotations

import numpy as np

ALIGNMENT_LAYER = 8  # hidden_states index: 0 is the embedding layer, 12 the last


def unit_rows(states: np.ndarray) -> np.ndarray:
    return (states / np.maximum(np.linalg.norm(states, axis=-1, keepdims=True), 1e-12)).astype(np.float32)


def pack(states: np.ndarray) -> bytes:
    """(tokens, dim) float states -> their sign bits, row by row."""
    return np.packbits(np.asarray(states) > 0, axis=1).tobytes()


def unpack(codes: bytes, dim: int) -> np.ndarray:
    """Sign bits -> (tokens, dim) unit vectors of ±1/sqrt(dim)."""
    bits = np.unpackbits(np.frombuffer(codes, np.uint8)).reshape(-1, dim)
    return (bits.astype(np.float32) * 2 - 1) / np.sqrt(dim, dtype=np.float32)


def similarity_matrices(question_states: np.ndarray, codes: list[bytes]) -> list[np.ndarray]:
    """For each passage's codes: the cosine of every question token (rows, unit vectors) with every
    passage token (columns). All passages go through one unpack and one matrix product."""
    dim = question_states.shape[1]
    sizes = [len(c) * 8 // dim for c in codes]
    if not len(question_states) or not sum(sizes):
        return [np.zeros((len(question_states), n), np.float32) for n in sizes]
    similarity = question_states @ unpack(b"".join(codes), dim).T
    return np.split(similarity, np.cumsum(sizes)[:-1], axis=1)


def maxsim(similarity: np.ndarray) -> float:
    """The mean over question tokens of their best match (0 when either side has no token)."""
    return float(similarity.max(axis=1).mean()) if similarity.size else 0.0
