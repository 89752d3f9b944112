"""A retrieved passage as the answer layer weighs it: its sentences scored, the best highlighted."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.retrieval import Hit
from store import StoredPassage


@dataclass
class ScoredSentence:
    start: int
    end: int
    score: float
    dense: float = 0.0  # similarity to the question's judging vector, what the confidence reads
    # what the score is made of (`qa.scoring.SENTENCE_FEATURES`), for fitting the weights
    features: tuple[float, ...] = field(default=(), repr=False)


@dataclass
class Evidence:
    """A hit re-scored by its sentences; `best` are the sentences to highlight."""

    hit: Hit
    passage: StoredPassage
    sentences: list[ScoredSentence]
    score: float
    coverage: float = 1.0  # share of the question's content terms (idf-weighted) found in the passage
    alignment: float = 0.0  # token alignment with the question (embeddings/alignment.py)
    features: dict[str, float] = field(default_factory=dict, repr=False)  # `qa.scoring.PASSAGE_FEATURES`
    second_margin: float = field(default=0.01, repr=False)  # `scoring.second_highlight_margin`

    @property
    def best(self) -> ScoredSentence:
        return max(self.sentences, key=lambda s: s.score)

    def highlighted(self) -> list[ScoredSentence]:
        """The best sentence, and the runner-up when it scores within `second_margin`."""
        ranked = sorted(self.sentences, key=lambda s: -s.score)
        if len(ranked) > 1 and ranked[0].score - ranked[1].score <= self.second_margin:
            return ranked[:2]
        return ranked[:1]

    @property
    def highlighted_text(self) -> list[str]:
        """The text of `highlighted()`, as `Quote.highlighted_text` gives it."""
        return [self.passage.text[s.start : s.end] for s in self.highlighted()]
