"""Read articles from files: .txt, .md, .html, .jsonl (also .jsonl.gz / .jsonl.xz), or folders of them.

Every reader yields `(source, Article)` or `(source, reason)` for what it could not read, so one bad
file (binary, mis-encoded, empty, a malformed JSON line) is reported while the rest goes in.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from qa.lang import languages
from qa.text import nfc, split_sentences
from qa.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".jsonl.gz", ".jsonl.xz", ".ndjson"}
SUPPORTED = sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES)
MAX_FILE_BYTES = 200 * 1024 * 1024
# Bumped when the reading rules change what an article's text or title becomes: indexes kept by the
# eval are named after it, so they are built again. 2: a lead that came as the title is the text's start.
INGEST_VERSION = 2

# Site furniture: view counters, share/search widgets, left at the top or bottom of copied pages.
FURNITURE = languages().articles.pattern("articles.furniture")
DATE_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
DATE_LINE = re.compile(r"^\s*(?:[^\n\d]{0,20})?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-|,]?\s*\d{1,2}:\d{2})?\s*$")
SENTENCE_PUNCT = tuple(".!?…:;")
PHOTO_CREDIT = languages().articles.pattern("articles.photo_credit")
CLOSERS = '"”’»)] '

ReadResult = tuple[str, Article | str]


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
            if len(title) > 150:
                title = title[:150].rsplit(" ", 1)[0] + "…"
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
    return Article(id=article_id, text=text, title=nfc(title).strip(), date=iso_date(when), url=url, source=source)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _read_text_file(path: Path) -> Iterator[ReadResult]:
    try:
        yield str(path), make_article(slug(path.stem), _decode(path.read_bytes()), str(path))
    except ValueError as exc:
        yield str(path), str(exc)


def _read_html_file(path: Path) -> Iterator[ReadResult]:
    import trafilatura

    try:
        html = _decode(path.read_bytes())
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_recall=True)
        if doc is None or not (doc.text or "").strip():
            raise ValueError("no article text found in the HTML")
        yield str(path), make_article(slug(path.stem), doc.text, str(path), doc.title or "", doc.date, doc.url)
    except ValueError as exc:
        yield str(path), str(exc)


def _open_lines(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="strict")
    if name.endswith(".xz"):
        return lzma.open(path, "rt", encoding="utf-8", errors="strict")
    return path.open(encoding="utf-8-sig", errors="strict")


def _read_jsonl_file(path: Path) -> Iterator[ReadResult]:
    try:
        with _open_lines(path) as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    row = json.loads(line)
                    if not isinstance(row, dict) or not str(row.get("text") or "").strip():
                        raise ValueError("no 'text' field")
                    article_id = slug(str(row.get("id") or content_hash(row["text"])[:16]))
                    yield (
                        where,
                        make_article(
                            article_id,
                            str(row["text"]),
                            where,
                            str(row.get("title") or ""),
                            row.get("date"),
                            row.get("url"),
                        ),
                    )
                except (ValueError, TypeError) as exc:
                    yield where, f"malformed line: {exc}"
    except (UnicodeDecodeError, OSError, EOFError, lzma.LZMAError) as exc:
        yield str(path), f"cannot read: {exc}"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in JSONL_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def count_items(paths: list[str | Path]) -> int:
    """How many results `read_paths` will yield (articles or failures), for a progress bar with ETA.

    JSON Lines files are counted line by line, which is cheap next to embedding them."""
    total = 0
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            total += count_items(sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p) in SUPPORTED)) or 1
        elif path.is_file() and _suffix(path) in JSONL_SUFFIXES:
            try:
                with _open_lines(path) as lines:
                    total += sum(1 for line in lines if line.strip()) or 1
            except (UnicodeDecodeError, OSError, EOFError, lzma.LZMAError):
                total += 1
        else:
            total += 1
    return total


def read_paths(paths: list[str | Path]) -> Iterator[ReadResult]:
    """Yield every article (or failure reason) found in the given files and folders."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p) in SUPPORTED)
            if not files:
                yield str(path), f"no {', '.join(SUPPORTED)} files in the folder"
            yield from read_paths(files)
            continue
        if not path.is_file():
            yield str(path), "no such file"
            continue
        suffix = _suffix(path)
        if suffix not in SUPPORTED:
            yield str(path), f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}"
        elif path.stat().st_size == 0:
            yield str(path), "empty file"
        elif path.stat().st_size > MAX_FILE_BYTES and suffix not in JSONL_SUFFIXES:
            yield str(path), f"file over {MAX_FILE_BYTES // 2**20} MB"
        elif suffix in TEXT_SUFFIXES:
            yield from _read_text_file(path)
        elif suffix in HTML_SUFFIXES:
            yield from _read_html_file(path)
        else:
            yield from _read_jsonl_file(path)
