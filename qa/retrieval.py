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
from qa.glossary import Glossary
from qa.text import names_and_numbers, plain_form, search_terms, syllables
from store import LexicalIndex, PassageStore

CANDIDATES = 50
LANGUAGE_SHIFT = Path(__file__).with_name("language_shift.json")
# Weight of the lexical (BM25) score against the dense score for a question in the articles' language.
LEXICAL_WEIGHT = 0.4
# An English question's lexical score is only as good as the glossary's hold on it: its weight runs
# from the first value to the second with the share of its words the glossary translates
# (Glossary.translated_share: 0.79 on average for the built-in English questions, news wording;
# 0.50 for XQuAD's, Wikipedia wording). Against a fixed 0.3: XQuAD en->vi whole-article passage
# Recall@1 0.839 -> 0.849, paragraph Recall@1 0.869 -> 0.871, built-in English top quote 0.886 ->
# 0.899; in a re-ranking replay the gain held on both halves of the XQuAD articles.
ENGLISH_LEXICAL_WEIGHT = (0.1, 0.4)
# Share of an English question's vector that comes from its glossary rendering (more cost XQuAD
# en->vi Recall@1: 0.5 gave 0.837 against 0.855 without it; for the code-switched search vector
# 0.1 / 0.2 / 0.3 gave 0.876 / 0.879 / 0.879, and 0.3 lost the built-in set a question).
RENDERING_WEIGHT = 0.2
# Share of an English question's lexical score that is its glossary coverage, the rest being BM25
# over the glossary's syllables. 0.5 took XQuAD en->vi R@1 0.866 -> 0.871 and the built-in English
# top quote 0.823 -> 0.873; 1.0 (coverage alone) reached 0.886 on the built-in set but cost XQuAD
# R@1 (0.865).
GLOSSARY_COVERAGE_SHARE = 0.5


class QuestionVectors(NamedTuple):
    """A question as `Retriever.encode_question` reads it."""

    search: np.ndarray  # what passages and sentences are ranked by
    judge: np.ndarray  # what the confidence compares the best sentence with (`qa.quoting.confidence`)
    tokens: np.ndarray  # alignment states of the question's tokens


@dataclass
class Hit:
    """One passage found for a query, with the evidence behind its score."""

    passage_id: int
    score: float
    dense: float  # cosine similarity with the query
    lexical: float  # BM25 score, divided by the best one for this query
    boosts: dict[str, float] = field(default_factory=dict)


def vietnamese_rendering(question: str) -> str:
    """What of an English question can be said in the articles' words: its names, acronyms and
    numbers, and its other words as the glossary puts them into Vietnamese ("" when none)."""
    return " ".join(filter(None, [names_and_numbers(question), *Glossary.default().translate(question)]))


def query_terms(query: str, language: str) -> list[str]:
    """BM25 terms of a question. An English question's own words, stripped of accents, would
    collide with Vietnamese syllables ("the" ~ "thế", "to" ~ "tô"), so its names (with their
    accent-free forms: "To Lam") and its glossary words (exact: "đón" must not match "đơn") are
    searched instead, each once."""
    if language != "en":
        return search_terms(query)
    glossary_words = syllables(" ".join(Glossary.default().translate(query)))
    return list(dict.fromkeys([*search_terms(names_and_numbers(query)), *glossary_words]))


def lexical_weight(question: str, language: str) -> float:
    """How much the lexical score counts against the dense one for this question."""
    if language != "en":
        return LEXICAL_WEIGHT
    low, high = ENGLISH_LEXICAL_WEIGHT
    return low + (high - low) * Glossary.default().translated_share(question)


