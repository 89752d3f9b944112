"""The Postgres backend against the embedded one (run on demand, not a test).

    python bench/postgres.py --sqlite-index DIR              # DIR: built by `python -m qa ingest` (real model)
    python bench/postgres.py --sqlite-index DIR --scale 35000 --synthetic 1000000
    python bench/postgres.py ... --url postgresql://…        # a server of your own (default: one started
                                                              # by scripts/postgres.sh in a temp folder)

What it measures, each in a fresh database:
- copy: the SQLite index's rows (real e5 vectors, terms, sentences, codes) written into a
  PostgresStore in batch transactions: the store's own write speed (the model, ~20 passages/s, is
  the same on both backends and is timed on the real ingest of a sample);
- eval: the built-in question set on both backends over the same index (figures and answers equal);
- lexical: top-10 overlap with the embedded BM25 of the store's BM25 and of Postgres full-text
  search (a `simple` + unaccent configuration, ts_rank / ts_rank_cd), and their speed;
- recall: pgvector HNSW against exact search, recall@10 and time, unfiltered and within a year;
- dates: ask p50 with and without a date range;
- scale: `--scale N` articles of baomoi, real passages and terms, vectors from a fixed random
  projection of the passage's terms (not the model: 35k articles take the model 2.5 h), plus the
  built-in articles ingested for real; ask latency, search speed, recall, memory, on both backends;
- synthetic: `--synthetic N` clustered random unit vectors in a vector-only table: HNSW build, p50,
  recall@10 against exact numpy search.
Prints one table per part and writes results/bench-postgres.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BAOMOI = SHARED / "corpora" / "baomoi-2017.jsonl.xz"
sys.path.insert(0, str(ROOT))

from qa import Assistant, builtin_articles  # noqa: E402
from qa.text import search_terms  # noqa: E402
from store import Article, DateRange, IndexedPassage, Passage, SqliteStore, open_store  # noqa: E402
from store.postgres import PostgresStore  # noqa: E402

YEAR = DateRange("2020-01-01", "2020-12-31")


# ------------------------------------------------------------------ the server and databases
class Server:
    """A PostgreSQL server for the run: the URL given, or one started by scripts/postgres.sh."""

    def __init__(self, url: str | None, memory: str) -> None:
        self.data: Path | None = None
        self.pid: int | None = None
        if url:
            self.url = url
            return
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.data = Path(tempfile.mkdtemp(prefix="newsqa-bench-pg-"))
        settings = ["-c", f"shared_buffers={memory}", "-c", "maintenance_work_mem=2GB", "-c", "max_wal_size=4GB"]
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "start", str(self.data), str(port), *settings],
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            check=True,
        )
        self.url = out.stdout.strip()
        self.pid = int((self.data / "server.pid").read_text().split()[0])

    def database(self, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def memory_mb(self) -> float | None:
        """The server's proportional set size (shared buffers counted once), when started here."""
        if self.pid is None:
            return None
        import psutil

        root = psutil.Process(self.pid)
        total = 0
        for p in [root, *root.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss
            except psutil.Error:
                continue
        return round(total / 2**20, 1)

    def stop(self) -> None:
        if self.data is None:
            return
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", str(self.data)], check=False)
        import shutil

        shutil.rmtree(self.data, ignore_errors=True)


def client_rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def percentile_ms(times: list[float], q: float) -> float:
    return round(float(np.percentile(times, q)) * 1000, 2)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


# ------------------------------------------------------------------ copying an embedded index
def read_sqlite_index(folder: Path, dim: int) -> Iterator[tuple[Article, str, list[IndexedPassage]]]:
    """Every article of an embedded index with its passages as they were written (vectors, terms,
    sentences, codes), in the order they were added."""
    conn = sqlite3.connect(folder / "index.sqlite")
    articles = conn.execute(
        "SELECT id, title, date, url, source, content_hash, text FROM articles ORDER BY added_at, id"
    ).fetchall()
    for aid, title, date, url, source, digest, text in articles:
        rows = conn.execute(
            "SELECT id, position, start, end, text, terms, vector, alignment FROM passages "
            "WHERE article_id = ? ORDER BY position",
            (aid,),
        ).fetchall()
        items = []
        for pid, position, start, end, ptext, terms, vector, codes in rows:
            sentences = conn.execute(
                "SELECT start, end, vector, tokens_start, tokens_end FROM sentences "
                "WHERE passage_id = ? ORDER BY start",
                (pid,),
            ).fetchall()
            spans = [(s, e) for s, e, *_ in sentences]
            tokens = [(ts, te) for *_, ts, te in sentences]
            items.append(
                IndexedPassage(
                    passage=Passage(aid, position, start, end, ptext, spans),
                    vector=np.frombuffer(vector, np.float32),
                    sentence_vectors=np.stack(
                        [np.frombuffer(v, np.float16).astype(np.float32) for _, _, v, *_ in sentences]
                    )
                    if sentences
                    else np.zeros((0, dim), np.float32),
                    terms=terms.split(),
                    alignment_codes=codes,
                    sentence_tokens=tokens if codes is not None and tokens and tokens[0][0] is not None else None,
                )
            )
        yield Article(aid, text, title, date, url, source), digest, items
    conn.close()


def write_all(store, items, batch_passages: int = 2000) -> tuple[int, float]:
    """Add (article, hash, passages) triples in transactions of about `batch_passages` passages;
    returns the passages written and the seconds it took."""
    started, written, pending = time.perf_counter(), 0, []

    def flush():
        with store.transaction():
            for article, digest, items in pending:
                store.add_article(article, digest, items)

    for triple in items:
        pending.append(triple)
        written += len(triple[2])
        if sum(len(t[2]) for t in pending) >= batch_passages:
            flush()
            pending = []
    if pending:
        flush()
    return written, time.perf_counter() - started


def part_copy(sqlite_dir: Path, pg_url: str, model_name: str, dim: int) -> dict:
    store = open_store(pg_url, model_name, dim)
    written, seconds = write_all(store, read_sqlite_index(sqlite_dir, dim))
    _, analyze = timed(store.prepare)
    size = store.stats()["bytes_on_disk"]
    store.close()
    return {
        "passages": written,
        "store_write_passages_per_s": round(written / seconds, 1),
        "copy_s": round(seconds, 1),
        "analyze_s": round(analyze, 1),
        "database_mb": round(size / 2**20, 1),
    }


def part_ingest_sample(server: Server, articles: int) -> dict:
    """The real ingest (model included) of the same few dantri articles into each backend."""
    import gzip

    source = Path(tempfile.mkdtemp()) / "sample.jsonl"
    with gzip.open(SHARED / "corpora" / "dantri-2019-2021.jsonl.gz", "rt", encoding="utf-8") as f:
        source.write_text("".join(next(f) for _ in range(articles)), encoding="utf-8")
    out = {}
    for name, location in (("sqlite", str(source.parent / "index")), ("postgres", server.database("bench_ingest"))):
        assistant = Assistant.open(location)
        report, seconds = timed(assistant.add, [source], progress=False)
        out[f"{name}_ingest_passages_per_s"] = round(report.passages / seconds, 1)
        assistant.close()
    return out


# ------------------------------------------------------------------ answers and latency
def part_eval(sqlite: Assistant, postgres: Assistant) -> dict:
    from eval.runner import load_questions, run_questions

    questions = load_questions()
    out = {}
    answers = {}
    for name, assistant in (("sqlite", sqlite), ("postgres", postgres)):
        run = run_questions(assistant, questions, progress=False)
        overall = run["overall"]
        for key in ("answer_in_top_quote", "answer_in_highlight", "abstention_recall", "answerable_abstained", "R@1"):
            if key in overall:
                out[f"{name}_{key}"] = round(overall[key], 3)
        answers[name] = [(r["abstained"], r["got_highlight"]) for r in run["results"]]
    out["identical_answers"] = round(np.mean([a == b for a, b in zip(answers["sqlite"], answers["postgres"])]), 3)
    return out


def questions_with_history() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]


