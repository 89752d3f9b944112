"""Issue 26, a test per defect: what a hostile user tried through the API, the CLI and the page,
run against the real model, real indexes on disk and real servers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, free_port, running_server, subprocess_env

from qa import Assistant, BadQuestion, IndexCorrupt, QAError
from qa.conversation import Turn, rewrite
from qa.errors import BadArgument, BadHistory
from qa.limits import MAX_ARTICLE_CHARS, MAX_HISTORY_ENTRIES, MAX_TITLE_CHARS
from qa.readers import Meter, read_paths
from store.derived import remove_leftovers

QUESTION = "Luật An ninh mạng có hiệu lực từ ngày nào?"


def _fact(i: int) -> str:
    """A short article with a fact of its own, so an answer shows which article it came from."""
    return f"Cầu vượt sông số {i} thông xe\n\nNgày {i % 27 + 1}/3/2025, cầu vượt sông số {i} ở tỉnh Bình Định thông xe."


def _rows(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"cau-{i}", "text": _fact(i).split("\n\n", 1)[1], "title": f"Cầu số {i}"} for i in range(start, n)]


def _jsonl(path: Path, rows) -> Path:
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def _copy_db(source: Assistant, folder: Path) -> Path:
    """A private, self-contained copy of an index's database (what its write-ahead log holds
    included: the shared index is open); the search structures are rebuilt from it on open."""
    import sqlite3

    folder.mkdir(parents=True)
    with sqlite3.connect(source.store.folder / "index.sqlite") as src, sqlite3.connect(folder / "index.sqlite") as dst:
        src.backup(dst)
    return folder


def _copy_index(source: Assistant, folder: Path) -> Assistant:
    """A private copy of a built index (a test that writes must not change the shared one)."""
    return Assistant.open(_copy_db(source, folder))


# ---------------------------------------------------------------- 1. one request froze everyone
def test_an_overlong_history_entry_is_refused_at_once(builtin):
    for size in (100_000, 6_500_000):
        started = time.perf_counter()
        with pytest.raises(BadHistory, match="characters long; at most 2,000"):
            builtin.ask("Ông ấy nói gì?", history=["Ai đã tiếp ngài Gunnar Wiegand? " * (size // 32)])
        assert time.perf_counter() - started < 1.0  # was 7.8 s for 100 KB and over 90 s for 5 MB
    with pytest.raises(BadHistory, match=f"at most the last {MAX_HISTORY_ENTRIES}"):
        builtin.ask(QUESTION, history=["Ai?"] * (MAX_HISTORY_ENTRIES + 1))


def test_follow_up_rewriting_stays_fast_however_many_names_a_question_holds():
    names = " ".join(f"Nguyễn Văn A{i} và Nguyễn Văn A{i}" for i in range(4000))
    started = time.perf_counter()
    for size in (2_000, 100_000):
        text = names[:size]
        assert rewrite("Bà ấy nói gì?", Turn(text, text), text)
    assert time.perf_counter() - started < 3.0  # 100 KB took 1.5 s before, a 2,000-character one 3 ms


def test_questions_are_answered_while_an_ingest_runs(builtin, tmp_path):
    """An ingest holds no lock questions need: they are answered from the index as it was, each in
    well under a second, while it embeds and commits batch after batch."""
    assistant = _copy_index(builtin, tmp_path / "index")
    feed = _jsonl(tmp_path / "feed.jsonl", _rows(120))
    adding = threading.Thread(target=assistant.add, args=([feed],), kwargs={"progress": False})
    adding.start()
    answered_during, slowest = 0, 0.0
    while adding.is_alive():
        started = time.perf_counter()
        answer = assistant.ask(QUESTION)
        slowest = max(slowest, time.perf_counter() - started)
        assert "1/1/2019" in answer.quotes[0].text
        answered_during += adding.is_alive()
    adding.join()
    assert answered_during >= 5, answered_during
    assert slowest < 5.0, slowest  # before: every question waited for the whole ingest
    answer = assistant.ask("Cầu vượt sông số 77 ở tỉnh Bình Định thông xe ngày nào?")
    assert answer.quotes[0].article_id == "cau-77"
    assert assistant.store.count_articles() == 122
    assistant.close()


# ----------------------------------------------------------- 2. one bad line stopped the ingest
BAD_LINES = {
    "url is an object": {"id": "u1", "text": "Văn bản.", "url": {"href": "x"}},
    "url is a list": {"id": "u2", "text": "Văn bản.", "url": ["x"]},
    "text is a list": {"id": "t1", "text": ["Văn", "bản"]},
    "text is a dict": {"id": "t2", "text": {"a": 1}},
    "lone surrogate": '{"id": "s1", "text": "V\\udc00\\u0103n b\\u1ea3n."}\n',
    "nested too deep": "[" * 100_000 + "]" * 100_000 + "\n",
    "not JSON": "{oops\n",
    "not UTF-8": b'{"id": "b1", "text": "\xff\xfe"}\n'.decode("latin-1"),
}


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_goes_in(fresh, tmp_path):
    lines = []
    for i, row in enumerate(_rows(12)):
        lines.append(row)
        if i < len(BAD_LINES):
            lines.append(list(BAD_LINES.values())[i])
    lead = "Sáng 5/3/2025, tỉnh Bình Định khánh thành cầu vượt sông thứ mười hai. " * 40  # a lead, no headline
    lines.append({"id": "long-title", "title": lead, "text": "Cầu dài 3 km."})
    feed = tmp_path / "feed.jsonl"
    with feed.open("wb") as f:
        for r in lines:
            if isinstance(r, dict):
                f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())
            elif r is BAD_LINES["not UTF-8"]:
                f.write(r.encode("latin-1"))
            else:
                f.write(r.encode())
    report = fresh.add([feed], progress=False)
    assert sorted(report.added)[:3] == ["cau-0", "cau-1", "cau-10"] and len(report.added) == 12 + 1
    where = {source.rsplit(":", 1)[1]: reason for source, reason in report.failed}
    assert len(report.failed) == len(BAD_LINES), report.failed
    assert all(source.startswith(f"{feed}:") for source, _ in report.failed)
    reasons = " | ".join(where.values())
    for expected in ("'url' must be a string, not dict", "'url' must be a string, not list"):
        assert expected in reasons
    assert "'text' must be a string, not list" in reasons and "'text' must be a string, not dict" in reasons
    assert "U+DC00" in reasons and "nested too deeply" in reasons and "not UTF-8" in reasons
    long_title = fresh.store.article("long-title")
    assert len(long_title.title) <= MAX_TITLE_CHARS and long_title.title.startswith("Sáng 5/3/2025")
    assert long_title.text.startswith("Sáng 5/3/2025") and "Cầu dài 3 km." in long_title.text  # kept as text
    # the re-run goes past every bad line again, and adds nothing twice
    again = fresh.add([feed], progress=False)
    assert not again.added and len(again.duplicates) == 13 and len(again.failed) == len(BAD_LINES)
    assert fresh.store.count_articles() == 13


def test_a_megabytes_long_title_is_kept_as_text_and_the_title_bounded(tmp_path):
    lead = "Sáng 5/3/2025, tỉnh Bình Định khánh thành cầu vượt sông thứ mười hai. " * 90_000  # 6.4 MB
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "long", "title": lead, "text": "Cầu dài 3 km."}])
    parts = [article for _, article in read_paths([feed])]
    assert all(not isinstance(a, str) for a in parts), parts[:1]
    assert len(parts) == -(-len(lead) // MAX_ARTICLE_CHARS) and parts[1].id == "long~2"
    assert {len(a.title) for a in parts} == {len(parts[0].title)} and len(parts[0].title) <= MAX_TITLE_CHARS
    assert sum(len(a.text) for a in parts) >= len(lead) - len(parts) and parts[-1].text.endswith("Cầu dài 3 km.")


def test_an_overlong_line_is_skipped_and_the_next_line_read(tmp_path, monkeypatch):
    monkeypatch.setattr("qa.readers.MAX_LINE_BYTES", 1000)
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "big", "text": "x " * 5000}, *_rows(2)])
    results = list(read_paths([feed]))
    assert results[0] == (f"{feed}:1", "line over 0 MiB: too long for one article")
    assert [a.id for _, a in results[1:]] == ["cau-0", "cau-1"]


# --------------------------------------------------- 3. a big file: no memory bound, a fake bar
def test_a_big_single_line_text_is_read_in_bounded_parts(tmp_path):
    sentence = "Tỉnh Bình Định khánh thành cầu vượt sông dài ba cây số vào sáng nay. "
    big = tmp_path / "one-line.txt"
    big.write_text(sentence * (12 * 2**20 // len(sentence.encode())), encoding="utf-8")  # 12 MB, one line
    meter = Meter(total=big.stat().st_size)
    seen, titles, parts = [], set(), 0
    tracemalloc.start()
    for _, article in read_paths([big], meter):
        assert not isinstance(article, str), article
        assert len(article.text) <= MAX_ARTICLE_CHARS
        titles.add(article.title)
        parts += 1
        seen.append(meter.done)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert parts >= 45 and peak < 30 * 2**20, (parts, peak)  # never the whole text (10 M characters, 20 MB)
    assert len(titles) == 1  # every part carries the text's title
    assert seen == sorted(seen) and seen[0] < big.stat().st_size // 20  # the meter moves with the parts
    assert meter.done == big.stat().st_size


def test_the_progress_counts_bytes_committed(fresh, tmp_path, monkeypatch):
    monkeypatch.setattr("qa.ingest.MAX_ARTICLE_CHARS", 12_000)  # three parts of ~20 passages, not ~300
    big = tmp_path / "one-line.txt"
    sentences = (f"Tỉnh Bình Định khánh thành cây cầu số {i} dài {i % 9 + 1} cây số. " for i in range(10**6))
    text = ""
    while len(text) < 2.5 * 12_000:
        text += next(sentences)
    big.write_text(text, encoding="utf-8")  # one line, three parts
    seen = []
    monkeypatch.setattr("qa.indexer.BATCH_PASSAGES", 10)  # a commit a part
    report = fresh.add([big], progress=False, on_progress=seen.append)
    assert len(report.added) == 3 and report.added[1] == "one-line~2"
    shares = [p.share for p in seen]
    assert shares == sorted(shares) and shares[-1] == 1.0
    # while the first part was embedded the bar stood at 0, not at "100% 1/1"
    assert seen[0].bytes_done == 0 and any(0 < s < 1 for s in shares)
    assert [p.articles for p in seen if 0 < p.share < 1][0] >= 1


# ------------------------------------------------------- 5. tracebacks where one line is promised
@pytest.mark.parametrize(
    ("question", "history", "k", "error", "message"),
    [
        ("Luật \udc00 có hiệu lực?", None, 3, BadQuestion, "U+DC00"),
        (None, None, 3, BadQuestion, "empty"),
        (42, None, 3, BadQuestion, "must be text, not int"),
        (QUESTION, [{"role": "user", "content": 5}], 3, BadHistory, "content of type int"),
        (QUESTION, [7], 3, BadHistory, "entry 1 is int"),
        (QUESTION, 7, 3, BadHistory, "not int"),
        (QUESTION, "Ai đã tiếp ngài Gunnar Wiegand?", 3, BadHistory, "put it in a list"),
        (QUESTION, ["Ai \udcff?"], 3, BadHistory, "U+DCFF"),
        (QUESTION, None, 0, BadArgument, "greater than 0"),
        (QUESTION, None, 10**9, BadArgument, "at most 20"),
        (QUESTION, None, "3", BadArgument, "not str"),
        (QUESTION, None, True, BadArgument, "not bool"),
    ],
)
def test_bad_input_is_a_one_line_error(builtin, question, history, k, error, message):
    with pytest.raises(error, match=re.escape(message)) as caught:
        builtin.ask(question, history=history, k=k)
    assert "\n" not in str(caught.value) and isinstance(caught.value, QAError)


def test_a_message_without_text_is_no_question(builtin):
    answer = builtin.ask(QUESTION, history=[{"role": "user", "content": None}, {"role": "user", "content": {}}])
    assert "1/1/2019" in answer.quotes[0].text and not answer.rewritten


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=ROOT, env=env or subprocess_env(), capture_output=True, timeout=300
    )


def test_cli_prints_markup_in_titles_and_folders_as_text(model_dir, tmp_path):
    folder = tmp_path / "index [/]"
    article = tmp_path / "markup.txt"
    article.write_text(
        "Tiêu đề [/red] [bold]đậm\n\nNội dung bài báo về [link=x]cầu[/link] mới. Cầu mới khánh thành ngày 2/9/2025.",
        encoding="utf-8",
    )
    ingest = run_cli("ingest", str(article), "--index", str(folder), "--quiet")
    assert ingest.returncode == 0, ingest.stderr.decode()
    assert "index [/]" in ingest.stdout.decode()
    listed = run_cli("articles", "--index", str(folder))
    assert listed.returncode == 0 and "[/red] [bold]đậm" in listed.stdout.decode(), listed.stderr.decode()
    stats = run_cli("stats", "--index", str(folder))
    assert stats.returncode == 0 and "index [/]" in stats.stdout.decode()
    # the short answer is printed above the quote, as text
    asked = run_cli("ask", "Cầu mới khánh thành ngày nào?", "--index", str(folder))
    out = asked.stdout.decode()
    assert asked.returncode == 0 and "ngày 2/9/2025" in out.split("[1]")[0], out
    # a question in invalid UTF-8 (argv decodes it to lone surrogates) is refused in one line
    bad = run_cli("ask", os.fsdecode(b"c\xe2u \xff?"), "--index", str(folder))
    stderr = bad.stderr.decode()
    assert bad.returncode == 2 and stderr.startswith("error: the question holds U+DC") and stderr.count("\n") == 1


def _damage(folder: Path) -> None:
    """Overwrite the articles table's first page (a real page of a real index) with garbage."""
    import sqlite3

    db = folder / "index.sqlite"
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='articles'").fetchone()[0]
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(os.urandom(page_size))


