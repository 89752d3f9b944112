"""The fast backend: the int8 ONNX export run with onnxruntime, no torch needed at question time."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.build import DOCUMENT_PROMPT, QUERY_PROMPT


def nfc(text: str) -> str:
    """Vietnamese arrives decomposed (NFD) in the wild; the model was trained on composed text."""
    return unicodedata.normalize("NFC", text).strip()


def _not_text(texts: Sequence[str]) -> str | None:
    """What makes one of `texts` no text: not a string, or a lone UTF-16 surrogate in it."""
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            return f"item {number} is {type(text).__name__}, not a string"
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"item {number} holds U+{ord(text[exc.start]):04X}, half of a UTF-16 pair, which is not text"
    return None


class OnnxEncoder:
    """multilingual-e5-small, int8, on onnxruntime.

    Example:
        >>> enc = OnnxEncoder("~/.cache/newsqa/model/onnx-int8")
        >>> enc.encode_query(["Luật An ninh mạng có hiệu lực khi nào?"]).shape
        (1, 384)
    """

    def __init__(self, folder: str | Path, threads: int | None = None, max_tokens: int = 512) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads would otherwise spin after each run and starve the numpy, FAISS and
        # BM25 work that follows on 2 cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        # The hot path uses the `tokenizers` object directly: loading it through transformers would
        # import torch and add ~4 s to every cold start.
        self._fast = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self._fast.enable_truncation(max_length=max_tokens)
        self._fast.no_padding()
        self._pad_id = self._fast.token_to_id("<pad>")
        self._hf_tokenizer = None
        self.max_tokens = max_tokens
        self.dim = self.session.get_outputs()[0].shape[-1]
        self.prompts = {"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT}

    @property
    def tokenizer(self):
        """The same tokenizer as a Hugging Face fast tokenizer (callable), loaded on first use."""
        if self._hf_tokenizer is None:
            from transformers import AutoTokenizer

            self._hf_tokenizer = AutoTokenizer.from_pretrained(str(self.folder))
        return self._hf_tokenizer

    def count_tokens(self, text: str) -> int:
        """Model tokens in `text`, special tokens aside (what the passage splitter measures)."""
        return len(self._fast.encode(text, add_special_tokens=False).ids)

    def encode_query(self, texts: str | Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, QUERY_PROMPT, batch_size)

    def encode_document(self, texts: str | Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, DOCUMENT_PROMPT, batch_size)

    def _encode(self, texts: str | Sequence[str], prompt: str, batch_size: int) -> np.ndarray:
        single = isinstance(texts, str)
        tokens = self.token_embeddings([texts] if single else list(texts), prompt, batch_size)
        vectors = np.stack([t.mean(axis=0) for t in tokens]) if tokens else np.zeros((0, self.dim), np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors[0] if single else vectors

    def token_embeddings(
        self,
        texts: Sequence[str],
        prompt: str,
        batch_size: int = 32,
        offsets: list | None = None,
        alignment: list | None = None,
    ) -> list[np.ndarray]:
        """Last hidden states, one (tokens, dim) array per text, specials included.

        Texts are sorted by length so each batch pads little, then put back in order. Pass a list
        as `offsets` to receive each token's character span in `prompt + text` from the same
        tokenization, and one as `alignment` to receive the alignment layer's states (same shape)
        from the same forward pass.
        """
        inputs = [prompt + nfc(t) for t in texts]
        try:
            encodings = self._fast.encode_batch(inputs)
        except TypeError as exc:  # `tokenizers` takes only text it can write as UTF-8
            raise ValueError(f"cannot encode: {_not_text(inputs) or exc}") from exc
        encoded = [e.ids for e in encodings]
        if offsets is not None:
            offsets.extend(e.offsets for e in encodings)
        order = np.argsort([-len(ids) for ids in encoded], kind="stable")
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        aligned: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            width = max(len(encoded[i]) for i in batch)
            ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1
            hidden, middle = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            for row, i in enumerate(batch):
                out[i] = hidden[row, : len(encoded[i])].astype(np.float32)
                if alignment is not None:
                    aligned[i] = middle[row, : len(encoded[i])].astype(np.float32)
        if alignment is not None:
            alignment.extend(aligned)
        return out
