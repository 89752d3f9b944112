"""The SQLite index's schema as numbered migrations, run in order when an index opens.

Each migration checks what is there before it adds, so an index written by any earlier version
(some of which added columns on open without recording it) reaches the newest schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def m001_articles_passages_sentences(conn: sqlite3.Connection) -> None:
    statements = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS articles (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            date TEXT,
            url TEXT,
            source TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            added_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS passages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            terms TEXT NOT NULL,
            vector BLOB NOT NULL,
            UNIQUE (article_id, position)
        );
        CREATE TABLE IF NOT EXISTS sentences (
            passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS sentences_by_passage ON sentences(passage_id);
    """
    for statement in statements.split(";"):
        if statement.strip():
            conn.execute(statement)


def m002_passage_alignment_codes(conn: sqlite3.Connection) -> None:
    """Token alignment codes (embeddings/alignment.py); passages indexed before them keep none."""
    if "alignment" not in _columns(conn, "passages"):
        conn.execute("ALTER TABLE passages ADD COLUMN alignment BLOB")


def m003_sentence_token_rows(conn: sqlite3.Connection) -> None:
    """Each sentence's rows in its passage's alignment codes; sentences indexed before keep none."""
    if "tokens_start" not in _columns(conn, "sentences"):
        conn.execute("ALTER TABLE sentences ADD COLUMN tokens_start INTEGER")
        conn.execute("ALTER TABLE sentences ADD COLUMN tokens_end INTEGER")


MIGRATIONS: list[tuple[int, Callable[[sqlite3.Connection], None]]] = [
    (1, m001_articles_passages_sentences),
    (2, m002_passage_alignment_codes),
    (3, m003_sentence_token_rows),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: sqlite3.Connection) -> int:
    """The version recorded in the index (0 for a new, empty database)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database (opened in autocommit mode) to `SCHEMA_VERSION`, one migration per
    transaction, so a crash leaves it at the last migration completed; returns the version."""
    current = schema_version(conn)
    for number, step in MIGRATIONS:
        if number <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (str(number),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        current = number
    return current
