"""The command line, run as a user runs it: a subprocess."""

import json
import subprocess
import sys

from conftest import BUILTIN, ROOT, subprocess_env


def run(*args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        cwd=ROOT,
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_ask_json_on_the_builtin_corpus(model_dir, tmp_path):
    env = subprocess_env()
    env["NEWSQA_INDEX"] = str(tmp_path / "default-index")  # a fresh "user cache" for the built-in corpus
    result = run("ask", "Luật An ninh mạng có hiệu lực từ ngày nào?", "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    top = answer["quotes"][0]
    assert top["article_id"] == BUILTIN["workshop"] and "1/1/2019" in top["text"]
    assert answer["abstained"] is False


def test_ingest_stats_remove_and_errors(model_dir, tmp_path):
    index = str(tmp_path / "idx")
    article = tmp_path / "bai.txt"
    article.write_text(
        "Hà Nội mở tuyến buýt điện\n\nSáng 2/3/2024, Hà Nội khai trương tuyến buýt điện số 1.", encoding="utf-8"
    )
    (tmp_path / "broken.jsonl").write_text("{oops\n", encoding="utf-8")
    result = run(
        "ingest", str(article), str(tmp_path / "broken.jsonl"), "--index", index, "--quiet", "--index-kind", "hnsw"
    )
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "malformed" in result.stderr

    stats = json.loads(run("stats", "--index", index, "--json").stdout)
    assert stats["articles"] == 1 and stats["passages"] >= 1
    assert stats["dense_index"] == "IndexHNSWFlat"  # chosen at ingest, kept on disk

    asked = run("ask", "Tuyến buýt điện khai trương khi nào?", "--index", index)
    assert asked.returncode == 0 and "2/3/2024" in asked.stdout

    assert run("remove", "bai", "--index", index).returncode == 0
    missing = run("remove", "bai", "--index", index)
    assert missing.returncode == 1 and "no article" in missing.stderr

    empty = run("ask", "Câu hỏi?", "--index", index)
    assert empty.returncode == 2 and "no article" in empty.stderr and "Traceback" not in empty.stderr
    nowhere = run("ask", "Câu hỏi?", "--index", str(tmp_path / "nowhere"))
    assert nowhere.returncode == 2 and "no index" in nowhere.stderr and "Traceback" not in nowhere.stderr
