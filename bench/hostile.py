"""Hostile-user benchmark (issue 26; run on demand, not a test). Everything on 127.0.0.1, bounded in
count and time.

    python bench/hostile.py latency     # other readers' latency: quiet, during an upload, during hostile requests
    python bench/hostile.py robustness  # hostile inputs to /chat, bad ingests and kill -9s: crashes, hangs, lost
    python bench/hostile.py all --out results/hostile.json

latency: the real server (with an operator token) over the built-in articles; `--readers` reader
threads ask the eval's questions through gradio_client with `--think` seconds between questions.
`--rounds` times in turn, windows of `--window` seconds: "quiet"; "hostile: 6.5 MB request", one
client sending the issue's 6.5 MB /chat request back to back; "hostile: largest accepted request",
the same with the largest request the limits let through (a 2,000-character question and 200
history entries of 2,000 characters, k=20). Then "upload": the operator uploads a `--upload-mb` MB
file of real dantri text through the page's worker, until it is indexed; then "quiet after".

robustness: `--inputs` random hostile /chat requests sent as raw JSON (lone surrogates, wrong types,
huge values, deep nesting), each classified as answered, refused (a one-line message) or crashed
(an internal error, a 5xx, a traceback in the server log), a hang being no reply in 30 s; then
`--ingests` ingests of a JSON Lines file mixing new articles with bad lines, each run twice, and 3
kill -9s in the middle of an ingest, each resumed: every article must end up in the index once.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
TOKEN = "bench-operator-token"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python app.py --admin-token …` on a free port of 127.0.0.1, stopped by its pid."""

    def __init__(self, index: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        env = _env()
        env["NEWSQA_INDEX"] = str(index)
        command = [sys.executable, "app.py", "--admin-token", TOKEN, "--port", str(self.port)]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def tracebacks(self) -> int:
        """Tracebacks in the server's log that end in anything but a `gr.Error` (Gradio prints one
        for each refusal too: the one-line message a reader got, and its cause)."""
        finals, chained = [], False
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("The above exception was the direct cause"):
                chained = True
            elif line and not line[0].isspace() and not line.startswith("Traceback") and ":" in line:
                if chained and finals:
                    finals[-1] = line
                elif line.split(":", 1)[0].replace(".", "").replace("_", "").isalnum():
                    finals.append(line)
                chained = False
        return sum(not f.startswith("gradio.exceptions.Error") for f in finals if "Error" in f or "Exception" in f)


@functools.cache
def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
    return [r["question"] for r in rows if not r.get("history")]


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ms = np.array(values) * 1000
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


# ----------------------------------------------------------------------------------- latency
def _upload_file(folder: Path, megabytes: float) -> Path:
    """About `megabytes` MB of real dantri articles as one plain-text file (paragraphs kept)."""
    import gzip

    path = folder / "upload.txt"
    size, parts = 0, []
    with gzip.open(SHARED / "corpora" / "dantri-2019-2021.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            parts.append(f"{row['title']}\n\n{row['text']}")
            size += len(parts[-1].encode())
            if size >= megabytes * 2**20:
                break
    path.write_text("\n\n".join(parts), encoding="utf-8")
    return path


def latency(args, work: Path) -> dict:
    from gradio_client import Client, handle_file

    server = Server(work / "index", work / "server.log")
    try:
        questions = _questions()
        phase = {"name": "warm-up"}
        samples: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        stop = threading.Event()

        def reader(n: int) -> None:
            client = Client(server.url, verbose=False)
            rng = random.Random(n)
            while not stop.is_set():
                name = phase["name"]
                started = time.perf_counter()
                try:
                    client.predict(question=rng.choice(questions), history=[], k=3, api_name="/chat")
                    samples.setdefault(name, []).append(time.perf_counter() - started)
                except Exception:  # a reader's failure is counted, not raised
                    errors[name] = errors.get(name, 0) + 1
                time.sleep(args.think)

        big = {"question": "Ông ấy nói gì?", "history": ["Ai đã tiếp ngài Gunnar Wiegand? " * 203_125]}
        largest = {
            "question": ("Bộ trưởng Tô Lâm đã tiếp ai và đề nghị EU điều gì về hợp tác an ninh mạng? " * 30)[:2000],
            "history": [("Ai đã tiếp ngài Gunnar Wiegand và Đại sứ Hà Lan ở Hà Nội? " * 40)[:2000]] * 200,
        }
        attacks = {"hostile: 6.5 MB request": big, "hostile: largest accepted request": largest}
        hostile = {name: [] for name in attacks}
        outcomes: dict[str, set] = {name: set() for name in attacks}

        def attacker() -> None:
            client = Client(server.url, verbose=False)
            while not stop.is_set():
                name = phase["name"]
                if name not in attacks:
                    time.sleep(0.05)
                    continue
                t = time.perf_counter()
                try:
                    client.predict(**attacks[name], k=20, api_name="/chat")
                    outcomes[name].add("answered")
                except Exception as exc:  # what the attacker got back
                    outcomes[name].add(str(exc)[:80])
                hostile[name].append(time.perf_counter() - t)

        threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(args.readers)]
        threads.append(threading.Thread(target=attacker, daemon=True))
        for t in threads:
            t.start()
        time.sleep(10)
        # windows interleaved, so a change in the machine's other load falls on every phase alike
        for _ in range(args.rounds):
            for name in ("quiet", *attacks):
                phase["name"] = name
                time.sleep(args.window)

        upload = _upload_file(work, args.upload_mb)
        operator = Client(server.url, verbose=False)
        phase["name"] = "upload"
        started = time.perf_counter()
        job = operator.predict([handle_file(str(upload))], TOKEN, api_name="/add_articles")["job"]
        status = {"state": "queued"}
        while status["state"] not in ("done", "failed") and time.perf_counter() - started < args.upload_timeout:
            time.sleep(1)
            status = operator.predict(job, api_name="/upload_status")
        upload_seconds = time.perf_counter() - started
        phase["name"] = "quiet after"
        time.sleep(args.window)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        names = ("quiet", "upload", *attacks, "quiet after")
        result = {
            "readers": args.readers,
            "think_s": args.think,
            "phases": {name: {**_percentiles(samples.get(name, [])), "errors": errors.get(name, 0)} for name in names},
            "upload": {"megabytes": args.upload_mb, "seconds": round(upload_seconds, 1), "status": status},
            "hostile_requests": {
                name: {**_percentiles(v), "outcomes": sorted(outcomes[name])} for name, v in hostile.items()
            },
            "server_tracebacks": server.tracebacks(),
        }
        quiet = result["phases"]["quiet"]["p95_ms"]
        for name in names[1:]:
            result["phases"][name]["p95_vs_quiet"] = round(result["phases"][name]["p95_ms"] / quiet, 2)
        return result
    finally:
        server.stop()


# -------------------------------------------------------------------------------- robustness
SURROGATES = ["\udc00", "\ud800", "\udfff", "a\udcffb"]


def _hostile_value(rng: random.Random, depth: int = 0):
    choice = rng.randrange(14)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False, 0, -1, 7, 10**12, 1.5, float("inf")])
    if choice == 2:
        return rng.choice(SURROGATES) + "Luật An ninh mạng?"
    if choice == 3:
        return "x" * rng.choice([1999, 2001, 100_000, 2_000_000])
    if choice == 4 and depth < 3:
        return [_hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if choice == 5 and depth < 3:
        return {"role": _hostile_value(rng, depth + 1), "content": _hostile_value(rng, depth + 1)}
    if choice == 6:
        return "[/red] <script>alert(1)</script> \x00 \u202e" + rng.choice(["Ai?", ""])
    if choice == 7:
        return "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randrange(1, 40)))
    if choice == 8:
        return [[[[[["deep"]]]]]]
    return rng.choice(_questions())


def _call(url: str, data: list, timeout: float = 30) -> tuple[str, str, float]:
    """One /chat call through Gradio's REST route, the JSON written by hand (a lone surrogate goes
    as its \\u escape, as a hostile client sends it). Returns (outcome, detail, seconds)."""
    started = time.perf_counter()
    body = json.dumps({"data": data}, ensure_ascii=True, allow_nan=True).encode()
    try:
        request = urllib.request.Request(
            url + "gradio_api/call/chat", data=body, headers={"Content-Type": "application/json"}
        )
        event = json.loads(urllib.request.urlopen(request, timeout=timeout).read())["event_id"]
        stream = urllib.request.urlopen(f"{url}gradio_api/call/chat/{event}", timeout=timeout).read().decode()
    except urllib.error.HTTPError as exc:
        kind = "crashed" if exc.code >= 500 else "refused"
        return kind, f"HTTP {exc.code}", time.perf_counter() - started
    except TimeoutError:
        return "hung", "no reply in 30 s", time.perf_counter() - started
    seconds = time.perf_counter() - started
    if "event: complete" in stream:
        return "answered", "", seconds
    detail = stream.split("data:", 1)[-1].strip()[:200]
    if "internal error" in detail or detail in ("null", ""):
        return "crashed", detail, seconds
    return "refused", detail, seconds


def robustness(args, work: Path) -> dict:
    from qa import Assistant

    rng = random.Random(26)
    server = Server(work / "index", work / "server.log")
    outcomes: dict[str, int] = {}
    details: dict[str, set] = {}
    slowest = 0.0
    try:
        for _ in range(args.inputs):
            # half the requests hostile in one part only, so the hostile part reaches the search
            history = _hostile_value(rng) if rng.random() < 0.5 else rng.choice([[], None, [rng.choice(_questions())]])
            k = rng.choice([3, 0, 21, "3", None, 2.0, True]) if rng.random() < 0.3 else rng.randint(1, 20)
            data = [_hostile_value(rng), history, k]
            outcome, detail, seconds = _call(server.url, data)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            details.setdefault(outcome, set()).add(detail[:60])
            slowest = max(slowest, seconds)
        tracebacks = server.tracebacks()
    finally:
        server.stop()

    # bad ingests: every good article once, every bad line reported, each file run twice
    bad_lines = [
        '{"id": "u", "text": "Văn bản.", "url": {"href": 1}}',
        '{"id": "t", "text": ["Văn", "bản"]}',
        '{"id": "s", "text": "V\\udc00n"}',
        "[" * 50_000 + "]" * 50_000,
        "{oops",
        '{"id": "d", "text": {"a": 1}, "title": [1]}',
    ]
    assistant = Assistant.open(work / "ingest-index")
    expected, reported, runs = set(), 0, 0
    for run in range(args.ingests):
        lines = []
        for i in range(5):
            key = f"bai-{run}-{i}"
            expected.add(key)
            text = f"Ngày {i + 1}/6/2025, công trình số {run * 5 + i} ở Đà Nẵng được khởi công."
            row = {"id": key, "title": f"Công trình {run}-{i}", "text": text}
            lines.append(json.dumps(row, ensure_ascii=False).encode())
            lines.append(rng.choice(bad_lines).encode())
        lines.append(b'{"id": "b", "text": "\xff\xfe not UTF-8"}')
        feed = work / f"bad-{run}.jsonl"
        feed.write_bytes(b"\n".join(lines))
        for _ in range(2):
            report = assistant.add([feed], progress=False)
            reported += len(report.failed)
            runs += 1
    killed = _kill_and_resume(work, assistant, expected, rng)
    with sqlite3.connect(work / "ingest-index" / "index.sqlite") as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
        twice = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM passages GROUP BY article_id, text HAVING COUNT(*) > 1)"
        ).fetchone()[0]
    assistant.close()
    lost = sorted(expected - set(ids))
    return {
        "chat_inputs": args.inputs,
        "chat_outcomes": outcomes,
        "chat_refusals_sample": sorted(details.get("refused", set()))[:12],
        "chat_crash_details": sorted(details.get("crashed", set())),
        "slowest_reply_s": round(slowest, 2),
        "server_tracebacks": tracebacks,
        "ingest_runs": runs,
        "bad_lines_reported": reported,
        "kill_9s": killed,
        "articles_expected": len(expected),
        "articles_lost": len(lost),
        "articles_twice": len(ids) - len(set(ids)) + twice,
    }


