"""A `DocumentStore` on a PostgreSQL server with pgvector: many app processes, one index.

Why a server: several chat or API processes (and ingesters) share one index and see each other's
commits at once, with no derived files to rebuild. Passage vectors live in a `vector` column with an
HNSW index; sentence vectors in `halfvec` (read back by passage id, never searched); the BM25 side
is the project's own BM25 (`store/lexical.py`: k1 1.2, b 0.75, Lucene idf), kept as document
frequencies plus posting blocks and scored here, so rankings and idf match the embedded store.

Posting blocks: each write transaction adds one row per term it saw, holding the ids, term
frequencies, lengths and dates of its passages as packed arrays. A query reads a few rows per term
instead of one per (term, passage) (a common syllable is in most of 183,000 passages), and the
dates let a date range filter inside the scoring.

Writers take one advisory lock for their transaction, as SQLite's `BEGIN IMMEDIATE` does: a batch
is a few hundred rows written after minutes of model time, and one writer at a time keeps the
counters, the document frequencies and the content-hash check exact without deadlocks.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from store.errors import DuplicateContent, IndexCorrupt, IndexNotFound, ModelMismatch
from store.postgres_migrations import SCHEMA_VERSION, migrate, schema_version
from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence

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

INDEX_KINDS = ("auto", "flat", "hnsw")
K1, B = 1.2, 0.75  # as bm25s.BM25(k1=1.2, b=0.75) in store/lexical.py
WRITE_LOCK = 0x6E657773_7177  # pg_advisory_xact_lock key every write transaction takes
# hnsw.ef_search: candidates an HNSW scan keeps, at least twice the results asked (bench/postgres.py
# measures recall@10 against exact search); pgvector allows at most 1000
EF_SEARCH, MAX_EF_SEARCH = 100, 1000
NO_DAY = -1  # an undated passage: below every date range
POSTINGS_CACHE_BYTES = 256 * 2**20  # per store: the decoded BM25 scores of the terms asked most

_PASSAGE_COLUMNS = 'p.id, p.article_id, p.position, p.start, p."end", p.text, a.title, a.date, a.url, a.source'


def display_url(url: str) -> str:
    """The URL with its password masked, for messages and stats."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _day(value: str | date | None) -> int:
    """An ISO date as the integer YYYYMMDD the posting blocks keep (NO_DAY for none)."""
    if value is None:
        return NO_DAY
    return int(str(value)[:10].replace("-", ""))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bounds(dates: DateRange) -> tuple[date, date]:
    """The range as SQL dates (open ends at the calendar's ends); a malformed date is a ValueError."""
    try:
        since = date.fromisoformat(dates.since) if dates.since else date.min
        until = date.fromisoformat(dates.until) if dates.until else date.max
    except ValueError:
        raise ValueError(f"dates must be ISO dates (YYYY-MM-DD), not {dates.since!r} .. {dates.until!r}") from None
    return since, until


