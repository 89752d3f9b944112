"""Whether the articles answer: one policy, read by the assistant when it answers and by the eval
when it fits and scores the policy's numbers (qa/weights.toml, [abstention]).

A quote answers when its confidence (the best sentence's similarity to the question, plus the
passage's coverage of the question's content words) reaches the question language's threshold, or
when it says who the person asked about is; and never when it lacks the kind of fact asked for (a
date, a number, a sum, a byline, the body whose office is asked about) or speaks of another year.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qa.weights import Weights


@dataclass(frozen=True)
class Signals:
    """What the decision is made from, measured on the top quote (before a kind reorders quotes)."""

    language: str
    sentence_similarity: float  # best sentence vs the question's judging vector
    sentence_score: float
    passage_score: float
    coverage: float  # idf-weighted share of the question's content terms in the passage
    alignment: float
    asked_kind_found: bool  # the highlight holds the kind of fact asked (and names the body asked)
    years_found: bool  # the quoted passage speaks of the year asked
    person_described: bool  # the highlight says who the person asked about is

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Signals:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Decision:
    """The policy's verdict on one answer, with its reason."""

    abstain: bool
    # "answered", "described" (answered below the threshold: the highlight says who), "low_confidence",
    # "kind_missing" (on topic, but the kind of fact asked is not there), "year_missing"
    reason: str
    confidence: float
    threshold: float

    def to_dict(self) -> dict:
        return asdict(self)


class AbstentionPolicy:
    """Per question language: a threshold on the confidence and the coverage's weight in it.

    Example:
        >>> policy = AbstentionPolicy.from_weights(Weights.read())
        >>> policy.decide(signals).abstain
    """

    def __init__(
        self, threshold: dict[str, float], coverage_weight: dict[str, float], default: str | None = None
    ) -> None:
        self.threshold = dict(threshold)
        self.coverage_weight = dict(coverage_weight)
        self.default = default or next(iter(self.threshold))  # the language a table without one falls back to

    @classmethod
    def from_weights(cls, weights: Weights) -> AbstentionPolicy:
        section = weights.data["abstention"]
        return cls(section["threshold"], section["coverage_weight"], weights.default_language)

    def threshold_for(self, language: str) -> float:
        return self.threshold.get(language, self.threshold[self.default])

    def confidence(self, signals: Signals) -> float:
        return float(signals.sentence_similarity + self.coverage_weight.get(signals.language, 0.0) * signals.coverage)

    def decide(self, signals: Signals) -> Decision:
        sure = self.confidence(signals)
        threshold = self.threshold_for(signals.language)
        if not signals.years_found:
            reason = "year_missing"
        elif not signals.asked_kind_found:
            reason = "kind_missing"
        elif sure >= threshold:
            reason = "answered"
        elif signals.person_described:
            reason = "described"
        else:
            reason = "low_confidence"
        return Decision(reason not in ("answered", "described"), reason, sure, threshold)