def ask_latency(assistant: Assistant, rounds: int = 2, dates: DateRange | None = None) -> dict:
    questions = questions_with_history()
    since, until = (dates.since, dates.until) if dates else (None, None)
    for q in questions[:10]:
        assistant.ask(q["question"], history=q["history"] or None, since=since, until=until)
    times = []
    for _ in range(rounds):
        for q in questions:
            _, seconds = timed(assistant.ask, q["question"], history=q["history"] or None, since=since, until=until)
            times.append(seconds)
    return {"ask_p50_ms": percentile_ms(times, 50), "ask_p95_ms": percentile_ms(times, 95), "asked": len(times)}


# ------------------------------------------------------------------ lexical: BM25 vs full-text search
FTS_SETUP = """
    CREATE EXTENSION IF NOT EXISTS unaccent;
    DROP TEXT SEARCH CONFIGURATION IF EXISTS newsqa_unaccent;
    CREATE TEXT SEARCH CONFIGURATION newsqa_unaccent (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION newsqa_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    DROP TABLE IF EXISTS fts;
    CREATE TABLE fts AS SELECT p.id, to_tsvector('newsqa_unaccent', a.title || ' ' || p.text) AS doc
        FROM passages p JOIN articles a ON a.id = p.article_id;
    CREATE INDEX fts_doc ON fts USING gin (doc);
    ANALYZE fts;
"""


