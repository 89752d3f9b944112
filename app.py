"""The chat page: ask in Vietnamese or English, get the answering sentence highlighted in its quoted
passage with a citation, follow up, vote on answers; the operator adds articles.

Run: python app.py [--index DIR] [--host 127.0.0.1] [--port 7860] [--admin-token TOKEN]
(or: python -m qa serve). This file only renders `Answer`s; retrieval and quoting live in qa/.

Who may change the index: readers only ask and vote. Uploads exist only when the operator starts
the page with a token (--admin-token or $NEWSQA_ADMIN_TOKEN), and only whoever types that token
adds articles; they are indexed by a background worker while questions are answered. A page with
uploads on listens beyond this machine only with --allow-remote-uploads. A reader's error shows
its one-line message; an unexpected one shows a reference the server log has the traceback under.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import collections  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from qa import Answer, Assistant, QAError  # noqa: E402
from qa.cli import add_operator_options  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.errors import BadArgument, BadHistory  # noqa: E402
from qa.ingest import SUPPORTED  # noqa: E402
from qa.lang import languages  # noqa: E402
from qa.limits import MAX_FEEDBACK_BYTES, MAX_HISTORY_ENTRIES, MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES  # noqa: E402
from qa.text import day_month_year  # noqa: E402
from qa.uploads import UploadJob, UploadQueue, worker_encoder  # noqa: E402
from store import is_database_url  # noqa: E402

log = logging.getLogger("app")

# The page's words, per language pack ([ui] in qa/lang/<code>.toml); the first is the default.
LABELS = {pack.code: pack.get("ui") for pack in languages() if pack.get("ui")}
EXAMPLES = [
    "Luật An ninh mạng có hiệu lực từ ngày nào?",
    "Bộ trưởng Tô Lâm đã tiếp ai?",
    "Còn ESIWA là gì?",
    "Tóm tắt bài viết về hội thảo Luật quốc tế về không gian mạng",
    "Who is the Dutch ambassador to Vietnam?",
    "Which countries take part in ESIWA?",
    "Who won the 2022 World Cup?",
]
CSS = """
mark.hl { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; }
.quote { border-left: 4px solid #4a90d9; padding: 4px 10px; margin: 6px 0; white-space: pre-wrap; }
.cite { font-size: 0.85em; opacity: 0.8; }
.abstain { border-left: 4px solid #999; padding: 4px 10px; font-style: italic; }
.rewritten { font-size: 0.85em; opacity: 0.7; }
"""
MARKDOWN_SPECIALS = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~>"})
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN_CHARS = 8
FEEDBACK_PER_MINUTE = 60  # votes recorded a minute, all readers together
WRONG_TOKEN_DELAY = 1.0  # seconds, on the operator's queue only: guessing the token stays slow


def safe(text: str) -> str:
    """Article text is data: escape HTML and every Markdown sign so nothing in it renders or runs."""
    return html.escape(text, quote=True).translate(MARKDOWN_SPECIALS)


def quote_html(text: str, highlights: list[tuple[int, int]]) -> str:
    out, cursor = [], 0
    for start, end in sorted(highlights):
        out.append(safe(text[cursor:start]))
        out.append(f'<mark class="hl">{safe(text[start:end])}</mark>')
        cursor = end
    out.append(safe(text[cursor:]))
    return "".join(out)


def citation_html(quote, lang: str) -> str:
    parts = [f"<b>{safe(quote.title)}</b>"]
    if quote.date:
        parts.append(day_month_year(quote.date) if LABELS[lang]["date_style"] == "day_month_year" else quote.date)
    if quote.url and quote.url.startswith(("http://", "https://")):
        parts.append(f'<a href="{html.escape(quote.url, quote=True)}" target="_blank" rel="noopener">link</a>')
    parts.append(f"{LABELS[lang]['passage']} {quote.position + 1}")
    return '<div class="cite">— ' + " · ".join(parts) + "</div>"


def relevance(score: float, best: float) -> str:
    filled = max(1, min(5, round(5 * score / best))) if best > 0 else 1
    return "●" * filled + "○" * (5 - filled)


def answer_html(answer: Answer, ui_lang: str) -> str:
    """The chat bubble: the frame in the question's language, the top quote with its highlighted
    sentence and citation, then the other quotes' highlighted sentences."""
    labels = LABELS[ui_lang]
    parts = []
    if answer.rewritten:
        parts.append(f'<div class="rewritten">{labels["understood"]}: “{safe(answer.effective_query)}”</div>')
    if answer.abstained or not answer.quotes:
        parts.append(f'<div class="abstain">{safe(answer.message)}</div>')
        return "".join(parts)
    top = answer.quotes[0]
    parts.append(f"<p>{safe(answer.message)}</p>")
    parts.append(f'<div class="quote">{quote_html(top.text, top.highlights)}</div>')
    parts.append(citation_html(top, ui_lang))
    others = answer.quotes[1:]
    if others:
        parts.append(f"<details><summary>{labels['more']}</summary>")
        for q in others:
            sentence = " … ".join(q.text[s:e] for s, e in q.highlights)
            parts.append(f'<div class="quote">{safe(sentence)}</div>{citation_html(q, ui_lang)}')
        parts.append("</details>")
    return "".join(parts)


def evidence_html(answer: Answer | None, ui_lang: str) -> str:
    labels = LABELS[ui_lang]
    if answer is None or not answer.quotes:
        return f"<p>{labels['nothing']}</p>"
    best = max(q.score for q in answer.quotes)
    parts = []
    for n, q in enumerate(answer.quotes, 1):
        parts.append(
            f"<h4>[{n}] {safe(q.title)} <span title='{labels['relevance']}'>{relevance(q.score, best)}</span></h4>"
        )
        parts.append(f'<div class="quote">{quote_html(q.text, q.highlights)}</div>{citation_html(q, ui_lang)}')
    return "".join(parts)


def message_text(message: dict) -> str:
    """The plain text of a chat message (Gradio may hand content back as a list of parts; a file
    message has none)."""
    content = message.get("content", "")
    if isinstance(content, list):
        content = " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return html.unescape(content) if isinstance(content, str) else ""


def page_questions(chat: object) -> list[str]:
    """The reader's earlier questions in the page's chat, the last MAX_HISTORY_ENTRIES of them
    (a long conversation keeps working; the assistant reads the last 3).

    Raises:
        BadHistory: the chat the browser sent is not a list of messages.
    """
    if chat is None:
        return []
    if not isinstance(chat, list) or not all(isinstance(m, dict) for m in chat):
        raise BadHistory("the conversation sent with the question is not a list of chat messages")
    return [message_text(m) for m in chat if m.get("role") == "user"][-MAX_HISTORY_ENTRIES:]


def internal_error(where: str) -> gr.Error:
    """What a reader sees of an unexpected exception: a reference, the traceback in the log."""
    reference = uuid.uuid4().hex[:8]
    log.exception("internal error %s in %s", reference, where)
    return gr.Error(f"internal error (reference {reference}); the server log has the details")


def size_text(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


class RequestSizeLimit:
    """Refuse a request whose body is over `limit` bytes with 413, before it is read (ASGI).

    Why: Gradio reads and parses a request whole before any handler can look at it; a 6.5 MB /chat
    request cost the server 1.2 s of CPU just to be refused. File uploads (Gradio's own route,
    capped by max_file_size) pass through."""

    def __init__(self, app, limit: int = MAX_REQUEST_BYTES, exempt: tuple[str, ...] = ("/upload",)) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or any(part in scope["path"] for part in self.exempt):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.limit:
            body = f"request over {self.limit // 2**20} MiB".encode()
            await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain")]})
            return await send({"type": "http.response.body", "body": body})
        received = 0

        async def counted():  # a body sent without its length (chunked) is cut off at the limit
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return {"type": "http.disconnect"} if received > self.limit else message

        return await self.app(scope, counted, send)


class ChatApp:
    """Holds the shared Assistant; each browser session keeps its own history in gr.State.
    `uploads`, given with the operator's `admin_token`, adds the upload panel."""

    def __init__(
        self,
        assistant: Assistant,
        admin_token: str | None = None,
        uploads: UploadQueue | None = None,
        feedback_path: Path | None = None,
    ) -> None:
        self.assistant = assistant
        self.admin_token = admin_token
        self.uploads = uploads if admin_token else None
        # beside an index folder; a database index has none, so its caller names the file
        self.feedback_path = feedback_path or Path(assistant.store.folder) / "feedback.jsonl"
        self._feedback_lock = threading.Lock()
        self._votes: collections.deque[float] = collections.deque()

    def _ask(
        self, question: object, history: object, k: object = 3, since: str | None = None, until: str | None = None
    ) -> Answer:
        try:
            return self.assistant.ask(question, history=history, k=k, since=since or None, until=until or None)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # the page's last resort: never an exception's text to a reader
            raise internal_error("ask") from exc

    # API: one call = one question, with the earlier questions as history.
    def ask_api(
        self,
        question: str,
        history: list[str] | None = None,
        k: int = 3,
        since: str | None = None,
        until: str | None = None,
    ) -> dict:
        """Answer a question about the articles, among those published from `since` until `until`
        (ISO dates, optional); returns Answer.to_dict()."""
        return self._ask(question, history or None, k, since, until).to_dict()

    def respond(self, message: str, chat: list, answers: list, ui_lang: str, since: str = "", until: str = ""):
        ui_lang = ui_lang if ui_lang in LABELS else next(iter(LABELS))
        message = (message or "").strip() if isinstance(message, str) else message
        if not message:
            return gr.update(), chat, answers, gr.update()
        try:
            history = page_questions(chat)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        answer = self._ask(message, history, 3, (since or "").strip() or None, (until or "").strip() or None)
        chat = [
            *chat,
            {"role": "user", "content": safe(message)},
            {"role": "assistant", "content": answer_html(answer, ui_lang)},
        ]
        answers = [*answers, answer.to_dict()]
        return "", chat, answers, evidence_html(answer, ui_lang)

    # The operator's upload: checked, copied, queued; the page polls its status.
    def _submit(self, paths: list[str], token: object, ui_lang: str) -> UploadJob:
        if self.uploads is None:
            raise gr.Error("this page takes no uploads")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), self.admin_token.encode()):
            time.sleep(WRONG_TOKEN_DELAY)
            raise gr.Error(LABELS[ui_lang]["bad_token"])
        try:
            return self.uploads.submit(paths)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        except OSError as exc:
            raise internal_error("upload") from exc

    def upload(self, files, token: str, ui_lang: str):
        ui_lang = ui_lang if ui_lang in LABELS else next(iter(LABELS))
        if not files:
            return "", None, gr.Timer(active=False)
        job = self._submit([f if isinstance(f, str) else f.name for f in files], token, ui_lang)
        return self.job_text(job, ui_lang), job.id, gr.Timer(active=True)

    def add_articles(self, files: list[gr.FileData], token: str) -> dict:
        """Queue files for indexing (the operator's token required); returns {"job": id} to ask
        `upload_status` about."""
        paths = [f.get("path") if isinstance(f, dict) else getattr(f, "path", None) for f in files or []]
        if not all(isinstance(p, str) for p in paths):
            raise gr.Error("files must be uploaded files")
        job = self._submit(paths, token, next(iter(LABELS)))
        return {"job": job.id, "state": job.state}

    def poll(self, job_id: str | None, ui_lang: str):
        """The upload's status, and the timer turned off once it is over."""
        ui_lang = ui_lang if ui_lang in LABELS else next(iter(LABELS))
        job = self.uploads.status(job_id) if self.uploads and isinstance(job_id, str) else None
        if job is None:
            return gr.update(), gr.Timer(active=False)
        return self.job_text(job, ui_lang), gr.Timer(active=not job.over)

    def upload_status(self, job_id: str) -> dict:
        """An upload's state ("queued", "indexing", "done", "failed"), progress and report, for a
        script that added articles through the `add_articles` endpoint (the job id is its key)."""
        job = self.uploads.status(job_id) if self.uploads and isinstance(job_id, str) else None
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

    def vote(self, data: gr.LikeData, chat: list, answers: list, ui_lang: str):
        """A reader's 👍/👎, appended to feedback.jsonl: from the server's own record of the
        answer, at most FEEDBACK_PER_MINUTE a minute, the file at most MAX_FEEDBACK_BYTES."""
        ui_lang = ui_lang if ui_lang in LABELS else next(iter(LABELS))
        index = data.index[0] if isinstance(data.index, (list, tuple)) and data.index else data.index
        if isinstance(index, bool) or not isinstance(index, int):
            return
        answer_no = (index - 1) // 2  # messages alternate user / assistant
        if not 0 <= answer_no < len(answers):
            return
        answer = answers[answer_no]
        try:
            history = page_questions(chat[: index - 1] if isinstance(chat, list) else chat)[-10:]
        except BadHistory:
            history = []
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "vote": "up" if data.liked else "down",
            "question": answer["question"],
            "history": [h[:2000] for h in history],
            "answer": answer,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._feedback_lock:
            now = time.monotonic()
            while self._votes and now - self._votes[0] > 60:
                self._votes.popleft()
            if len(self._votes) >= FEEDBACK_PER_MINUTE:
                gr.Info(LABELS[ui_lang]["feedback_busy"])
                return
            size = self.feedback_path.stat().st_size if self.feedback_path.exists() else 0
            if size + len(line.encode()) > MAX_FEEDBACK_BYTES:
                log.warning("%s is full (%d bytes): votes are no longer recorded", self.feedback_path, size)
                gr.Info(LABELS[ui_lang]["feedback_full"])
                return
            self._votes.append(now)
            with self.feedback_path.open("a", encoding="utf-8") as f:
                f.write(line)
        gr.Info(LABELS[ui_lang]["thanks"])

    def relabel(self, ui_lang: str):
        t = LABELS[ui_lang if ui_lang in LABELS else next(iter(LABELS))]
        labels = [
            t["title"],
            gr.update(label=t["question"], placeholder=t["placeholder"]),
            gr.update(value=t["send"]),
            gr.update(value=t["clear"]),
            gr.update(label=t["chat"]),
            gr.update(label=t["evidence"]),
            gr.update(label=t["since"]),
            gr.update(label=t["until"]),
        ]
        if self.uploads is not None:
            labels += [gr.update(label=t["upload"]), gr.update(label=t["token"]), gr.update(value=t["add"])]
        return tuple(labels)

    def build(self) -> gr.Blocks:
        first = next(iter(LABELS))
        t = LABELS[first]
        with gr.Blocks(title="News Q&A") as demo:
            answers = gr.State([])
            with gr.Row():
                title = gr.Markdown(t["title"])
                ui_lang = gr.Radio(list(LABELS), value=first, label="UI", scale=0, min_width=120)
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label=t["chat"],
                        height=520,
                        elem_id="chat",
                        sanitize_html=True,
                        feedback_options=("Like", "Dislike"),
                    )
                    question = gr.Textbox(
                        label=t["question"], placeholder=t["placeholder"], elem_id="question", lines=1, max_lines=4
                    )
                    with gr.Row():
                        since = gr.Textbox(label=t["since"], placeholder="YYYY-MM-DD", elem_id="since", max_lines=1)
                        until = gr.Textbox(label=t["until"], placeholder="YYYY-MM-DD", elem_id="until", max_lines=1)
                    with gr.Row():
                        send = gr.Button(t["send"], variant="primary", elem_id="send")
                        clear = gr.Button(t["clear"], elem_id="clear")
                    gr.Examples(EXAMPLES, inputs=question, label=t["examples"])
                with gr.Column(scale=2):
                    with gr.Accordion(t["evidence"], open=True) as evidence_box:
                        evidence = gr.HTML(f"<p>{t['nothing']}</p>", elem_id="evidence")
                    operator = []
                    if self.uploads is not None:
                        files = gr.File(
                            label=t["upload"], file_count="multiple", file_types=SUPPORTED, elem_id="upload"
                        )
                        token = gr.Textbox(label=t["token"], type="password", elem_id="token", max_lines=1)
                        add = gr.Button(t["add"], elem_id="add")
                        report = gr.Markdown(elem_id="report")
                        job = gr.State(None)
                        timer = gr.Timer(1.0, active=False)
                        operator = [files, token, add]

            outputs = [question, chat, answers, evidence]
            inputs = [question, chat, answers, ui_lang, since, until]
            question.submit(self.respond, inputs, outputs, api_visibility="private")
            send.click(self.respond, inputs, outputs, api_visibility="private")
            clear.click(lambda: ([], [], ""), None, [chat, answers, evidence], api_visibility="private")
            if self.uploads is not None:
                # the operator's queue: a wrong token's delay holds no reader's question
                add.click(
                    self.upload,
                    [files, token, ui_lang],
                    [report, job, timer],
                    api_visibility="private",
                    concurrency_limit=1,
                    concurrency_id="operator",
                )
                timer.tick(self.poll, [job, ui_lang], [report, timer], api_visibility="private")
                gr.api(
                    self.add_articles,
                    api_name="add_articles",
                    api_visibility="undocumented",
                    concurrency_limit=1,
                    concurrency_id="operator",
                )
                gr.api(self.upload_status, api_name="upload_status", api_visibility="undocumented")
            chat.like(self.vote, [chat, answers, ui_lang], None, api_visibility="private")
            ui_lang.change(
                self.relabel,
                ui_lang,
                [title, question, send, clear, chat, evidence_box, since, until, *operator],
                api_visibility="private",
            )
            gr.api(self.ask_api, api_name="chat")
        return demo


