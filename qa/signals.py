"""The signals the abstention policy reads, measured on one question's ranked evidence: how well the
best sentence matches, how much of the question the passage and its article cover, and what the
checks (qa/checks.py) found in the quote."""

from __future__ import annotations

from dataclasses import replace

from qa.abstention import Signals
from qa.analysis import QuestionAnalysis
from qa.checks import counts, describes_person_asked, holds_kind_asked, names_the_body, speaks_of_years_asked
from qa.evidence import Evidence
from qa.scoring import Scorer
from store import Article

KINDS_ASKED = ("date", "number", "amount", "person")  # the kinds whose absence the policy weighs


def measure(
    question: QuestionAnalysis,
    evidence: list[Evidence],
    topic: Evidence,
    scorer: Scorer,
    article: Article | None,
) -> Signals:
    """The signals of the quote `evidence[0]` on the `topic` (the best passage before the kind or
    byline was preferred), rounded for show; `article` is the topic passage's article."""
    top = evidence[0]
    return Signals(
        language=question.language,
        sentence_similarity=round(topic.best.dense, 4),
        sentence_score=round(float(topic.best.score), 4),
        passage_score=round(float(topic.score), 4),
        coverage=round(topic.coverage, 4),
        alignment=round(topic.alignment, 4),
        # the years the user asks about now ("What did they sign in 2023?"), not those of the
        # turn before that the rewritten query may carry
        asked_kind_found=holds_kind_asked(top, question.held, question) and names_the_body(top, question.effective),
        years_found=speaks_of_years_asked(top, question.years),
        # "Tô Lâm là ai?" answered by "Tô Lâm, Bộ trưởng Bộ Công an": the articles say who,
        # however loosely the rest of the sentence matches the question
        person_described=describes_person_asked(top, question),
        score_margin=round(score_margin(evidence, topic), 4),
        article_coverage=round(article_coverage(question, topic, scorer, article), 4),
        glossary_share=round(question.bridge.translated_share, 4) if question.bridge else 1.0,
        asks_kind=question.kind in KINDS_ASKED,
        count_found=article_counts(question, article),
    )


def article_counts(question: QuestionAnalysis, article: Article | None) -> bool:
    """A count question's article holds a number of what it counts (True for any other question)."""
    if not question.counted or article is None:
        return True
    return counts(f"{article.title}\n{article.text}", question.counted)


def unrounded(signals: Signals, topic: Evidence) -> Signals:
    """The signals as the policy reads them: the measured values, not the ones rounded for show."""
    return replace(signals, sentence_similarity=topic.best.dense, coverage=topic.coverage)


def score_margin(evidence: list[Evidence], topic: Evidence) -> float:
    """How far the top passage scores above the best passage of any other article."""
    others = [e.score for e in evidence if e.passage.article_id != topic.passage.article_id]
    return float(topic.score - max(others)) if others else 1.0


def article_coverage(question: QuestionAnalysis, topic: Evidence, scorer: Scorer, article: Article | None) -> float:
    """The question's content terms found anywhere in the top passage's article."""
    return scorer.coverage(question, f"{article.title} {article.text}") if article else topic.coverage
