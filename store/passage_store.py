"""The index on disk: SQLite holds articles, passages, sentences and their vectors; FAISS and BM25
are search structures derived from it.

Why this split: SQLite transactions make every write atomic (a crash or kill -9 mid-ingest rolls
back to the last commit), and the FAISS / BM25 files are named after the database's generation
number, so a stale or half-written one is never used: it is rebuilt from SQLite instead.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexCorrupt, IndexNotFound, ModelMismatch
from qa.types import Article, Passage

# 1: passages and sentences; 2: alignment codes; 3: sentences' rows in them. Older indexes open
# and answer, without what came later.
SCHEMA_VERSION = 3
DB_NAME = "index.sqlite"
HNSW_THRESHOLD = 60_000  # passages; past this an approximate index answers faster
# HNSW graph settings: recall@10 0.990 of exact search on all 183k baomoi passages at ~2 ms a query
# (efSearch 256 gave 0.977 there; bench/).
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 200, 512

SCHEMA = """
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
    alignment BLOB,
    UNIQUE (article_id, position)
);
CREATE TABLE IF NOT EXISTS sentences (
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    vector BLOB NOT NULL,
    tokens_start INTEGER,
    tokens_end INTEGER
);
CREATE INDEX IF NOT EXISTS sentences_by_passage ON sentences(passage_id);
"""


@dataclass
class StoredPassage:
    """A passage row joined with its article's citation fields."""

    id: int
    article_id: str
    position: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    url: str | None
    source: str


@dataclass
class StoredSentence:
    start: int
    end: int
    vector: np.ndarray
    tokens: tuple[int, int] | None = None  # its rows [start, end) in the passage's alignment codes


