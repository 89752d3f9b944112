"""The contract every index backend keeps (the embedded SQLite + FAISS + BM25 one, a database
server): what the ingest writes, what retrieval and quoting read. Callers use only this."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence


@runtime_checkable
class DocumentStore(Protocol):
    """Articles, their passages and sentences with vectors, searchable densely and lexically.

    Writes happen inside `transaction()`: everything in it becomes visible at once, or not at all.
    `generation` changes with every committed change, so what is derived from an index (caches,
    search structures) knows when to be rebuilt.
    """

    model_name: str
    dim: int

    # -------------------------------------------------------------- writing
    def transaction(self) -> AbstractContextManager[None]: ...

    def add_article(self, article: Article, content_hash: str, passages: Sequence[IndexedPassage]) -> list[int]:
        """Insert one article and its passages; returns the passage ids (inside a transaction).

        A store may raise `DuplicateContent` when another writer stored the same text since the
        caller's `find_hash`; it writes nothing then, and the transaction goes on."""
        ...

    def delete_article(self, article_id: str) -> bool:
        """Delete an article and its passages (inside a transaction); False when there was none."""
        ...

    def prepare(self) -> None:
        """Build the search structures now, so the first question does not wait for them."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """Every read inside sees one committed state, the one the searches index, whatever
        writers commit meanwhile (one question's reads; a backend whose every read is consistent
        anyway may return `contextlib.nullcontext()`)."""
        ...

    # -------------------------------------------------------------- reading
    @property
    def generation(self) -> int: ...

    def count_articles(self) -> int: ...

    def count_passages(self) -> int: ...

    def count_sentences(self) -> int: ...

    def find_hash(self, content_hash: str) -> str | None:
        """The id of the article with this content hash, if any."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(self) -> list[dict]:
        """id, title, date, url, source and passage count of every article, oldest first."""
        ...

    def newest_article_ids(self, n: int) -> list[str]:
        """The `n` most recent articles: by publication date, undated ones last, then newest added."""
        ...

    def article_passage_ids(self, article_id: str) -> list[int]:
        """The article's passages, in order."""
        ...

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]: ...

    def sentences(self, passage_ids: Sequence[int]) -> dict[int, list[StoredSentence]]: ...

    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]: ...

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """(len(ids), dim) stored unit vectors, in the order asked."""
        ...

    def iter_passage_texts(self) -> Iterator[tuple[int, str, str]]:
        """(passage id, article title, passage text) of every passage, for exports and benchmarks."""
        ...

    # -------------------------------------------------------------- searching
    def search_dense(
        self, vector: np.ndarray, top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and inner products of the passages nearest `vector`, among those of articles dated
        in `dates` when given (filtered inside the search, not after it)."""
        ...

    def search_lexical(
        self, terms: list[str], top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and BM25 scores (> 0) of the best passages for `terms`, within `dates` when given."""
        ...

    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        """How rare each term is among the passages; a term no passage has gets `absent` (by
        default the highest weight: a word the articles never use is evidence they do not answer)."""
        ...

    def stats(self) -> dict: ...

    def close(self) -> None: ...
