"""The PostgreSQL database of an index: connecting (creating the database when missing), the schema
checked and migrated, and the index bound to one model; psycopg and pgvector, the `postgres` extra."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from store.errors import IndexCorrupt, IndexNotFound, ModelMismatch
from store.postgres_migrations import SCHEMA_VERSION, migrate, schema_version

try:
    import psycopg
    from pgvector import HalfVector
    from pgvector.psycopg import register_vector
    from psycopg import sql
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "the Postgres backend needs psycopg and pgvector: pip install -e '.[postgres]' "
        "(or pip install 'psycopg[binary]' pgvector)"
    ) from exc


def display_url(url: str) -> str:
    """The URL with its password masked, for messages and stats."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def open_database(url: str, model_name: str, dim: int, create: bool) -> psycopg.Connection:
    """An autocommit connection to the index at `url`, its schema created or migrated (unless
    create=False, when a missing one is an error) and bound to `model_name` / `dim`.

    Raises:
        IndexNotFound: the server cannot be reached, or the database (or its schema) is missing
            and create=False.
        IndexCorrupt: the schema is newer than this code, or cannot be read.
        ModelMismatch: built with another model or dimension.
    """
    shown = display_url(url)
    conn = _connect(url, create)
    try:
        version = schema_version(conn)
        if version == 0 and not create:
            raise IndexNotFound(
                f"no index in {shown}; ingest articles first (python -m qa ingest PATH --index {shown})"
            )
        if version > SCHEMA_VERSION:
            raise IndexCorrupt(
                f"the index in {shown} has schema {version}, newer than this code knows ({SCHEMA_VERSION}): upgrade"
            )
        migrate(conn, model_name, dim)
        register_vector(conn)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except psycopg.Error as exc:
        conn.close()
        reason = " ".join(str(exc).split())
        raise IndexCorrupt(f"the index in {shown} cannot be read or set up ({reason})") from exc
    except BaseException:
        conn.close()
        raise
    try:
        ModelMismatch.unless_same(meta, model_name, dim, shown, "database")
    except ModelMismatch:
        conn.close()
        raise
    return conn


def _connect(url: str, create: bool) -> psycopg.Connection:
    """An autocommit connection to `url`; with `create`, a missing database is created first."""
    shown = display_url(url)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="newsqa")
    except psycopg.OperationalError as exc:
        missing = "does not exist" in str(exc) and "database" in str(exc)
        if not (missing and create):
            hint = "create it (createdb) or" if missing else "start the server (bash scripts/postgres.sh start) or"
            reason = " ".join(str(exc).split())
            raise IndexNotFound(f"cannot open {shown}: {reason}; {hint} check the URL") from exc
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.DuplicateDatabase:
        pass  # another process created it meanwhile
    except psycopg.Error as exc:
        raise IndexNotFound(f"cannot create the database of {shown}: {' '.join(str(exc).split())}") from exc
    return psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="newsqa")


# psycopg, sql and HalfVector are imported through here, the one place that explains a missing extra.
__all__ = ["HalfVector", "display_url", "open_database", "psycopg", "sql"]