def _locked(method):
    """One statement or transaction at a time on the store's connection (threads share a store)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


@dataclass
class _PendingPassage:
    """A passage written in the open transaction, whose postings are added at commit."""

    id: int
    terms: Counter
    length: int
    day: int


class PostgresStore:
    """The `DocumentStore` on PostgreSQL + pgvector.

    Example:
        >>> store = PostgresStore.open("postgresql://postgres@127.0.0.1:5432/news", model_name="e5", dim=384)
        >>> with store.transaction():
        ...     store.add_article(article, content_hash, indexed_passages)
        >>> ids, scores = store.search_dense(query_vector, top_k=10)
    """

    def __init__(self, url: str, conn: psycopg.Connection, model_name: str, dim: int, index_kind: str) -> None:
        self.url = url
        self.model_name = model_name
        self.dim = dim
        self.index_kind = index_kind  # "flat": exact search; "auto" / "hnsw": the HNSW index
        self._conn = conn
        self._lock = threading.RLock()
        self._in_transaction = False
        self._changed = False
        self._block: int | None = None
        self._pending: dict[int, _PendingPassage] = {}
        self._ef_search = 0
        self._postings: OrderedDict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._postings_bytes = 0
        self._postings_generation: int | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str, model_name: str, dim: int, create: bool = True, index_kind: str = "auto") -> PostgresStore:
        """Connect to the database at `url`, creating the database and its schema when missing
        (unless create=False).

        Raises:
            IndexNotFound: the server cannot be reached, or the database (or its schema) is missing
                and create=False.
            IndexCorrupt: the schema is newer than this code, or cannot be read.
            ModelMismatch: built with another model or dimension.
        """
        if index_kind not in INDEX_KINDS:
            raise ValueError(f"index_kind must be auto, flat or hnsw, not {index_kind!r}")
        shown = display_url(url)
        conn = cls._connect(url, create)
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
        if meta.get("model") != model_name or int(meta.get("dim", 0)) != dim:
            conn.close()
            raise ModelMismatch(
                f"the index in {shown} was built with {meta.get('model')!r} ({meta.get('dim')}-d), "
                f"not {model_name!r} ({dim}-d); use another --index database or rebuild it"
            )
        store = cls(url, conn, model_name, dim, index_kind)
        store._set_ef_search(EF_SEARCH)
        # Filtered HNSW scans go on past the first ef_search candidates until enough rows pass the filter.
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        return store

    @staticmethod
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

    @_locked
    def close(self) -> None:
        self._conn.close()

    def _set_ef_search(self, ef: int) -> None:
        ef = min(max(ef, EF_SEARCH), MAX_EF_SEARCH)
        if ef != self._ef_search:
            self._conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef)))
            self._ef_search = ef

    # ----------------------------------------------------------------- reading
    @property
    @_locked
    def generation(self) -> int:
        """Bumped by every commit that changed the passages, by any process writing to the database."""
        return int(self._conn.execute("SELECT generation FROM counters").fetchone()[0])

    @_locked
    def count_articles(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    @_locked
    def count_passages(self) -> int:
        """From the counters row (kept with the posting blocks, so as of the last commit): asked
        before every question, and COUNT(*) reads the whole table."""
        return self._conn.execute("SELECT passages FROM counters").fetchone()[0]

    @_locked
    def count_sentences(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]

    @_locked
    def find_hash(self, content_hash: str) -> str | None:
        row = self._conn.execute("SELECT id FROM articles WHERE content_hash = %s", (content_hash,)).fetchone()
        return row[0] if row else None

    @_locked
    def article(self, article_id: str) -> Article | None:
        row = self._conn.execute(
            "SELECT id, text, title, date, url, source FROM articles WHERE id = %s", (article_id,)
        ).fetchone()
        if not row:
            return None
        return Article(id=row[0], text=row[1], title=row[2], date=_iso(row[3]), url=row[4], source=row[5])

    @_locked
    def articles(self) -> list[dict]:
        rows = self._conn.execute(
            "SELECT a.id, a.title, a.date, a.url, a.source, COUNT(p.id) FROM articles a "
            "LEFT JOIN passages p ON p.article_id = a.id GROUP BY a.id ORDER BY a.added_at, a.id"
        ).fetchall()
        keys = ("id", "title", "date", "url", "source", "passages")
        return [dict(zip(keys, (r[0], r[1], _iso(r[2]), r[3], r[4], r[5]))) for r in rows]

    @_locked
    def newest_article_ids(self, n: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT id FROM articles ORDER BY date IS NULL, date DESC, added_at DESC, id LIMIT %s", (int(n),)
        )
        return [r[0] for r in rows]

    @_locked
    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not len(ids):
            return {}
        rows = self._conn.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id = ANY(%s)",
            ([int(i) for i in ids],),
        ).fetchall()
        return {r[0]: StoredPassage(*r[:7], _iso(r[7]), *r[8:]) for r in rows}

    @_locked
    def alignment_codes(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        if not len(ids):
            return {}
        rows = self._conn.execute(
            "SELECT id, alignment FROM passages WHERE id = ANY(%s)", ([int(i) for i in ids],)
        ).fetchall()
        return {pid: bytes(codes) if codes is not None else None for pid, codes in rows}

    @_locked
    def article_passage_ids(self, article_id: str) -> list[int]:
        rows = self._conn.execute("SELECT id FROM passages WHERE article_id = %s ORDER BY position", (article_id,))
        return [r[0] for r in rows]

    @_locked
    def sentences(self, passage_ids: Sequence[int]) -> dict[int, list[StoredSentence]]:
        out: dict[int, list[StoredSentence]] = {int(i): [] for i in passage_ids}
        if not out:
            return out
        with self._conn.cursor(binary=True) as cur:
            cur.execute(
                'SELECT passage_id, start, "end", vector, tokens_start, tokens_end FROM sentences '
                "WHERE passage_id = ANY(%s) ORDER BY passage_id, start",
                (list(out),),
            )
            for pid, start, end, vector, tokens_start, tokens_end in cur:
                tokens = None if tokens_start is None else (tokens_start, tokens_end)
                out[pid].append(StoredSentence(start, end, vector.to_numpy().astype(np.float32), tokens))
        return out

    @_locked
    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        with self._conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, vector FROM passages WHERE id = ANY(%s)", ([int(i) for i in ids],))
            found = {pid: v.to_numpy() for pid, v in cur.fetchall()}
        missing = [int(i) for i in ids if int(i) not in found]
        if missing:
            raise KeyError(f"no passage {missing[0]} in the index")
        return np.stack([found[int(i)] for i in ids]).astype(np.float32)

    def iter_passage_texts(self) -> Iterator[tuple[int, str, str]]:
        with self._lock, self._conn.transaction(), self._conn.cursor(name="passage_texts") as cur:
            cur.itersize = 2000
            cur.execute(
                "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
            )
            yield from cur

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def transaction(self):
        """Everything written inside becomes visible to every connection at once, or not at all."""
        with self._lock:
            if self._in_transaction:
                raise RuntimeError("transactions do not nest")
            self._in_transaction, self._changed, self._block, self._pending = True, False, None, {}
            try:
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    yield
                    if self._pending:
                        self._write_postings()
                    if self._changed:
                        self._conn.execute("UPDATE counters SET generation = generation + 1")
            finally:
                self._in_transaction, self._pending = False, {}

    def _require_transaction(self) -> None:
        if not self._in_transaction:
            raise RuntimeError("writes go inside `with store.transaction():`")

    @_locked
    def add_article(self, article: Article, content_hash: str, passages: Sequence[IndexedPassage]) -> list[int]:
        """Insert one article and its passages; returns the passage ids (inside a transaction).

        Raises:
            DuplicateContent: an article with the same content hash is stored (written by another
                process since the caller looked); nothing was written and the transaction goes on.
        """
        self._require_transaction()
        published = date.fromisoformat(article.date) if article.date else None
        c = self._conn
        row = c.execute(
            "INSERT INTO articles (id, title, date, url, source, content_hash, text, added_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (content_hash) DO NOTHING RETURNING id",
            (
                article.id,
                article.title,
                published,
                article.url,
                article.source,
                content_hash,
                article.text,
                time.time(),
            ),
        ).fetchone()
        if row is None:
            twin = self.find_hash(content_hash)
            raise DuplicateContent(f"the text of {article.id!r} is already indexed as {twin!r}", twin)
        if not passages:
            self._changed = True
            return []
        if self._block is None:
            self._block = c.execute("SELECT nextval('posting_blocks')").fetchone()[0]
        ids = [
            r[0] for r in c.execute("SELECT nextval('passages_id_seq') FROM generate_series(1, %s)", (len(passages),))
        ]
        day = _day(published)
        with c.cursor().copy(
            'COPY passages (id, article_id, position, start, "end", text, terms, length, block, published, vector, '
            "alignment) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["int8", "text", "int4", "int4", "int4", "text", "text", "int4", "int8", "date", "vector", "bytea"]
            )
            for pid, item in zip(ids, passages):
                p = item.passage
                copy.write_row(
                    (
                        pid,
                        article.id,
                        p.position,
                        p.start,
                        p.end,
                        p.text,
                        " ".join(item.terms),
                        len(item.terms),
                        self._block,
                        published,
                        np.asarray(item.vector, np.float32),
                        item.alignment_codes,
                    )
                )
        with c.cursor().copy(
            'COPY sentences (passage_id, position, start, "end", vector, tokens_start, tokens_end) '
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int4", "int4", "int4", "halfvec", "int4", "int4"])
            for pid, item in zip(ids, passages):
                spans = item.passage.sentences
                tokens = item.sentence_tokens if item.alignment_codes is not None and item.sentence_tokens else None
                tokens = tokens or [(None, None)] * len(spans)
                for position, ((s, e), vector, (ts, te)) in enumerate(zip(spans, item.sentence_vectors, tokens)):
                    copy.write_row((pid, position, s, e, HalfVector(np.asarray(vector, np.float16)), ts, te))
        for pid, item in zip(ids, passages):
            self._pending[pid] = _PendingPassage(pid, Counter(item.terms), len(item.terms), day)
        self._changed = True
        return ids

    @_locked
    def delete_article(self, article_id: str) -> bool:
        self._require_transaction()
        c = self._conn
        rows = c.execute(
            "SELECT id, block, terms, length FROM passages WHERE article_id = %s", (article_id,)
        ).fetchall()
        committed = [r for r in rows if r[0] not in self._pending]
        for pid, *_ in rows:
            self._pending.pop(pid, None)
        if committed:
            self._remove_postings(committed)
        removed = c.execute("DELETE FROM articles WHERE id = %s", (article_id,)).rowcount > 0
        self._changed = self._changed or removed
        return removed

    def _write_postings(self) -> None:
        """The open transaction's posting block (one row per term), document frequencies, counters."""
        by_term: dict[str, list[tuple[int, int, int, int]]] = {}
        for p in self._pending.values():
            for term, tf in p.terms.items():
                by_term.setdefault(term, []).append((p.id, tf, p.length, p.day))
        c = self._conn
        with c.cursor().copy(
            "COPY postings (term, block, passage_ids, tfs, lengths, days) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["text", "int8", "bytea", "bytea", "bytea", "bytea"])
            for term, entries in by_term.items():
                a = np.array(entries, np.int64)
                copy.write_row(
                    (
                        term,
                        self._block,
                        a[:, 0].astype("<i8").tobytes(),
                        a[:, 1].astype("<i4").tobytes(),
                        a[:, 2].astype("<i4").tobytes(),
                        a[:, 3].astype("<i4").tobytes(),
                    )
                )
        c.execute(
            "INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int4[]) "
            "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df",
            (list(by_term), [len(e) for e in by_term.values()]),
        )
        c.execute(
            "UPDATE counters SET passages = passages + %s, term_total = term_total + %s",
            (len(self._pending), sum(p.length for p in self._pending.values())),
        )

    def _remove_postings(self, rows: list[tuple[int, int, str, int]]) -> None:
        """Take committed passages out of their posting blocks, document frequencies and counters."""
        c = self._conn
        gone = np.array([r[0] for r in rows], np.int64)
        df: Counter = Counter()
        by_block: dict[int, set[str]] = {}
        for _, block, terms, _ in rows:
            distinct = set(terms.split())
            df.update(distinct)
            by_block.setdefault(block, set()).update(distinct)
        for block, terms in by_block.items():
            with c.cursor(binary=True) as cur:
                cur.execute(
                    "SELECT term, passage_ids, tfs, lengths, days FROM postings WHERE block = %s AND term = ANY(%s)",
                    (block, sorted(terms)),
                )
                found = cur.fetchall()
            updates, empty = [], []
            for term, *arrays in found:
                ids = np.frombuffer(arrays[0], "<i8")
                keep = ~np.isin(ids, gone)
                if not keep.any():
                    empty.append(term)
                    continue
                packed = [ids[keep].tobytes()] + [np.frombuffer(a, "<i4")[keep].tobytes() for a in arrays[1:]]
                updates.append((*packed, term, block))
            if updates:
                with c.cursor() as cur:
                    cur.executemany(
                        "UPDATE postings SET passage_ids = %b, tfs = %b, lengths = %b, days = %b "
                        "WHERE term = %s AND block = %s",
                        updates,
                    )
            if empty:
                c.execute("DELETE FROM postings WHERE block = %s AND term = ANY(%s)", (block, empty))
        c.execute(
            "UPDATE terms t SET df = t.df - d.n FROM unnest(%s::text[], %s::int4[]) AS d(term, n) "
            "WHERE t.term = d.term",
            (list(df), list(df.values())),
        )
        c.execute("DELETE FROM terms WHERE df <= 0")
        c.execute(
            "UPDATE counters SET passages = passages - %s, term_total = term_total - %s",
            (len(rows), sum(r[3] for r in rows)),
        )

    @_locked
    def prepare(self) -> None:
        """Refresh the planner's statistics, so it chooses between the HNSW index and a scan well."""
        if not self._in_transaction:
            self._conn.execute("ANALYZE articles, passages")

    # ------------------------------------------------------------ dense search
    @_locked
    def search_dense(
        self, vector: np.ndarray, top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest passages by inner product: the HNSW index (an exact scan for index_kind "flat",
        or when the planner finds one cheaper, as for a small table or a narrow date range)."""
        query = np.asarray(vector, np.float32).reshape(-1)
        self._set_ef_search(2 * top_k)
        if self.index_kind == "flat":
            order = "ORDER BY score DESC, id LIMIT %(k)s"  # not the index's expression: an exact scan
        else:
            order = "ORDER BY vector <#> %(q)s LIMIT %(k)s"
        where, params = "", {"q": query, "k": int(top_k)}
        if dates:
            params["since"], params["until"] = _bounds(dates)
            where = "WHERE published BETWEEN %(since)s AND %(until)s"
        # relaxed_order can hand back a filtered scan's rows slightly out of order: sort them again
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT id, -(vector <#> %(q)s) AS score FROM passages {where} {order}) "
            "SELECT id, score FROM hits ORDER BY score DESC, id"
        )
        rows = self._conn.execute(sql, params).fetchall()
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.float32)

    # ---------------------------------------------------------- lexical search
    def _term_scores(self, terms: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(passage ids, BM25 term scores, days) of each term, from the posting blocks.

        Kept per generation, least recently used first out past POSTINGS_CACHE_BYTES: the common
        syllables of most questions ("có", "của", "được") are each in most passages, and a term's
        scores change only with a commit. A commit by any process changes the generation, read in
        the same statement as the postings, so a stale entry is never used."""
        unique = list(dict.fromkeys(terms))
        for _ in range(3):
            cached = self._postings if not self._in_transaction else {}
            missing = [t for t in unique if t not in cached]
            with self._conn.cursor(binary=True) as cur:
                cur.execute(
                    "SELECT c.generation, c.passages, c.term_total, p.term, p.passage_ids, p.tfs, p.lengths, p.days "
                    "FROM counters c LEFT JOIN postings p ON p.term = ANY(%s)",
                    (missing,),
                )
                rows = cur.fetchall()
            generation, n, total = rows[0][:3]
            if generation != self._postings_generation:
                self._postings.clear()
                self._postings_bytes = 0
                self._postings_generation = generation
                if len(missing) < len(unique):
                    continue  # some terms came from the old generation's cache: read them all again
            blocks: dict[str, list[tuple]] = {t: [] for t in missing}
            for *_, term, ids, tfs, lengths, days in rows:
                if term is not None:
                    blocks[term].append((ids, tfs, lengths, days))
            fetched = {term: self._score_blocks(parts, n, total) for term, parts in blocks.items()}
            if self._in_transaction:
                return fetched
            for term, entry in fetched.items():
                self._postings[term] = entry
                self._postings_bytes += sum(a.nbytes for a in entry)
            for term in unique:
                self._postings.move_to_end(term)
            while self._postings_bytes > POSTINGS_CACHE_BYTES and len(self._postings) > len(unique):
                _, entry = self._postings.popitem(last=False)
                self._postings_bytes -= sum(a.nbytes for a in entry)
            return {t: self._postings[t] for t in unique}
        raise RuntimeError("the index kept changing while it was read")  # three commits in a row

    @staticmethod
    def _score_blocks(parts: list[tuple], n: int, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One term's posting blocks as (ids, scores, days): Lucene idf x bm25s' tf saturation."""
        if not parts or not n:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int32)
        ids = np.concatenate([np.frombuffer(p[0], "<i8") for p in parts])
        tf = np.concatenate([np.frombuffer(p[1], "<i4") for p in parts]).astype(np.float64)
        dl = np.concatenate([np.frombuffer(p[2], "<i4") for p in parts]).astype(np.float64)
        days = np.concatenate([np.frombuffer(p[3], "<i4") for p in parts])
        idf = np.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
        scores = (idf * tf / (tf + K1 * (1 - B + B * dl / (total / n)))).astype(np.float32)
        return ids, scores, days

    @_locked
    def search_lexical(
        self, terms: list[str], top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 as bm25s scores it (store/lexical.py): a query term counts as often as it is given."""
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
        if not terms or top_k <= 0:
            return empty
        low, high = (_day(d) for d in _bounds(dates)) if dates else (None, None)
        multiplicity = Counter(terms)
        all_ids, all_scores = [], []
        for term, (ids, scores, days) in self._term_scores(terms).items():
            if dates:
                keep = (days >= low) & (days <= high)
                ids, scores = ids[keep], scores[keep]
            if len(ids):
                all_ids.append(ids)
                all_scores.append(scores * multiplicity[term] if multiplicity[term] > 1 else scores)
        if not all_ids:
            return empty
        ids = np.concatenate(all_ids)
        # summed by passage id directly: sorting a million postings would cost more than the rest
        totals = np.bincount(ids, weights=np.concatenate(all_scores)).astype(np.float32)
        found = np.flatnonzero(totals > 0)
        if len(found) > top_k:
            found = found[np.argpartition(-totals[found], top_k - 1)[:top_k]]
            # ties at the cut: the lower ids, as the order below prefers
            cut = totals[found].min()
            found = np.union1d(found, np.flatnonzero(totals == cut))
        order = found[np.lexsort((found, -totals[found]))][:top_k]
        return order.astype(np.int64), totals[order]

    @_locked
    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        """As store/lexical.py: Lucene's idf over the passages, `absent` for a term none has."""
        rows = self._conn.execute(
            "SELECT c.passages, t.term, t.df FROM counters c LEFT JOIN terms t ON t.term = ANY(%s)",
            (list(dict.fromkeys(terms)),),
        ).fetchall()
        n = max(rows[0][0], 1) if rows else 1
        df_of = {term: df for _, term, df in rows if term is not None}
        out = []
        for term in terms:
            df = df_of.get(term, 0)
            out.append(np.log(1 + (n - df + 0.5) / (df + 0.5)) if df or absent is None else absent)
        return np.array(out, np.float32)

    # --------------------------------------------------------------- helpers
    @_locked
    def stats(self) -> dict:
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        c = self._conn
        return {
            "folder": display_url(self.url),
            "backend": "postgres",
            "schema": int(meta.get("schema", 0)),
            "model": meta.get("model"),
            "dim": self.dim,
            "articles": self.count_articles(),
            "passages": self.count_passages(),
            "sentences": self.count_sentences(),
            "passages_with_alignment_codes": c.execute("SELECT COUNT(alignment) FROM passages").fetchone()[0],
            "sentences_with_token_rows": c.execute("SELECT COUNT(tokens_start) FROM sentences").fetchone()[0],
            "generation": self.generation,
            "dense_index": "exact scan" if self.index_kind == "flat" else "pgvector HNSW",
            "bytes_on_disk": c.execute("SELECT pg_database_size(current_database())").fetchone()[0],
        }


__all__ = ["PostgresStore", "display_url"]
