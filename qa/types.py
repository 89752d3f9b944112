"""The data that crosses package boundaries: articles and passages going in (defined by the store,
which keeps them), answers coming out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from qa.abstention import Decision, Signals
from store.types import Article, Passage

__all__ = ["Answer", "Article", "IngestReport", "Passage", "Quote", "ShortAnswer"]


@dataclass
class Quote:
    """A passage quoted as evidence, with the answering sentence(s) as character spans of `text`."""

    article_id: str
    title: str
    date: str | None
    url: str | None
    text: str
    highlights: list[tuple[int, int]]
    score: float
    passage_id: int = 0
    position: int = 0  # passage number within its article, from 0
    start: int = 0  # offset of `text` in the article
    source: str = ""

    @property
    def highlighted_text(self) -> list[str]:
        return [self.text[s:e] for s, e in self.highlights]


@dataclass
class ShortAnswer:
    """The fact asked for (a date, a number with its unit, a sum, a name), verbatim from the top
    quote's highlighted sentence: `text` is `quote.text[start:end]`."""

    text: str
    start: int
    end: int
    kind: str


@dataclass
class Answer:
    """What `Assistant.ask` returns; the CLI's --json, the chat page and the eval runner all read it."""

    question: str
    abstained: bool
    language: str  # a language pack's code: "vi" or "en"
    effective_query: str
    quotes: list[Quote] = field(default_factory=list)
    message: str = ""  # the frame around the quotes, in the question's language
    confidence: float = 0.0
    signals: Signals | None = None  # what the abstention decision was made from (qa.abstention)
    decision: Decision | None = None
    # for a question asking for a date, a number, a sum, a person, a place or an organisation
    short_answer: ShortAnswer | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rewritten(self) -> bool:
        return self.effective_query != self.question

    def to_dict(self) -> dict:
        data = asdict(self)
        for quote in data["quotes"]:
            quote["highlights"] = [list(h) for h in quote["highlights"]]
        return data


@dataclass
class IngestReport:
    """What `Assistant.add` did with each input."""

    added: list[str] = field(default_factory=list)  # article ids
    updated: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, id of the article it repeats)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    passages: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.updated:
            parts.append(f"{len(self.updated)} updated")
        parts.append(f"{len(self.duplicates)} duplicate(s) skipped")
        parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + f" ({self.passages} passages)"
