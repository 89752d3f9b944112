"""What goes into an index and what comes back out of it: articles, passages, stored rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Article:
    """One news article, cleaned and NFC-normalized."""

    id: str
    text: str
    title: str = ""
    date: str | None = None  # ISO YYYY-MM-DD
    url: str | None = None
    source: str = ""  # file path or "builtin"


@dataclass
class Passage:
    """A piece of an article small enough for the model; offsets are into `Article.text`."""

    article_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]  # (start, end) into `text`


@dataclass
class IndexedPassage:
    """A passage with everything the index keeps of it, as one forward pass of the model gives it."""

    passage: Passage
    vector: np.ndarray  # (dim,) unit vector
    sentence_vectors: np.ndarray  # (sentences, dim) unit vectors
    terms: list[str]  # BM25 terms (qa.text.search_terms of title and text)
    alignment_codes: bytes | None = None  # embeddings.alignment.pack of its tokens' alignment states
    sentence_tokens: list[tuple[int, int]] | None = None  # each sentence's rows [start, end) in the codes


@dataclass
class StoredPassage:
    """A passage row joined with its article's citation fields."""

    id: int
    article_id: str
    position: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    url: str | None
    source: str


@dataclass
class StoredSentence:
    start: int
    end: int
    vector: np.ndarray
    tokens: tuple[int, int] | None = None  # its rows [start, end) in the passage's alignment codes


@dataclass(frozen=True)
class DateRange:
    """Articles published from `since` to `until`, both ISO dates and inclusive; None is open."""

    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return bool(self.since or self.until)

    def holds(self, date: str | None) -> bool:
        if not self:
            return True
        if date is None:
            return False
        return (self.since is None or date >= self.since) and (self.until is None or date <= self.until)