def lexical_queries(store, limit: int = 400) -> list[list[str]]:
    questions = [q["question"] for q in questions_with_history()]
    titles = [a["title"] for a in store.articles()[: max(limit - len(questions), 0)]]
    return [search_terms(t) for t in questions + titles][:limit]


def part_lexical(sqlite: SqliteStore, postgres: PostgresStore) -> dict:
    import psycopg

    queries = [q for q in lexical_queries(sqlite) if q]
    reference = [sqlite.search_lexical(q, 10)[0].tolist() for q in queries]
    out: dict = {"lexical_queries": len(queries)}

    def overlap(found: list[list[int]]) -> float:
        return round(float(np.mean([len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(found, reference)])), 3)

    times, found = [], []
    for q in queries:
        (ids, _), seconds = timed(postgres.search_lexical, q, 10)
        found.append(ids.tolist())
        times.append(seconds)
    out["bm25_overlap@10"] = overlap(found)
    out["bm25_p50_ms"] = percentile_ms(times, 50)
    times = []
    for q in queries:
        _, seconds = timed(sqlite.search_lexical, q, 10)
        times.append(seconds)
    out["embedded_bm25_p50_ms"] = percentile_ms(times, 50)
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        for statement in FTS_SETUP.split(";"):
            if statement.strip():
                conn.execute(statement)
        for rank in ("ts_rank", "ts_rank_cd"):
            times, found = [], []
            for q in queries:
                words = list(dict.fromkeys(q))
                started = time.perf_counter()
                rows = conn.execute(
                    f"WITH q AS (SELECT to_tsquery('newsqa_unaccent', string_agg(quote_literal(w), ' | ')) AS q "
                    f"FROM unnest(%s::text[]) AS w) "
                    f"SELECT id FROM fts, q WHERE doc @@ q.q ORDER BY {rank}(doc, q.q) DESC, id LIMIT 10",
                    (words,),
                ).fetchall()
                times.append(time.perf_counter() - started)
                found.append([r[0] for r in rows])
            out[f"fts_{rank}_overlap@10"] = overlap(found)
            out[f"fts_{rank}_p50_ms"] = percentile_ms(times, 50)
        conn.execute("DROP TABLE fts")
    return out


# ------------------------------------------------------------------ dense: HNSW vs exact
def recall_at_10(approx: PostgresStore, exact: PostgresStore, queries: np.ndarray, dates=None) -> dict:
    recalls, times, exact_times = [], [], []
    for q in queries:
        (ids, _), seconds = timed(approx.search_dense, q, 10, dates)
        (truth, _), exact_seconds = timed(exact.search_dense, q, 10, dates)
        times.append(seconds)
        exact_times.append(exact_seconds)
        recalls.append(len(set(ids.tolist()) & set(truth.tolist())) / max(len(truth), 1))
    return {
        "recall@10": round(float(np.mean(recalls)), 4),
        "hnsw_p50_ms": percentile_ms(times, 50),
        "exact_p50_ms": percentile_ms(exact_times, 50),
    }


