"""BM25 over the passages' stored search terms (bm25s), saved beside the index per generation."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from store.derived import atomic_write_dir, remove_stale

if TYPE_CHECKING:
    from store.sqlite import SqliteStore

log = logging.getLogger(__name__)


class LexicalIndex:
    """bm25s over Vietnamese syllables (and their accent-free forms), keyed by passage id.

    Example:
        >>> lexical = LexicalIndex.for_store(store)
        >>> ids, scores = lexical.search(["luật", "luat", "an", "ninh"], top_k=10)
    """

    def __init__(self, retriever, passage_ids: np.ndarray, document_frequency: np.ndarray, generation: int) -> None:
        self.retriever = retriever
        self.passage_ids = passage_ids
        self.document_frequency = document_frequency  # by term id: how many passages hold the term
        self.generation = generation

    @classmethod
    def for_store(cls, store: SqliteStore) -> LexicalIndex:
        """Load the BM25 index of the store's current generation, or build and save it."""
        import bm25s

        generation = store.generation
        path = store.folder / f"bm25-{generation}"
        if (path / "document_frequency.npy").exists():
            try:
                retriever = bm25s.BM25.load(str(path), mmap=False, load_corpus=False)
                ids = np.load(path / "passage_ids.npy", allow_pickle=False)
                df = np.load(path / "document_frequency.npy", allow_pickle=False)
                return cls(retriever, ids, df, generation)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("rebuilding the BM25 index: %s", exc)
        retriever, passage_ids, df = cls.build(store.iter_terms())

        def write(tmp):
            if len(passage_ids):
                retriever.save(tmp, allow_pickle=False)
            np.save(f"{tmp}/passage_ids.npy", passage_ids, allow_pickle=False)
            np.save(f"{tmp}/document_frequency.npy", df, allow_pickle=False)

        atomic_write_dir(store.folder, path, write)
        remove_stale(store.folder, "bm25-*", keep=path)
        return cls(retriever, passage_ids, df, generation)

    @staticmethod
    def build(rows: Iterable[tuple[int, str]]):
        """(BM25, passage ids, document frequencies) from (passage id, space-separated terms) rows.

        Terms become ids as they are read, so each distinct term is one object: 183,000 baomoi
        passages as lists of strings peaked at 4.9 GB, as lists of shared ids at 1.5 GB."""
        import bm25s

        ids, corpus, vocab = [], [], {}
        for pid, terms in rows:
            ids.append(pid)
            corpus.append([vocab.setdefault(t, len(vocab)) for t in terms.split()])
        df = np.zeros(len(vocab), np.int64)
        for doc in corpus:
            df[np.unique(np.asarray(doc, np.int64))] += 1
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            retriever.index((corpus, vocab), show_progress=False)
        return retriever, np.array(ids, dtype=np.int64), df

    def search(self, terms: list[str], top_k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and BM25 scores of the best `top_k` passages with a score above zero, among
        the `allowed` passage ids when given."""
        if not len(self.passage_ids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        token_ids = self.retriever.get_tokens_ids(terms)
        if not token_ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        mask = None if allowed is None else np.isin(self.passage_ids, allowed).astype(np.float32)
        scores = self.retriever.get_scores_from_ids(token_ids, weight_mask=mask)
        k = min(top_k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[scores[top] > 0]
        return self.passage_ids[top], scores[top].astype(np.float32)

    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        """How rare each term is in the corpus, to weigh lexical evidence (see DocumentStore.idf)."""
        n = max(len(self.passage_ids), 1)
        vocab = self.retriever.vocab_dict if len(self.passage_ids) else {}
        out = []
        for term in terms:
            tid = vocab.get(term)
            df = int(self.document_frequency[tid]) if tid is not None else 0
            out.append(np.log(1 + (n - df + 0.5) / (df + 0.5)) if df or absent is None else absent)
        return np.array(out, np.float32)
