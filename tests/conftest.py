"""Shared fixtures: the real model (built once per run into a cache folder), real indexes on disk.

The model folder is `$NEWSQA_CACHE/e5-small-q4` (CI sets NEWSQA_CACHE; locally it defaults to
.cache/ in the checkout), so every test and every subprocess a test starts reuses one build.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
os.environ.setdefault("NEWSQA_CACHE", str(ROOT / ".cache"))
os.environ["NEWSQA_MODEL_DIR"] = str(Path(os.environ["NEWSQA_CACHE"]) / "e5-small-q4")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
sys.path.insert(0, str(ROOT))

from embeddings import build_model, load_model  # noqa: E402
from qa import Assistant, builtin_articles  # noqa: E402

BUILTIN = {"workshop": "000_eaeafe414f6349cc", "minister": "001_57ab9634338abd2b"}


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return build_model(os.environ["NEWSQA_MODEL_DIR"])


@pytest.fixture(scope="session")
def onnx_model(model_dir):
    return load_model("onnx-int8", folder=model_dir)


@pytest.fixture(scope="session")
def torch_model(model_dir):
    return load_model("torch", folder=model_dir)


@pytest.fixture(scope="session")
def builtin(model_dir, tmp_path_factory) -> Assistant:
    """The built-in articles in a real index on disk, shared read-only by the tests that ask."""
    assistant = Assistant.open(tmp_path_factory.mktemp("builtin-index"))
    assistant.add([builtin_articles()], progress=False)
    return assistant


@pytest.fixture
def fresh(model_dir, tmp_path) -> Assistant:
    """An empty index of its own in tmp_path."""
    assistant = Assistant.open(tmp_path / "index")
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def dantri_rows() -> list[dict]:
    """The first 60 articles of the real dantri corpus (read from ../shared, never committed)."""
    import gzip
    import json

    path = SHARED / "corpora" / "dantri-2019-2021.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is not there")
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == 60:
                break
    return rows


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(command: list[str], env: dict[str, str], log_path: Path, timeout: float = 240):
    """Start a chat-page server (`command` ends with `--port N`), wait until its page answers, yield
    its URL, and stop it by its PID, whatever the test did."""
    port = int(command[command.index("--port") + 1])
    url = f"http://127.0.0.1:{port}/"
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}: {log_path.read_text()}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"server did not start in {timeout:.0f} s: {log_path.read_text()}") from None
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
