"""BM25 on PostgreSQL as posting blocks, so the Postgres store ranks and weighs terms exactly as
the embedded one (bm25s in `store/lexical.py`: k1 1.2, b 0.75, Lucene idf).

Each write transaction adds one row per term it saw, holding the ids, term frequencies, lengths and
dates of its passages as packed arrays. A query reads a few rows per term instead of one per
(term, passage) (a common syllable is in most of 183,000 passages), and the dates let a date range
filter inside the scoring.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from store.types import DateRange

if TYPE_CHECKING:
    import psycopg

K1, B = 1.2, 0.75  # as bm25s.BM25(k1=1.2, b=0.75) in store/lexical.py
NO_DAY = -1  # an undated passage: below every date range
POSTINGS_CACHE_BYTES = 256 * 2**20  # per store: the decoded BM25 scores of the terms asked most

Scored = tuple[np.ndarray, np.ndarray, np.ndarray]  # one term's (passage ids, BM25 scores, days)


def day_number(value: str | date | None) -> int:
    """An ISO date as the integer YYYYMMDD the posting blocks keep (NO_DAY for none)."""
    if value is None:
        return NO_DAY
    return int(str(value)[:10].replace("-", ""))


def date_bounds(dates: DateRange) -> tuple[date, date]:
    """The range as SQL dates (open ends at the calendar's ends); a malformed date is a ValueError."""
    try:
        since = date.fromisoformat(dates.since) if dates.since else date.min
        until = date.fromisoformat(dates.until) if dates.until else date.max
    except ValueError:
        raise ValueError(f"dates must be ISO dates (YYYY-MM-DD), not {dates.since!r} .. {dates.until!r}") from None
    return since, until


@dataclass
class _PendingPassage:
    """A passage written in the open transaction, whose postings are added at commit."""

    id: int
    terms: Counter
    length: int
    day: int


class Postings:
    """The posting blocks of one store's connection: what the open transaction adds, what a delete
    takes out, and the decoded scores of the terms asked most (per generation)."""

    def __init__(self) -> None:
        self._block: int | None = None
        self._pending: dict[int, _PendingPassage] = {}
        self._cache: OrderedDict[str, Scored] = OrderedDict()
        self._cache_bytes = 0
        self._cache_generation: int | None = None

    # ----------------------------------------------------------------- writing
    def begin(self) -> None:
        self._block, self._pending = None, {}

    def block(self, conn: psycopg.Connection) -> int:
        """The open transaction's posting block number (one per transaction)."""
        if self._block is None:
            self._block = conn.execute("SELECT nextval('posting_blocks')").fetchone()[0]
        return self._block

    def add(self, passage_id: int, terms: list[str], day: int) -> None:
        self._pending[passage_id] = _PendingPassage(passage_id, Counter(terms), len(terms), day)

    def commit(self, conn: psycopg.Connection) -> None:
        """Write the open transaction's posting block (one row per term), document frequencies and
        counters; inside the transaction, before it commits."""
        if self._pending:
            self._write(conn)
        self._pending = {}

    def remove(self, conn: psycopg.Connection, rows: list[tuple[int, int, str, int]]) -> None:
        """Take passages, as (id, block, terms, length) rows, out of the postings: those written in
        the open transaction are only forgotten; committed ones leave their blocks."""
        committed = [r for r in rows if r[0] not in self._pending]
        for pid, *_ in rows:
            self._pending.pop(pid, None)
        if committed:
            self._remove_committed(conn, committed)

    def _write(self, conn: psycopg.Connection) -> None:
        by_term: dict[str, list[tuple[int, int, int, int]]] = {}
        for p in self._pending.values():
            for term, tf in p.terms.items():
                by_term.setdefault(term, []).append((p.id, tf, p.length, p.day))
        with conn.cursor().copy(
            "COPY postings (term, block, passage_ids, tfs, lengths, days) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["text", "int8", "bytea", "bytea", "bytea", "bytea"])
            for term, entries in by_term.items():
                a = np.array(entries, np.int64)
                ids, tfs, lengths, days = (a[:, 0].astype("<i8"), *(a[:, i].astype("<i4") for i in (1, 2, 3)))
                copy.write_row((term, self._block, ids.tobytes(), tfs.tobytes(), lengths.tobytes(), days.tobytes()))
        conn.execute(
            "INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int4[]) "
            "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df",
            (list(by_term), [len(e) for e in by_term.values()]),
        )
        conn.execute(
            "UPDATE counters SET passages = passages + %s, term_total = term_total + %s",
            (len(self._pending), sum(p.length for p in self._pending.values())),
        )

    @staticmethod
    def _remove_committed(conn: psycopg.Connection, rows: list[tuple[int, int, str, int]]) -> None:
        gone = np.array([r[0] for r in rows], np.int64)
        df: Counter = Counter()
        by_block: dict[int, set[str]] = {}
        for _, block, terms, _ in rows:
            distinct = set(terms.split())
            df.update(distinct)
            by_block.setdefault(block, set()).update(distinct)
        for block, terms in by_block.items():
            with conn.cursor(binary=True) as cur:
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
                with conn.cursor() as cur:
                    cur.executemany(
                        "UPDATE postings SET passage_ids = %b, tfs = %b, lengths = %b, days = %b "
                        "WHERE term = %s AND block = %s",
                        updates,
                    )
            if empty:
                conn.execute("DELETE FROM postings WHERE block = %s AND term = ANY(%s)", (block, empty))
        conn.execute(
            "UPDATE terms t SET df = t.df - d.n FROM unnest(%s::text[], %s::int4[]) AS d(term, n) "
            "WHERE t.term = d.term",
            (list(df), list(df.values())),
        )
        conn.execute("DELETE FROM terms WHERE df <= 0")
        conn.execute(
            "UPDATE counters SET passages = passages - %s, term_total = term_total - %s",
            (len(rows), sum(r[3] for r in rows)),
        )

    # ----------------------------------------------------------------- reading
    def term_scores(self, conn: psycopg.Connection, terms: list[str], in_transaction: bool) -> dict[str, Scored]:
        """(passage ids, BM25 term scores, days) of each term, from the posting blocks.

        Kept per generation, least recently used first out past POSTINGS_CACHE_BYTES: the common
        syllables of most questions ("có", "của", "được") are each in most passages, and a term's
        scores change only with a commit. A commit by any process changes the generation, read in
        the same statement as the postings, so a stale entry is never used."""
        unique = list(dict.fromkeys(terms))
        for _ in range(3):
            cached = self._cache if not in_transaction else {}
            missing = [t for t in unique if t not in cached]
            with conn.cursor(binary=True) as cur:
                cur.execute(
                    "SELECT c.generation, c.passages, c.term_total, p.term, p.passage_ids, p.tfs, p.lengths, p.days "
                    "FROM counters c LEFT JOIN postings p ON p.term = ANY(%s)",
                    (missing,),
                )
                rows = cur.fetchall()
            generation, n, total = rows[0][:3]
            if generation != self._cache_generation:
                self._cache.clear()
                self._cache_bytes = 0
                self._cache_generation = generation
                if len(missing) < len(unique):
                    continue  # some terms came from the old generation's cache: read them all again
            blocks: dict[str, list[tuple]] = {t: [] for t in missing}
            for *_, term, ids, tfs, lengths, days in rows:
                if term is not None:
                    blocks[term].append((ids, tfs, lengths, days))
            fetched = {term: _score_blocks(parts, n, total) for term, parts in blocks.items()}
            if in_transaction:
                return fetched
            for term, entry in fetched.items():
                self._cache[term] = entry
                self._cache_bytes += sum(a.nbytes for a in entry)
            for term in unique:
                self._cache.move_to_end(term)
            while self._cache_bytes > POSTINGS_CACHE_BYTES and len(self._cache) > len(unique):
                _, entry = self._cache.popitem(last=False)
                self._cache_bytes -= sum(a.nbytes for a in entry)
            return {t: self._cache[t] for t in unique}
        raise RuntimeError("the index kept changing while it was read")  # three commits in a row

    def search(
        self,
        conn: psycopg.Connection,
        terms: list[str],
        top_k: int,
        dates: DateRange | None,
        in_transaction: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 as bm25s scores it (store/lexical.py): a query term counts as often as it is given."""
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
        if not terms or top_k <= 0:
            return empty
        low, high = (day_number(d) for d in date_bounds(dates)) if dates else (None, None)
        multiplicity = Counter(terms)
        all_ids, all_scores = [], []
        for term, (ids, scores, days) in self.term_scores(conn, terms, in_transaction).items():
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

    @staticmethod
    def idf(conn: psycopg.Connection, terms: list[str], absent: float | None = None) -> np.ndarray:
        """As store/lexical.py: Lucene's idf over the passages, `absent` for a term none has."""
        rows = conn.execute(
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


def _score_blocks(parts: list[tuple], n: int, total: int) -> Scored:
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