def part_recall(pg_url: str, model, model_name: str, dim: int, titles: list[str]) -> dict:
    approx = open_store(pg_url, model_name, dim)
    exact = open_store(pg_url, model_name, dim, index_kind="flat")
    questions = [q["question"] for q in questions_with_history()]
    queries = np.asarray(model.encode_query(questions + titles), np.float32)
    out = {f"unfiltered_{k}": v for k, v in recall_at_10(approx, exact, queries).items()}
    out.update({f"year_2020_{k}": v for k, v in recall_at_10(approx, exact, queries, YEAR).items()})
    approx.close()
    exact.close()
    return out


# ------------------------------------------------------------------ scale: baomoi with projected vectors
class Projection:
    """A fixed random projection of a text's terms to a unit vector: vectors with the corpus' own
    structure (passages sharing words lie near each other) without 2.5 h of model time. Each term
    hashes to one of `buckets` random rows."""

    def __init__(self, dim: int, buckets: int = 1 << 17, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.matrix = self.rng.standard_normal((buckets, dim), dtype=np.float32)
        self.buckets = buckets
        self.ids: dict[str, int] = {}

    def _id(self, term: str) -> int:
        i = self.ids.get(term)
        if i is None:
            i = self.ids[term] = zlib.crc32(term.encode()) % self.buckets
        return i

    def __call__(self, terms: list[str]) -> np.ndarray:
        if not terms:
            return self.matrix[0] / np.linalg.norm(self.matrix[0])
        v = self.matrix[[self._id(t) for t in terms]].sum(axis=0)
        return v / np.linalg.norm(v)


def baomoi_items(model, articles: int, dim: int, project: Projection) -> list[tuple[Article, str, list]]:
    from qa.ingest import content_hash, make_article
    from qa.passages import PassageSplitter
    from qa.readers import open_lines

    splitter = PassageSplitter.for_model(model)
    out, seen = [], set()
    with open_lines(BAOMOI) as lines:
        for n, line in enumerate(lines):
            if len(out) >= articles:
                break
            row = json.loads(line)
            if not str(row.get("text") or "").strip():
                continue
            # baomoi has no dates: spread the articles over 2017 so date filters have something to keep
            date = f"2017-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
            article = make_article(f"bm{row.get('id', n)}", row["text"], "baomoi", row.get("title") or "", date)
            digest = content_hash(article.text)
            if digest in seen:
                continue
            seen.add(digest)
            items = []
            for p in splitter.split(article):
                terms = search_terms(f"{article.title}\n{p.text}")
                sentence_vectors = np.stack([project(search_terms(p.text[s:e])) for s, e in p.sentences])
                tokens = max(len(terms), 1)
                codes = project.rng.bytes(tokens * dim // 8)
                bounds = np.linspace(0, tokens, len(p.sentences) + 1).astype(int)
                items.append(
                    IndexedPassage(
                        p,
                        project(terms),
                        sentence_vectors,
                        terms,
                        codes,
                        [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])],
                    )
                )
            out.append((article, digest, items))
    return out


