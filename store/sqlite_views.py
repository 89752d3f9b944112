"""Views an embedded index lends to its readers, so that no question waits for a writer and every
read of one question sees the generation its search structures index.

Why: readers (chat sessions, each on its own thread) must not wait for a writer (an ingest that
commits a batch every few seconds for minutes), and what a question reads from SQLite must be what
its FAISS and BM25 structures index, or a passage they return may be gone. A `View` is one
generation's search structures plus a read transaction held open at that generation (SQLite's WAL
lets it read on while writers commit); `Views.lend()` lends the newest published view to a
question. A newer generation is published when a writer in this process commits (the store marks
the views `dirty`; `refresh()` at the end of an ingest publishes at once) or, checked at most every
`PROBE_SECONDS`, another process has; the structures are rebuilt in a background thread, so no
reader waits for them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from store.errors import StoreError
from store.sqlite_db import DB_NAME, GENERATION_SQL, connect_reader

PROBE_SECONDS = 1.0  # how often a reader looks for a generation another process committed
# A view is rebuilt at most once per this many seconds, and at most this share of the time: with
# 183k passages a rebuild takes a minute, which a reader should not pay after every batch commit.
REFRESH_GAP_SECONDS, REFRESH_SHARE = 2.0, 0.2
DRAIN_SECONDS = 2.0  # how long a refresh waits for the questions still reading the old view

log = logging.getLogger(__name__)


def lower_thread_priority() -> None:
    """Run the calling thread at the lowest CPU priority (Linux lets one thread have its own), so
    background work (an upload's embedding, a view's rebuild) takes only what questions leave."""
    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            log.info("background work runs at normal priority")


class View:
    """One generation's FAISS and BM25 structures, with a read transaction held open on `conn` at
    that generation: every read made through the view sees the rows the structures index."""

    def __init__(self, conn: sqlite3.Connection, generation: int) -> None:
        self.conn = conn
        self.generation = generation
        self.faiss = None
        self.lexical = None
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


class Views:
    """The published view of an index folder, lent to readers and replaced when a newer generation
    is committed.

    `fill(view)` builds a new view's search structures; its reads go through that view (`lent()`
    returns it meanwhile). `latest_generation()` reads the committed generation. `write_lock` is
    the store's writer lock, held while the write-ahead log is let restart.
    """

    def __init__(
        self,
        folder: Path,
        write_lock: threading.RLock,
        latest_generation: Callable[[], int],
        fill: Callable[[View], None],
    ) -> None:
        self.folder = folder
        self._write_lock = write_lock
        self._latest_generation = latest_generation
        self._fill = fill
        self._local = threading.local()  # .view: the view lent to this thread
        self._view: View | None = None
        self._views_lock = threading.Lock()  # publishing and lending views
        self._build_lock = threading.Lock()  # one view built at a time
        self._refreshing = False
        self.dirty = False  # a writer here committed a change the published view lacks
        self._probed_at = 0.0
        self._built_at, self._build_seconds = 0.0, 0.0
        self._closed = False

    def lent(self) -> View | None:
        """The view lent to this thread (inside `lend()`, or the one being built), else None."""
        return getattr(self._local, "view", None)

    @contextlib.contextmanager
    def lend(self) -> Iterator[None]:
        """Every read inside sees one generation, the one the search structures index, however
        many commits writers make meanwhile; nothing inside waits for a writer."""
        if self.lent() is not None:
            yield
            return
        view = self._borrow()
        self._local.view = view
        try:
            yield
        finally:
            self._local.view = None
            self._give_back(view)

    def current(self) -> View:
        """The view whose structures a search uses: the one lent to this thread, else (a caller
        outside `lend()`) the newest, published first when it is not yet."""
        view = self.lent()
        if view is not None:
            return view
        self.refresh()
        return self._view

    def refresh(self) -> None:
        """Publish a view of the newest generation (built here, in the caller's thread) unless
        the published one is of it already; readers keep the previous view until then."""
        with self._build_lock:
            if self._closed:
                return
            current = self._view
            if current is not None and current.generation == self._latest_generation():
                self.dirty = False
                return
            started = time.monotonic()
            view = self._build()
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

    def close(self) -> None:
        self._closed = True
        with self._views_lock:
            view, self._view = self._view, None
        if view is not None:
            view.close()

    def _borrow(self) -> View:
        with self._views_lock:
            view = self._view
            if view is not None:
                view.users += 1
        if view is None:
            self.refresh()
            return self._borrow()
        self._refresh_when_stale(view)
        return view

    def _give_back(self, view: View) -> None:
        with self._views_lock:
            view.users -= 1
            done = view.retired and view.users == 0
        if done:
            view.close()

    def _refresh_when_stale(self, view: View) -> None:
        """Start rebuilding the view in the background when a newer generation was committed
        (here, or by another process: looked for at most every PROBE_SECONDS)."""
        now = time.monotonic()
        if self._refreshing or (not self.dirty and now - self._probed_at < PROBE_SECONDS):
            return
        self._probed_at = now
        try:
            latest = self._latest_generation()
        except sqlite3.Error:
            return  # the view in use still answers; the next command reports the problem
        if latest == view.generation:
            self.dirty = False
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

    def _drained(self, view: View) -> bool:
        """Whether the questions still reading `view` gave it back within DRAIN_SECONDS."""
        deadline = time.monotonic() + DRAIN_SECONDS
        while view.users and time.monotonic() < deadline:
            time.sleep(0.01)
        return not view.users

    def _let_the_log_restart(self, view: View) -> None:
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
            with self._write_lock:  # no commit from this process meanwhile
                probe.execute("BEGIN IMMEDIATE")  # nor from another one
                try:
                    if int(probe.execute(GENERATION_SQL).fetchone()[0]) == view.generation:
                        with view.lock:
                            view.conn.execute("COMMIT")
                            view.conn.execute("BEGIN")
                            view.conn.execute(GENERATION_SQL).fetchone()
                finally:
                    probe.execute("ROLLBACK")
        except sqlite3.Error as exc:  # busy: another process writes; the next refresh tries again
            log.debug("the write-ahead log was not checkpointed: %s", exc)
        finally:
            probe.close()

    def _build(self) -> View:
        conn = connect_reader(self.folder)
        try:
            conn.execute("BEGIN")
            view = View(conn, int(conn.execute(GENERATION_SQL).fetchone()[0]))
        except sqlite3.Error:
            conn.close()
            raise
        saved = self.lent()
        self._local.view = view  # the builder's reads go through the new view's transaction
        try:
            self._fill(view)
        except BaseException:
            view.close()
            raise
        finally:
            self._local.view = saved
        return view
