"""Compare the two embedding backends on the same passages: throughput, query latency, memory.

python bench/backends.py [--passages 300]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DANTRI = ROOT.parent / "shared" / "corpora" / "dantri-2019-2021.jsonl.gz"


def passages(n: int) -> list[str]:
    """`n` real news passages as the pipeline makes them (title line + about 200 tokens)."""
    from qa.assistant import shared_model
    from qa.ingest import make_article
    from qa.passages import PassageSplitter, embedding_text

    splitter = PassageSplitter.for_model(shared_model())
    out: list[str] = []
    with gzip.open(DANTRI, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            article = make_article(row["id"], row["text"], "bench", row["title"])
            out.extend(embedding_text(article.title, p)[0] for p in splitter.split(article))
            if len(out) >= n:
                return out[:n]
    return out


def measure(backend: str, n: int) -> dict:
    import numpy as np
    import psutil

    from embeddings import load_model

    texts = passages(n)
    started = time.perf_counter()
    model = load_model(backend)
    load_s = time.perf_counter() - started
    model.encode_document(texts[:8])
    started = time.perf_counter()
    model.encode_document(texts, batch_size=32)
    throughput = len(texts) / (time.perf_counter() - started)
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
    times = []
    for q in questions[:100]:
        t = time.perf_counter()
        model.encode_query([q])
        times.append((time.perf_counter() - t) * 1000)
    return {
        "backend": backend,
        "load_s": round(load_s, 2),
        "passages_per_s": round(throughput, 2),
        "query_p50_ms": round(float(np.percentile(times, 50)), 1),
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(measure(args.backend, args.passages)))
        return 0
    print("| backend | load s | passages/s | query p50 ms | RSS MB |\n|---|---|---|---|---|")
    for backend in ("onnx-int8", "torch"):
        out = subprocess.run(
            [sys.executable, __file__, "--backend", backend, "--passages", str(args.passages)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {r['backend']} | {r['load_s']} | {r['passages_per_s']} | {r['query_p50_ms']} | {r['rss_mb']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
