"""What the ingest makes of a raw text: the rules that clean it and turn it into articles.

Each rule is a pure function of the text: NFC, white space and site furniture (`clean_text`),
captions joined to their paragraph (`fold_captions`), the title and date a plain text opens with
(`split_headline`, `iso_date`), a lead that came as the title kept as the text's first paragraph
(`is_headline`, `headline_of`), ids (`slug`, `part_id`) and the hash duplicates are found by
(`content_hash`). The files these texts come from are read by qa/readers.py, which uses these rules.

Why bounded pieces: a text is split while it is read, never held whole past what one article may be
(qa/limits.py). A text longer than MAX_ARTICLE_CHARS is indexed as consecutive parts ("id", "id~2",
"id~3" …), cut at a paragraph, line, sentence or space (`cut_parts`), each part an article of its own
with the same title, date and url, so one is committed, skipped as a duplicate on a re-run or quoted,
like any other.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date

from qa.lang import languages
from qa.limits import DERIVED_TITLE_CHARS, MAX_ARTICLE_CHARS, MAX_TITLE_CHARS
from qa.text import nfc, split_sentences
from qa.types import Article

# The file types the ingest takes (qa/readers.py reads each kind; the page's upload offers them).
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".jsonl.gz", ".jsonl.xz", ".ndjson"}
SUPPORTED = sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES)
# Bumped when the reading rules change what an article's text or title becomes: indexes kept by the
# eval are named after it, so they are built again. 2: a lead that came as the title is the text's start.
INGEST_VERSION = 2
PART_MARK = "~"  # "id~2": never in an id of our own (slug() replaces it)

# Site furniture: view counters, share/search widgets, left at the top or bottom of copied pages.
FURNITURE = languages().articles.pattern("articles.furniture")
DATE_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
DATE_LINE = re.compile(r"^\s*(?:[^\n\d]{0,20})?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-|,]?\s*\d{1,2}:\d{2})?\s*$")
SENTENCE_PUNCT = tuple(".!?…:;")
PHOTO_CREDIT = languages().articles.pattern("articles.photo_credit")
CLOSERS = '"”’»)] '


def clean_text(text: str) -> str:
    """NFC, unify spaces and line ends, drop site furniture, keep paragraphs (blank-line separated)."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    text = re.sub(r"[ \t\u2009\u202f]+", " ", text)
    text = FURNITURE.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _is_caption(paragraph: str) -> bool:
    """A short line without closing punctuation: a photo caption, a byline, a sub-heading."""
    return (
        "\n" not in paragraph
        and len(paragraph.split()) <= 30
        and not paragraph.rstrip(CLOSERS).endswith(SENTENCE_PUNCT)
    )


def fold_captions(text: str) -> str:
    """Join caption-like paragraphs to the paragraph after them (the last one to the one before),
    so a caption never stands alone as a passage."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    out: list[str] = []
    pending: list[str] = []
    for p in paragraphs:
        if _is_caption(p):
            pending.append(p)
            continue
        out.append("\n".join([*pending, p]))
        pending = []
    if pending:
        if out:
            out[-1] = "\n".join([out[-1], *pending])
        else:
            out.append("\n".join(pending))
    return "\n\n".join(out)


def iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD from YYYY-MM-DD, YYYYMMDD or dd/mm/yyyy; None when it is not a real date."""
    if not value:
        return None
    value = str(value).strip()
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{4})(\d{2})(\d{2})$", "ymd"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
    ):
        m = re.match(pattern, value)
        if m:
            a, b, c = (int(x) for x in m.groups())
            y, mo, d = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


