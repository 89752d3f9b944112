"""The chat page itself: the shared Assistant, the layout and its events, and serving it (`launch`);
`python app.py` and `python -m qa serve` start it. It only renders `Answer`s (qa/page_html); the
request guards are in qa/page_guard, the upload panel in qa/page_uploads, the votes in qa/page_feedback.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import hashlib  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from qa import Answer, Assistant, QAError  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.errors import BadHistory  # noqa: E402
from qa.limits import MAX_UPLOAD_BYTES  # noqa: E402
from qa.page_feedback import FeedbackLog  # noqa: E402
from qa.page_guard import RequestSizeLimit, check_operator, internal_error  # noqa: E402
from qa.page_html import CSS, LABELS, answer_html, evidence_html, page_language, page_questions, safe  # noqa: E402
from qa.page_uploads import UploadPanel  # noqa: E402
from qa.uploads import UploadQueue, worker_encoder  # noqa: E402
from store import is_database_url  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = [
    "Luật An ninh mạng có hiệu lực từ ngày nào?",
    "Bộ trưởng Tô Lâm đã tiếp ai?",
    "Còn ESIWA là gì?",
    "Tóm tắt bài viết về hội thảo Luật quốc tế về không gian mạng",
    "Who is the Dutch ambassador to Vietnam?",
    "Which countries take part in ESIWA?",
    "Who won the 2022 World Cup?",
]


class ChatApp:
    """Holds the shared Assistant; each browser session keeps its own history in gr.State.
    `uploads`, given with the operator's `admin_token`, adds the upload panel.

    Example:
        >>> ChatApp(Assistant.default()).ask_api("Bộ trưởng Tô Lâm đã tiếp ai?")["quotes"][0]["title"]
    """

    def __init__(
        self,
        assistant: Assistant,
        admin_token: str | None = None,
        uploads: UploadQueue | None = None,
        feedback_path: Path | None = None,
    ) -> None:
        self.assistant = assistant
        self.panel = UploadPanel(uploads, admin_token) if admin_token and uploads is not None else None
        # beside an index folder; a database index has none, so its caller names the file
        self.feedback = FeedbackLog(feedback_path or Path(assistant.store.folder) / "feedback.jsonl")

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
        ui_lang = page_language(ui_lang)
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

    def vote(self, data: gr.LikeData, chat: list, answers: list, ui_lang: str):
        """A reader's 👍/👎 on an answer, from the server's own record of it, to the feedback log."""
        ui_lang = page_language(ui_lang)
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
        gr.Info(LABELS[ui_lang][self.feedback.add(bool(data.liked), answer, history)])

    def relabel(self, ui_lang: str):
        t = LABELS[page_language(ui_lang)]
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
        if self.panel is not None:
            labels += self.panel.relabel(t)
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
                    operator = self.panel.render(t) if self.panel is not None else []

            outputs = [question, chat, answers, evidence]
            inputs = [question, chat, answers, ui_lang, since, until]
            question.submit(self.respond, inputs, outputs, api_visibility="private")
            send.click(self.respond, inputs, outputs, api_visibility="private")
            clear.click(lambda: ([], [], ""), None, [chat, answers, evidence], api_visibility="private")
            if self.panel is not None:
                self.panel.listen(ui_lang)
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
