"""Whether the articles answer: one policy, read by the assistant when it answers and by the eval
when it fits and scores the policy's numbers (qa/weights.toml, [abstention]).

A quote answers when its confidence (the best sentence's similarity to the question, plus the
passage's coverage of the question's content words) reaches the question language's threshold, or
when it says who the person asked about is; and never when it lacks the kind of fact asked for (a
date, a number, a sum, a byline, the body whose office is asked about; for "bao nhiêu ngày", a
number of days anywhere in the article) or speaks of another year.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

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
    score_margin: float = 0.0  # the top passage's score above the best one of another article
    article_coverage: float = 1.0  # the question's content terms found anywhere in the top article
    glossary_share: float = 1.0  # of a bridged question, the share of its words the glossary knows
    asks_kind: bool = False  # the question asks for a date, a number, a sum, a person
    count_found: bool = True  # the article holds a number of what a count question counts

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Signals:
        fields = cls.__dataclass_fields__
        return cls(**{k: data[k] for k in fields if k in data})

    def value(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True)
class Decision:
    """The policy's verdict on one answer, with its reason."""

    abstain: bool
    # "answered", "described" (answered below the threshold: the highlight says who), "low_confidence",
    # "kind_missing" (on topic, but the kind of fact asked is not there), "year_missing"
    reason: str
    confidence: float
    threshold: float
    # How far the top sentence's similarity to the question could move before the confidence crossed
    # the threshold (positive on the side decided); None when the checks decided, not the confidence.
    # Vectors differ between machines by ~0.002: a decision within that is not a stable one.
    margin: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -60 else 0.0


class AbstentionPolicy:
    """Per question language, how sure the top quote answers: either a logistic model over the
    signals (`model = "logistic"`: the probability the quote answers, abstaining below `cutoff`),
    or a threshold on similarity + coverage_weight x coverage.

    Example:
        >>> policy = AbstentionPolicy.from_weights(Weights.read())
        >>> policy.decide(signals).abstain
    """

    def __init__(
        self,
        threshold: dict[str, float],
        coverage_weight: dict[str, float],
        default: str | None = None,
        logistic: Logistic | None = None,
        count_check: bool = False,
    ) -> None:
        self.threshold = dict(threshold)
        self.coverage_weight = dict(coverage_weight)
        self.default = default or next(iter(self.threshold))  # the language a table without one falls back to
        self.logistic = logistic
        self.count_check = count_check  # withhold a count whose noun the article never counts

    @classmethod
    def from_weights(cls, weights: Weights) -> AbstentionPolicy:
        section = weights.data["abstention"]
        logistic = Logistic.from_table(section) if section.get("model") == "logistic" else None
        threshold = section["cutoff"] if logistic else section["threshold"]
        return cls(
            threshold,
            section.get("coverage_weight", {}),
            weights.default_language,
            logistic,
            bool(section.get("count_check", False)),
        )

    def threshold_for(self, language: str) -> float:
        return self.threshold.get(language, self.threshold[self.default])

    def confidence(self, signals: Signals) -> float:
        if self.logistic is not None:
            return self.logistic.probability(signals, self.default)
        return float(signals.sentence_similarity + self.coverage_weight.get(signals.language, 0.0) * signals.coverage)

    def decide(self, signals: Signals) -> Decision:
        sure = self.confidence(signals)
        threshold = self.threshold_for(signals.language)
        if not signals.years_found:
            reason = "year_missing"
        elif not signals.asked_kind_found or (self.count_check and not signals.count_found):
            reason = "kind_missing"
        elif sure >= threshold:
            reason = "answered"
        elif signals.person_described:
            reason = "described"
        else:
            reason = "low_confidence"
        margin = None
        if reason in ("answered", "low_confidence"):
            distance = self.similarity_to_threshold(signals, sure, threshold)
            margin = None if distance is None else round(abs(distance), 4)
        return Decision(reason not in ("answered", "described"), reason, sure, threshold, margin)

    def similarity_to_threshold(self, signals: Signals, sure: float, threshold: float) -> float | None:
        """The change of `sentence_similarity` that brings the confidence to the threshold (both
        models are linear in it: the threshold's directly, the logistic's in its log-odds)."""
        if self.logistic is None:
            return threshold - sure
        slope = self.logistic.slope(signals, "sentence_similarity", self.default)
        if slope <= 0:  # the model does not lean on the similarity: no such distance
            return None
        return (logit(threshold) - logit(sure)) / slope


@dataclass
class Logistic:
    """A logistic model per question language over named signals (standardized by `mean`, `scale`),
    as `python -m eval fit` writes it to qa/weights.toml."""

    features: list[str]
    intercept: dict[str, float]
    coefficients: dict[str, list[float]]
    mean: dict[str, list[float]] = field(default_factory=dict)
    scale: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: dict) -> Logistic:
        return cls(
            list(table["features"]),
            dict(table["intercept"]),
            {k: list(v) for k, v in table["coefficients"].items()},
            {k: list(v) for k, v in table["mean"].items()},
            {k: list(v) for k, v in table["scale"].items()},
        )

    def slope(self, signals: Signals, feature: str, default: str) -> float:
        """d log-odds / d `feature` for the question's language."""
        lang = signals.language if signals.language in self.coefficients else default
        i = self.features.index(feature) if feature in self.features else -1
        return self.coefficients[lang][i] / self.scale[lang][i] if i >= 0 else 0.0

    def probability(self, signals: Signals, default: str) -> float:
        lang = signals.language if signals.language in self.coefficients else default
        x = [signals.value(f) for f in self.features]
        z = self.intercept[lang] + sum(
            c * (v - m) / s for c, v, m, s in zip(self.coefficients[lang], x, self.mean[lang], self.scale[lang])
        )
        return sigmoid(z)
