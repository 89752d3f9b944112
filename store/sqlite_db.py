"""The SQLite database of an embedded index: opening it (checked, migrated, bound to one model),
read-only connections, and the SQLite errors a user can act on raised as store errors."""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from store.derived import remove_leftovers
from store.errors import IndexBusy, IndexCorrupt, IndexNotFound, IndexUnavailable, ModelMismatch, StoreError
from store.migrations import migrate

DB_NAME = "index.sqlite"
CHECKED_NAME = "index.sqlite.checked"  # the file state quick_check last passed on
GENERATION_SQL = "SELECT value FROM meta WHERE key='generation'"
WAL_LIMIT_BYTES = 64 * 2**20  # the write-ahead log is cut back to this after each restart

log = logging.getLogger(__name__)
T = TypeVar("T")


def translated(exc: sqlite3.Error, folder: Path) -> StoreError | None:
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


@contextlib.contextmanager
def store_errors(folder: Path) -> Iterator[None]:
    """Raise an SQLite error a user can act on (a damaged page, a full disk) as a `StoreError`."""
    try:
        yield
    except sqlite3.Error as exc:
        error = translated(exc, folder)
        if error is None:
            raise
        raise error from exc


def mapped(method: Callable[..., T]) -> Callable[..., T]:
    """`store_errors` around a method of an object with a `folder`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with store_errors(self.folder):
            return method(self, *args, **kwargs)

    return wrapper


def mapped_rows(rows: Iterator[tuple], folder: Path) -> Iterator[tuple]:
    """`rows`, with `store_errors` around the iterating."""
    with store_errors(folder):
        yield from rows


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


def connect_reader(folder: Path, timeout: float = 30) -> sqlite3.Connection:
    """A read-only connection of its own (WAL: it reads while a writer commits)."""
    conn = sqlite3.connect(folder / DB_NAME, check_same_thread=False, isolation_level=None, timeout=timeout)
    conn.execute("PRAGMA query_only=1")
    return conn


def open_database(folder: Path, model_name: str, dim: int, create: bool, check: bool) -> sqlite3.Connection:
    """The writer's connection to the index in `folder`, created when missing (unless create=False),
    quick-checked (once per file state), migrated, and bound to `model_name` / `dim`. What a killed
    write left behind (`*.tmp`) is removed first.

    Raises:
        IndexNotFound: missing and create=False.
        IndexCorrupt: the database cannot be read.
        ModelMismatch: built with another model or dimension.
    """
    db = folder / DB_NAME
    if not db.exists():
        if not create:
            raise IndexNotFound(f"no index in {folder}; ingest articles first (python -m qa ingest PATH --index DIR)")
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
        error = translated(exc, folder)
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
    else:
        try:
            ModelMismatch.unless_same(meta, model_name, dim, str(folder), "folder")
        except ModelMismatch:
            conn.close()
            raise
    return conn
