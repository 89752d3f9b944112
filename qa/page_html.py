"""The chat page's HTML, apart from its widgets: an `Answer` as a chat bubble and an evidence panel
whose article text is escaped so nothing in it renders or runs, and the chat sent back read as text."""

from __future__ import annotations

import html

from qa.errors import BadHistory
from qa.lang import languages
from qa.limits import MAX_HISTORY_ENTRIES
from qa.text import day_month_year
from qa.types import Answer, Quote

# The page's words, per language pack ([ui] in qa/lang/<code>.toml); the first is the default.
LABELS = {pack.code: pack.get("ui") for pack in languages() if pack.get("ui")}
CSS = """
mark.hl { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; }
.quote { border-left: 4px solid #4a90d9; padding: 4px 10px; margin: 6px 0; white-space: pre-wrap; }
.cite { font-size: 0.85em; opacity: 0.8; }
.abstain { border-left: 4px solid #999; padding: 4px 10px; font-style: italic; }
.rewritten { font-size: 0.85em; opacity: 0.7; }
"""
MARKDOWN_SPECIALS = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~>"})


def page_language(code: object) -> str:
    """The page language `code` names, or the default one when it names none."""
    return code if code in LABELS else next(iter(LABELS))


def safe(text: str) -> str:
    """Article text is data: escape HTML and every Markdown sign so nothing in it renders or runs."""
    return html.escape(text, quote=True).translate(MARKDOWN_SPECIALS)


def quote_html(text: str, highlights: list[tuple[int, int]]) -> str:
    """`text` escaped, its `highlights` (character spans) marked."""
    out, cursor = [], 0
    for start, end in sorted(highlights):
        out.append(safe(text[cursor:start]))
        out.append(f'<mark class="hl">{safe(text[start:end])}</mark>')
        cursor = end
    out.append(safe(text[cursor:]))
    return "".join(out)


def citation_html(quote: Quote, lang: str) -> str:
    """The quote's article title, date, link (http(s) only) and passage number."""
    parts = [f"<b>{safe(quote.title)}</b>"]
    if quote.date:
        parts.append(day_month_year(quote.date) if LABELS[lang]["date_style"] == "day_month_year" else quote.date)
    if quote.url and quote.url.startswith(("http://", "https://")):
        parts.append(f'<a href="{html.escape(quote.url, quote=True)}" target="_blank" rel="noopener">link</a>')
    parts.append(f"{LABELS[lang]['passage']} {quote.position + 1}")
    return '<div class="cite">— ' + " · ".join(parts) + "</div>"


def relevance(score: float, best: float) -> str:
    """One to five dots: `score` against the `best` quote's."""
    filled = max(1, min(5, round(5 * score / best))) if best > 0 else 1
    return "●" * filled + "○" * (5 - filled)


def answer_html(answer: Answer, ui_lang: str) -> str:
    """The chat bubble: the frame in the question's language, the short answer in bold, the top
    quote with its highlighted sentence and citation, then the other quotes' highlighted sentences."""
    labels = LABELS[ui_lang]
    parts = []
    if answer.rewritten:
        parts.append(f'<div class="rewritten">{labels["understood"]}: “{safe(answer.effective_query)}”</div>')
    if answer.abstained or not answer.quotes:
        parts.append(f'<div class="abstain">{safe(answer.message)}</div>')
        return "".join(parts)
    top = answer.quotes[0]
    parts.append(f"<p>{safe(answer.message)}</p>")
    if answer.short_answer is not None:
        parts.append(f'<p class="short"><b>{safe(answer.short_answer.text)}</b></p>')
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
    """The evidence panel: every quote of the latest answer whole, with its relevance and citation."""
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
