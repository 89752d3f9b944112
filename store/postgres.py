"""A `DocumentStore` on a PostgreSQL server with pgvector: many app processes, one index.

Why a server: several chat or API processes (and ingesters) share one index and see each other's
commits at once, with no derived files to rebuild. Passage vectors live in a `vector` column with an
HNSW index; sentence vectors in `halfvec` (read back by passage id, never searched); the BM25 side
is the project's own BM25 over posting blocks (`store/postgres_postings.py`), so rankings and idf
match the embedded store.

Writers take one advisory lock for their transaction, as SQLite's `BEGIN IMMEDIATE` does: a batch
is a few hundred rows written after minutes of model time, and one writer at a time keeps the
counters, the document frequencies and the content-hash check exact without deadlocks.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np

from store.errors import DuplicateContent
from store.postgres_db import HalfVector, display_url, open_database, psycopg, sql
from store.postgres_postings import Postings, date_bounds, day_number
from store.types import Article, DateRange, IndexedPassage, StoredPassage, StoredSentence

INDEX_KINDS = ("auto", "flat", "hnsw")
WRITE_LOCK = 0x6E657773_7177  # pg_advisory_xact_lock key every write transaction takes
# hnsw.ef_search: candidates an HNSW scan keeps, at least twice the results asked (bench/postgres.py
# measures recall@10 against exact search); pgvector allows at most 1000
EF_SEARCH, MAX_EF_SEARCH = 100, 1000

_PASSAGE_COLUMNS = 'p.id, p.article_id, p.position, p.start, p."end", p.text, a.title, a.date, a.url, a.source'


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _locked(method):
    """One statement or transaction at a time on the store's connection (threads share a store)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


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
        self._postings = Postings()
        self._ef_search = 0

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
        conn = open_database(url, model_name, dim, create)
        store = cls(url, conn, model_name, dim, index_kind)
        store._set_ef_search(EF_SEARCH)
        # Filtered HNSW scans go on past the first ef_search candidates until enough rows pass the filter.
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        return store

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
            self._in_transaction, self._changed = True, False
            self._postings.begin()
            try:
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    yield
                    self._postings.commit(self._conn)
                    if self._changed:
                        self._conn.execute("UPDATE counters SET generation = generation + 1")
            finally:
                self._in_transaction = False
                self._postings.begin()

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
        c, now = self._conn, time.time()
        row = c.execute(
            "INSERT INTO articles (id, title, date, url, source, content_hash, text, added_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (content_hash) DO NOTHING RETURNING id",
            (article.id, article.title, published, article.url, article.source, content_hash, article.text, now),
        ).fetchone()
        if row is None:
            twin = self.find_hash(content_hash)
            raise DuplicateContent(f"the text of {article.id!r} is already indexed as {twin!r}", twin)
        if not passages:
            self._changed = True
            return []
        block = self._postings.block(c)
        ids = [
            r[0] for r in c.execute("SELECT nextval('passages_id_seq') FROM generate_series(1, %s)", (len(passages),))
        ]
        day = day_number(published)
        with c.cursor().copy(
            'COPY passages (id, article_id, position, start, "end", text, terms, length, block, published, vector, '
            "alignment) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["int8", "text", "int4", "int4", "int4", "text", "text", "int4", "int8", "date", "vector", "bytea"]
            )
            for pid, item in zip(ids, passages):
                p = item.passage
                where = (pid, article.id, p.position, p.start, p.end, p.text)
                terms = (" ".join(item.terms), len(item.terms), block, published)
                copy.write_row((*where, *terms, np.asarray(item.vector, np.float32), item.alignment_codes))
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
            self._postings.add(pid, item.terms, day)
        self._changed = True
        return ids

    @_locked
    def delete_article(self, article_id: str) -> bool:
        self._require_transaction()
        c = self._conn
        rows = c.execute(
            "SELECT id, block, terms, length FROM passages WHERE article_id = %s", (article_id,)
        ).fetchall()
        self._postings.remove(c, rows)
        removed = c.execute("DELETE FROM articles WHERE id = %s", (article_id,)).rowcount > 0
        self._changed = self._changed or removed
        return removed

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
            params["since"], params["until"] = date_bounds(dates)
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
    @_locked
    def search_lexical(
        self, terms: list[str], top_k: int, dates: DateRange | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 as bm25s scores it (store/lexical.py): a query term counts as often as it is given."""
        return self._postings.search(self._conn, terms, top_k, dates, self._in_transaction)

    @_locked
    def idf(self, terms: list[str], absent: float | None = None) -> np.ndarray:
        """As store/lexical.py: Lucene's idf over the passages, `absent` for a term none has."""
        return self._postings.idf(self._conn, terms, absent)

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