class PassageStore:
    """Articles and passages with their vectors, searchable by FAISS.

    Example:
        >>> store = PassageStore.open("my-index", model_name="e5", dim=384)
        >>> store.add_article(article, passages, passage_vectors, sentence_vectors, terms)
        >>> store.commit()
        >>> ids, scores = store.search_dense(query_vector, top_k=10)
    """

    def __init__(self, folder: Path, conn: sqlite3.Connection, dim: int, index_kind: str) -> None:
        self.folder = folder
        self.dim = dim
        self.index_kind = index_kind  # "auto", "flat" or "hnsw"
        self._conn = conn
        self._lock = threading.RLock()
        self._faiss = None
        self._faiss_generation = -1

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: str | Path,
        model_name: str,
        dim: int,
        create: bool = True,
        index_kind: str = "auto",
    ) -> PassageStore:
        """Open the index in `folder`, creating it when missing (unless create=False).

        Raises:
            IndexNotFound: missing and create=False.
            IndexCorrupt: the database cannot be read.
            ModelMismatch: built with another model or dimension.
        """
        if index_kind not in ("auto", "flat", "hnsw"):
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
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(passages)")}
            if "alignment" not in columns:  # an index from before alignment codes: they stay empty
                conn.execute("ALTER TABLE passages ADD COLUMN alignment BLOB")
            columns = {row[1] for row in conn.execute("PRAGMA table_info(sentences)")}
            if "tokens_start" not in columns:  # from before sentences knew their tokens: they stay empty
                conn.execute("ALTER TABLE sentences ADD COLUMN tokens_start INTEGER")
                conn.execute("ALTER TABLE sentences ADD COLUMN tokens_end INTEGER")
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"the index in {folder} cannot be read ({exc}); delete the folder and ingest the articles again"
            ) from exc
        if not meta:
            with conn:
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("schema", str(SCHEMA_VERSION)), ("model", model_name), ("dim", str(dim)), ("generation", "0")],
                )
        elif meta.get("model") != model_name or int(meta.get("dim", 0)) != dim:
            conn.close()
            raise ModelMismatch(
                f"the index in {folder} was built with {meta.get('model')!r} ({meta.get('dim')}-d), "
                f"not {model_name!r} ({dim}-d); use another --index folder or rebuild it"
            )
        return cls(folder, conn, dim, index_kind)

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
        """The `n` most recent articles: by publication date, undated ones last, then newest added."""
        rows = self._conn.execute(
            "SELECT id FROM articles ORDER BY date IS NULL, date DESC, added_at DESC, id LIMIT ?", (int(n),)
        )
        return [r[0] for r in rows]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(
            "SELECT p.id, p.article_id, p.position, p.start, p.end, p.text, a.title, a.date, a.url, a.source "
            f"FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        ).fetchall()
        return {r[0]: StoredPassage(*r) for r in rows}

    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        """Each passage's alignment codes (embeddings/alignment.py); None where it has none."""
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

    def iter_terms(self) -> Iterable[tuple[int, str]]:
        return self._conn.execute("SELECT id, terms FROM passages ORDER BY id")

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = [], []
        for pid, blob in self._conn.execute("SELECT id, vector FROM passages ORDER BY id"):
            ids.append(pid)
            vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return np.array(ids, np.int64), np.vstack(vecs)

    # ----------------------------------------------------------------- writing
    def begin(self) -> None:
        """Start a write transaction; `commit()` makes everything since visible at once."""
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def commit(self, changed: bool = True) -> None:
        try:
            if changed:
                self._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            self._conn.execute("COMMIT")
        finally:
            self._lock.release()

    def rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        finally:
            self._lock.release()

    def add_article(
        self,
        article: Article,
        content_hash: str,
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: Sequence[np.ndarray],
        terms: Sequence[str],
        alignment_codes: Sequence[bytes | None] | None = None,
        sentence_tokens: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> list[int]:
        """Insert one article and its passages (inside a transaction opened by `begin`).

        `alignment_codes` and `sentence_tokens` (each sentence's rows in them), per passage, come
        from `embeddings.encode_document_spans`."""
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
        codes = alignment_codes if alignment_codes is not None else [None] * len(passages)
        if sentence_tokens is None or alignment_codes is None:
            sentence_tokens = [[(None, None)] * len(p.sentences) for p in passages]
        rows = zip(passages, passage_vectors, sentence_vectors, terms, codes, sentence_tokens)
        for passage, vector, sent_vecs, passage_terms, passage_codes, token_rows in rows:
            cur = c.execute(
                "INSERT INTO passages (article_id, position, start, end, text, terms, vector, alignment) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    article.id,
                    passage.position,
                    passage.start,
                    passage.end,
                    passage.text,
                    passage_terms,
                    np.asarray(vector, np.float32).tobytes(),
                    passage_codes,
                ),
            )
            pid = cur.lastrowid
            ids.append(pid)
            c.executemany(
                "INSERT INTO sentences (passage_id, start, end, vector, tokens_start, tokens_end) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (pid, s, e, v.astype(np.float16).tobytes(), *tokens)
                    for (s, e), v, tokens in zip(passage.sentences, sent_vecs, token_rows)
                ],
            )
        return ids

    def delete_article(self, article_id: str) -> bool:
        """Delete one article with its passages (inside a transaction opened by `begin`)."""
        cur = self._conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return cur.rowcount > 0

    # ------------------------------------------------------------ dense search
    def _faiss_path(self, generation: int) -> Path:
        return self.folder / f"vectors-{generation}.faiss"

    def _build_faiss(self):
        import faiss

        ids, vectors = self.all_vectors()
        kind = self.index_kind
        if kind == "auto":
            kind = "hnsw" if len(ids) >= HNSW_THRESHOLD else "flat"
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            inner = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIDMap2(inner)
        if len(ids):
            index.add_with_ids(vectors, ids)
        return index

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
                index = self._build_faiss()
                self._atomic_write(path, lambda tmp: faiss.write_index(index, tmp))
                self.remove_stale("vectors-*.faiss", keep=path)
            self._faiss, self._faiss_generation = index, generation
            return index

    def dense_kind(self) -> str:
        """The FAISS index in use: "IndexFlatIP" (exact) or "IndexHNSWFlat" (approximate)."""
        import faiss

        return type(faiss.downcast_index(self.dense_index().index)).__name__

    def search_dense(self, query: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and inner-product scores of the nearest passages."""
        index = self.dense_index()
        if index.ntotal == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        inner = index.index
        if hasattr(inner, "hnsw"):
            import faiss

            faiss.downcast_index(inner).hnsw.efSearch = max(HNSW_EF_SEARCH, top_k * 2)
        scores, ids = index.search(np.asarray(query, np.float32).reshape(1, -1), min(top_k, index.ntotal))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    # --------------------------------------------------------------- helpers
    def derived_path(self, prefix: str) -> Path:
        """Where a derived structure of the current generation lives (e.g. the BM25 index)."""
        return self.folder / f"{prefix}-{self.generation}"

    def _atomic_write(self, path: Path, write) -> None:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=self.folder)
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def atomic_write_dir(self, path: Path, write) -> None:
        """Write a folder beside the index under a temporary name, then rename it into place."""
        tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", suffix=".tmp", dir=self.folder))
        try:
            write(tmp)
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def remove_stale(self, pattern: str, keep: Path) -> None:
        """Delete the derived files or folders of older generations matching `pattern`."""
        for p in self.folder.glob(pattern):
            if p.name != keep.name:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    def stats(self) -> dict:
        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        return {
            "folder": str(self.folder),
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
