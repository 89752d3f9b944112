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
from qa.analysis import QuestionAnalysis, plain_terms
from qa.checks import has_kind
from qa.evidence import Evidence, ScoredSentence
from qa.people import describes
from qa.retrieval import Hit, QuestionVectors
from qa.text import plain_form, syllables
from qa.weights import Weights
from store import DocumentStore


class Scorer:
    """Re-rank hits by their sentences.

    Example:
        >>> evidence = Scorer(store, Weights.read()).rank(question, vectors, hits)
    """

    def __init__(self, store: DocumentStore, weights: Weights) -> None:
        self.store = store
        self.weights = weights

    def rank(self, question: QuestionAnalysis, vectors: QuestionVectors, hits: list[Hit]) -> list[Evidence]:
        """Hits re-scored by their best sentence, term coverage, token alignment and, for an
        article's first passage, the lead bonus; best first. Each sentence's `dense` is its
        similarity to `vectors.judge`, what the confidence reads."""
        if not hits:
            return []
        w = self.weights
        lang = question.language
        ids = [h.passage_id for h in hits]
        passages = self.store.passages(ids)
        sentences = self.store.sentences(ids)
        alignment_weight = w.value("scoring", "alignment", lang)
        sentence_alignment_weight = w.value("scoring", "sentence_alignment", lang)
        similarities = self._similarities(ids, vectors.tokens) if alignment_weight or sentence_alignment_weight else {}
        if any(s.tokens is None for rows in sentences.values() for s in rows):
            sentence_alignment_weight = 0.0  # an index from before sentences knew their tokens
        # a bridged question meets a sentence in the articles' words: its names and its glossary
        # words, the latter as exact syllables (as in BM25: "đón" is not "đơn")
        bridge = question.bridge
        terms = list(dict.fromkeys(syllables(bridge.rendering) if bridge else plain_terms(question.effective)))
        term_weights = self.store.idf(terms, absent=0.0) if terms else np.zeros(0)
        total = float(term_weights.sum()) or 1.0
        lexical_weight = w.value("scoring", "lexical_in_sentence", lang)
        coverage_weight = w.value("scoring", "coverage", lang)
        kind_bonus, described_bonus = w.value("scoring", "kind_bonus"), w.value("scoring", "described_bonus")
        kind, person = question.kind, question.person
        needed = list(question.content)
        needed_weights = self.store.idf(needed) if needed else np.zeros(0)
        margin = w.value("scoring", "second_highlight_margin")
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
                score = dense + lexical_weight * overlap
                if similarity is not None and sentence_alignment_weight:
                    score += sentence_alignment_weight * maxsim(similarity[:, sent.tokens[0] : sent.tokens[1]])
                if kind and has_kind(text, kind):
                    score += kind_bonus
                if person and describes(text, person):
                    score += described_bonus
                scored.append(ScoredSentence(sent.start, sent.end, score, judged))
            if not scored:
                scored = [ScoredSentence(0, len(passage.text), hit.dense, hit.dense)]
            best = max(s.score for s in scored)
            coverage = 1.0
            if needed:
                words = syllables(passage.title + " " + passage.text)
                present = set(words) | {plain_form(w) for w in words}
                found = sum(x for t, x in zip(needed, needed_weights) if t in present)
                coverage = float(found / max(float(needed_weights.sum()), 1e-9))
            alignment = maxsim(similarity) if similarity is not None else 0.0
            score = (
                hit.score
                + w.value("scoring", "sentence_weight") * best
                + coverage_weight * coverage
                + alignment_weight * alignment
            )
            if passage.position == 0:
                score += w.value("scoring", "lead_bonus")
            out.append(Evidence(hit, passage, scored, score, coverage, alignment, second_margin=margin))
        out.sort(key=lambda e: -e.score)
        return out

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