def psycopg_connection(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def build_hnsw(url: str) -> None:
    """The passages' HNSW index, as the migration declares it, built over the rows already there."""
    from store.postgres_migrations import HNSW_EF_CONSTRUCTION, HNSW_M

    with psycopg_connection(url) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 0")
        conn.execute(
            "CREATE INDEX passages_by_vector ON passages USING hnsw (vector vector_ip_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )


def part_scale(server: Server, model, model_name: str, dim: int, articles: int, sqlite_too: bool) -> dict:
    project = Projection(dim)
    items, split_s = timed(baomoi_items, model, articles, dim, project)
    passages = sum(len(i) for _, _, i in items)
    out = {"articles": len(items), "passages": passages, "split_and_project_s": round(split_s, 1)}
    questions = [q["question"] for q in questions_with_history()]
    titles = [a.title for a, _, _ in items[:200]]
    queries = np.stack([project(search_terms(t)) for t in questions + titles])
    backends = [("postgres", server.database("bench_scale"))]
    if sqlite_too:
        backends.append(("sqlite", str(Path(tempfile.mkdtemp(prefix="newsqa-bench-")) / "index")))
    for name, location in backends:
        store = open_store(location, model_name, dim)
        if name == "postgres":  # a bulk load: the HNSW index built once at the end, not row by row
            with psycopg_connection(location) as conn:
                conn.execute("DROP INDEX passages_by_vector")
        written, seconds = write_all(store, iter(items))
        out[f"{name}_store_write_passages_per_s"] = round(written / seconds, 1)
        if name == "postgres":
            out["postgres_hnsw_build_s"] = round(timed(build_hnsw, location)[1], 1)
        _, prepare_s = timed(store.prepare)
        out[f"{name}_prepare_s"] = round(prepare_s, 1)
        lexical = lexical_queries(store, 400)
        times = [timed(store.search_lexical, q, 100)[1] for q in lexical if q]
        out[f"{name}_lexical_p50_ms"] = percentile_ms(times, 50)
        times = [timed(store.search_dense, q, 100)[1] for q in queries]
        out[f"{name}_dense_p50_ms"] = percentile_ms(times, 50)
        times = [timed(store.search_dense, q, 100, DateRange("2017-03-01", "2017-03-31"))[1] for q in queries]
        out[f"{name}_dense_one_month_p50_ms"] = percentile_ms(times, 50)
        if name == "postgres":
            exact = open_store(location, model_name, dim, index_kind="flat")
            month = DateRange("2017-03-01", "2017-03-31")
            for label, dates in (("unfiltered", None), ("one_month", month)):
                figures = recall_at_10(store, exact, queries, dates)
                out.update({f"postgres_{label}_{k}": v for k, v in figures.items()})
            exact.close()
            out["postgres_database_mb"] = round(store.stats()["bytes_on_disk"] / 2**20, 1)
        store.close()
        assistant = Assistant.open(location)
        assistant.add([builtin_articles()], progress=False)
        out.update({f"{name}_{k}": v for k, v in ask_latency(assistant).items()})
        month = DateRange("2017-01-01", "2017-12-31")
        out.update({f"{name}_dated_{k}": v for k, v in ask_latency(assistant, dates=month).items()})
        out[f"{name}_client_rss_mb"] = client_rss_mb()
        if name == "postgres":
            out["postgres_server_pss_mb"] = server.memory_mb()
        assistant.close()
        print(table(f"scale so far ({name} done)", out), flush=True)
    return out


# ------------------------------------------------------------------ synthetic: the vector index alone
def clustered_vectors(n: int, dim: int, seed: int = 1, clusters: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((clusters, dim)).astype(np.float32)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        block = centers[rng.integers(0, clusters, size)] + 0.9 * rng.standard_normal((size, dim)).astype(np.float32)
        out[start : start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def part_synthetic(server: Server, n: int, dim: int, queries: int = 200) -> dict:
    import psycopg
    from pgvector.psycopg import register_vector

    from store.postgres_migrations import HNSW_EF_CONSTRUCTION, HNSW_M

    vectors = clustered_vectors(n + queries, dim)
    data, probes = vectors[:n], vectors[n:]
    url = server.database("bench_synthetic")
    out: dict = {"vectors": n}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute(f"CREATE TABLE vectors (id bigint PRIMARY KEY, vector vector({dim}) NOT NULL)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY vectors (id, vector) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "vector"])
            for i, v in enumerate(data):
                copy.write_row((i, v))
        out["copy_vectors_per_s"] = round(n / (time.perf_counter() - started), 1)
        conn.execute("SET maintenance_work_mem = '4GB'")
        conn.execute("SET max_parallel_maintenance_workers = 0")  # no dynamic shared memory to size
        started = time.perf_counter()
        conn.execute(
            f"CREATE INDEX ON vectors USING hnsw (vector vector_ip_ops) WITH (m = {HNSW_M}, "
            f"ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
        out["hnsw_build_s"] = round(time.perf_counter() - started, 1)
        out["database_mb"] = round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20)
        truth = np.argsort(-(probes @ data.T), axis=1)[:, :10]
        for ef in (100, 512):
            conn.execute(f"SET hnsw.ef_search = {ef}")
            times, recalls = [], []
            for q, t in zip(probes, truth):
                started = time.perf_counter()
                rows = conn.execute("SELECT id FROM vectors ORDER BY vector <#> %s LIMIT 10", (q,)).fetchall()
                times.append(time.perf_counter() - started)
                recalls.append(len({r[0] for r in rows} & set(t.tolist())) / 10)
            out[f"ef{ef}_p50_ms"] = percentile_ms(times, 50)
            out[f"ef{ef}_recall@10"] = round(float(np.mean(recalls)), 4)
        out["server_pss_mb"] = server.memory_mb()
    return out


# ------------------------------------------------------------------ the run
def table(title: str, figures: dict) -> str:
    lines = [f"\n{title}", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in figures.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-index", type=Path, help="an embedded index built with python -m qa ingest")
    parser.add_argument("--url", help="a PostgreSQL server's URL (default: start one in a temp folder)")
    parser.add_argument("--memory", default="1GB", help="shared_buffers of the server started here")
    parser.add_argument("--sample", type=int, default=40, help="dantri articles ingested for real on each backend")
    parser.add_argument("--scale", type=int, default=0, help="baomoi articles for the scale part (0: skip)")
    parser.add_argument("--scale-sqlite", action="store_true", help="run the scale part on the embedded store too")
    parser.add_argument("--synthetic", type=int, default=0, help="vectors for the synthetic part (0: skip)")
    parser.add_argument("--parts", nargs="+", default=["copy", "ingest", "eval", "lexical", "recall", "dates"])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench-postgres.json")
    args = parser.parse_args(argv)

    server = Server(args.url, args.memory)
    results: dict = {"machine": {"cores": os.cpu_count()}}
    try:
        if args.sqlite_index:
            sqlite = Assistant.open(args.sqlite_index, create=False)
            model_name, dim = sqlite.store.model_name, sqlite.store.dim
            pg_url = server.database("bench_copy")
            results["copy"] = part_copy(args.sqlite_index, pg_url, model_name, dim)
            print(table("copy of the embedded index", results["copy"]), flush=True)
            postgres = Assistant.open(pg_url, create=False)
            if "ingest" in args.parts:
                results["ingest"] = part_ingest_sample(server, args.sample)
                print(table(f"real ingest of {args.sample} dantri articles", results["ingest"]), flush=True)
            if "eval" in args.parts:
                results["eval"] = part_eval(sqlite, postgres)
                print(table("built-in question set over the same index", results["eval"]), flush=True)
            if "lexical" in args.parts:
                results["lexical"] = part_lexical(sqlite.store, postgres.store)
                print(table("lexical search against the embedded BM25", results["lexical"]), flush=True)
            if "recall" in args.parts:
                titles = [a["title"] for a in sqlite.store.articles()[:200]]
                results["recall"] = part_recall(pg_url, sqlite.model, model_name, dim, titles)
                print(table("pgvector HNSW against exact search (e5 vectors)", results["recall"]), flush=True)
            if "dates" in args.parts:
                dates = {}
                for name, assistant in (("sqlite", sqlite), ("postgres", postgres)):
                    dates.update({f"{name}_{k}": v for k, v in ask_latency(assistant).items()})
                    dates.update({f"{name}_2020_{k}": v for k, v in ask_latency(assistant, dates=YEAR).items()})
                dates["postgres_client_rss_mb"] = client_rss_mb()
                dates["postgres_server_pss_mb"] = server.memory_mb()
                results["dates"] = dates
                print(table("ask latency, unfiltered and within 2020", dates), flush=True)
            postgres.close()
            model = sqlite.model
            sqlite.close()
        else:
            from qa.assistant import shared_model

            model = shared_model()
            model_name, dim = None, int(model.encode_query(["dim"]).shape[-1])
        if args.scale:
            from embeddings import model_id

            results["scale"] = part_scale(server, model, model_id(model), dim, args.scale, args.scale_sqlite)
            print(table(f"scale: {args.scale} baomoi articles (projected vectors)", results["scale"]), flush=True)
        if args.synthetic:
            results["synthetic"] = part_synthetic(server, args.synthetic, dim)
            print(table(f"synthetic: {args.synthetic} vectors", results["synthetic"]), flush=True)
    finally:
        server.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
