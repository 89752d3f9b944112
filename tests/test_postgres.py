"""End to end on the Postgres backend: the real model, the built-in articles in a real PostgreSQL
server, answers compared with the embedded backend's; date filters for users; the URL on the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import BUILTIN, ROOT, subprocess_env

from qa import Assistant, BadQuestion, builtin_articles
from qa.config import Settings
from store.postgres import PostgresStore

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("Luật An ninh mạng có hiệu lực từ ngày nào?", None),
    ("Bộ trưởng Tô Lâm đã tiếp ai?", None),
    ("luat an ninh mang co hieu luc khi nao", None),
    ("Which countries take part in ESIWA?", None),
    ("Giá Bitcoin hôm nay là bao nhiêu?", None),
    ("When did the Cybersecurity Law take effect?", None),
    ("Thiếu tướng Nguyễn Thanh Sơn giữ chức vụ gì?", None),
    ("Ông ấy đề nghị EU điều gì?", ["Ai đã tiếp ngài Gunnar Wiegand?"]),
    ("Tóm tắt bài viết về hội thảo luật quốc tế về không gian mạng", None),
]


@pytest.fixture(scope="module")
def on_postgres(model_dir, pg_url) -> Assistant:
    """The built-in articles ingested into a fresh Postgres database."""
    assistant = Assistant.open(pg_url)
    report = assistant.add([builtin_articles()], progress=False)
    assert len(report.added) == 2 and not report.failed
    yield assistant
    assistant.close()


def _gist(answer) -> dict:
    top = answer.quotes[0] if answer.quotes else None
    return {
        "abstained": answer.abstained,
        "message": answer.message,
        "article": top.article_id if top else None,
        "position": top.position if top else None,
        "highlight": top.highlighted_text if top else None,
        "confidence": round(answer.confidence or 0.0, 3),
    }


@pytest.mark.parametrize("question, history", QUESTIONS)
def test_same_top_quote_and_highlight_as_the_embedded_backend(builtin, on_postgres, question, history):
    assert isinstance(on_postgres.store, PostgresStore)
    assert _gist(on_postgres.ask(question, history=history)) == _gist(builtin.ask(question, history=history))


def test_the_same_index_seen_by_another_process_reading_it(on_postgres, pg_url):
    other = Assistant.open(pg_url, create=False)
    try:
        assert other.store.count_passages() == on_postgres.store.count_passages() > 0
        question = "Bộ trưởng Tô Lâm đã tiếp ai?"
        assert _gist(other.ask(question)) == _gist(on_postgres.ask(question))
        # a removal by one is seen by the other at once, without reopening
        generation = other.store.generation
        assert on_postgres.remove(BUILTIN["minister"])
        assert other.store.generation != generation
        assert all(q.article_id != BUILTIN["minister"] for q in other.ask(question).quotes)
    finally:
        on_postgres.add([builtin_articles()], progress=False)
        other.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_date_range_limits_the_articles_quoted(request, backend):
    assistant = request.getfixturevalue("builtin" if backend == "sqlite" else "on_postgres")
    question = "Luật An ninh mạng có hiệu lực từ ngày nào?"
    assert assistant.ask(question).quotes[0].article_id == BUILTIN["workshop"]  # undated
    dated = assistant.ask(question, since="2022-04-01", until="2022-04-30", k=5)
    assert dated.quotes and {q.article_id for q in dated.quotes} == {BUILTIN["minister"]}
    assert all(q.date == "2022-04-27" for q in dated.quotes)
    nothing = assistant.ask(question, until="2000-01-01")
    assert nothing.abstained and not nothing.quotes


def test_malformed_dates_are_one_line_errors(builtin):
    for since, until in (("27/4/2022", None), (None, "2022-13-01"), ("2022-05-01", "2022-04-01"), ("20220427", None)):
        with pytest.raises(BadQuestion) as raised:
            builtin.ask("Bộ trưởng Tô Lâm đã tiếp ai?", since=since, until=until)
        message = str(raised.value)
        assert "\n" not in message and ("YYYY-MM-DD" in message or "is after" in message)


def test_chat_api_takes_a_date_range(builtin):
    from qa.page import ChatApp

    app = ChatApp(builtin)
    answer = app.ask_api("Luật An ninh mạng có hiệu lực từ ngày nào?", since="2022-04-01", until="2022-04-30")
    assert {q["article_id"] for q in answer["quotes"]} == {BUILTIN["minister"]}
    import gradio as gr

    with pytest.raises(gr.Error, match="YYYY-MM-DD"):
        app.ask_api("Bộ trưởng Tô Lâm đã tiếp ai?", since="hôm qua")


def test_cli_reads_the_url_from_the_environment_and_filters_by_date(on_postgres, pg_url):
    env = subprocess_env()
    env["NEWSQA_INDEX_URL"] = pg_url
    command = [sys.executable, "-m", "qa", "ask", "Luật An ninh mạng có hiệu lực từ ngày nào?", "--json"]
    result = subprocess.run(
        [*command, "--since", "2022-04-01"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert {q["article_id"] for q in json.loads(result.stdout)["quotes"]} == {BUILTIN["minister"]}
    bad = subprocess.run([*command, "--until", "tomorrow"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: until must be a date")
    stats = subprocess.run(
        [sys.executable, "-m", "qa", "stats", "--json", "--index", pg_url], cwd=ROOT, env=env, capture_output=True
    )
    assert json.loads(stats.stdout)["backend"] == "postgres"


def test_settings_read_the_index_url():
    assert Settings.from_env({"NEWSQA_INDEX_URL": "postgresql://u@h/db"}).index_url == "postgresql://u@h/db"
    assert Settings.from_env({}).index_url is None
