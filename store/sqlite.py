"""The embedded index: SQLite holds articles, passages, sentences and their vectors; FAISS and BM25
are search structures derived from it.

Why this split: SQLite transactions make every write atomic (a crash or kill -9 mid-ingest rolls
back to the last commit), and the FAISS / BM25 files are named after the database's generation
number, so a stale or half-written one is never used: it is rebuilt from SQLite instead. Readers
go through views (`store/sqlite_views.py`), so no question waits for a writer.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from store import dense
from store.lexical import LexicalIndex
from store.sqlite_db import (
    GENERATION_SQL,
    connect_reader,
    mapped,
    mapped_rows,
    open_database,
    store_errors,
)
from store.sqlite_views import View, Views
from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence

INDEX_KINDS = ("auto", "flat", "hnsw")

_PASSAGE_COLUMNS = "p.id, p.article_id, p.position, p.start, p.end, p.text, a.title, a.date, a.url, a.source"


class SqliteStore:
    """The embedded `DocumentStore`: one folder, no server.

    Example:
        >>> store = SqliteStore.open("my-index", model_name="e5", dim=384)
        >>> with store.transaction():
        ...     store.add_article(article, content_hash, indexed_passages)
        >>> with store.snapshot():  # a consistent view for one question, whatever writers do meanwhile
        ...     ids, scores = store.search_dense(query_vector, top_k=10)
    """

    def __init__(self, folder: Path, conn: sqlite3.Connection, model_name: str, dim: int, index_kind: str) -> None:
        self.folder = folder
        self.model_name = model_name
        self.dim = dim
        self.index_kind = index_kind  # "auto", "flat" or "hnsw"
        self._conn = conn  # the writer's: transactions only (and the reads made inside them)
        self._lock = threading.RLock()  # one writer in this process at a time
        self._writer: int | None = None  # the thread inside a transaction
        self._changed = False
        self._local = threading.local()  # .conn: this thread's reader outside a snapshot
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._views = Views(folder, self._lock, self._latest_generation, self._fill_view)

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: str | Path,
        model_name: str,
        dim: int,
        create: bool = True,
        index_kind: str = "auto",
        check: bool = True,
    ) -> SqliteStore:
        """Open the index in `folder`, creating it when missing (unless create=False). What a
        killed write left behind (`*.tmp`) is removed; `check` runs SQLite's quick_check, so a
        damaged page is found now, not by whichever command happens to read it.

        Raises:
            IndexNotFound: missing and create=False.
            IndexCorrupt: the database cannot be read.
            ModelMismatch: built with another model or dimension.
        """
        if index_kind not in INDEX_KINDS:
            raise ValueError(f"index_kind must be auto, flat or hnsw, not {index_kind!r}")
        folder = Path(folder).expanduser()
        conn = open_database(folder, model_name, dim, create=create, check=check)
        return cls(folder, conn, model_name, dim, index_kind)

    def close(self) -> None:
        with self._lock:
            self._views.close()
            with self._connections_lock:
                for conn in self._connections:
                    with contextlib.suppress(sqlite3.Error):
                        conn.close()
                self._connections.clear()
            self._conn.close()

    # ------------------------------------------------------------ connections
    def _reader(self) -> sqlite3.Connection:
        """The connection a read outside a snapshot goes through: the writer's inside its own
        transaction (to see what it wrote), else this thread's own autocommit connection."""
        if self._writer == threading.get_ident():
            return self._conn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_reader(self.folder)
            with self._connections_lock:
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def _lent(self) -> View | None:
        """The view a read goes through: the one lent to this thread, unless it writes."""
        view = self._views.lent()
        return view if view is not None and self._writer != threading.get_ident() else None

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        view = self._lent()
        if view is not None:
            return view.rows(sql, params)
        return self._reader().execute(sql, params).fetchall()

    def _iterate(self, sql: str) -> Iterator[tuple]:
        view = self._lent()
        if view is not None:
            return view.iterate(sql)
        return iter(self._reader().execute(sql))

    # ------------------------------------------------------------------ views
    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """Every read inside sees one generation, the one the search structures index, however
        many commits writers make meanwhile; nothing inside waits for a writer."""
        return self._views.lend()

    def _latest_generation(self) -> int:
        return int(self._reader().execute(GENERATION_SQL).fetchone()[0])

    def _fill_view(self, view: View) -> None:
        """Build a new view's search structures (its reads go through the view's transaction)."""
        view.faiss = dense.load_or_build(self.folder, view.generation, self.count_passages(), self.build_dense_index)
        view.lexical = LexicalIndex.for_store(self)

    # ----------------------------------------------------------------- reading
    @property
    @mapped
    def generation(self) -> int:
        """Bumped by every commit that changed the passages: names the derived files. Inside
        `snapshot()`, the generation of the view in use."""
        view = self._lent()
        if view is not None:
            return view.generation
        return int(self._rows(GENERATION_SQL)[0][0])

    @mapped
    def count_articles(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles")[0][0]

    @mapped
    def count_passages(self) -> int:
        return self._rows("SELECT COUNT(*) FROM passages")[0][0]

    @mapped
    def count_sentences(self) -> int:
        return self._rows("SELECT COUNT(*) FROM sentences")[0][0]

    @mapped
    def find_hash(self, content_hash: str) -> str | None:
        rows = self._rows("SELECT id FROM articles WHERE content_hash=?", (content_hash,))
        return rows[0][0] if rows else None

    @mapped
    def article(self, article_id: str) -> Article | None:
        rows = self._rows("SELECT id, text, title, date, url, source FROM articles WHERE id=?", (article_id,))
        return Article(*rows[0]) if rows else None

    @mapped
    def articles(self) -> list[dict]:
        rows = self._rows(
            "SELECT a.id, a.title, a.date, a.url, a.source, COUNT(p.id) FROM articles a "
            "LEFT JOIN passages p ON p.article_id = a.id GROUP BY a.id ORDER BY a.added_at, a.id"
        )
        keys = ("id", "title", "date", "url", "source", "passages")
        return [dict(zip(keys, r)) for r in rows]

    @mapped
    def newest_article_ids(self, n: int) -> list[str]:
        rows = self._rows(
            "SELECT id FROM articles ORDER BY date IS NULL, date DESC, added_at DESC, id LIMIT ?", (int(n),)
        )
        return [r[0] for r in rows]

    @mapped
    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        )
        return {r[0]: StoredPassage(*r) for r in rows}

    @mapped
    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return dict(self._rows(f"SELECT id, alignment FROM passages WHERE id IN ({marks})", [int(i) for i in ids]))

    @mapped
    def article_passage_ids(self, article_id: str) -> list[int]:
        rows = self._rows("SELECT id FROM passages WHERE article_id=? ORDER BY position", (article_id,))
        return [r[0] for r in rows]

    @mapped
    def sentences(self, passage_ids: Sequence[int]) -> dict[int, list[StoredSentence]]:
        out: dict[int, list[StoredSentence]] = {int(i): [] for i in passage_ids}
        if not out:
            return out
        marks = ",".join("?" * len(out))
        rows = self._rows(
            f"SELECT passage_id, start, end, vector, tokens_start, tokens_end FROM sentences "
            f"WHERE passage_id IN ({marks}) ORDER BY passage_id, start",
            list(out),
        )
        for pid, start, end, blob, tokens_start, tokens_end in rows:
            vector = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            tokens = None if tokens_start is None else (tokens_start, tokens_end)
            out[pid].append(StoredSentence(start, end, vector, tokens))
        return out

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        index = self.dense_index()
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return np.stack([index.reconstruct(int(pid)) for pid in ids]).astype(np.float32)

    def iter_passage_texts(self) -> Iterator[tuple[int, str, str]]:
        return mapped_rows(
            self._iterate(
                "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
            ),
            self.folder,
        )

    def iter_terms(self) -> Iterator[tuple[int, str]]:
        return mapped_rows(self._iterate("SELECT id, terms FROM passages ORDER BY id"), self.folder)

    @mapped
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = [], []
        for pid, blob in self._iterate("SELECT id, vector FROM passages ORDER BY id"):
            ids.append(pid)
            vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return np.array(ids, np.int64), np.vstack(vecs)

    @mapped
    def _passage_ids_dated(self, dates: DateRange) -> np.ndarray:
        """Ids of the passages of articles published within `dates`."""
        rows = self._rows(
            "SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id "
            "WHERE a.date IS NOT NULL AND a.date >= ? AND a.date <= ?",
            (dates.since or "0000-00-00", dates.until or "9999-99-99"),
        )
        return np.array([r[0] for r in rows], np.int64)

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def transaction(self):
        """Everything written inside becomes visible at once on success, or not at all."""
        with self._lock:
            with store_errors(self.folder):
                self._conn.execute("BEGIN IMMEDIATE")
            self._writer = threading.get_ident()
            self._changed = False
            try:
                with store_errors(self.folder):  # rolled back first, then raised as a store error
                    try:
                        yield
                        if self._changed:
                            self._conn.execute(
                                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'"
                            )
                        self._conn.execute("COMMIT")
                    except BaseException:
                        with contextlib.suppress(sqlite3.Error):
                            self._conn.execute("ROLLBACK")
                        raise
            finally:
                self._writer = None
            if self._changed:
                self._views.dirty = True

    @mapped
    def add_article(self, article: Article, content_hash: str, passages: Sequence[IndexedPassage]) -> list[int]:
        c, now = self._conn, time.time()
        c.execute(
            "INSERT INTO articles (id, title, date, url, source, content_hash, text, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, article.title, article.date, article.url, article.source, content_hash, article.text, now),
        )
        ids = []
        for item in passages:
            passage = item.passage
            where = (article.id, passage.position, passage.start, passage.end, passage.text)
            vector = np.asarray(item.vector, np.float32).tobytes()
            cur = c.execute(
                "INSERT INTO passages (article_id, position, start, end, text, terms, vector, alignment) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (*where, " ".join(item.terms), vector, item.alignment_codes),
            )
            pid = cur.lastrowid
            ids.append(pid)
            token_rows = item.sentence_tokens if item.alignment_codes is not None and item.sentence_tokens else None
            token_rows = token_rows or [(None, None)] * len(passage.sentences)
            c.executemany(
                "INSERT INTO sentences (passage_id, start, end, vector, tokens_start, tokens_end) VALUES (?,?,?,?,?,?)",
                [
                    (pid, s, e, v.astype(np.float16).tobytes(), *tokens)
                    for (s, e), v, tokens in zip(passage.sentences, item.sentence_vectors, token_rows)
                ],
            )
        self._changed = True
        return ids

    @mapped
    def delete_article(self, article_id: str) -> bool:
        cur = self._conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
        removed = cur.rowcount > 0
        self._changed = self._changed or removed
        return removed

    @mapped
    def prepare(self) -> None:
        """Build the newest generation's search structures now and publish them to readers."""
        self._views.refresh()

    # ------------------------------------------------------------ dense search
    def build_dense_index(self, kind: str | None = None):
        """A FAISS index over every stored vector: exact, or HNSW past `HNSW_THRESHOLD` passages
        (or as `kind` / the store's index kind says)."""
        ids, vectors = self.all_vectors()
        return dense.build_faiss(ids, vectors, self.dim, kind or self.index_kind)

    def dense_index(self):
        """The FAISS index of the generation in use (see `snapshot()`)."""
        return self._views.current().faiss

    def dense_kind(self) -> str:
        """The FAISS index in use: "IndexFlatIP" (exact) or "IndexHNSWFlat" (approximate)."""
        return dense.kind_of(self.dense_index())

    def search_dense(
        self, vector: np.ndarray, top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        index = self.dense_index()
        allowed = self._passage_ids_dated(dates) if dates and index.ntotal else None
        return dense.search(index, vector, top_k, allowed)

    # ---------------------------------------------------------- lexical search
    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the generation in use (see `snapshot()`)."""
        view = self._views.lent()
        if view is not None and view.lexical is not None:
            return view.lexical
        if view is not None:  # the view being built: its BM25 index comes next
            raise RuntimeError("the BM25 index is read before it is built")
        return self._views.current().lexical

    def search_lexical(
        self, terms: list[str], top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        allowed = self._passage_ids_dated(dates) if dates else None
        return self.lexical_index().search(terms, top_k, allowed=allowed)

    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        return self.lexical_index().idf(terms, absent)

    @mapped
    def stats(self) -> dict:
        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        meta = dict(self._rows("SELECT key, value FROM meta"))
        return {
            "folder": str(self.folder),
            "backend": "sqlite",
            "schema": int(meta.get("schema", 0)),
            "model": meta.get("model"),
            "dim": self.dim,
            "articles": self.count_articles(),
            "passages": self.count_passages(),
            "sentences": self.count_sentences(),
            # Passages indexed before alignment codes existed have none: ingest into a new folder to add them.
            "passages_with_alignment_codes": self._rows("SELECT COUNT(alignment) FROM passages")[0][0],
            "sentences_with_token_rows": self._rows("SELECT COUNT(tokens_start) FROM sentences")[0][0],
            "generation": self.generation,
            "dense_index": self.dense_kind(),
            "bytes_on_disk": size,
        }


__all__ = ["SqliteStore"]
