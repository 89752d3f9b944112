"""Read articles from files: .txt, .md, .html, .jsonl (also .jsonl.gz / .jsonl.xz), or folders of them.

Every reader yields `(source, Article)` or `(source, reason)` for what it could not read, so one bad
file (binary, mis-encoded, empty, too big) or one bad JSON line (not JSON, nested too deep, a field
of the wrong type, a lone surrogate, over the line limit) is reported, with its file and line
number, while the rest goes in.

Why bounded pieces: a text is read and split while it is read, never held whole past what one
article may be (qa/limits.py). A text longer than MAX_ARTICLE_CHARS is indexed as consecutive
parts ("id", "id~2", "id~3" …), cut at a paragraph, line, sentence or space, each part an article
of its own with the same title, date and url, so one is committed, skipped as a duplicate on a
re-run or quoted, like any other. A `Meter` counts the bytes read, for a progress bar that means
something.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import lzma
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from qa.lang import languages
from qa.limits import (
    DERIVED_TITLE_CHARS,
    MAX_ARTICLE_CHARS,
    MAX_FILE_BYTES,
    MAX_HTML_BYTES,
    MAX_LINE_BYTES,
    MAX_TITLE_CHARS,
    unpaired_surrogate,
)
from qa.text import nfc, split_sentences
from qa.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".jsonl.gz", ".jsonl.xz", ".ndjson"}
SUPPORTED = sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES)
# Bumped when the reading rules change what an article's text or title becomes: indexes kept by the
# eval are named after it, so they are built again. 2: a lead that came as the title is the text's start.
INGEST_VERSION = 2
READ_BYTES = 1 << 20  # a text file is read this much at a time
PART_MARK = "~"  # "id~2": never in an id of our own (slug() replaces it)

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


@dataclass
class Meter:
    """How far `read_paths` has got: bytes of the files given (compressed bytes for .gz / .xz)."""

    total: int = 0
    done: int = 0
    current: str = ""  # the file being read


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
        for n, piece in enumerate(_pieces([text]), 1)
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


def _pieces(chunks, limit: int | None = None) -> Iterator[str]:
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


def _decoded(f: BinaryIO) -> Iterator[str]:
    """The UTF-8 text of `f`, READ_BYTES at a time (a BOM dropped).

    Raises:
        ValueError: a byte that is not UTF-8, with its offset in the file.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    offset = 0
    while True:
        data = f.read(READ_BYTES)
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {offset + exc.start}); save it as UTF-8") from exc
        offset += len(data)
        if text:
            yield text
        if not data:
            return


def _read_text_file(path: Path, meter: Meter | None = None) -> Iterator[ReadResult]:
    """A text file, read and cut into parts as it is read: memory stays bounded by a part."""
    source, base = str(path), meter.done if meter else 0
    try:
        with path.open("rb") as f:
            if b"\x00" in f.read(8192):
                raise ValueError("binary file, not text")
            f.seek(0)
            if path.stat().st_size > READ_BYTES:  # all or nothing: check the encoding first
                for _ in _decoded(f):
                    pass
                f.seek(0)
            first: Article | None = None
            consumed = 0
            for number, piece in enumerate(_pieces(_decoded(f)), 1):
                consumed += len(piece.encode("utf-8"))
                if meter is not None:  # the bytes of the pieces handed on, not of those read ahead
                    meter.done = base + consumed
                if first is None:
                    first = make_article(slug(path.stem), piece, source)
                    yield source, first
                    continue
                try:
                    yield source, make_article(part_id(first.id, number), piece, source, first.title, first.date)
                except ValueError:  # a part that cleaning left empty (site furniture alone)
                    continue
    except ValueError as exc:
        yield source, str(exc)
    except OSError as exc:
        yield source, f"cannot read: {exc}"


def _read_html_file(path: Path, meter: Meter | None = None) -> Iterator[ReadResult]:
    import trafilatura
    from lxml.etree import LxmlError

    try:
        html = _decode(path.read_bytes())
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_recall=True)
        if doc is None or not (doc.text or "").strip():
            raise ValueError("no article text found in the HTML")
        url = doc.url if isinstance(doc.url, str) else None
        for article in make_articles(slug(path.stem), doc.text, str(path), doc.title or "", doc.date, url):
            yield str(path), article
    except (ValueError, LxmlError) as exc:
        yield str(path), str(exc) or "no article text found in the HTML"
    except OSError as exc:
        yield str(path), f"cannot read: {exc}"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _open_lines(path: Path):
    """The lines of a (compressed) JSON Lines file as text, for tools that read one whole (bench/)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="strict")
    if name.endswith(".xz"):
        return lzma.open(path, "rt", encoding="utf-8", errors="strict")
    return path.open(encoding="utf-8-sig", errors="strict")


def _open_binary_lines(raw: BinaryIO, path: Path) -> BinaryIO:
    """`raw` decompressed as its name says, read as bytes: a line's length is bounded before it is decoded."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if name.endswith(".xz"):
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def _field(row: dict, name: str, kinds: tuple[type, ...]) -> object:
    """`row[name]` when it is None or one of `kinds` (never a bool), else ValueError."""
    value = row.get(name)
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        if isinstance(value, str) and (bad := unpaired_surrogate(value)):
            raise ValueError(f"'{name}' holds {bad}, half of a UTF-16 pair, which is not text")
        return value
    wanted = " or ".join("a string" if k is str else "a number" for k in kinds)
    raise ValueError(f"'{name}' must be {wanted}, not {type(value).__name__}")