def build_app(assistant: Assistant, admin_token: str | None = None, feedback_path: Path | None = None) -> gr.Blocks:
    uploads = UploadQueue(assistant, encoder=worker_encoder(assistant.model)) if admin_token else None
    return ChatApp(assistant, admin_token, uploads, feedback_path).build()


def check_operator(host: str, admin_token: str | None, allow_remote_uploads: bool) -> None:
    """Refuse a page that would take uploads from beyond this machine unless the operator says so.

    Raises:
        BadArgument: a token too short to guess slowly, or uploads on a remote-facing host.
    """
    if admin_token is None:
        return
    if len(admin_token) < MIN_TOKEN_CHARS:
        raise BadArgument(f"the admin token is {len(admin_token)} characters; use at least {MIN_TOKEN_CHARS}")
    if host not in LOCAL_HOSTS and not allow_remote_uploads:
        raise BadArgument(
            f"uploads are on and the page would listen on {host}, beyond this machine: add "
            "--allow-remote-uploads to mean it (behind HTTPS: the token travels with each upload), "
            "or serve it on 127.0.0.1"
        )


def launch(
    index: str | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    backend: str = "onnx-int8",
    model_name: str | None = None,
    prevent_thread_lock: bool = False,
    admin_token: str | None = None,
    allow_remote_uploads: bool = False,
):
    """Open the index (`index`, else $NEWSQA_INDEX_URL, else the built-in articles) and serve the
    page: read-only unless `admin_token` is given (see `check_operator`)."""
    check_operator(host, admin_token, allow_remote_uploads)
    started = time.perf_counter()
    settings = Settings.from_env()
    options = {"backend": backend, "model_name": model_name, "model_dir": settings.model_dir}
    index = index or settings.index_url
    if index:
        assistant = Assistant.open(index, **options)
    else:
        assistant = Assistant.default(settings.default_index_dir(model_name), **options)
    # a database index has no folder: its votes go to the cache folder, one file per database
    feedback = None
    if is_database_url(index):
        feedback = settings.cache_dir / f"feedback-{hashlib.sha1(index.encode()).hexdigest()[:10]}.jsonl"
    demo = build_app(assistant, admin_token, feedback)
    demo.queue(default_concurrency_limit=4, max_size=256)
    mode = "uploads for the operator" if admin_token else "read-only"
    log.warning("ready in %.1f s (%s): http://%s:%d", time.perf_counter() - started, mode, host, port)
    demo.launch(
        server_name=host,
        server_port=port,
        theme=gr.themes.Default(font=["sans-serif"], font_mono=["monospace"]),
        css=CSS,
        show_error=False,  # gr.Error's one-line messages still show; an exception's own text never does
        prevent_thread_lock=prevent_thread_lock,
        footer_links=["api"],
        max_file_size=MAX_UPLOAD_BYTES if admin_token else 1,  # Gradio's upload route takes files too
        app_kwargs={"middleware": [Middleware(RequestSizeLimit)]},
    )
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--index",
        default=None,
        help="index folder or postgresql:// URL (default: $NEWSQA_INDEX_URL, else the built-in articles)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 7860)))
    parser.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch"])
    parser.add_argument("--model", default=None, help="another sentence-transformers model (path or hub id)")
    add_operator_options(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        launch(
            args.index,
            args.host,
            args.port,
            args.backend,
            model_name=args.model,
            admin_token=args.admin_token or Settings.from_env().admin_token,
            allow_remote_uploads=args.allow_remote_uploads,
        )
    except QAError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
