"""The index: articles, passages, sentences and their vectors, searchable densely and lexically.

`DocumentStore` is the contract; `SqliteStore` (SQLite + FAISS + BM25 in one folder) is the
embedded default; `open_store` picks the backend from where the index lives.
"""

from __future__ import annotations

from pathlib import Path

from store.errors import IndexCorrupt, IndexNotFound, ModelMismatch, StoreError
from store.migrations import SCHEMA_VERSION
from store.protocol import DocumentStore
from store.sqlite import DB_NAME, HNSW_THRESHOLD, SqliteStore
from store.types import Article, DateRange, IndexedPassage, Passage, StoredPassage, StoredSentence

__all__ = [
    "DB_NAME",
    "HNSW_THRESHOLD",
    "SCHEMA_VERSION",
    "Article",
    "DateRange",
    "DocumentStore",
    "IndexCorrupt",
    "IndexNotFound",
    "IndexedPassage",
    "ModelMismatch",
    "Passage",
    "SqliteStore",
    "StoreError",
    "StoredPassage",
    "StoredSentence",
    "open_store",
]


def open_store(
    location: str | Path, model_name: str, dim: int, create: bool = True, index_kind: str = "auto"
) -> DocumentStore:
    """The index at `location`: a folder for the embedded store."""
    return SqliteStore.open(location, model_name, dim, create=create, index_kind=index_kind)
