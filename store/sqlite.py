"""The embedded index: SQLite holds articles, passages, sentences and their vectors; FAISS and BM25
are search structures derived from it.

Why this split: SQLite transactions make every write atomic (a crash or kill -9 mid-ingest rolls
back to the last commit), and the FAISS / BM25 files are named after the database's generation
number, so a stale or half-written one is never used: it is rebuilt from SQLite instead.

Why views: readers (chat sessions, each on its own thread) must not wait for a writer (an ingest
that commits a batch every few seconds for minutes), and what a question reads from SQLite must be
what its FAISS and BM25 structures index, or a passage they return may be gone. A `_View` is one
generation's search structures plus a read transaction held open at that generation (SQLite's
WAL lets it read on while writers commit); `snapshot()` lends the newest published view to a
question. A newer generation is published when a writer in this process commits (`prepare()` at
the end of an ingest publishes at once) or, checked at most every `PROBE_SECONDS`, another
process has; the structures are rebuilt in a background thread, so no reader waits for them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from store.derived import (
    HNSW_EF_SEARCH,
    HNSW_THRESHOLD,
    atomic_write,
    atomic_write_dir,
    build_faiss,
    remove_leftovers,
    remove_stale,
)
from store.errors import IndexBusy, IndexCorrupt, IndexNotFound, IndexUnavailable, ModelMismatch, StoreError
from store.lexical import LexicalIndex
from store.migrations import SCHEMA_VERSION, migrate
from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence

DB_NAME = "index.sqlite"
CHECKED_NAME = "index.sqlite.checked"  # the file state quick_check last passed on
INDEX_KINDS = ("auto", "flat", "hnsw")

_PASSAGE_COLUMNS = "p.id, p.article_id, p.position, p.start, p.end, p.text, a.title, a.date, a.url, a.source"
_GENERATION = "SELECT value FROM meta WHERE key='generation'"
PROBE_SECONDS = 1.0  # how often a reader looks for a generation another process committed
# A view is rebuilt at most once per this many seconds, and at most this share of the time: with
# 183k passages a rebuild takes a minute, which a reader should not pay after every batch commit.
REFRESH_GAP_SECONDS, REFRESH_SHARE = 2.0, 0.2
DRAIN_SECONDS = 2.0  # how long a refresh waits for the questions still reading the old view
WAL_LIMIT_BYTES = 64 * 2**20  # the write-ahead log is cut back to this after each restart

log = logging.getLogger(__name__)
T = TypeVar("T")


def _translated(exc: sqlite3.Error, folder: Path) -> StoreError | None:
    """The store error an SQLite error means for a user, or None for one that is a bug."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return IndexCorrupt(
            f"the index in {folder} is damaged ({exc}); delete the folder and ingest the articles again"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return IndexBusy(f"the index in {folder} is busy: another process is writing it ({exc}); try again")
    if name.startswith(("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")):
        return IndexUnavailable(f"the index in {folder} cannot be used ({exc}): check the disk and the folder's rights")
    return None


