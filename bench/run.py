"""Speed and scale benchmark (run on demand, not a test).

    python bench/run.py                              # built-in + dantri (2,653 articles)
    python bench/run.py --corpus baomoi --limit 5000 # part of the 35,440-article corpus
    python bench/run.py --corpus builtin dantri baomoi --out results/bench.json

Each corpus runs in child processes so peak memory is measured per phase: ingest (wall time,
passages/s, peak RSS), raw model speed on a sample of the same passages, index size, cold start to
the first answer, warm `ask` latency over a fixed question list and memory while serving, and the
recall@10 of the approximate (HNSW) index against exact search.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = {
    "builtin": None,
    "dantri": SHARED / "corpora" / "dantri-2019-2021.jsonl.gz",
    "baomoi": SHARED / "corpora" / "baomoi-2017.jsonl.xz",
}
QUESTIONS = ROOT / "eval" / "questions.jsonl"
sys.path.insert(0, str(ROOT))


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _limited_copy(source: Path, limit: int | None, folder: Path) -> Path:
    """The first `limit` articles of a corpus as a plain JSONL file (the whole corpus when no limit)."""
    from qa.readers import open_lines

    if not limit:
        return source
    target = folder / f"{source.name.split('.')[0]}-{limit}.jsonl"
    with open_lines(source) as lines, target.open("w", encoding="utf-8") as out:
        for n, line in enumerate(lines):
            if n >= limit:
                break
            out.write(line)
    return target


# ---------------------------------------------------------------- child phases
def phase_ingest(index: str, source: str) -> dict:
    from qa import Assistant, builtin_articles

    assistant = Assistant.open(index)
    before = assistant.stats()["passages"]  # > 0 when an interrupted or partial run is resumed
    started = time.perf_counter()
    report = assistant.add([builtin_articles() if source == "builtin" else source], progress=True)
    elapsed = time.perf_counter() - started
    stats = assistant.stats()
    return {
        "articles": stats["articles"],
        "passages": stats["passages"],
        "passages_before": before,
        "failed": len(report.failed),
        "duplicates": len(report.duplicates),
        "ingest_s": round(elapsed, 2),
        "pipeline_passages_per_s": round(report.passages / elapsed, 2) if elapsed else 0.0,
        "ingest_peak_rss_mb": round(_peak_rss_mb(), 1),
        "index_mb": round(stats["bytes_on_disk"] / 2**20, 2),
        "dense_index": stats["dense_index"],
    }


def phase_raw_model(index: str, sample: int) -> dict:
    """The encoder alone on the same passages (as the pipeline feeds them), no splitting or storage."""
    import random

    from embeddings import encode_document_spans
    from qa import Assistant
    from qa.passages import Passage, embedding_text

    assistant = Assistant.open(index, create=False)
    model = assistant.model
    rows = [(title, text) for _, title, text in assistant.store.iter_passage_texts()]
    random.Random(0).shuffle(rows)
    rows = rows[:sample]
    texts = [embedding_text(t, Passage("", 0, 0, 0, p, []))[0] for t, p in rows]
    model.encode_document(texts[:8])  # warm-up
    started = time.perf_counter()
    model.encode_document(texts, batch_size=32)
    raw = time.perf_counter() - started
    spans = _time(lambda: encode_document_spans(model, texts, [[]] * len(texts)))
    return {
        "raw_sample": len(texts),
        "raw_model_passages_per_s": round(len(texts) / raw, 2),
        "model_with_sentences_passages_per_s": round(len(texts) / spans, 2),
    }


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def phase_cold_start(index: str, started: float) -> dict:
    from qa import Assistant

    assistant = Assistant.open(index, create=False)
    answer = assistant.ask("Luật An ninh mạng có hiệu lực từ ngày nào?")
    return {"cold_start_to_first_answer_s": round(time.time() - started, 2), "first_answer_quotes": len(answer.quotes)}


def phase_latency(index: str, rounds: int) -> dict:
    import numpy as np

    from qa import Assistant

    assistant = Assistant.open(index, create=False)
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    for q in questions[:10]:
        assistant.ask(q["question"], history=q["history"] or None)  # warm-up
    times = []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q["question"], history=q["history"] or None)
            times.append((time.perf_counter() - t) * 1000)
    import psutil

    return {
        "questions_timed": len(times),
        "ask_p50_ms": round(float(np.percentile(times, 50)), 1),
        "ask_p95_ms": round(float(np.percentile(times, 95)), 1),
        "ask_p99_ms": round(float(np.percentile(times, 99)), 1),
        "serving_rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
        "serving_peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def phase_ann_recall(index: str, queries: int) -> dict:
    """HNSW (as built past the size threshold) against exact search, recall@10 over real questions."""
    import faiss
    import numpy as np

    from qa import Assistant
    from store.dense import HNSW_EF_SEARCH

    assistant = Assistant.open(index, create=False)
    model, store = assistant.model, assistant.store
    ids, vectors = store.all_vectors()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    titles = [a["title"] for a in store.articles()[:queries]]  # on-topic queries for this corpus
    q = np.asarray(model.encode_query(questions[:queries] + titles), np.float32)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    started = time.perf_counter()
    hnsw = store.build_dense_index("hnsw")
    build_s = time.perf_counter() - started
    faiss.downcast_index(hnsw.index).hnsw.efSearch = HNSW_EF_SEARCH
    _, exact = flat.search(q, 10)
    _, approx = hnsw.search(q, 10)
    exact_ids = ids[exact]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact_ids)])
    return {"hnsw_recall@10": round(float(recall), 4), "hnsw_build_s": round(build_s, 2)}


PHASES = {
    "ingest": phase_ingest,
    "raw": phase_raw_model,
    "cold": phase_cold_start,
    "latency": phase_latency,
    "ann": phase_ann_recall,
}


def child(phase: str, *args) -> dict:
    """Run one phase in a fresh interpreter and return its JSON result."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    started = time.time()
    cmd = [sys.executable, str(Path(__file__)), "--phase", phase, "--started", str(started), *map(str, args)]
    out = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_corpus(name: str, limit: int | None, rounds: int, workdir: Path) -> dict:
    source = "builtin" if CORPORA[name] is None else CORPORA[name]
    if source != "builtin" and not Path(source).exists():
        print(f"{name}: {source} not found, skipped", file=sys.stderr)
        return {}
    if source != "builtin":
        source = _limited_copy(Path(source), limit, workdir)
    index = workdir / f"index-{name}"
    print(f"== {name}: ingesting {source}", file=sys.stderr)
    result = {"corpus": name, "limit": limit}
    result.update(child("ingest", index, source))
    result.update(child("raw", index, min(result["passages"], 600)))
    result["pipeline_to_raw_ratio"] = round(result["pipeline_passages_per_s"] / result["raw_model_passages_per_s"], 3)
    result.update(child("cold", index))
    result.update(child("latency", index, rounds))
    if result["passages"] >= 1000:
        result.update(child("ann", index, 184))
    print(json.dumps(result), file=sys.stderr)
    return result