def split_headline(text: str) -> tuple[str, str | None, str]:
    """(title, date, body) of a plain-text article.

    The first line is the title when it looks like a headline (short, no closing punctuation);
    a date line right under it (27/04/2022) becomes the date. Otherwise the title is the quoted
    name the article opens with, or its first sentence.
    """
    lines = text.split("\n")
    title, found_date, body = "", None, text
    first = lines[0].strip()
    if first and len(first) <= 200 and not first.endswith(tuple(".!?…:;,")) and len(lines) > 1:
        title, rest = first.lstrip("# ").strip(), lines[1:]
        while rest and not rest[0].strip():
            rest = rest[1:]
        if rest and DATE_LINE.match(rest[0]):
            found_date = iso_date("/".join(DATE_LINE.match(rest[0]).groups()))
            rest = rest[1:]
        body = "\n".join(rest).strip()
    if not found_date:
        m = DATE_DMY.search(body[:600])
        found_date = iso_date(m.group(0)) if m else None
    if not title:
        quoted = re.match(r"^[\"“]([^\"”\n]{3,120})[\"”]", body)
        if quoted:
            title = quoted.group(1)
        else:
            spans = split_sentences(body[:1000])
            title = body[spans[0][0] : spans[0][1]] if spans else body[:120]
            if len(title) > DERIVED_TITLE_CHARS:
                title = title[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return title, found_date, body


def slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", nfc(name)).strip("-")[:120] or "article"


def content_hash(text: str) -> str:
    """Same text (case and white space aside) → same hash: how duplicates are found."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


# A "title" longer than this, or one that ends as a sentence does, is not a headline but the article's
# lead (its sapo) or a photo caption, as many scraped feeds deliver them (1,694 of the 2,653 Dân trí
# rows; a headline ends without a full stop).
HEADLINE_CHARS = 160
HEADLINE_SHOWN = 120  # characters of a lead's first sentence kept as the headline shown


def is_headline(title: str) -> bool:
    """`title` reads as a headline: short, not closed by a full stop, no photo credit."""
    bare = title.rstrip().rstrip(CLOSERS)
    return len(title) <= HEADLINE_CHARS and not bare.endswith((".", "…")) and not PHOTO_CREDIT.search(title)


def headline_of(lead: str) -> str:
    """What an article whose lead came as its title is cited by: the lead's first sentence, its photo
    credit left out, cut at a word before `HEADLINE_SHOWN` characters. Verbatim, never invented."""
    spans = split_sentences(lead)
    first = PHOTO_CREDIT.sub("", lead[spans[0][0] : spans[0][1]] if spans else lead).strip()
    if len(first) > HEADLINE_SHOWN:
        first = first[:HEADLINE_SHOWN].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return first


def make_article(
    article_id: str, text: str, source: str, title: str = "", when: str | None = None, url: str | None = None
) -> Article:
    """One article from its raw text; see `make_articles` for a text that may be long."""
    return next(iter(make_articles(article_id, text, source, title, when, url)))


def make_articles(
    article_id: str, text: str, source: str, title: str = "", when: str | None = None, url: str | None = None
) -> list[Article]:
    """The article (cleaned, titled, dated), or its parts when the text is over MAX_ARTICLE_CHARS.

    A title over MAX_TITLE_CHARS is no headline (dantri's "titles" are often the lead): it is kept,
    as the text's first paragraph, and the title is taken from it as from an untitled text.

    Raises:
        ValueError: no text.
    """
    if len(title) > MAX_TITLE_CHARS:
        text, title = f"{title}\n\n{text}", ""
    text = clean_text(text)
    title = clean_text(title) if title else ""
    if not title:
        title, found, text = split_headline(text)
        when = when or found
    elif not is_headline(title):
        # the lead is part of the article, often its key facts: it becomes the first paragraph, so
        # it is searched, quoted and highlighted like the rest; the headline is its first sentence
        if not text.startswith(title):
            text = f"{title}\n\n{text}"
        title = headline_of(title)
    text = fold_captions(text)
    if not text.strip():
        raise ValueError("no text")
    title, day = nfc(title).strip(), iso_date(when)
    return [
        Article(id=part_id(article_id, n), text=piece, title=title, date=day, url=url, source=source)
        for n, piece in enumerate(cut_parts([text]), 1)
    ]


def part_id(article_id: str, number: int) -> str:
    """The id of an article's `number`th part: its own id for the first."""
    return article_id if number == 1 else f"{article_id}{PART_MARK}{number}"


_SENTENCE_STOP = re.compile(r"[.!?…][\"”’)\]]*\s")


def _cut(text: str, limit: int) -> int:
    """Where to end a piece of `text` of at most `limit` characters: after its last paragraph
    break, line break, sentence or space in the second half, else at `limit`."""
    window = text[limit // 2 : limit]
    for mark in ("\n\n", "\n"):
        at = window.rfind(mark)
        if at >= 0:
            return limit // 2 + at + len(mark)
    stops = list(_SENTENCE_STOP.finditer(window))
    if stops:
        return limit // 2 + stops[-1].end()
    at = max(window.rfind(" "), window.rfind("\t"))
    return limit // 2 + at + 1 if at >= 0 else limit


def cut_parts(chunks: Iterable[str], limit: int | None = None) -> Iterator[str]:
    """The text the `chunks` make, in pieces of at most `limit` (MAX_ARTICLE_CHARS) characters
    (`_cut`), reading on only as far as the next piece needs."""
    limit = limit or MAX_ARTICLE_CHARS
    buffer, yielded = "", False
    for chunk in chunks:
        buffer += chunk
        while len(buffer) > limit:
            end = _cut(buffer, limit)
            piece, buffer = buffer[:end], buffer[end:]
            if piece.strip():
                yield piece
                yielded = True
    if buffer.strip() or not yielded:  # a text with nothing in it is still one (empty) piece
        yield buffer