def row_articles(row: object, where: str) -> list[Article]:
    """The article (or its parts) in one JSON Lines row: `text` (a string), optional `id`,
    `title`, `url` (strings; an id or title may be a number), `date` (a string or YYYYMMDD).

    Raises:
        ValueError: the reason the row is not an article.
    """
    if not isinstance(row, dict):
        raise ValueError("no 'text' field: the line is not a JSON object")
    text = _field(row, "text", (str,))
    if not text or not text.strip():
        raise ValueError("no 'text' field")
    raw_id = _field(row, "id", (str, int))
    title = _field(row, "title", (str, int, float))
    when = _field(row, "date", (str, int))
    url = _field(row, "url", (str,))
    article_id = slug(str(raw_id or content_hash(text)[:16]))
    return make_articles(
        article_id, text, where, str(title) if title else "", str(when) if when is not None else None, url
    )


def _skip_rest_of_line(lines: BinaryIO) -> None:
    while True:
        rest = lines.readline(READ_BYTES)
        if not rest or rest.endswith(b"\n"):
            return


def _read_jsonl_file(path: Path, meter: Meter | None = None) -> Iterator[ReadResult]:
    """One article per line, read a line at a time (never more than MAX_LINE_BYTES of one)."""
    base = meter.done if meter else 0
    try:
        raw = path.open("rb")
    except OSError as exc:
        yield str(path), f"cannot read: {exc}"
        return
    number = 0
    with raw, _open_binary_lines(raw, path) as lines:
        while True:
            try:
                line = lines.readline(MAX_LINE_BYTES + 1)
            except (OSError, EOFError, lzma.LZMAError) as exc:
                yield str(path), f"cannot read past line {number}: {exc}"
                return
            if not line:
                return
            number += 1
            where = f"{path}:{number}"
            if meter is not None:
                meter.done = base + raw.tell()
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                try:
                    _skip_rest_of_line(lines)
                except (OSError, EOFError, lzma.LZMAError) as exc:
                    yield str(path), f"cannot read past line {number}: {exc}"
                    return
                yield where, f"line over {MAX_LINE_BYTES // 2**20} MiB: too long for one article"
                continue
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8"))
                for article in row_articles(row, where):
                    yield where, article
            except UnicodeDecodeError as exc:
                yield where, f"malformed line: not UTF-8 (byte {exc.start} of the line)"
            except RecursionError:
                yield where, "malformed line: JSON nested too deeply"
            except ValueError as exc:
                yield where, f"malformed line: {exc}"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in JSONL_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and _suffix(p) in SUPPORTED)


def total_bytes(paths: list[str | Path]) -> int:
    """The bytes `read_paths` will read (compressed bytes for .gz / .xz), for a progress bar."""
    total = 0
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            if path.is_dir():
                total += total_bytes(_files_in(path))
            elif path.is_file() and _suffix(path) in SUPPORTED:
                total += path.stat().st_size
        except OSError:
            continue
    return total


def count_items(paths: list[str | Path]) -> int:
    """How many results `read_paths` will yield (articles or failures), counting a JSON Lines
    file line by line; the ingest's progress counts bytes instead (`total_bytes`)."""
    total = 0
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            total += count_items(_files_in(path)) or 1
        elif path.is_file() and _suffix(path) in JSONL_SUFFIXES:
            try:
                with path.open("rb") as f, _open_binary_lines(f, path) as lines:
                    total += sum(1 for line in lines if line.strip()) or 1
            except (OSError, EOFError, lzma.LZMAError):
                total += 1
        else:
            total += 1
    return total


def read_paths(paths: list[str | Path], meter: Meter | None = None) -> Iterator[ReadResult]:
    """Yield every article (or failure reason) found in the given files and folders; `meter`,
    when given, counts the bytes read as it goes."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = _files_in(path)
            if not files:
                yield str(path), f"no {', '.join(SUPPORTED)} files in the folder"
            yield from read_paths(files, meter)
            continue
        if not path.is_file():
            yield str(path), "no such file"
            continue
        suffix = _suffix(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            yield str(path), f"cannot read: {exc}"
            continue
        start = meter.done if meter else 0
        if meter is not None:
            meter.current = str(path)
        if suffix not in SUPPORTED:
            yield str(path), f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}"
            continue
        if size == 0:
            yield str(path), "empty file"
        elif suffix in HTML_SUFFIXES and size > MAX_HTML_BYTES:
            yield str(path), f"HTML file over {MAX_HTML_BYTES // 2**20} MiB: save the article's page alone"
        elif size > MAX_FILE_BYTES and suffix not in JSONL_SUFFIXES:
            yield str(path), f"file over {MAX_FILE_BYTES // 2**20} MiB"
        elif suffix in TEXT_SUFFIXES:
            yield from _read_text_file(path, meter)
        elif suffix in HTML_SUFFIXES:
            yield from _read_html_file(path, meter)
        else:
            yield from _read_jsonl_file(path, meter)
        if meter is not None:
            meter.done = start + size
