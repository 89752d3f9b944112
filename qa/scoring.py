"""Score each sentence of the retrieved passages against the question, then re-rank the passages.

No LLM: a sentence's score is its contextual embedding's similarity to the question (computed at
ingest from the passage's own forward pass), plus how much of the question's rare vocabulary it
holds, its own tokens' alignment with the question's, and a bonus when it holds the kind of fact
asked for (a date for "khi nào/when") or says who the person asked about is. A passage scores its
retrieval score, its best sentence, its coverage of the question's content words, its alignment
with the question and, for an article's lead, a bonus. The weights are qa/weights.toml's.
"""

from __future__ import annotations

import numpy as np

from embeddings import maxsim, similarity_matrices
from qa.analysis import QuestionAnalysis, plain_terms, times_named
from qa.checks import asked_words, counts, has_kind, novel_kind
from qa.evidence import Evidence, ScoredSentence
from qa.people import describes
from qa.retrieval import Hit, QuestionVectors
from qa.text import plain_form, syllables
from qa.weights import Weights
from store import DocumentStore

# What a sentence's and a passage's scores are made of, in the order `ScoredSentence.features` and
# `Evidence.features` keep them; each score is a weighted sum of these (qa/weights.toml, [scoring]).
SENTENCE_FEATURES = ("dense", "overlap", "alignment", "kind", "described", "novel_kind", "time_match", "counted")
PASSAGE_FEATURES = ("retrieval", "best_sentence", "coverage", "alignment", "lead", "article_best", "date_match")
# The [scoring] weight of each feature above, in the same order (None: counted as it is, weight 1).
SENTENCE_WEIGHT_KEYS = (None, "lexical_in_sentence", "sentence_alignment", "kind_bonus", "described_bonus",
                        "novel_kind_bonus", "time_match_bonus", "counted_bonus")  # fmt: skip
PASSAGE_WEIGHT_KEYS = (None, "sentence_weight", "coverage", "alignment", "lead_bonus", "article_best",
                       "date_match_bonus")  # fmt: skip