KILLER = """
import sys
from qa import Assistant
a = Assistant.open(sys.argv[1])
print("ready", flush=True)
a.add([sys.argv[2]], progress=False)
print("finished", flush=True)
"""


def _kill_and_resume(work: Path, assistant, expected: set, rng: random.Random) -> int:
    """Three ingests killed with SIGKILL mid-way (the index held open here too), each resumed."""
    for n in range(3):
        rows = []
        for i in range(40):
            key = f"kill-{n}-{i}"
            expected.add(key)
            text = f"Sáng {i % 27 + 1}/7/2025, nhà máy số {n * 40 + i} ở Cần Thơ đi vào hoạt động. " * 8
            rows.append(json.dumps({"id": key, "title": f"Nhà máy {n}-{i}", "text": text}, ensure_ascii=False))
        feed = work / f"kill-{n}.jsonl"
        feed.write_text("\n".join(rows), encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(work / "ingest-index"), str(feed)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(2, 6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assistant.add([feed], progress=False)
    return 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["latency", "robustness", "all"])
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.5, help="seconds a reader waits between questions")
    parser.add_argument("--window", type=float, default=15, help="seconds of each quiet or hostile window")
    parser.add_argument("--rounds", type=int, default=3, help="quiet, 6.5 MB, largest-request windows, in turn")
    parser.add_argument("--upload-mb", type=float, default=1.0)
    parser.add_argument("--upload-timeout", type=float, default=900)
    parser.add_argument("--inputs", type=int, default=1000, help="hostile /chat requests")
    parser.add_argument("--ingests", type=int, default=31, help="bad-line files, each ingested twice")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        work = Path(tmp)
        if args.what in ("latency", "all"):
            (work / "latency").mkdir()
            results["latency"] = latency(args, work / "latency")
            print(json.dumps(results["latency"], ensure_ascii=False, indent=1), flush=True)
        if args.what in ("robustness", "all"):
            (work / "robustness").mkdir()
            results["robustness"] = robustness(args, work / "robustness")
            print(json.dumps(results["robustness"], ensure_ascii=False, indent=1), flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
