"""Uploads indexed one at a time by a background worker, while questions are answered.

Why a worker: indexing a file takes seconds to minutes of model time. Run in the request that
brought it, it held the page's one lock and every reader waited (a 1 MB file: 25.6 s). Here the
request only copies the files and queues them; one worker thread indexes them in turn, at the
lowest CPU priority and with a single-threaded encoder of its own, so the model's threads stay
free for questions; the page polls `status()` for the progress (bytes read, articles committed).

Example:
    >>> uploads = UploadQueue(assistant, encoder=worker_encoder(assistant.model))
    >>> job = uploads.submit([Path("bai.txt")])
    >>> uploads.status(job.id).state
    'indexing'
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.indexer import Indexer, Progress
from qa.limits import MAX_QUEUED_UPLOADS, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from qa.types import IngestReport
from store.sqlite_views import lower_thread_priority

log = logging.getLogger(__name__)

KEEP_JOBS = 100  # finished jobs remembered for status()


class UploadRefused(QAError):
    """An upload over the limits (files, size, jobs waiting)."""


@dataclass
class UploadJob:
    """One upload: its files, where the worker is with it, and what came of it."""

    id: str
    names: list[str]
    state: str = "queued"  # queued, indexing, done, failed
    ahead: int = 0  # jobs before it when it was queued
    progress: Progress | None = None
    report: IngestReport | None = None
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def over(self) -> bool:
        return self.state in ("done", "failed")


def worker_encoder(model):
    """An encoder for the worker: the int8 ONNX model in a session of its own with one thread
    (it runs in the worker's low-priority thread); another backend is shared as it is."""
    from embeddings import OnnxEncoder

    if isinstance(model, OnnxEncoder):
        other = OnnxEncoder(model.folder, threads=1, max_tokens=model.max_tokens)
        if hasattr(model, "newsqa_model_id"):
            other.newsqa_model_id = model.newsqa_model_id
        return other
    return model


class UploadQueue:
    """Files to index, one upload at a time, in a worker thread (started on the first upload)."""

    def __init__(
        self,
        assistant,
        encoder=None,
        max_waiting: int = MAX_QUEUED_UPLOADS,
        workdir: str | Path | None = None,
    ) -> None:
        self.assistant = assistant
        self.indexer = Indexer(encoder, assistant.store) if encoder is not None else None
        # the copies live in the index folder under a name the next open removes if we are killed
        self.workdir = Path(workdir) if workdir else Path(assistant.store.folder)
        self._queue: queue.Queue[UploadJob] = queue.Queue(maxsize=max_waiting)
        self._jobs: OrderedDict[str, UploadJob] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, paths: list[str | Path]) -> UploadJob:
        """Copy the files aside and queue them; returns at once.

        Raises:
            UploadRefused: no file, too many, one over MAX_UPLOAD_BYTES, or MAX_QUEUED_UPLOADS
                uploads waiting already.
        """
        paths = [Path(p) for p in paths]
        if not paths:
            raise UploadRefused("no file to add")
        if len(paths) > MAX_UPLOAD_FILES:
            raise UploadRefused(f"{len(paths)} files at once; at most {MAX_UPLOAD_FILES}")
        for p in paths:
            size = p.stat().st_size if p.is_file() else 0
            if size > MAX_UPLOAD_BYTES:
                limit = MAX_UPLOAD_BYTES // 2**20
                raise UploadRefused(f"{p.name} is {size / 2**20:.1f} MiB; at most {limit} MiB a file")
        job = UploadJob(uuid.uuid4().hex[:12], [p.name for p in paths])
        folder = Path(tempfile.mkdtemp(prefix=f"uploads.{os.getpid()}.", suffix=".tmp", dir=self.workdir))
        try:
            copies = []
            for n, p in enumerate(paths):
                (folder / str(n)).mkdir()
                copies.append(shutil.copy(p, folder / str(n) / p.name))
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job.ahead = self._queue.qsize() + sum(j.state == "indexing" for j in self._jobs.values())
        try:
            self._queue.put_nowait((job, folder, copies))
        except queue.Full:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadRefused(f"{self._queue.maxsize} uploads are waiting already; try again later") from None
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS and next(iter(self._jobs.values())).over:
                self._jobs.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="uploads", daemon=True)
                self._thread.start()
        return job

    def status(self, job_id: str) -> UploadJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float) -> UploadJob | None:
        """The job once it is over, or as it is after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.status(job_id)
            if job is None or job.over:
                return job
            time.sleep(0.05)
        return self.status(job_id)

    def _work(self) -> None:
        lower_thread_priority()
        while True:
            job, folder, copies = self._queue.get()
            job.state = "indexing"
            try:
                job.report = self.assistant.add(
                    copies,
                    progress=False,
                    on_progress=lambda p, job=job: setattr(job, "progress", p),
                    indexer=self.indexer,
                )
                job.state = "done"
            except QAError as exc:
                job.error, job.state = str(exc), "failed"
            except Exception:  # the worker's last resort: the job fails, the worker goes on
                log.exception("upload %s failed", job.id)
                job.error, job.state = "internal error (the server log has the details)", "failed"
            finally:
                job.finished = time.time()
                shutil.rmtree(folder, ignore_errors=True)
                self._queue.task_done()