COLUMNS = [
    ("corpus", "corpus"),
    ("articles", "articles"),
    ("passages", "passages"),
    ("ingest_s", "ingest s"),
    ("pipeline_passages_per_s", "pipeline p/s"),
    ("raw_model_passages_per_s", "model p/s"),
    ("pipeline_to_raw_ratio", "ratio"),
    ("ingest_peak_rss_mb", "ingest peak MB"),
    ("index_mb", "index MB"),
    ("cold_start_to_first_answer_s", "cold start s"),
    ("ask_p50_ms", "p50 ms"),
    ("ask_p95_ms", "p95 ms"),
    ("ask_p99_ms", "p99 ms"),
    ("serving_rss_mb", "serving MB"),
    ("hnsw_recall@10", "HNSW recall@10"),
]


def table(results: list[dict]) -> str:
    lines = ["| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        lines.append("| " + " | ".join(str(r.get(k, "–")) for k, _ in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["builtin", "dantri"], choices=list(CORPORA))
    parser.add_argument("--limit", type=int, default=None, help="at most this many articles of a large corpus")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question list when timing ask")
    parser.add_argument("--workdir", default=None, help="keep the indexes here (default: a temp folder)")
    parser.add_argument("--out", default="results/bench.json")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        fn = PHASES[args.phase]
        extra = [int(a) if a.isdigit() else a for a in args.args]
        result = fn(*extra, args.started) if args.phase == "cold" else fn(*extra)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = [r for r in (bench_corpus(c, args.limit, args.rounds, workdir) for c in args.corpus) if r]
    print(table(results))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": {"cores": os.cpu_count()}, "results": results}, indent=2))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
