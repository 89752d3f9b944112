"""The Postgres index's schema as numbered migrations, run in order when a store opens.

Each migration runs in its own transaction under an advisory lock, so two processes opening a new
database at once migrate it once: the second waits, then finds the schema already there.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

MIGRATION_LOCK = 0x6E657773_7161  # pg_advisory_xact_lock key taken while migrating ("newsqa")
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128


def m001_articles_passages_sentences(conn: psycopg.Connection, model_name: str, dim: int) -> None:
    """Articles, passages (unit vectors in an HNSW index, the article's date copied for filtered
    searches), sentences (half-precision vectors, read back by passage id), the BM25 side (document
    frequencies and posting blocks), and the counters row that names the generation."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    statements = f"""
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE counters (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            generation bigint NOT NULL DEFAULT 0,
            passages bigint NOT NULL DEFAULT 0,
            term_total bigint NOT NULL DEFAULT 0
        );
        INSERT INTO counters DEFAULT VALUES;
        CREATE TABLE articles (
            id text PRIMARY KEY,
            title text NOT NULL,
            date date,
            url text,
            source text NOT NULL,
            content_hash text NOT NULL UNIQUE,
            text text NOT NULL,
            added_at double precision NOT NULL
        );
        CREATE INDEX articles_by_date ON articles (date DESC NULLS LAST, added_at DESC);
        CREATE TABLE passages (
            id bigserial PRIMARY KEY,
            article_id text NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position integer NOT NULL,
            start integer NOT NULL,
            "end" integer NOT NULL,
            text text NOT NULL,
            terms text NOT NULL,
            length integer NOT NULL,
            block bigint NOT NULL,
            published date,
            vector vector({int(dim)}) NOT NULL,
            alignment bytea,
            UNIQUE (article_id, position)
        );
        CREATE INDEX passages_by_vector ON passages USING hnsw (vector vector_ip_ops)
            WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION});
        CREATE INDEX passages_by_date ON passages (published);
        CREATE TABLE sentences (
            passage_id bigint NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            position integer NOT NULL,
            start integer NOT NULL,
            "end" integer NOT NULL,
            vector halfvec({int(dim)}) NOT NULL,
            tokens_start integer,
            tokens_end integer,
            PRIMARY KEY (passage_id, position)
        );
        CREATE TABLE terms (term text PRIMARY KEY, df integer NOT NULL);
        CREATE SEQUENCE posting_blocks;
        CREATE TABLE postings (
            term text NOT NULL,
            block bigint NOT NULL,
            passage_ids bytea NOT NULL,
            tfs bytea NOT NULL,
            lengths bytea NOT NULL,
            days bytea NOT NULL,
            PRIMARY KEY (term, block)
        );
    """
    for statement in statements.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('model', %s), ('dim', %s)",
        (model_name, str(int(dim))),
    )


MIGRATIONS: list[tuple[int, Callable[[psycopg.Connection, str, int], None]]] = [
    (1, m001_articles_passages_sentences),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: psycopg.Connection) -> int:
    """The version recorded in the database (0 when it has no schema yet)."""
    if conn.execute("SELECT to_regclass('meta')").fetchone()[0] is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: psycopg.Connection, model_name: str, dim: int) -> int:
    """Bring the database (a connection in autocommit mode) to `SCHEMA_VERSION`, one migration
    per transaction; a new database records `model_name` and `dim`. Returns the version."""
    current = schema_version(conn)
    for number, step in MIGRATIONS:
        if number <= current:
            continue
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            current = schema_version(conn)  # another process may have migrated while we waited
            if number <= current:
                continue
            step(conn, model_name, dim)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                (str(number), str(number)),
            )
            current = number
    return current
