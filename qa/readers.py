"""Reads the files and folders given to an ingest (text in 1 MiB parts, HTML, JSON Lines a line at a time) into
articles in bounded memory, reporting each file or line it cannot read, so qa/ingest.py keeps to pure text rules."""

from __future__ import annotations

import codecs
import gzip
import json
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from qa.ingest import (
    HTML_SUFFIXES,
    JSONL_SUFFIXES,
    SUPPORTED,
    TEXT_SUFFIXES,
    content_hash,
    cut_parts,
    make_article,
    make_articles,
    part_id,
    slug,
)
from qa.limits import MAX_FILE_BYTES, MAX_HTML_BYTES, MAX_LINE_BYTES, unpaired_surrogate
from qa.types import Article

READ_BYTES = 1 << 20  # a text file is read this much at a time

# Every reader yields `(source, Article)` or `(source, reason)` for what it could not read, so one bad
# file (binary, mis-encoded, empty, too big) or one bad JSON line (not JSON, nested too deep, a field
# of the wrong type, a lone surrogate, over the line limit) is reported, with its file and line
# number, while the rest goes in.
ReadResult = tuple[str, Article | str]


@dataclass
class Meter:
    """How far `read_paths` has got: bytes of the files given (compressed bytes for .gz / .xz)."""

    total: int = 0
    done: int = 0
    current: str = ""  # the file being read


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
            for number, piece in enumerate(cut_parts(_decoded(f)), 1):
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


def open_lines(path: Path) -> TextIO:
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
