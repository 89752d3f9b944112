"""The embedded index: SQLite holds articles, passages, sentences and their vectors; FAISS and BM25
are search structures derived from it.

Why this split: SQLite transactions make every write atomic (a crash or kill -9 mid-ingest rolls
back to the last commit), and the FAISS / BM25 files are named after the database's generation
number, so a stale or half-written one is never used: it is rebuilt from SQLite instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from store.derived import HNSW_EF_SEARCH, HNSW_THRESHOLD, atomic_write, atomic_write_dir, build_faiss, remove_stale
from store.errors import IndexCorrupt, IndexNotFound, ModelMismatch
from store.lexical import LexicalIndex
from store.migrations import SCHEMA_VERSION, migrate
from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence

DB_NAME = "index.sqlite"
INDEX_KINDS = ("auto", "flat", "hnsw")

_PASSAGE_COLUMNS = "p.id, p.article_id, p.position, p.start, p.end, p.text, a.title, a.date, a.url, a.source"


class SqliteStore:
    """The embedded `DocumentStore`: one folder, no server.

    Example:
        >>> store = SqliteStore.open("my-index", model_name="e5", dim=384)
        >>> with store.transaction():
        ...     store.add_article(article, content_hash, indexed_passages)
        >>> ids, scores = store.search_dense(query_vector, top_k=10)
    """

    def __init__(self, folder: Path, conn: sqlite3.Connection, model_name: str, dim: int, index_kind: str) -> None:
        self.folder = folder
        self.model_name = model_name
        self.dim = dim
        self.index_kind = index_kind  # "auto", "flat" or "hnsw"
        self._conn = conn
        self._lock = threading.RLock()
        self._faiss = None
        self._faiss_generation = -1
        self._lexical: LexicalIndex | None = None
        self._changed = False

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: str | Path,
        model_name: str,
        dim: int,
        create: bool = True,
        index_kind: str = "auto",
    ) -> SqliteStore:
        """Open the index in `folder`, creating it when missing (unless create=False).

        Raises:
            IndexNotFound: missing and create=False.
            IndexCorrupt: the database cannot be read.
            ModelMismatch: built with another model or dimension.
        """
        if index_kind not in INDEX_KINDS:
            raise ValueError(f"index_kind must be auto, flat or hnsw, not {index_kind!r}")
        folder = Path(folder).expanduser()
        db = folder / DB_NAME
        if not db.exists():
            if not create:
                raise IndexNotFound(
                    f"no index in {folder}; ingest articles first (python -m qa ingest PATH --index DIR)"
                )
            folder.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            migrate(conn)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"the index in {folder} cannot be read ({exc}); delete the folder and ingest the articles again"
            ) from exc
        if "model" not in meta:
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("model", model_name), ("dim", str(dim)), ("generation", "0")],
            )
        elif meta.get("model") != model_name or int(meta.get("dim", 0)) != dim:
            conn.close()
            raise ModelMismatch(
                f"the index in {folder} was built with {meta.get('model')!r} ({meta.get('dim')}-d), "
                f"not {model_name!r} ({dim}-d); use another --index folder or rebuild it"
            )
        return cls(folder, conn, model_name, dim, index_kind)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ----------------------------------------------------------------- reading
    @property
    def generation(self) -> int:
        """Bumped by every commit that changed the passages: names the derived files."""
        return int(self._conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def count_articles(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def count_passages(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def count_sentences(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]

    def find_hash(self, content_hash: str) -> str | None:
        row = self._conn.execute("SELECT id FROM articles WHERE content_hash=?", (content_hash,)).fetchone()
        return row[0] if row else None

    def article(self, article_id: str) -> Article | None:
        row = self._conn.execute(
            "SELECT id, text, title, date, url, source FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        return Article(*row) if row else None

    def articles(self) -> list[dict]:
        rows = self._conn.execute(
            "SELECT a.id, a.title, a.date, a.url, a.source, COUNT(p.id) FROM articles a "
            "LEFT JOIN passages p ON p.article_id = a.id GROUP BY a.id ORDER BY a.added_at, a.id"
        ).fetchall()
        keys = ("id", "title", "date", "url", "source", "passages")
        return [dict(zip(keys, r)) for r in rows]

    def newest_article_ids(self, n: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT id FROM articles ORDER BY date IS NULL, date DESC, added_at DESC, id LIMIT ?", (int(n),)
        )
        return [r[0] for r in rows]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        ).fetchall()
        return {r[0]: StoredPassage(*r) for r in rows}

    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT id, alignment FROM passages WHERE id IN ({marks})", [int(i) for i in ids])
        return dict(rows.fetchall())

    def article_passage_ids(self, article_id: str) -> list[int]:
        rows = self._conn.execute("SELECT id FROM passages WHERE article_id=? ORDER BY position", (article_id,))
        return [r[0] for r in rows]

    def sentences(self, passage_ids: Sequence[int]) -> dict[int, list[StoredSentence]]:
        out: dict[int, list[StoredSentence]] = {int(i): [] for i in passage_ids}
        if not out:
            return out
        marks = ",".join("?" * len(out))
        rows = self._conn.execute(
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
        rows = self._conn.execute(
            "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
        )
        yield from rows

    def iter_terms(self) -> Iterator[tuple[int, str]]:
        return self._conn.execute("SELECT id, terms FROM passages ORDER BY id")

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = [], []
        for pid, blob in self._conn.execute("SELECT id, vector FROM passages ORDER BY id"):
            ids.append(pid)
            vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return np.array(ids, np.int64), np.vstack(vecs)

    def _passage_ids_dated(self, dates: DateRange) -> np.ndarray:
        """Ids of the passages of articles published within `dates`."""
        rows = self._conn.execute(
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
            self._conn.execute("BEGIN IMMEDIATE")
            self._changed = False
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            if self._changed:
                self._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            self._conn.execute("COMMIT")

    def add_article(self, article: Article, content_hash: str, passages: Sequence[IndexedPassage]) -> list[int]:
        c = self._conn
        c.execute(
            "INSERT INTO articles (id, title, date, url, source, content_hash, text, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.title,
                article.date,
                article.url,
                article.source,
                content_hash,
                article.text,
                time.time(),
            ),
        )
        ids = []
        for item in passages:
            passage = item.passage
            cur = c.execute(
                "INSERT INTO passages (article_id, position, start, end, text, terms, vector, alignment) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    article.id,
                    passage.position,
                    passage.start,
                    passage.end,
                    passage.text,
                    " ".join(item.terms),
                    np.asarray(item.vector, np.float32).tobytes(),
                    item.alignment_codes,
                ),
            )
            pid = cur.lastrowid
            ids.append(pid)
            token_rows = item.sentence_tokens if item.alignment_codes is not None and item.sentence_tokens else None
            token_rows = token_rows or [(None, None)] * len(passage.sentences)
            c.executemany(
                "INSERT INTO sentences (passage_id, start, end, vector, tokens_start, tokens_end) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (pid, s, e, v.astype(np.float16).tobytes(), *tokens)
                    for (s, e), v, tokens in zip(passage.sentences, item.sentence_vectors, token_rows)
                ],
            )
        self._changed = True
        return ids

    def delete_article(self, article_id: str) -> bool:
        cur = self._conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
        removed = cur.rowcount > 0
        self._changed = self._changed or removed
        return removed

    def prepare(self) -> None:
        self.dense_index()
        self.lexical_index()

    # ------------------------------------------------------------ dense search
    def _faiss_path(self, generation: int) -> Path:
        return self.folder / f"vectors-{generation}.faiss"

    def build_dense_index(self, kind: str | None = None):
        """A FAISS index over every stored vector: exact, or HNSW past `HNSW_THRESHOLD` passages
        (or as `kind` / the store's index kind says)."""

        ids, vectors = self.all_vectors()
        return build_faiss(ids, vectors, self.dim, kind or self.index_kind)

    def dense_index(self):
        """The FAISS index of the current generation: loaded from disk, or rebuilt and saved."""
        import faiss

        with self._lock:
            generation = self.generation
            if self._faiss is not None and self._faiss_generation == generation:
                return self._faiss
            path = self._faiss_path(generation)
            index = None
            if path.exists():
                try:
                    index = faiss.read_index(str(path))
                except RuntimeError:
                    index = None  # unreadable: rebuild below
                if index is not None and index.ntotal != self.count_passages():
                    index = None
            if index is None:
                index = self.build_dense_index()
                atomic_write(self.folder, path, lambda tmp: faiss.write_index(index, tmp))
                self.remove_stale("vectors-*.faiss", keep=path)
            self._faiss, self._faiss_generation = index, generation
            return index

    def dense_kind(self) -> str:
        """The FAISS index in use: "IndexFlatIP" (exact) or "IndexHNSWFlat" (approximate)."""
        import faiss

        return type(faiss.downcast_index(self.dense_index().index)).__name__

    def search_dense(
        self, vector: np.ndarray, top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        index = self.dense_index()
        if index.ntotal == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        inner = index.index
        hnsw = hasattr(faiss.downcast_index(inner), "hnsw")
        ef = max(HNSW_EF_SEARCH, top_k * 2)
        if dates:
            allowed = self._passage_ids_dated(dates)
            if not len(allowed):
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            selector = faiss.IDSelectorBatch(allowed)
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=ef) if hnsw else faiss.SearchParameters(sel=selector)
            )
            k = min(top_k, len(allowed))
            scores, ids = index.search(np.asarray(vector, np.float32).reshape(1, -1), k, params=params)
        else:
            if hnsw:
                faiss.downcast_index(inner).hnsw.efSearch = ef
            scores, ids = index.search(np.asarray(vector, np.float32).reshape(1, -1), min(top_k, index.ntotal))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    # ---------------------------------------------------------- lexical search
    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the current generation (loaded, or built and saved)."""
        with self._lock:
            if self._lexical is None or self._lexical.generation != self.generation:
                self._lexical = LexicalIndex.for_store(self)
            return self._lexical

    def search_lexical(
        self, terms: list[str], top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        allowed = self._passage_ids_dated(dates) if dates else None
        return self.lexical_index().search(terms, top_k, allowed=allowed)

    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        return self.lexical_index().idf(terms, absent)

    # --------------------------------------------------------------- helpers
    def derived_path(self, prefix: str) -> Path:
        """Where a derived structure of the current generation lives (e.g. the BM25 index)."""
        return self.folder / f"{prefix}-{self.generation}"

    def atomic_write_dir(self, path: Path, write) -> None:
        atomic_write_dir(self.folder, path, write)

    def remove_stale(self, pattern: str, keep: Path) -> None:
        remove_stale(self.folder, pattern, keep)

    def stats(self) -> dict:
        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
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
            "passages_with_alignment_codes": self._conn.execute("SELECT COUNT(alignment) FROM passages").fetchone()[0],
            "sentences_with_token_rows": self._conn.execute("SELECT COUNT(tokens_start) FROM sentences").fetchone()[0],
            "generation": self.generation,
            "dense_index": self.dense_kind(),
            "bytes_on_disk": size,
        }


__all__ = ["DB_NAME", "HNSW_EF_SEARCH", "HNSW_THRESHOLD", "SCHEMA_VERSION", "SqliteStore"]
