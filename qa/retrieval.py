"""Hybrid retrieval: dense (e5) + BM25 over Vietnamese syllables, fused with language-aware weights.

Why weights per language: BM25 on Vietnamese syllables beats the dense model for Vietnamese
questions, but an English question shares almost no words with a Vietnamese article, so its BM25
ranking is mostly noise (plain fusion drops en->vi Recall@1 from 0.75 to 0.43 on XQuAD). The
lexical weight is also scaled by how much of the question the best BM25 passage actually covers.

Why a language shift: a multilingual encoder still places every language in its own region, so an
English question sits measurably further from its Vietnamese answer than the same question asked in
Vietnamese. Adding the mean difference between Vietnamese and English question vectors (measured on
parallel questions, kept in qa/language_shift.json per model) removes that offset ("language-neutral
centering", Libovický et al. 2020). On XQuAD, fitted on half the articles and tested on the other
half, it lifts dense en->vi Recall@1 from 0.728 to 0.766.

Why a glossary (qa/glossary.py): the words of an English question, put into Vietnamese, give BM25
something to match besides names and numbers, and the question code-switched ("Who is the hà lan
đại sứ?"), embedded, pulls its vector a little towards the article's wording. The code-switched
form ranks better than the bag of Vietnamese words (XQuAD en->vi paragraph Recall@1 0.871 ->
0.879), but its similarities sit lower for questions the glossary half knows, so the confidence
keeps the bag's blend, on which the abstention threshold was fitted (ranked and judged by the
code-switched vector, answerable XQuAD questions withheld rose 0.024 -> 0.032). For an English
question, half of the lexical score is how many of its glossary words a passage holds whole:
syllable BM25 alone counts "hội" of "hội nghị" and "thảo" of "thảo luận" as "hội thảo" (workshop).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embeddings import encode_question
from qa.analysis import Bridge, QuestionAnalysis
from qa.text import names_and_numbers, plain_form, syllables
from qa.weights import Weights
from store import DateRange, DocumentStore

LANGUAGE_SHIFT = Path(__file__).with_name("language_shift.json")


class QuestionVectors(NamedTuple):
    """A question as `Retriever.encode_question` reads it."""

    search: np.ndarray  # what passages and sentences are ranked by
    judge: np.ndarray  # what the confidence compares the best sentence with (`qa.abstention`)
    tokens: np.ndarray  # alignment states of the question's tokens


@dataclass
class Hit:
    """One passage found for a query, with the evidence behind its score."""

    passage_id: int
    score: float
    dense: float  # cosine similarity with the query
    lexical: float  # BM25 score, divided by the best one for this query
    boosts: dict[str, float] = field(default_factory=dict)


def lexical_weight(question: QuestionAnalysis, weights: Weights) -> float:
    """How much the lexical score counts against the dense one for this question: from the first
    to the second value of `retrieval.lexical_weight` with the share its glossary translates."""
    low, high = weights.value("retrieval", "lexical_weight", question.language)
    share = question.bridge.translated_share if question.bridge else 1.0
    return low + (high - low) * share


def glossary_coverage(
    bridge: Bridge, question: str, texts: Sequence[str], idf: Callable[..., np.ndarray]
) -> np.ndarray:
    """For each text, the share of a bridged question's names (in any accents) and glossary words
    it holds, weighed by rarity (`idf`, as DocumentStore.idf). A glossary word counts when one of its
    renderings appears whole (its syllables in a row, so without word segmentation "xã hội thảo
    luận" still holds "hội thảo"), weighing as that rendering's mean syllable idf."""
    names = list(dict.fromkeys(plain_form(t) for t in syllables(names_and_numbers(question))))
    name_weights = idf(names, absent=0.0) if names else np.zeros(0)
    words = [
        [(f" {' '.join(syllables(r))} ", float(idf(syllables(r), absent=0.0).mean())) for r in renderings]
        for _, renderings in bridge.glossary.senses(question)
        if renderings
    ]
    total = float(name_weights.sum()) + sum(max(w for _, w in senses) for senses in words)
    out = np.zeros(len(texts), np.float32)
    if not total:
        return out
    for i, text in enumerate(texts):
        tokens = syllables(text)
        plain = {plain_form(t) for t in tokens} if names else set()
        joined = f" {' '.join(tokens)} "
        found = sum(w for t, w in zip(names, name_weights) if t in plain)
        found += sum(max((w for r, w in senses if r in joined), default=0.0) for senses in words)
        out[i] = found / total
    return out


def fit_language_shift(model, questions: Sequence[str], translations: Sequence[str]) -> np.ndarray:
    """Mean offset that moves a question's vector (in `questions`' language) to where the same
    question asked in the corpus language (`translations`, pairwise) would be."""
    if len(questions) != len(translations) or not questions:
        raise ValueError("need the same number (> 0) of questions and translations")
    source = np.asarray(model.encode_query(list(questions)), np.float32)
    target = np.asarray(model.encode_query(list(translations)), np.float32)
    return (target - source).mean(axis=0)


def load_language_shift(model_name: str, path: Path = LANGUAGE_SHIFT) -> dict[str, np.ndarray]:
    """{question language: offset} fitted for this model; empty for any other model."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("model") != model_name:
        return {}
    return {lang: np.asarray(vector, np.float32) for lang, vector in data["shift"].items()}


def save_language_shift(
    model_name: str, shift: dict[str, np.ndarray], fitted_on: str, path: Path = LANGUAGE_SHIFT
) -> None:
    data = {
        "model": model_name,
        "fitted_on": fitted_on,
        "shift": {lang: [round(float(x), 6) for x in v] for lang, v in shift.items()},
    }
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def _minmax(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 1e-9 else np.ones_like(values)


class Retriever:
    """Find the passages that best match a question.

    Example:
        >>> retriever = Retriever(model, store, Weights.read())
        >>> hits = retriever.run(analyze("Luật An ninh mạng có hiệu lực khi nào?"), top_k=5)
    """

    def __init__(
        self,
        model,
        store: DocumentStore,
        weights: Weights,
        language_shift: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.model = model
        self.store = store
        self.weights = weights
        self.language_shift = language_shift or {}

    def encode_question(self, question: QuestionAnalysis) -> QuestionVectors:
        """The query's unit vectors, moved by the language shift when its language has one, and its
        tokens' alignment states (embeddings/alignment.py) from the question's own forward pass.

        A bridged question is blended with what its glossary can say of it in the articles' words:
        its search vector with its code-switched form (the words put in place), its judging vector
        with its bag of the articles' words (`Bridge.rendering`)."""
        query = question.effective
        vector, tokens = encode_question(self.model, query)
        shift = self.language_shift.get(question.language)
        if shift is not None:
            vector = vector + shift
            vector = vector / np.linalg.norm(vector)
        bridge = question.bridge
        if bridge is None:
            return QuestionVectors(vector, vector, tokens)
        share = self.weights.value("retrieval", "rendering_weight")
        search = self._blend(vector, bridge.code_switched, share) if bridge.code_switched != query else vector
        judge = self._blend(vector, bridge.rendering, share) if bridge.rendering else vector
        return QuestionVectors(search, judge, tokens)

    def _blend(self, vector: np.ndarray, text: str, share: float) -> np.ndarray:
        blended = (1 - share) * vector + share * encode_question(self.model, text)[0]
        return blended / np.linalg.norm(blended)

    def run(
        self,
        question: QuestionAnalysis,
        top_k: int = 10,
        query_vector: np.ndarray | None = None,
        prefer_article: str | None = None,
        dates: DateRange | None = None,
    ) -> list[Hit]:
        """Best passages first. `prefer_article` (the article a conversation is about) is searched
        whole, its passages boosted; `dates` keeps only articles published then (inside both
        searches)."""
        if top_k <= 0:
            raise ValueError("top_k must be greater than 0")
        vector = self.encode_question(question).search if query_vector is None else query_vector
        depth = max(self.weights.value("retrieval", "candidates"), top_k)
        dense_ids, dense_scores = self.store.search_dense(vector, depth, dates)
        lex_ids, lex_scores = self.store.search_lexical(list(question.terms), depth, dates)
        candidates = list(dict.fromkeys([*dense_ids.tolist(), *lex_ids.tolist()]))
        preferred = set(self.store.article_passage_ids(prefer_article)) if prefer_article else set()
        if preferred and candidates:  # the article a conversation is on is always searched
            candidates += sorted(preferred.difference(candidates))
        if not candidates:
            return []
        dense = self._cosines(vector, candidates, dict(zip(dense_ids.tolist(), dense_scores.tolist())))
        lex_by_id = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
        best_lex = max(lex_by_id.values(), default=0.0)
        lexical = np.array([lex_by_id.get(pid, 0.0) / best_lex if best_lex else 0.0 for pid in candidates])
        if question.bridge is not None:
            passages = self.store.passages(candidates)
            texts = [passages[pid].text if pid in passages else "" for pid in candidates]
            coverage = glossary_coverage(question.bridge, question.effective, texts, self.store.idf)
            if coverage.max() > 0:
                share = self.weights.value("retrieval", "glossary_coverage_share")
                lexical = (1 - share) * lexical + share * coverage / coverage.max()
        weight = lexical_weight(question, self.weights)
        fused = (1 - weight) * _minmax(dense) + weight * lexical
        hits = [Hit(pid, float(s), float(d), float(x)) for pid, s, d, x in zip(candidates, fused, dense, lexical)]
        if prefer_article:
            boost = self.weights.value("retrieval", "conversation_boost")
            for hit in hits:
                if hit.passage_id in preferred:
                    hit.boosts["conversation"] = boost
                    hit.score += boost
        hits.sort(key=lambda h: -h.score)
        return hits[:top_k]

    def expand(self, hits: list[Hit], articles: int) -> list[Hit]:
        """`hits` and, after them, every other passage of the `articles` best articles among them
        (retrieval score 0): the sentence that answers may sit in a passage retrieval did not rank."""
        if articles <= 0 or not hits:
            return hits
        leading: list[str] = []
        order = self.store.passages([h.passage_id for h in hits])
        for hit in hits:
            article = order[hit.passage_id].article_id if hit.passage_id in order else None
            if article and article not in leading:
                leading.append(article)
            if len(leading) == articles:
                break
        have = {h.passage_id for h in hits}
        extra = [
            Hit(pid, score=0.0, dense=0.0, lexical=0.0, boosts={"article": 1.0})
            for article in leading
            for pid in self.store.article_passage_ids(article)
            if pid not in have
        ]
        return hits + extra

    def _cosines(self, vector: np.ndarray, ids: list[int], known: dict[int, float]) -> np.ndarray:
        """Dense similarity for every candidate, from the stored vectors where the search gave none."""
        missing = [pid for pid in ids if pid not in known]
        stored = {pid: float(v @ vector) for pid, v in zip(missing, self.store.passage_vectors(missing))}
        return np.array([known[pid] if pid in known else stored[pid] for pid in ids], np.float32)
