"""Readers while the index changes: 20 clients ask through the real chat server (127.0.0.1) while
the operator uploads articles through the page's worker and another process ingests into the same
index with the CLI. Every question is answered, each with its own answer, and afterwards every
article is in the index exactly once and answerable."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import ROOT, free_port, running_server, subprocess_env
from test_hostile import _copy_db

pytestmark = pytest.mark.slow
TOKEN = "operator-token-for-tests"
CLIENTS = 20
# what each reader asks, and what its top quote must hold: a mixed-up answer would show
ASKED = {
    "Luật An ninh mạng có hiệu lực từ ngày nào?": "1/1/2019",
    "Bộ trưởng Tô Lâm đã tiếp ai?": "Gunnar Wiegand",
    "ESIWA là gì?": "ESIWA",
}


def _feed(path, kind: str, n: int):
    text = "Ngày {day}/5/2025, {kind} số {i} ở Quy Nhơn khánh thành."
    rows = [
        {"id": f"{kind}-{i}", "title": f"{kind} {i}", "text": text.format(day=i + 1, kind=kind, i=i)} for i in range(n)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_twenty_readers_while_an_upload_and_an_ingest_run(model_dir, builtin, tmp_path):
    from gradio_client import Client, handle_file

    index = _copy_db(builtin, tmp_path / "index")
    upload = _feed(tmp_path / "upload.jsonl", "bến cảng", 10)
    ingest = _feed(tmp_path / "ingest.jsonl", "trạm điện", 10)
    command = [sys.executable, "app.py", "--index", str(index), "--admin-token", TOKEN, "--port", str(free_port())]
    with running_server(command, subprocess_env(), tmp_path / "server.log") as url:
        assert url.startswith("http://127.0.0.1:")
        clients = [Client(url, verbose=False) for _ in range(CLIENTS)]
        latencies, errors, mixed = [], [], []
        writing = threading.Event()
        writing.set()

        def read(client, n: int) -> None:
            questions = list(ASKED)
            while writing.is_set():
                question = questions[n % len(questions)]
                n += 1
                started = time.perf_counter()
                try:
                    answer = client.predict(question=question, history=[], k=3, api_name="/chat")
                except Exception as exc:  # the test counts every failure a reader sees
                    errors.append(repr(exc))
                    continue
                latencies.append(time.perf_counter() - started)
                if answer["question"] != question or ASKED[question] not in answer["quotes"][0]["text"]:
                    mixed.append((question, answer["question"], answer["quotes"][0]["text"][:80]))
                time.sleep(0.5)

        readers = [threading.Thread(target=read, args=(c, i)) for i, c in enumerate(clients)]
        for r in readers:
            r.start()
        time.sleep(3)
        cli = subprocess.Popen(
            [sys.executable, "-m", "qa", "ingest", str(ingest), "--index", str(index), "--quiet"],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        job = clients[0].predict([handle_file(str(upload))], TOKEN, api_name="/add_articles")["job"]
        deadline = time.time() + 150
        status = {"state": "queued"}
        while time.time() < deadline and (status["state"] not in ("done", "failed") or cli.poll() is None):
            time.sleep(1)
            status = Client(url, verbose=False).predict(job, api_name="/upload_status")
        time.sleep(3)  # readers go on a little after both ended
        writing.clear()
        for r in readers:
            r.join(timeout=60)
        out, err = cli.communicate(timeout=60)

        assert status["state"] == "done" and len(status["report"]["added"]) == 10, status
        assert cli.returncode == 0 and "10 added" in out, err
        assert not errors, errors[:3]
        assert not mixed, mixed[:3]
        assert len(latencies) >= 100, len(latencies)
        p95 = float(np.percentile(latencies, 95))
        print(f"{len(latencies)} answers, p50 {np.percentile(latencies, 50):.3f} s, p95 {p95:.3f} s")
        assert p95 < 10, p95

        # every article exactly once, and the server answers from both new batches
        with sqlite3.connect(index / "index.sqlite") as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
            hashes = conn.execute("SELECT COUNT(DISTINCT content_hash) FROM articles").fetchone()[0]
        assert len(ids) == len(set(ids)) == hashes == 2 + 10 + 10
        time.sleep(3)  # the server publishes what another process committed within a few seconds
        for kind, number, day in (("bến cảng", 7, 8), ("trạm điện", 9, 10)):
            answer = clients[1].predict(
                question=f"{kind} số {number} ở Quy Nhơn khánh thành ngày nào?", history=[], k=3, api_name="/chat"
            )
            assert f"{day}/5/2025" in answer["quotes"][0]["text"], answer