def test_a_damaged_page_is_found_by_every_command(builtin, tmp_path):
    folder = _copy_db(builtin, tmp_path / "index")
    _damage(folder)
    with pytest.raises(IndexCorrupt, match="delete the folder and ingest the articles again"):
        Assistant.open(folder)
    note = tmp_path / "note.txt"
    note.write_text("Tin\n\nMột tin ngắn.", encoding="utf-8")
    for command in (["stats"], ["articles"], ["ask", QUESTION], ["ingest", str(note)], ["remove", "x"]):
        done = run_cli(*command, "--index", str(folder))
        stderr = done.stderr.decode()
        assert done.returncode == 2 and "malformed" in stderr and "Traceback" not in stderr, (command, stderr)
        assert stderr.count("\n") == 1


def test_a_page_damaged_while_open_is_reported_not_answered_around(builtin, tmp_path):
    assistant = _copy_index(builtin, tmp_path / "index")
    _damage(tmp_path / "index")
    with pytest.raises(IndexCorrupt, match="is damaged"):  # a page read from disk now, not from a cache
        assistant.articles()


# ---------------------------------------------------- leftovers of a killed write are removed
def test_tmp_files_a_killed_write_left_are_removed_on_open(builtin, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(builtin.store.folder, folder)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    (folder / f"vectors-1.faiss.{pid}.ab12cd.tmp").write_bytes(b"half a FAISS file")
    (folder / f"bm25-1.{pid}.ef34gh.tmp").mkdir()
    (folder / f"bm25-1.{pid}.ef34gh.tmp" / "vocab.json").write_text("{")
    (folder / "old-style.faiss.xyz.tmp").write_bytes(b"from before pids")
    alive = folder / f"vectors-1.faiss.{os.getpid()}.zz99.tmp"  # a write in progress in a live process
    alive.write_bytes(b"being written")
    reopened = Assistant.open(folder)
    assert sorted(p.name for p in folder.glob("*.tmp")) == [alive.name]
    assert "1/1/2019" in reopened.ask(QUESTION).quotes[0].text
    reopened.close()
    alive.unlink()
    assert remove_leftovers(folder) == []


# ---------------------------------------------------------- 6. who may change the index
@pytest.mark.slow
def test_the_page_is_read_only_without_the_operator_token(model_dir, builtin, tmp_path):
    from gradio_client import Client

    index = tmp_path / "index"
    shutil.copytree(builtin.store.folder, index, ignore=shutil.ignore_patterns("*.tmp"))
    command = [sys.executable, "app.py", "--index", str(index), "--port", str(free_port())]
    with running_server(command, subprocess_env(), tmp_path / "server.log") as url:
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        config = json.loads(urllib.request.urlopen(url + "config", timeout=10).read())
        assert 'elem_id": "upload"' not in json.dumps(config) and "token" not in json.dumps(config)
        api = Client(url, verbose=False).view_api(all_endpoints=True, print_info=False, return_format="dict")
        assert "/add_articles" not in json.dumps(api) and "/chat" in json.dumps(api)
        # Gradio's own upload route takes no file either
        request = urllib.request.Request(
            url + "gradio_api/upload",
            data=b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nabc\r\n--b--\r\n',
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
        assert page


def test_uploads_beyond_localhost_need_the_operator_to_say_so(model_dir, tmp_path):
    for command in (
        [sys.executable, "app.py", "--host", "0.0.0.0", "--admin-token", "a-long-token", "--port", "0"],
        [sys.executable, "-m", "qa", "serve", "--host", "0.0.0.0", "--admin-token", "a-long-token", "--port", "0"],
    ):
        done = subprocess.run(command, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and "--allow-remote-uploads" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_an_unexpected_exception_never_reaches_a_reader(builtin):
    import gradio as gr

    from qa.page import ChatApp

    class Broken:
        store = builtin.store

        def ask(self, *args, **kwargs):
            raise RuntimeError("SELECT secret FROM internals")

    with pytest.raises(gr.Error) as caught:
        ChatApp(Broken()).ask_api(QUESTION)
    assert "internal error (reference" in caught.value.message and "secret" not in caught.value.message