def glossary_coverage(question: str, texts: Sequence[str], idf: Callable[..., np.ndarray]) -> np.ndarray:
    """For each text, the share of an English question's names (in any accents) and glossary words
    it holds, weighed by rarity (`idf`, as LexicalIndex.idf). A glossary word counts when one of its
    renderings appears whole (its syllables in a row, so without word segmentation "xã hội thảo
    luận" still holds "hội thảo"), weighing as that rendering's mean syllable idf."""
    names = list(dict.fromkeys(plain_form(t) for t in syllables(names_and_numbers(question))))
    name_weights = idf(names, absent=0.0) if names else np.zeros(0)
    words = [
        [(f" {' '.join(syllables(r))} ", float(idf(syllables(r), absent=0.0).mean())) for r in renderings]
        for _, renderings in Glossary.default().senses(question)
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
    """Find the passages that best match a query.

    Example:
        >>> retriever = Retriever(model, store)
        >>> hits = retriever.run("Luật An ninh mạng có hiệu lực khi nào?", language="vi", top_k=5)
    """

    def __init__(self, model, store: PassageStore, language_shift: dict[str, np.ndarray] | None = None) -> None:
        self.model = model
        self.store = store
        self.language_shift = language_shift or {}
        self._lexical: LexicalIndex | None = None

    def lexical(self) -> LexicalIndex:
        if self._lexical is None or self._lexical.generation != self.store.generation:
            self._lexical = LexicalIndex.for_store(self.store)
        return self._lexical

    def encode_question(self, query: str, language: str = "vi") -> QuestionVectors:
        """The query's unit vectors, moved by the language shift when its language has one, and its
        tokens' alignment states (embeddings/alignment.py) from the question's own forward pass.

        An English question is blended with what the glossary can say of it in Vietnamese: its
        search vector with its code-switched form (the words put into Vietnamese in place), its
        judging vector with its bag of Vietnamese words (`vietnamese_rendering`)."""
        vector, tokens = encode_question(self.model, query)
        shift = self.language_shift.get(language)
        if shift is not None:
            vector = vector + shift
            vector = vector / np.linalg.norm(vector)
        if language != "en":
            return QuestionVectors(vector, vector, tokens)
        code_switched = Glossary.default().code_switch(query)
        rendering = vietnamese_rendering(query)
        search = self._blend(vector, code_switched) if code_switched != query else vector
        judge = self._blend(vector, rendering) if rendering else vector
        return QuestionVectors(search, judge, tokens)

    def _blend(self, vector: np.ndarray, text: str) -> np.ndarray:
        blended = (1 - RENDERING_WEIGHT) * vector + RENDERING_WEIGHT * encode_question(self.model, text)[0]
        return blended / np.linalg.norm(blended)

    def embed_query(self, query: str, language: str = "vi") -> np.ndarray:
        return self.encode_question(query, language).search

    def run(
        self,
        query: str,
        language: str,
        top_k: int = 10,
        query_vector: np.ndarray | None = None,
        prefer_article: str | None = None,
    ) -> list[Hit]:
        """Best passages first. `prefer_article` (the article a conversation is about) gets a small boost."""
        if top_k <= 0:
            raise ValueError("top_k must be greater than 0")
        vector = self.embed_query(query, language) if query_vector is None else query_vector
        dense_ids, dense_scores = self.store.search_dense(vector, max(CANDIDATES, top_k))
        lex_ids, lex_scores = self.lexical().search(query_terms(query, language), max(CANDIDATES, top_k))
        candidates = list(dict.fromkeys([*dense_ids.tolist(), *lex_ids.tolist()]))
        if not candidates:
            return []
        dense = self._cosines(vector, candidates, dict(zip(dense_ids.tolist(), dense_scores.tolist())))
        lex_by_id = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
        best_lex = max(lex_by_id.values(), default=0.0)
        lexical = np.array([lex_by_id.get(pid, 0.0) / best_lex if best_lex else 0.0 for pid in candidates])
        if language == "en":
            passages = self.store.passages(candidates)
            texts = [passages[pid].text if pid in passages else "" for pid in candidates]
            coverage = glossary_coverage(query, texts, self.lexical().idf)
            if coverage.max() > 0:
                share = GLOSSARY_COVERAGE_SHARE
                lexical = (1 - share) * lexical + share * coverage / coverage.max()
        weight = lexical_weight(query, language)
        fused = (1 - weight) * _minmax(dense) + weight * lexical
        hits = [Hit(pid, float(s), float(d), float(x)) for pid, s, d, x in zip(candidates, fused, dense, lexical)]
        if prefer_article:
            preferred = set(self.store.article_passage_ids(prefer_article))
            for hit in hits:
                if hit.passage_id in preferred:
                    hit.boosts["conversation"] = 0.1
                    hit.score += 0.1
        hits.sort(key=lambda h: -h.score)
        return hits[:top_k]

    def _cosines(self, vector: np.ndarray, ids: list[int], known: dict[int, float]) -> np.ndarray:
        """Dense similarity for every candidate, reconstructing vectors FAISS did not return."""
        index = self.store.dense_index()
        out = []
        for pid in ids:
            if pid in known:
                out.append(known[pid])
            else:
                out.append(float(index.reconstruct(int(pid)) @ vector))
        return np.array(out, np.float32)