class Scorer:
    """Re-rank hits by their sentences.

    Example:
        >>> evidence = Scorer(store, Weights.read()).rank(question, vectors, hits)
    """

    def __init__(self, store: DocumentStore, weights: Weights, all_features: bool = False) -> None:
        self.store = store
        self.weights = weights
        self.all_features = all_features  # measure alignment even where its weight is 0 (for fitting)

    def sentence_weights(self, language: str) -> tuple[float, ...]:
        return self._weights_of(SENTENCE_WEIGHT_KEYS, language)

    def passage_weights(self, language: str) -> tuple[float, ...]:
        return self._weights_of(PASSAGE_WEIGHT_KEYS, language)

    def _weights_of(self, keys: tuple[str | None, ...], language: str) -> tuple[float, ...]:
        return tuple(1.0 if key is None else self.weights.value("scoring", key, language) for key in keys)

    def rank(self, question: QuestionAnalysis, vectors: QuestionVectors, hits: list[Hit]) -> list[Evidence]:
        """Hits re-scored by their best sentence, term coverage, token alignment and, for an
        article's first passage, the lead bonus; best first. Each sentence's `dense` is its
        similarity to `vectors.judge`, what the confidence reads."""
        if not hits:
            return []
        lang = question.language
        ids = [h.passage_id for h in hits]
        passages = self.store.passages(ids)
        sentences = self.store.sentences(ids)
        _, w_lexical, w_sentence_alignment, w_kind, w_described, w_novel, w_time, w_count = self.sentence_weights(lang)
        _, w_best, w_coverage, w_alignment, w_lead, w_article, w_date = self.passage_weights(lang)
        article_best: dict[str, float] = {}
        for hit in hits:
            article = passages[hit.passage_id].article_id if hit.passage_id in passages else None
            article_best[article] = max(article_best.get(article, hit.score), hit.score)
        days = {t for t in question.times if "/" in t}
        aligned = self.all_features or bool(w_alignment or w_sentence_alignment)
        similarities = self._similarities(ids, vectors.tokens) if aligned else {}
        if any(s.tokens is None for rows in sentences.values() for s in rows):
            w_sentence_alignment = 0.0  # an index from before sentences knew their tokens
        # a bridged question meets a sentence in the articles' words: its names and its glossary
        # words, the latter as exact syllables (as in BM25: "đón" is not "đơn")
        bridge = question.bridge
        terms = list(dict.fromkeys(syllables(bridge.rendering) if bridge else plain_terms(question.effective)))
        term_weights = self.store.idf(terms, absent=0.0) if terms else np.zeros(0)
        total = float(term_weights.sum()) or 1.0
        kind, person, counted = question.kind, question.person, question.counted
        asked = asked_words(question)
        needed = list(question.content)
        needed_weights = self.store.idf(needed) if needed else np.zeros(0)
        margin = self.weights.value("scoring", "second_highlight_margin", lang)
        measure_novel = bool(kind) and (self.all_features or bool(w_novel))
        measure_timed = bool(question.times) and (self.all_features or bool(w_time))
        out = []
        for hit in hits:
            passage = passages.get(hit.passage_id)
            if passage is None:
                continue
            similarity = similarities.get(hit.passage_id)
            scored = []
            for sent in sentences.get(hit.passage_id, []):
                text = passage.text[sent.start : sent.end]
                words = syllables(text)
                present = {plain_form(w) for w in words} | (set(words) if bridge else set())
                overlap = sum(x for t, x in zip(terms, term_weights) if t in present) / total
                dense = float(sent.vector @ vectors.search)
                judged = float(sent.vector @ vectors.judge)
                alignment = (
                    maxsim(similarity[:, sent.tokens[0] : sent.tokens[1]])
                    if similarity is not None and sent.tokens is not None
                    else 0.0
                )
                has = float(bool(kind) and has_kind(text, kind, asked))
                said = float(bool(person) and describes(text, person))
                # features whose weight is 0 are measured only for fitting
                novel = float(measure_novel and novel_kind(text, kind, question.effective))
                timed = float(measure_timed and bool(question.times & times_named(text)))
                tallied = float(counts(text, counted))
                score = dense + w_lexical * overlap
                if similarity is not None and w_sentence_alignment:
                    score += w_sentence_alignment * alignment
                if has:
                    score += w_kind
                if said:
                    score += w_described
                if w_novel or w_time or w_count:
                    score += w_novel * novel + w_time * timed + w_count * tallied
                features = (dense, overlap, alignment, has, said, novel, timed, tallied)
                scored.append(ScoredSentence(sent.start, sent.end, score, judged, features))
            if not scored:
                features = (hit.dense, *[0.0] * (len(SENTENCE_FEATURES) - 1))
                scored = [ScoredSentence(0, len(passage.text), hit.dense, hit.dense, features)]
            best = max(s.score for s in scored)
            coverage = _coverage(needed, needed_weights, passage.title + " " + passage.text)
            alignment = maxsim(similarity) if similarity is not None else 0.0
            lead = float(passage.position == 0)
            supported = article_best.get(passage.article_id, hit.score)
            dated = float(bool(days) and bool(days & (times_named(passage.text) | _days_of(passage.date))))
            score = hit.score + w_best * best + w_coverage * coverage + w_alignment * alignment
            if lead:
                score += w_lead
            if w_article or w_date:
                score += w_article * supported + w_date * dated
            values = (hit.score, best, coverage, alignment, lead, supported, dated)
            features = dict(zip(PASSAGE_FEATURES, values))
            out.append(
                Evidence(hit, passage, scored, score, coverage, alignment, features=features, second_margin=margin)
            )
        out.sort(key=lambda e: -e.score)
        return out

    def coverage(self, question: QuestionAnalysis, text: str) -> float:
        """The idf-weighted share of the question's content terms that `text` holds (1.0 for none)."""
        needed = list(question.content)
        return _coverage(needed, self.store.idf(needed) if needed else np.zeros(0), text)

    def _similarities(self, ids: list[int], question_tokens: np.ndarray | None) -> dict[int, np.ndarray]:
        """Question-token x passage-token cosines for each passage (embeddings/alignment.py); none at
        all unless every passage has codes (an index built before them), so passages are never
        compared on unequal terms."""
        if question_tokens is None or not len(question_tokens):
            return {}
        codes = self.store.alignment_codes(ids)
        if any(codes.get(i) is None for i in ids):
            return {}
        return dict(zip(ids, similarity_matrices(question_tokens, [codes[i] for i in ids])))


def _coverage(needed: list[str], weights: np.ndarray, text: str) -> float:
    if not needed:
        return 1.0
    words = syllables(text)
    present = set(words) | {plain_form(w) for w in words}
    found = sum(x for t, x in zip(needed, weights) if t in present)
    return float(found / max(float(weights.sum()), 1e-9))


def _days_of(date: str | None) -> set[str]:
    """An ISO date as the "d/m" a question names it by."""
    if not date:
        return set()
    _, month, day = date.split("-")
    return {f"{int(day)}/{int(month)}"}
