"""The chat page's upload panel, shown only to an operator's page, kept apart so a reader's page
holds none of it: its widgets, its token check, its job's status text and its two API endpoints."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from qa.errors import QAError
from qa.ingest import SUPPORTED
from qa.page_guard import internal_error, token_matches
from qa.page_html import LABELS, page_language, safe
from qa.uploads import UploadJob, UploadQueue


def size_text(n: int) -> str:
    """`n` bytes as KB or MB."""
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


class UploadPanel:
    """The operator's upload: checked, copied, queued; the page polls its status.

    Example:
        >>> panel = UploadPanel(UploadQueue(assistant, encoder=worker_encoder(assistant.model)), token)
        >>> with gr.Blocks():
        ...     widgets = panel.render(LABELS["vi"])  # where the panel goes
        ...     panel.listen(ui_lang)  # once the page's own events are wired
    """

    def __init__(self, uploads: UploadQueue, admin_token: str) -> None:
        self.uploads = uploads
        self.admin_token = admin_token

    def render(self, t: dict) -> list[gr.components.Component]:
        """The panel's widgets, labelled from `t`; returns those `relabel` updates."""
        self.files = gr.File(label=t["upload"], file_count="multiple", file_types=SUPPORTED, elem_id="upload")
        self.token = gr.Textbox(label=t["token"], type="password", elem_id="token", max_lines=1)
        self.add = gr.Button(t["add"], elem_id="add")
        self.report = gr.Markdown(elem_id="report")
        self.job = gr.State(None)
        self.timer = gr.Timer(1.0, active=False)
        return [self.files, self.token, self.add]

    def listen(self, ui_lang: gr.Radio) -> None:
        """Wire the panel's events and endpoints (inside the page's Blocks, after `render`)."""
        # the operator's queue: a wrong token's delay holds no reader's question
        self.add.click(
            self.upload,
            [self.files, self.token, ui_lang],
            [self.report, self.job, self.timer],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="operator",
        )
        self.timer.tick(self.poll, [self.job, ui_lang], [self.report, self.timer], api_visibility="private")
        gr.api(
            self.add_articles,
            api_name="add_articles",
            api_visibility="undocumented",
            concurrency_limit=1,
            concurrency_id="operator",
        )
        gr.api(self.upload_status, api_name="upload_status", api_visibility="undocumented")

    @staticmethod
    def relabel(t: dict) -> list[dict]:
        """The updates that relabel `render`'s widgets from `t`."""
        return [gr.update(label=t["upload"]), gr.update(label=t["token"]), gr.update(value=t["add"])]

    def submit(self, paths: list[str], token: object, ui_lang: str) -> UploadJob:
        """Queue `paths` if `token` is the operator's.

        Raises:
            gr.Error: a wrong token, an upload refused, or (by reference only) a file that could not be copied.
        """
        if not token_matches(token, self.admin_token):
            raise gr.Error(LABELS[ui_lang]["bad_token"])
        try:
            return self.uploads.submit(paths)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        except OSError as exc:
            raise internal_error("upload") from exc

    def upload(self, files, token: str, ui_lang: str):
        ui_lang = page_language(ui_lang)
        if not files:
            return "", None, gr.Timer(active=False)
        job = self.submit([f if isinstance(f, str) else f.name for f in files], token, ui_lang)
        return self.job_text(job, ui_lang), job.id, gr.Timer(active=True)

    def add_articles(self, files: list[gr.FileData], token: str) -> dict:
        """Queue files for indexing (the operator's token required); returns {"job": id} to ask
        `upload_status` about."""
        paths = [f.get("path") if isinstance(f, dict) else getattr(f, "path", None) for f in files or []]
        if not all(isinstance(p, str) for p in paths):
            raise gr.Error("files must be uploaded files")
        job = self.submit(paths, token, next(iter(LABELS)))
        return {"job": job.id, "state": job.state}

    def poll(self, job_id: str | None, ui_lang: str):
        """The upload's status, and the timer turned off once it is over."""
        ui_lang = page_language(ui_lang)
        job = self.uploads.status(job_id) if isinstance(job_id, str) else None
        if job is None:
            return gr.update(), gr.Timer(active=False)
        return self.job_text(job, ui_lang), gr.Timer(active=not job.over)

    def upload_status(self, job_id: str) -> dict:
        """An upload's state ("queued", "indexing", "done", "failed"), progress and report, for a
        script that added articles through the `add_articles` endpoint (the job id is its key)."""
        job = self.uploads.status(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise gr.Error("no such upload")
        progress = job.progress
        return {
            "state": job.state,
            "files": job.names,
            "bytes_done": progress.bytes_done if progress else 0,
            "bytes_total": progress.bytes_total if progress else 0,
            "report": job.report.to_dict() if job.report else None,
            "error": job.error,
        }

    @staticmethod
    def job_text(job: UploadJob, ui_lang: str) -> str:
        """The panel's report of `job`: queued, indexing (with its progress), failed, or what it added."""
        labels = LABELS[ui_lang]
        if job.state == "queued":
            return labels["queued"].format(files=len(job.names), ahead=job.ahead)
        if job.state == "failed":
            return labels["upload_failed"].format(error=safe(job.error or ""))
        if job.state == "indexing":
            p = job.progress
            if p is None:
                return labels["indexing"].format(share=0.0, done="0 KB", total="…", articles=0, passages=0)
            return labels["indexing"].format(
                share=p.share,
                done=size_text(p.bytes_done),
                total=size_text(p.bytes_total),
                articles=p.articles,
                passages=p.passages,
            )
        report = job.report
        lines = [
            labels["added"].format(
                added=len(report.added) + len(report.updated),
                passages=report.passages,
                dup=len(report.duplicates),
                failed=len(report.failed),
            )
        ]
        lines += [f"- {safe(Path(s).name)}: {safe(r)}" for s, r in report.failed[:50]]
        return "\n".join(lines)