def _mapped(method: Callable[..., T]) -> Callable[..., T]:
    """Raise an SQLite error a user can act on (a damaged page, a full disk) as a `StoreError`."""

    @functools.wraps(method)
    def wrapper(self: SqliteStore, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            error = _translated(exc, self.folder)
            if error is None:
                raise
            raise error from exc

    return wrapper


def _file_state(db: Path) -> str:
    stat = db.stat()
    return f"{stat.st_size} {stat.st_mtime_ns}"


def _checked_already(db: Path) -> bool:
    """Whether quick_check passed on the database file as it is now (size and mtime unchanged):
    it reads every page, 1.7 s a GB, which a CLI question should not pay each time."""
    try:
        return db.with_name(CHECKED_NAME).read_text() == _file_state(db)
    except OSError:
        return False


def _remember_checked(db: Path) -> None:
    with contextlib.suppress(OSError):
        db.with_name(CHECKED_NAME).write_text(_file_state(db))


def lower_thread_priority() -> None:
    """Run the calling thread at the lowest CPU priority (Linux lets one thread have its own), so
    background work (an upload's embedding, a view's rebuild) takes only what questions leave."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class _View:
    """One generation's FAISS and BM25 structures, with a read transaction held open on `conn` at
    that generation: every read made through the view sees the rows the structures index."""

    def __init__(self, conn: sqlite3.Connection, generation: int) -> None:
        self.conn = conn
        self.generation = generation
        self.faiss = None
        self.lexical: LexicalIndex | None = None
        self.lock = threading.RLock()  # one statement at a time on the shared connection
        self.users = 0
        self.retired = False

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def iterate(self, sql: str) -> Iterator[tuple]:
        with self.lock:
            yield from self.conn.execute(sql)

    def close(self) -> None:
        with self.lock, contextlib.suppress(sqlite3.Error):
            self.conn.close()


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
        self._local = threading.local()  # .view: the view lent to this thread; .conn: its reader
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._view: _View | None = None
        self._views_lock = threading.Lock()  # publishing and lending views
        self._build_lock = threading.Lock()  # one view built at a time
        self._refreshing = False
        self._dirty = False  # a writer here committed a change the published view lacks
        self._probed_at = 0.0
        self._built_at, self._build_seconds = 0.0, 0.0
        self._closed = False

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
        db = folder / DB_NAME
        if not db.exists():
            if not create:
                raise IndexNotFound(
                    f"no index in {folder}; ingest articles first (python -m qa ingest PATH --index DIR)"
                )
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise IndexUnavailable(f"cannot create the index folder {folder}: {exc}") from exc
        for leftover in remove_leftovers(folder):
            log.info("removed %s, left by a write that was killed", leftover.name)
        try:
            conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
            if check and not _checked_already(db):
                problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
                if problems != ["ok"]:
                    conn.close()
                    raise IndexCorrupt(
                        f"the index in {folder} is damaged ({'; '.join(problems)[:300]}); "
                        "delete the folder and ingest the articles again"
                    )
                _remember_checked(db)
            migrate(conn)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            error = _translated(exc, folder)
            if error is None or isinstance(error, IndexCorrupt) or not isinstance(exc, sqlite3.OperationalError):
                error = IndexCorrupt(
                    f"the index in {folder} cannot be read ({exc}); delete the folder and ingest the articles again"
                )
            raise error from exc
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
            self._closed = True
            with self._views_lock:
                view, self._view = self._view, None
            if view is not None:
                view.close()
            with self._connections_lock:
                for conn in self._connections:
                    with contextlib.suppress(sqlite3.Error):
                        conn.close()
                self._connections.clear()
            self._conn.close()

    # ------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        """A read-only connection of its own (WAL: it reads while a writer commits)."""
        conn = sqlite3.connect(self.folder / DB_NAME, check_same_thread=False, isolation_level=None, timeout=30)
        conn.execute("PRAGMA query_only=1")
        return conn

    def _reader(self) -> sqlite3.Connection:
        """The connection a read outside a snapshot goes through: the writer's inside its own
        transaction (to see what it wrote), else this thread's own autocommit connection."""
        if self._writer == threading.get_ident():
            return self._conn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            with self._connections_lock:
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def _lent(self) -> _View | None:
        return getattr(self._local, "view", None)

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        view = self._lent()
        if view is not None and self._writer != threading.get_ident():
            return view.rows(sql, params)
        return self._reader().execute(sql, params).fetchall()

    def _iterate(self, sql: str) -> Iterator[tuple]:
        view = self._lent()
        if view is not None and self._writer != threading.get_ident():
            return view.iterate(sql)
        return iter(self._reader().execute(sql))

    def _mapped_rows(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        try:
            yield from rows
        except sqlite3.Error as exc:
            error = _translated(exc, self.folder)
            if error is None:
                raise
            raise error from exc

    # ------------------------------------------------------------------ views
    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one generation, the one the search structures index, however
        many commits writers make meanwhile; nothing inside waits for a writer."""
        if self._lent() is not None:
            yield
            return
        view = self._borrow()
        self._local.view = view
        try:
            yield
        finally:
            self._local.view = None
            self._give_back(view)

    def _borrow(self) -> _View:
        with self._views_lock:
            view = self._view
            if view is not None:
                view.users += 1
        if view is None:
            self.refresh()
            return self._borrow()
        self._refresh_when_stale(view)
        return view

    def _give_back(self, view: _View) -> None:
        with self._views_lock:
            view.users -= 1
            done = view.retired and view.users == 0
        if done:
            view.close()

    def _latest_generation(self) -> int:
        return int(self._reader().execute(_GENERATION).fetchone()[0])

    def _refresh_when_stale(self, view: _View) -> None:
        """Start rebuilding the view in the background when a newer generation was committed
        (here, or by another process: looked for at most every PROBE_SECONDS)."""
        now = time.monotonic()
        if self._refreshing or (not self._dirty and now - self._probed_at < PROBE_SECONDS):
            return
        self._probed_at = now
        try:
            latest = self._latest_generation()
        except sqlite3.Error:
            return  # the view in use still answers; the next command reports the problem
        if latest == view.generation:
            self._dirty = False
            return
        if now - self._built_at < max(REFRESH_GAP_SECONDS, self._build_seconds / REFRESH_SHARE):
            return
        with self._views_lock:
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._refresh_in_background, name="index-view", daemon=True).start()

    def _refresh_in_background(self) -> None:
        lower_thread_priority()
        try:
            self.refresh()
        except (StoreError, sqlite3.Error, OSError, RuntimeError) as exc:
            log.warning("the search structures were not rebuilt (%s); questions use the previous ones", exc)
        finally:
            self._refreshing = False

    @_mapped
    def refresh(self) -> None:
        """Publish a view of the newest generation (built here, in the caller's thread) unless
        the published one is of it already; readers keep the previous view until then."""
        with self._build_lock:
            if self._closed:
                return
            current = self._view
            if current is not None and current.generation == self._latest_generation():
                self._dirty = False
                return
            started = time.monotonic()
            view = self._build_view()
            self._built_at = time.monotonic()
            self._build_seconds = self._built_at - started
            with self._views_lock:
                old, self._view = self._view, view
                done = old is not None and old.users == 0
                if old is not None:
                    old.retired = True
            if done:
                old.close()
            if old is None or self._drained(old):
                self._let_the_log_restart(view)

    def _drained(self, view: _View) -> bool:
        """Whether the questions still reading `view` gave it back within DRAIN_SECONDS."""
        deadline = time.monotonic() + DRAIN_SECONDS
        while view.users and time.monotonic() < deadline:
            time.sleep(0.01)
        return not view.users

    def _let_the_log_restart(self, view: _View) -> None:
        """Checkpoint the write-ahead log into the database, then take `view`'s snapshot anew at
        the same generation, with no writer able to commit meanwhile.

        Why: a read transaction is always open (the published view's), and SQLite restarts its
        log only when no reader depends on it; a snapshot taken once the log is checkpointed
        reads the database file alone. Without this the log keeps everything written for as long
        as the page serves; with it, it is cut back to WAL_LIMIT_BYTES by the first write after a
        refresh no commit overtook, at the latest the refresh that ends an ingest (while an
        ingest commits batch after batch, it keeps what the ingest wrote)."""
        probe = sqlite3.connect(self.folder / DB_NAME, check_same_thread=False, isolation_level=None, timeout=1)
        try:
            probe.execute("PRAGMA wal_checkpoint(PASSIVE)")
            with self._lock:  # no commit from this process meanwhile
                probe.execute("BEGIN IMMEDIATE")  # nor from another one
                try:
                    if int(probe.execute(_GENERATION).fetchone()[0]) == view.generation:
                        with view.lock:
                            view.conn.execute("COMMIT")
                            view.conn.execute("BEGIN")
                            view.conn.execute(_GENERATION).fetchone()
                finally:
                    probe.execute("ROLLBACK")
        except sqlite3.Error as exc:  # busy: another process writes; the next refresh tries again
            log.debug("the write-ahead log was not checkpointed: %s", exc)
        finally:
            probe.close()

    def _build_view(self) -> _View:
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            view = _View(conn, int(conn.execute(_GENERATION).fetchone()[0]))
        except sqlite3.Error:
            conn.close()
            raise
        saved = self._lent()
        self._local.view = view  # the builder's reads go through the new view's transaction
        try:
            view.faiss = self._load_dense_index(view.generation)
            view.lexical = LexicalIndex.for_store(self)
        except BaseException:
            view.close()
            raise
        finally:
            self._local.view = saved
        return view

    def _structures(self) -> _View:
        """The view whose structures a search uses: the one lent to this thread, else (a caller
        outside `snapshot()`) the newest, published first when it is not yet."""
        view = self._lent()
        if view is not None:
            return view
        self.refresh()
        return self._view

    # ----------------------------------------------------------------- reading
    @property
    @_mapped
    def generation(self) -> int:
        """Bumped by every commit that changed the passages: names the derived files. Inside
        `snapshot()`, the generation of the view in use."""
        view = self._lent()
        if view is not None and self._writer != threading.get_ident():
            return view.generation
        return int(self._rows(_GENERATION)[0][0])

    @_mapped
    def count_articles(self) -> int:
        return self._rows("SELECT COUNT(*) FROM articles")[0][0]

    @_mapped
    def count_passages(self) -> int:
        return self._rows("SELECT COUNT(*) FROM passages")[0][0]

    @_mapped
    def count_sentences(self) -> int:
        return self._rows("SELECT COUNT(*) FROM sentences")[0][0]

    @_mapped
    def find_hash(self, content_hash: str) -> str | None:
        rows = self._rows("SELECT id FROM articles WHERE content_hash=?", (content_hash,))
        return rows[0][0] if rows else None

    @_mapped
    def article(self, article_id: str) -> Article | None:
        rows = self._rows("SELECT id, text, title, date, url, source FROM articles WHERE id=?", (article_id,))
        return Article(*rows[0]) if rows else None

    @_mapped
    def articles(self) -> list[dict]:
        rows = self._rows(
            "SELECT a.id, a.title, a.date, a.url, a.source, COUNT(p.id) FROM articles a "
            "LEFT JOIN passages p ON p.article_id = a.id GROUP BY a.id ORDER BY a.added_at, a.id"
        )
        keys = ("id", "title", "date", "url", "source", "passages")
        return [dict(zip(keys, r)) for r in rows]

    @_mapped
    def newest_article_ids(self, n: int) -> list[str]:
        rows = self._rows(
            "SELECT id FROM articles ORDER BY date IS NULL, date DESC, added_at DESC, id LIMIT ?", (int(n),)
        )
        return [r[0] for r in rows]

    @_mapped
    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        )
        return {r[0]: StoredPassage(*r) for r in rows}

    @_mapped
    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return dict(self._rows(f"SELECT id, alignment FROM passages WHERE id IN ({marks})", [int(i) for i in ids]))

    @_mapped
    def article_passage_ids(self, article_id: str) -> list[int]:
        rows = self._rows("SELECT id FROM passages WHERE article_id=? ORDER BY position", (article_id,))
        return [r[0] for r in rows]

    @_mapped
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
        return self._mapped_rows(
            self._iterate(
                "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
            )
        )

    def iter_terms(self) -> Iterator[tuple[int, str]]:
        return self._mapped_rows(self._iterate("SELECT id, terms FROM passages ORDER BY id"))

    @_mapped
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = [], []
        for pid, blob in self._iterate("SELECT id, vector FROM passages ORDER BY id"):
            ids.append(pid)
            vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return np.array(ids, np.int64), np.vstack(vecs)

    @_mapped
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
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise (_translated(exc, self.folder) or exc) from exc
            self._writer = threading.get_ident()
            self._changed = False
            try:
                yield
                if self._changed:
                    self._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    error = _translated(exc, self.folder)
                    if error is not None:
                        raise error from exc
                raise
            finally:
                self._writer = None
            if self._changed:
                self._dirty = True

    @_mapped
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

    @_mapped
    def delete_article(self, article_id: str) -> bool:
        cur = self._conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
        removed = cur.rowcount > 0
        self._changed = self._changed or removed
        return removed

    def prepare(self) -> None:
        """Build the newest generation's search structures now and publish them to readers."""
        self.refresh()

    # ------------------------------------------------------------ dense search
    def _faiss_path(self, generation: int) -> Path:
        return self.folder / f"vectors-{generation}.faiss"

    def build_dense_index(self, kind: str | None = None):
        """A FAISS index over every stored vector: exact, or HNSW past `HNSW_THRESHOLD` passages
        (or as `kind` / the store's index kind says)."""

        ids, vectors = self.all_vectors()
        return build_faiss(ids, vectors, self.dim, kind or self.index_kind)

    def _load_dense_index(self, generation: int):
        """The FAISS index of `generation` (the view being built): loaded from disk, or rebuilt
        from SQLite and saved."""
        import faiss

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
            try:
                atomic_write(self.folder, path, lambda tmp: faiss.write_index(index, tmp))
            except (OSError, RuntimeError) as exc:  # a read-only folder, a full disk: answer from memory
                log.warning("could not save %s: %s", path.name, exc)
            self.remove_stale("vectors-*.faiss", keep=path)
        return index

    def dense_index(self):
        """The FAISS index of the generation in use (see `snapshot()`)."""
        return self._structures().faiss

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
        """The BM25 index of the generation in use (see `snapshot()`)."""
        view = self._lent()
        if view is not None and view.lexical is not None:
            return view.lexical
        if view is not None:  # the view being built: its BM25 index comes next
            raise RuntimeError("the BM25 index is read before it is built")
        return self._structures().lexical

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

    @_mapped
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


__all__ = ["DB_NAME", "HNSW_EF_SEARCH", "HNSW_THRESHOLD", "SCHEMA_VERSION", "SqliteStore"]
