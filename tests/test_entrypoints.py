"""The ways a user starts the chat page, run as a user runs them: `python -m qa serve` and `python
app.py`, each asked a question through its API; a model that cannot be loaded is a one-line error."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, free_port, running_server, subprocess_env

pytestmark = pytest.mark.slow
QUESTION = "Luật An ninh mạng có hiệu lực từ ngày nào?"


def _ask(url: str) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question=QUESTION, history=[], k=1, api_name="/chat")


def test_qa_serve_answers(model_dir, tmp_path):
    env = subprocess_env()
    env["NEWSQA_INDEX"] = str(tmp_path / "index")
    command = [sys.executable, "-m", "qa", "serve", "--port", str(free_port())]
    with running_server(command, env, tmp_path / "serve.log") as url:
        answer = _ask(url)
    assert not answer["abstained"] and "1/1/2019" in answer["quotes"][0]["text"]


def test_app_with_another_model_answers_with_it(model_dir, tmp_path):
    """`--model` takes any sentence-transformers folder (here the fp32 build itself); the built-in
    articles are indexed for it in a folder of its own, since an index never mixes models."""
    env = subprocess_env()
    env.pop("NEWSQA_INDEX", None)
    env["NEWSQA_CACHE"] = str(tmp_path / "cache")
    command = [sys.executable, "app.py", "--model", str(model_dir), "--port", str(free_port())]
    with running_server(command, env, tmp_path / "app.log") as url:
        answer = _ask(url)
    assert not answer["abstained"] and "1/1/2019" in answer["quotes"][0]["text"]
    assert [p.name for p in (tmp_path / "cache").glob("index-builtin-*")] != []


def test_a_model_that_cannot_be_loaded_is_a_one_line_error(model_dir, tmp_path):
    for command in (
        [sys.executable, "app.py", "--model", str(tmp_path / "no-such-model"), "--port", str(free_port())],
        [sys.executable, "-m", "qa", "serve", "--model", str(tmp_path / "no-such-model"), "--port", "0"],
    ):
        env = subprocess_env()
        env["NEWSQA_CACHE"] = str(tmp_path / "cache")
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode != 0, done
        assert "cannot load the embedding model" in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert "ready" not in done.stdout + done.stderr
