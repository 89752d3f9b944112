"""Every limit on what comes in, in one place, and the checks that hold them at the boundary.

Why limits: the assistant serves readers it does not know. Without a bound, one request (a 6.5 MB
history entry) or one file (a 50 MB single line) costs minutes of CPU or gigabytes of memory, and
everyone else waits. Each bound is far above what real use needs (the figures say how far), and
each refusal is a `QAError` with a one-line message: the API raises it, the CLI prints it as
`error: …` and exits 2, the chat page shows it.

| limit | value | real use |
| --- | --- | --- |
| question | 2,000 characters | a question is a sentence or two |
| history | 200 entries; a user turn 2,000 characters, another message 50,000 | the last 3 questions are read |
| k (quotes) | 1 to 20 | the page shows 3, the eval asks for 10 |
| title | 1,000 characters; a longer one is kept as the text's first paragraph | dantri's longest (a lead): 856 |
| article | 200,000 characters; a longer text is indexed in parts of at most that | longest of 38,000 real: 37,006 |
| JSON Lines line | 8 MiB | the longest real line is 50 KB |
| file | 200 MiB (.txt/.md, read in bounded pieces; .jsonl streamed line by line, any size) | |
| HTML file | 10 MiB (parsed whole) | a news page is under 2 MB |
| page upload | 50 MiB a file, 20 files, 8 uploads waiting | |
| feedback file | 50 MiB | |
| a request to the page's server | 4 MiB, refused before it is read | the largest /chat request accepted: 2.4 MB |
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from qa.errors import BadArgument, BadHistory, BadQuestion
from qa.text import nfc
from store import DateRange

MAX_QUESTION_CHARS = 2_000
MAX_HISTORY_ENTRIES = 200
MAX_HISTORY_MESSAGE_CHARS = 50_000  # an assistant's message: an answer bubble with its quotes
MAX_K = 20
MAX_TITLE_CHARS = 1_000
DERIVED_TITLE_CHARS = 150  # a title made from a long one: its first sentence, cut here
MAX_ARTICLE_CHARS = 200_000
MAX_LINE_BYTES = 8 * 2**20
MAX_FILE_BYTES = 200 * 2**20
MAX_HTML_BYTES = 10 * 2**20
MAX_UPLOAD_BYTES = 50 * 2**20
MAX_UPLOAD_FILES = 20
MAX_QUEUED_UPLOADS = 8
MAX_FEEDBACK_BYTES = 50 * 2**20
# A request to the page's server (the largest /chat request the limits above accept, JSON-escaped,
# is 2.4 MB); file uploads have their own limit, MAX_UPLOAD_BYTES.
MAX_REQUEST_BYTES = 4 * 2**20


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def unpaired_surrogate(text: str) -> str | None:
    """The first lone UTF-16 surrogate in `text` (JSON's "\\udc00", a mis-decoded byte in argv),
    which is not a character and no encoder takes, as U+XXXX; None when there is none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"U+{ord(text[exc.start]):04X}"
    return None


def check_question(question: object) -> str:
    """The question NFC-normalised and stripped.

    Raises:
        BadQuestion: not text, holds a lone surrogate, empty, or over MAX_QUESTION_CHARS.
    """
    if question is None:
        question = ""
    if not isinstance(question, str):
        raise BadQuestion(f"the question must be text, not {_kind(question)}")
    bad = unpaired_surrogate(question)
    if bad:
        raise BadQuestion(f"the question holds {bad}, half of a UTF-16 pair, which is not text; send UTF-8")
    question = nfc(question).strip()
    if not question:
        raise BadQuestion("the question is empty: type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"the question is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS:,}")
    return question


def check_k(k: object) -> int:
    """How many quotes: an integer from 1 to MAX_K (an integral float, as JSON may send it, too).

    Raises:
        BadArgument: anything else.
    """
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int):
        raise BadArgument(f"k must be a whole number from 1 to {MAX_K}, not {_kind(k)}")
    if not 1 <= k <= MAX_K:
        raise BadArgument(f"k must be greater than 0 and at most {MAX_K}, not {k}")
    return k


def _content_text(content: object, where: str) -> str:
    """A chat message's text: a string, or a list of parts of which those {"text": …} count
    (Gradio's form); None or a file (a dict) has none."""
    if content is None or isinstance(content, dict):
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise BadHistory(f"{where} has content of type {_kind(content)}; give a string or a list of parts")
    texts = []
    for part in content:
        if isinstance(part, dict) and "text" in part:
            if not isinstance(part["text"], str):
                raise BadHistory(f"{where} has a part whose text is {_kind(part['text'])}, not a string")
            texts.append(part["text"])
    return " ".join(texts)


def check_history(history: object) -> list[str]:
    """The earlier user questions in `history` (strings, or chat messages {"role", "content"}
    of which the user's count), stripped, empty ones left out.

    Raises:
        BadHistory: not a list, over MAX_HISTORY_ENTRIES entries, an entry that is neither a
            string nor a message, a lone surrogate, a user turn over MAX_QUESTION_CHARS or
            another message over MAX_HISTORY_MESSAGE_CHARS.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Sequence):
        raise BadHistory(
            f"history must be a list of earlier questions or chat messages, not {_kind(history)}"
            + (" (one question? put it in a list)" if isinstance(history, str) else "")
        )
    if len(history) > MAX_HISTORY_ENTRIES:
        raise BadHistory(
            f"history has {len(history):,} entries; send at most the last {MAX_HISTORY_ENTRIES} (the last 3 are read)"
        )
    out = []
    for number, item in enumerate(history, 1):
        where = f"history entry {number}"
        if isinstance(item, str):
            text, user = item, True
        elif isinstance(item, dict):
            role = item.get("role", "user")
            if not isinstance(role, str):
                raise BadHistory(f"{where} has a role of type {_kind(role)}; use 'user' or 'assistant'")
            text, user = _content_text(item.get("content", ""), where), role == "user"
        else:
            raise BadHistory(f"{where} is {_kind(item)}; give a string or a {{'role', 'content'}} message")
        limit = MAX_QUESTION_CHARS if user else MAX_HISTORY_MESSAGE_CHARS
        # measured composed, as the question is (decomposed Vietnamese is up to 3 times longer)
        if len(text) > limit and (len(text) > 3 * limit or len(nfc(text)) > limit):
            raise BadHistory(f"{where} is {len(text):,} characters long; at most {limit:,}")
        bad = unpaired_surrogate(text)
        if bad:
            raise BadHistory(f"{where} holds {bad}, half of a UTF-16 pair, which is not text; send UTF-8")
        if user and text.strip():
            out.append(text.strip())
    return out


def check_dates(since: str | None = None, until: str | None = None) -> DateRange | None:
    """The publication dates a question is limited to, from ISO dates (either may be None).

    Raises:
        BadQuestion: a date that is not YYYY-MM-DD, or `since` after `until`.
    """
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise BadQuestion(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None
    if since and until and since > until:
        raise BadQuestion(f"since ({since}) is after until ({until}): no article can be in that range")
    dates = DateRange(since or None, until or None)
    return dates if dates else None
