"""Property-based fuzzing (hypothesis) of what a hostile user controls: `Assistant.ask` on the real
model and index, the input checks, and the readers on real files. The property everywhere: an
answer or a `QAError` with a one-line message (a reason, for the readers), never another exception,
and every bound in qa/limits.py holds for what gets in."""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import Answer, QAError
from qa.ingest import cut_parts
from qa.limits import (
    MAX_ARTICLE_CHARS,
    MAX_QUESTION_CHARS,
    MAX_TITLE_CHARS,
    check_history,
    check_k,
    check_question,
    unpaired_surrogate,
)
from qa.readers import read_paths
from qa.types import Article

WORDS = (
    "Luật An ninh mạng có hiệu lực từ ngày nào Bộ trưởng Tô Lâm tiếp ai ông ấy bà ấy nó còn thì sao "
    "ESIWA là gì Who is the Dutch ambassador what about him and in 2023 năm 2021 tóm tắt bài này "
    "Gunnar Wiegand Đại sứ Hà Lan [/red] <script> \\udc00 ' \" ? ! … 1/1/2019"
).split()
# any code point, lone surrogates included, plus the news' own words
CHARS = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from(list("ăâđêôơưàảãáạẠỹ?., \n\t\u00a0\u200b\ufeff")),
)
PHRASE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25).map(" ".join)
TEXT = st.one_of(st.text(CHARS, max_size=60), PHRASE)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "role": st.one_of(st.sampled_from(["user", "assistant", "system"]), JSON),
        "content": st.one_of(TEXT, JSON, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": JSON}))),
    },
)
HISTORY = st.one_of(st.none(), JSON, st.lists(st.one_of(TEXT, MESSAGE, JSON), max_size=6), TEXT)
K = st.one_of(st.integers(-3, 30), st.integers(), st.floats(), st.text(max_size=3), st.none(), st.booleans())


def _one_line_error(call) -> object:
    try:
        return call()
    except QAError as exc:
        assert str(exc) and "\n" not in str(exc), repr(exc)
        return exc


@settings(max_examples=1500, deadline=None, database=None)
@given(question=st.one_of(TEXT, JSON, st.text(CHARS, min_size=1900, max_size=2100)), history=HISTORY, k=K)
def test_the_input_checks_pass_or_refuse_in_one_line(question, history, k):
    out = _one_line_error(lambda: check_question(question))
    if isinstance(out, str):
        assert out and len(out) <= MAX_QUESTION_CHARS and unpaired_surrogate(out) is None
    out = _one_line_error(lambda: check_history(history))
    if isinstance(out, list):
        assert all(isinstance(q, str) and q and unpaired_surrogate(q) is None for q in out)
    out = _one_line_error(lambda: check_k(k))
    assert isinstance(out, QAError) or (isinstance(out, int) and 1 <= out <= 20)


ASK_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OUTCOMES: list[str] = []


def _ask(builtin, question, history, k) -> None:
    started = time.perf_counter()
    out = _one_line_error(lambda: builtin.ask(question, history=history, k=k))
    OUTCOMES.append(type(out).__name__)
    if isinstance(out, Answer):
        json.dumps(out.to_dict())  # plain JSON, as the API sends it
        assert len(out.quotes) <= check_k(k)
    assert time.perf_counter() - started < 15  # no input hangs it (the model alone is ~0.2 s a call)


@ASK_SETTINGS
@given(question=st.one_of(TEXT, JSON), history=HISTORY, k=K)
def test_ask_answers_or_refuses_anything_in_one_line(builtin, question, history, k):
    _ask(builtin, question, history, k)


@ASK_SETTINGS
@given(
    question=st.one_of(PHRASE, st.text(CHARS, min_size=1, max_size=80)),
    history=st.lists(st.one_of(PHRASE, MESSAGE), max_size=4),
    k=st.integers(1, 20),
)
def test_ask_answers_or_refuses_questions_in_one_line(builtin, question, history, k):
    _ask(builtin, question, history, k)


def test_the_fuzzing_reached_the_answers():
    """The inputs above were not all refused at the door: many were searched and answered."""
    assert OUTCOMES.count("Answer") >= 60, {o: OUTCOMES.count(o) for o in set(OUTCOMES)}


LINE = st.one_of(
    JSON.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"text": st.one_of(TEXT, JSON)},
        optional={"id": JSON, "title": st.one_of(TEXT, JSON), "url": JSON, "date": JSON},
    ).map(lambda row: json.dumps(row, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")),
    st.binary(max_size=80),
    st.just(b"[" * 5000 + b"]" * 5000),
)


def _check_results(results, path: Path, lines: int | None = None) -> None:
    for source, item in results:
        assert source == str(path) or source.startswith(f"{path}:"), source
        if lines is not None and source != str(path):
            assert 1 <= int(source.rsplit(":", 1)[1]) <= lines
        if isinstance(item, str):
            assert item and "\n" not in item
            continue
        assert isinstance(item, Article)
        for value in (item.id, item.text, item.title, item.source):
            assert isinstance(value, str) and unpaired_surrogate(value) is None
        assert item.id and item.text.strip() and len(item.text) <= MAX_ARTICLE_CHARS
        assert len(item.title) <= MAX_TITLE_CHARS
        assert item.url is None or isinstance(item.url, str)
        assert item.date is None or (isinstance(item.date, str) and len(item.date) == 10)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=8), suffix=st.sampled_from([".jsonl", ".ndjson"]))
def test_a_jsonl_reader_reports_every_bad_line_and_reads_the_rest(tmp_path_factory, lines, suffix):
    path = tmp_path_factory.mktemp("jsonl") / f"feed{suffix}"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n")
    results = list(read_paths([path]))
    _check_results(results, path, lines=len(lines))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(st.binary(max_size=400), st.text(CHARS, max_size=400).map(lambda t: t.encode("utf-8", "replace"))),
    suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl.gz", ".jsonl.xz"]),
)
def test_any_file_is_read_or_refused_with_a_reason(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("file") / f"article{suffix}"
    path.write_bytes(data)
    _check_results(list(read_paths([path])), path)


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(CHARS, max_size=3000), limit=st.integers(4, 400), chunk=st.integers(1, 500))
def test_pieces_cover_the_text_and_stay_bounded(text, limit, chunk):
    chunks = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    pieces = list(cut_parts(chunks, limit))
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).split() == text.split()  # nothing lost but white space between pieces
