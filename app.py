"""The chat page: ask in Vietnamese or English, get the answering sentence highlighted in its quoted
passage with a citation, follow up, upload articles, vote on answers.

Run: python app.py [--index DIR] [--host 127.0.0.1] [--port 7860]   (or: python -m qa serve)
This file only renders `Answer`s; retrieval and quoting live in qa/.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from qa import Answer, Assistant, QAError  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.conversation import content_text  # noqa: E402
from qa.ingest import SUPPORTED  # noqa: E402
from qa.lang import languages  # noqa: E402
from qa.text import day_month_year  # noqa: E402
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
    """The plain text of a chat message (Gradio may hand content back as a list of parts)."""
    return html.unescape(content_text(message.get("content", "")))


class ChatApp:
    """Holds the shared Assistant; each browser session keeps its own history in gr.State."""

    def __init__(self, assistant: Assistant, feedback_path: Path | None = None) -> None:
        self.assistant = assistant
        # beside an index folder; a database index has none, so its caller names the file
        self.feedback_path = feedback_path or Path(assistant.store.folder) / "feedback.jsonl"
        self._feedback_lock = threading.Lock()

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
        try:
            answer = self.assistant.ask(
                question, history=history or None, k=int(k), since=since or None, until=until or None
            )
            return answer.to_dict()
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def respond(self, message: str, chat: list, answers: list, ui_lang: str, since: str = "", until: str = ""):
        message = (message or "").strip()
        if not message:
            return gr.update(), chat, answers, gr.update()
        history = [message_text(m) for m in chat if m["role"] == "user"]
        try:
            answer = self.assistant.ask(
                message, history=history, since=(since or "").strip() or None, until=(until or "").strip() or None
            )
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        chat = [
            *chat,
            {"role": "user", "content": safe(message)},
            {"role": "assistant", "content": answer_html(answer, ui_lang)},
        ]
        answers = [*answers, answer.to_dict()]
        return "", chat, answers, evidence_html(answer, ui_lang)

    def upload(self, files, ui_lang: str, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        if not files:
            return ""
        paths = [f if isinstance(f, str) else f.name for f in files]
        report = self.assistant.add(paths, progress=True)
        lines = [
            LABELS[ui_lang]["added"].format(
                added=len(report.added) + len(report.updated),
                passages=report.passages,
                dup=len(report.duplicates),
                failed=len(report.failed),
            )
        ]
        lines += [f"- {safe(Path(s).name)}: {safe(r)}" for s, r in report.failed]
        return "\n".join(lines)

    def vote(self, data: gr.LikeData, chat: list, answers: list, ui_lang: str):
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer_no = (index - 1) // 2  # messages alternate user / assistant
        if not 0 <= answer_no < len(answers):
            return
        answer = answers[answer_no]
        history = [message_text(m) for m in chat[: index - 1] if m["role"] == "user"]
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "vote": "up" if data.liked else "down",
            "question": answer["question"],
            "history": history,
            "answer": answer,
        }
        with self._feedback_lock, self.feedback_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        gr.Info(LABELS[ui_lang]["thanks"])

    @staticmethod
    def relabel(ui_lang: str):
        t = LABELS[ui_lang]
        return (
            t["title"],
            gr.update(label=t["question"], placeholder=t["placeholder"]),
            gr.update(value=t["send"]),
            gr.update(value=t["clear"]),
            gr.update(label=t["chat"]),
            gr.update(label=t["upload"]),
            gr.update(value=t["add"]),
            gr.update(label=t["evidence"]),
            gr.update(label=t["since"]),
            gr.update(label=t["until"]),
        )

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
                    files = gr.File(label=t["upload"], file_count="multiple", file_types=SUPPORTED, elem_id="upload")
                    add = gr.Button(t["add"], elem_id="add")
                    report = gr.Markdown(elem_id="report")

            outputs = [question, chat, answers, evidence]
            inputs = [question, chat, answers, ui_lang, since, until]
            question.submit(self.respond, inputs, outputs, api_visibility="private")
            send.click(self.respond, inputs, outputs, api_visibility="private")
            clear.click(lambda: ([], [], ""), None, [chat, answers, evidence], api_visibility="private")
            add.click(self.upload, [files, ui_lang], report, api_visibility="private")
            chat.like(self.vote, [chat, answers, ui_lang], None, api_visibility="private")
            ui_lang.change(
                self.relabel,
                ui_lang,
                [title, question, send, clear, chat, files, add, evidence_box, since, until],
                api_visibility="private",
            )
            gr.api(self.ask_api, api_name="chat")
        return demo


def build_app(assistant: Assistant, feedback_path: Path | None = None) -> gr.Blocks:
    return ChatApp(assistant, feedback_path).build()


def launch(
    index: str | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    backend: str = "onnx-int8",
    model_name: str | None = None,
    prevent_thread_lock: bool = False,
):
    """Open the index (`index`, else $NEWSQA_INDEX_URL, else the built-in articles) and serve the page."""
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
    demo = build_app(assistant, feedback)
    demo.queue(default_concurrency_limit=4, max_size=256)
    log.warning("ready in %.1f s: http://%s:%d", time.perf_counter() - started, host, port)
    demo.launch(
        server_name=host,
        server_port=port,
        theme=gr.themes.Default(font=["sans-serif"], font_mono=["monospace"]),
        css=CSS,
        show_error=True,
        prevent_thread_lock=prevent_thread_lock,
        footer_links=["api"],
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        launch(args.index, args.host, args.port, args.backend, model_name=args.model)
    except QAError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
