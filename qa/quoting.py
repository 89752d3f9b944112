"""From evidence to quotes: a news article's lead, its byline, the passage that dates a "when", and
the `Quote` a user sees."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.analysis import QuestionAnalysis
from qa.checks import SEARCHED_KINDS, holds_kind_asked, holds_searched, is_byline, states_asked
from qa.evidence import Evidence, ScoredSentence
from qa.retrieval import Hit, QuestionVectors
from qa.scoring import Scorer
from qa.text import syllables
from qa.types import Quote
from store import StoredPassage, StoredSentence

# A sentence of running text ends with a full stop (or ! ? …), maybe inside quotes; a title, a
# caption or "Lượt xem: 1030" does not.
PROSE_END = re.compile(r"[.!?…][\"”’')]*$")
LEAD_MIN_WORDS = 8


def lead_sentences(passage: StoredPassage, sentences: list[StoredSentence]) -> list[tuple[int, int]]:
    """An article's lead, from its first passage: the first sentence of running text that is not the
    title, and the next one when it continues the same paragraph (news leads run one or two
    sentences)."""
    text = passage.text

    def running(s: StoredSentence) -> bool:
        words = text[s.start : s.end].strip()
        return bool(PROSE_END.search(words)) and len(syllables(words)) >= LEAD_MIN_WORDS and words != passage.title

    body = [i for i, s in enumerate(sentences) if running(s)]
    if not body:
        return [(s.start, s.end) for s in sentences[:1]]
    first, after = body[0], body[0] + 1
    lead = [sentences[first]]
    if after in body and "\n" not in text[sentences[first].end : sentences[after].start]:
        lead.append(sentences[after])
    return [(s.start, s.end) for s in lead]


def date_first(evidence: list[Evidence], nearby: float, held: str = "date") -> list[Evidence]:
    """For a question asking when: when the best passage's highlight holds no date (`held`: or no
    year, no time of day, when that is asked) but one of the next two, scored within `nearby` of it,
    does, that one answers, rather than abstaining for lack of a date the articles give ("When did
    the Cybersecurity Law take effect?")."""
    if not evidence or holds_kind_asked(evidence[0], held):
        return evidence
    near = [e for e in evidence[1:3] if e.score >= evidence[0].score - nearby and holds_kind_asked(e, held)]
    return [near[0], *(e for e in evidence if e is not near[0])] if near else evidence


def kind_first(evidence: list[Evidence], margin: float, question: QuestionAnalysis) -> list[Evidence]:
    """For a question asking for a number, a sum or which thing: when the top quote's highlight holds none,
    the sentence that states it (`states_asked`), found anywhere among the evidence from the same
    article, if it scores within `margin` of the top quote's best sentence: that passage goes first
    with that sentence highlighted, rather than withholding a fact the article gives two sentences
    away ("Dự án có tổng vốn đầu tư gần 4,2 tỷ USD" after the sentence naming the project; the
    app's name after the sentence describing it)."""
    kind = question.held  # a grain (a score, a year) is never searched for beyond the quote
    if not evidence or kind not in SEARCHED_KINDS:
        return evidence
    if any(holds_searched(text, question) for text in evidence[0].highlighted_text):
        return evidence
    top = evidence[0]
    floor = top.best.score - margin
    pool = [e for e in evidence if e.passage.article_id == top.passage.article_id]
    found = [
        (s.score, i, e, s)
        for i, e in enumerate(pool)
        for s in e.sentences
        if s.score >= floor and states_asked(e.passage.text[s.start : s.end], question)
    ]
    if not found:
        return evidence
    _, _, chosen, sentence = max(found, key=lambda f: (f[0], -f[1]))
    lifted = max(x.score for x in chosen.sentences) + 1.0
    sentences = [replace(x, score=lifted) if x is sentence else x for x in chosen.sentences]
    return [replace(chosen, sentences=sentences), *(e for e in evidence if e is not chosen)]


class Quoter:
    """The quotes that answer the questions about an article itself, and `Quote`s of evidence.

    Example:
        >>> quotes = [Quoter.to_quote(e) for e in Quoter(store, scorer).leads(["article-id"])]
    """

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.store = scorer.store

    def byline_first(
        self, evidence: list[Evidence], question: QuestionAnalysis, vectors: QuestionVectors
    ) -> list[Evidence]:
        """For a question about who wrote the article: the byline closes the article the best
        passage is from, so that article's last passage goes first with the byline highlighted,
        ranked even if retrieval missed it (no byline, and `holds_kind_asked` abstains)."""
        if not evidence:
            return evidence
        last = self.store.article_passage_ids(evidence[0].passage.article_id)[-1]
        ending = [e for e in evidence if e.passage.id == last] or self.scorer.rank(
            question, vectors._replace(judge=vectors.search), [Hit(last, score=0.0, dense=0.0, lexical=0.0)]
        )
        if not ending:
            return evidence
        end = ending[0]
        bylines = [s for s in end.sentences if is_byline(end.passage.text, s.start, s.end)]
        if not bylines:
            return evidence
        # the byline is what to highlight, whatever its similarity to the question
        top = max(s.score for s in end.sentences) + 1.0
        sentences = [replace(s, score=top) if s in bylines else s for s in end.sentences]
        return [replace(end, sentences=sentences), *(e for e in evidence if e is not end)]

    def leads(self, article_ids: list[str], score: float = 1.0) -> list[Evidence]:
        """Each article's first passage with its lead highlighted (`lead_sentences`): what a news
        article is about, by the convention of the genre. `score` is what they are ranked by."""
        firsts = [ids[0] for ids in (self.store.article_passage_ids(a) for a in article_ids) if ids]
        passages = self.store.passages(firsts)
        sentences = self.store.sentences(firsts)
        margin = self.scorer.weights.value("scoring", "second_highlight_margin")
        out = []
        for pid in firsts:
            passage, rows = passages[pid], sentences.get(pid) or []
            lead = lead_sentences(passage, rows)
            scored = [ScoredSentence(s.start, s.end, float((s.start, s.end) in lead)) for s in rows]
            scored = scored or [ScoredSentence(0, len(passage.text), 1.0)]
            hit = Hit(pid, score=score, dense=0.0, lexical=0.0)
            out.append(Evidence(hit, passage, scored, score=score, second_margin=margin))
        return out

    @staticmethod
    def to_quote(evidence: Evidence) -> Quote:
        p = evidence.passage
        return Quote(
            article_id=p.article_id,
            title=p.title,
            date=p.date,
            url=p.url,
            text=p.text,
            highlights=sorted((s.start, s.end) for s in evidence.highlighted()),
            score=round(float(evidence.score), 4),
            passage_id=p.id,
            position=p.position,
            start=p.start,
            source=p.source,
        )
