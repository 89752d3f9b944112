"""The index on disk: persistence, incremental adds and removals, atomicity, bad states."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import ROOT, subprocess_env

from embeddings import model_id
from qa import Assistant, EmptyIndex, IndexCorrupt, IndexNotFound, builtin_articles
from store import SqliteStore
from store.errors import ModelMismatch as StoreModelMismatch


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _no_duplicate_passages(assistant):
    conn = sqlite3.connect(assistant.store.folder / "index.sqlite")
    dup = conn.execute("SELECT COUNT(*) FROM (SELECT text FROM passages GROUP BY article_id, text HAVING COUNT(*) > 1)")
    return dup.fetchone()[0] == 0


def test_empty_index_refuses_questions_clearly(fresh):
    assert fresh.store.count_passages() == 0
    with pytest.raises(EmptyIndex):
        fresh.ask("Ai đã tiếp ngài Gunnar Wiegand?")
    ids, scores = fresh.store.search_dense(fresh.model.encode_query(["x"])[0], 5)
    assert len(ids) == 0


def test_ingest_reopen_add_remove(model_dir, tmp_path, dantri_rows):
    folder = tmp_path / "index"
    first = _jsonl(tmp_path / "first.jsonl", dantri_rows[:30])
    more = _jsonl(tmp_path / "more.jsonl", dantri_rows[20:60])  # overlaps the first file by ten articles

    assistant = Assistant.open(folder)
    report = assistant.add([builtin_articles(), first], progress=False)
    assert len(report.added) == 32 and not report.failed
    passages = assistant.store.count_passages()
    assistant.close()

    reopened = Assistant.open(folder, create=False)
    assert reopened.store.count_articles() == 32
    assert reopened.store.count_passages() == passages
    report = reopened.add([more, builtin_articles()], progress=False)
    assert len(report.added) == 30 and len(report.duplicates) == 12
    assert reopened.store.count_articles() == 62
    assert _no_duplicate_passages(reopened)

    victim = dantri_rows[0]["id"]
    before = reopened.store.count_passages()
    assert reopened.remove(victim)
    assert not reopened.remove(victim)
    assert reopened.store.count_articles() == 61
    assert reopened.store.count_passages() < before
    answer = reopened.ask(dantri_rows[0]["title"], k=5)
    assert all(q.article_id != victim for q in answer.quotes)
    # the removed article can come back
    assert reopened.add([first], progress=False).added == [victim]


def test_same_id_with_new_text_is_an_update(fresh, tmp_path):
    path = tmp_path / "tin.txt"
    path.write_text("Tin ngắn\n\nBản đầu tiên của bài báo nói về hội nghị.", encoding="utf-8")
    assert fresh.add([path], progress=False).added == ["tin"]
    path.write_text("Tin ngắn\n\nBản sửa của bài báo nói về hội nghị ở Đà Nẵng.", encoding="utf-8")
    report = fresh.add([path], progress=False)
    assert report.updated == ["tin"] and not report.added
    assert fresh.store.count_articles() == 1
    assert "Đà Nẵng" in fresh.store.article("tin").text


def test_an_index_never_mixes_models(fresh):
    folder, name = fresh.store.folder, model_id(fresh.model)
    fresh.close()
    with pytest.raises(StoreModelMismatch):  # the store's own error, used without the assistant
        SqliteStore.open(folder, model_name="another-model", dim=384)
    with pytest.raises(StoreModelMismatch):
        SqliteStore.open(folder, model_name=name, dim=768)
    SqliteStore.open(folder, model_name=name, dim=384).close()


def test_missing_and_corrupt_indexes_give_clear_errors(model_dir, tmp_path):
    with pytest.raises(IndexNotFound):
        Assistant.open(tmp_path / "nowhere", create=False)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorrupt, match="delete the folder"):
        Assistant.open(bad)


def test_damaged_faiss_file_is_rebuilt_from_sqlite(model_dir, tmp_path):
    assistant = Assistant.open(tmp_path / "index")
    assistant.add([builtin_articles()], progress=False)
    folder = assistant.store.folder
    assistant.close()
    for f in folder.glob("vectors-*.faiss"):
        f.write_bytes(b"garbage")
    reopened = Assistant.open(folder)
    answer = reopened.ask("Luật An ninh mạng có hiệu lực từ ngày nào?")
    assert "1/1/2019" in answer.quotes[0].text


def test_an_index_from_before_alignment_codes_still_answers(model_dir, tmp_path):
    question = "Who did Minister To Lam receive on 27 April 2022?"
    assistant = Assistant.open(tmp_path / "index")
    assistant.add([builtin_articles()], progress=False)
    assert assistant.ask(question).signals.alignment > 0
    folder = assistant.store.folder
    assistant.close()
    with sqlite3.connect(folder / "index.sqlite") as conn:  # the schema as it was before the codes
        conn.execute("ALTER TABLE passages DROP COLUMN alignment")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    reopened = Assistant.open(folder)
    answer = reopened.ask(question)
    assert answer.quotes and answer.signals.alignment == 0.0  # no codes: passages ranked without them
    note = tmp_path / "note.txt"
    note.write_text("Hội nghị an ninh mạng\n\nHội nghị diễn ra tại Đà Nẵng ngày 5/5/2023.", encoding="utf-8")
    reopened.add([note], progress=False)  # new passages get codes; the old ones still have none
    codes = reopened.store.alignment_codes(list(range(1, reopened.store.count_passages() + 1)))
    assert codes[max(codes)] and not codes[min(codes)]
    assert 0 < reopened.stats()["passages_with_alignment_codes"] < reopened.stats()["passages"]
    reopened.close()


def test_an_index_from_before_sentence_token_rows_still_answers(model_dir, tmp_path):
    question = "Luật An ninh mạng có hiệu lực từ ngày nào?"
    assistant = Assistant.open(tmp_path / "index")
    assistant.add([builtin_articles()], progress=False)
    stats = assistant.stats()
    assert stats["sentences_with_token_rows"] == stats["sentences"] > 0
    folder = assistant.store.folder
    assistant.close()
    with sqlite3.connect(folder / "index.sqlite") as conn:  # the schema as it was before token rows
        conn.execute("ALTER TABLE sentences DROP COLUMN tokens_start")
        conn.execute("ALTER TABLE sentences DROP COLUMN tokens_end")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    reopened = Assistant.open(folder)
    assert reopened.stats()["sentences_with_token_rows"] == 0
    answer = reopened.ask(question)
    assert "1/1/2019" in " ".join(answer.quotes[0].highlighted_text)
    note = tmp_path / "note.txt"
    note.write_text("Hội nghị an ninh mạng\n\nHội nghị diễn ra tại Đà Nẵng ngày 5/5/2023.", encoding="utf-8")
    reopened.add([note], progress=False)  # new sentences get token rows; the old ones still have none
    assert 0 < reopened.stats()["sentences_with_token_rows"] < reopened.stats()["sentences"]
    assert "Đà Nẵng" in reopened.ask("Hội nghị an ninh mạng diễn ra ở đâu?").quotes[0].text
    reopened.close()


def test_the_store_imports_on_its_own():
    done = subprocess.run([sys.executable, "-c", "import store"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


KILLER = """
import sys
from qa import Assistant
a = Assistant.open(sys.argv[1])
print("ready", flush=True)
a.add([sys.argv[2]], progress=False)
print("finished", flush=True)
"""


def test_kill_9_during_ingest_leaves_a_working_index(model_dir, tmp_path, dantri_rows):
    folder = tmp_path / "index"
    base = Assistant.open(folder)
    base.add([builtin_articles()], progress=False)
    base.close()
    big = _jsonl(tmp_path / "big.jsonl", dantri_rows)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(folder), str(big)],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(6)  # well into embedding the 60 articles
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    survivor = Assistant.open(folder)
    count = survivor.store.count_articles()
    assert 2 <= count <= 62
    assert _no_duplicate_passages(survivor)
    answer = survivor.ask("Luật An ninh mạng có hiệu lực từ ngày nào?")
    assert "1/1/2019" in answer.quotes[0].text
    # resuming adds the rest, nothing twice
    report = survivor.add([big], progress=False)
    assert survivor.store.count_articles() == 62
    assert len(report.added) == 62 - count
    assert _no_duplicate_passages(survivor)
