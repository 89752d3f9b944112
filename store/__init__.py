"""The index on disk: SQLite rows (articles, passages, sentences, vectors) + FAISS + BM25."""

from store.lexical import LexicalIndex
from store.passage_store import DB_NAME, HNSW_THRESHOLD, SCHEMA_VERSION, PassageStore, StoredPassage, StoredSentence

__all__ = [
    "DB_NAME",
    "HNSW_THRESHOLD",
    "SCHEMA_VERSION",
    "LexicalIndex",
    "PassageStore",
    "StoredPassage",
    "StoredSentence",
]
