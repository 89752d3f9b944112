"""The index: articles, passages, sentences and their vectors, searchable densely and lexically.

`DocumentStore` is the contract; `SqliteStore` (SQLite + FAISS + BM25 in one folder) is the
embedded default, `PostgresStore` (store/postgres.py, PostgreSQL + pgvector, the `postgres` extra)
serves many processes from one database; `open_store` picks the backend from where the index lives.
"""

from __future__ import annotations

from pathlib import Path

from store.dense import HNSW_THRESHOLD
from store.errors import DuplicateContent, IndexCorrupt, IndexNotFound, ModelMismatch, StoreError
from store.migrations import SCHEMA_VERSION
from store.protocol import DocumentStore
from store.sqlite import SqliteStore
from store.sqlite_db import DB_NAME
from store.types import Article, DateRange, IndexedPassage, Passage, StoredPassage, StoredSentence

__all__ = [
    "DB_NAME",
    "HNSW_THRESHOLD",
    "SCHEMA_VERSION",
    "Article",
    "DateRange",
    "DocumentStore",
    "DuplicateContent",
    "IndexCorrupt",
    "IndexNotFound",
    "IndexedPassage",
    "ModelMismatch",
    "Passage",
    "SqliteStore",
    "StoreError",
    "StoredPassage",
    "StoredSentence",
    "is_database_url",
    "open_store",
]

DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(location: str | Path | None) -> bool:
    """Whether `location` names a Postgres database (a URL) rather than a folder."""
    return isinstance(location, str) and location.startswith(DATABASE_SCHEMES)


def open_store(
    location: str | Path, model_name: str, dim: int, create: bool = True, index_kind: str = "auto"
) -> DocumentStore:
    """The index at `location`: a `postgresql://` URL for the Postgres store, else a folder for the
    embedded one."""
    if is_database_url(location):
        from store.postgres import PostgresStore

        return PostgresStore.open(str(location), model_name, dim, create=create, index_kind=index_kind)
    return SqliteStore.open(location, model_name, dim, create=create, index_kind=index_kind)
