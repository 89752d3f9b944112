"""`python -m eval fit`: choose the scoring weights on the dev halves, from features measured once.

Each dev question is read and retrieved once, deep (60 candidates, and every passage of its three
leading articles), and every candidate's features are kept (`qa.scoring.SENTENCE_FEATURES`,
`PASSAGE_FEATURES`) with what is right (the passage that holds the answer, the sentences that do).
`Ranker` then replays the assistant's choice of a quote and a highlight for any weights in numpy,
so a coordinate search over the weights (each question language on its own questions) takes
seconds, not hours. The objective is the mean, over the sets (news, XQuAD paragraphs, XQuAD whole
articles, the built-in set) and their question languages, of passage (or article) recall@1 and
answer-in-highlight. The chosen weights are written to qa/weights.toml; the test halves are only
ever reported.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from eval.metrics import answer_from, contains_answer
from eval.news import answering_articles
from qa import Assistant
from qa.checks import SEARCHED_KINDS, holds_searched, states_asked
from qa.scoring import PASSAGE_FEATURES, PASSAGE_WEIGHT_KEYS, SENTENCE_FEATURES, SENTENCE_WEIGHT_KEYS, Scorer

DEPTH = 60  # candidates kept per question: the rerank depth is chosen among fewer
# The pickled features' format, in their cache's name: bumped when `Sample` or `Candidate` change
# (2: `Sample.answering`; 3: `Candidate.holds` reads the kind as the question asks it, its own
# numbers and other measures aside; 4: and its grain, a year or a birth, as `kind_first` does; 5:
# `Candidate.states`, the stricter reading `kind_first` searches the article with; 6: the novel_kind
# feature reads a number as the question's own as the check does; 7: a person is read by
# `qa.people.person_spans`, held, stated and scored; 8: a thing's name, `qa.people.thing_names`), so
# a cache of the old form is measured again rather than misread.
FORMAT = 8
EXPAND = 3  # leading articles whose every passage is kept


@dataclass
class Candidate:
    passage_id: int
    article_id: str
    retrieval: float  # fused retrieval score (0 for a passage only expansion brought)
    expanded: bool
    features: np.ndarray  # PASSAGE_FEATURES, as measured in the deep run
    sentences: np.ndarray  # (sentences, SENTENCE_FEATURES)
    judged: np.ndarray  # each sentence's similarity to the judging vector
    holds: np.ndarray  # each sentence holds the kind asked (bool)
    states: np.ndarray  # each sentence states the number, sum or name asked, as `kind_first` reads it (bool)
    sentence_ok: np.ndarray  # each sentence holds the answer (bool)
    ok: bool  # the passage is the one that answers


@dataclass
class Sample:
    dataset: str  # "news", "xquad-paragraphs", "xquad-articles", "builtin"
    split: str
    group: str  # question language as the sets report it: "vi", "vi-plain", "en"
    language: str  # the language pack
    kind: str | None
    article_id: str
    candidates: list[Candidate] = field(default_factory=list)
    answering: frozenset[str] = frozenset()  # the articles whose quote answers (news: `answering_articles`)


def measure(assistant: Assistant, question: dict, dataset: str, split: str) -> Sample | None:
    """One answerable question's candidates and their features (None for an unanswerable one)."""
    if not question.get("answerable", True):
        return None
    analysis = assistant.read(question["question"], question.get("history") or None)
    retriever = assistant.retriever
    vectors = retriever.encode_question(analysis)
    hits = retriever.run(analysis, top_k=DEPTH, query_vector=vectors.search)
    hits = retriever.expand(hits, EXPAND)
    scorer = Scorer(assistant.store, assistant.weights, all_features=True)
    evidence = {e.hit.passage_id: e for e in scorer.rank(analysis, vectors, hits)}
    answering = frozenset(answering_articles(question))
    sample = Sample(
        dataset, split, question["lang"], analysis.language, analysis.kind, question["article_id"], answering=answering
    )
    answers = question["answers"]
    for hit in hits:
        e = evidence.get(hit.passage_id)
        if e is None:
            continue
        text = e.passage.text
        right = e.passage.article_id in answering
        if "paragraph" in question:
            ok = right and answer_from(text, answers, question["paragraph"])
        else:
            ok = right and (not answers or contains_answer(text, answers))
        parts = [text[s.start : s.end] for s in e.sentences]
        sample.candidates.append(
            Candidate(
                passage_id=hit.passage_id,
                article_id=e.passage.article_id,
                retrieval=hit.score,
                expanded="article" in hit.boosts,
                features=np.array([e.features[f] for f in PASSAGE_FEATURES], np.float32),
                sentences=np.array([s.features for s in e.sentences], np.float32).reshape(-1, len(SENTENCE_FEATURES)),
                judged=np.array([s.dense for s in e.sentences], np.float32),
                holds=np.array([bool(analysis.held) and holds_searched(p, analysis) for p in parts], bool),
                states=np.array([states_asked(p, analysis) for p in parts], bool),
                sentence_ok=np.array([ok and contains_answer(p, answers) for p in parts], bool),
                ok=ok,
            )
        )
    return sample


def measure_all(jobs, progress: bool = True) -> list[Sample]:
    """`jobs`: (assistant, question, dataset, split) tuples."""
    out = []
    for assistant, question, dataset, split in tqdm(jobs, desc="features", disable=not progress, dynamic_ncols=True):
        sample = measure(assistant, question, dataset, split)
        if sample is not None and sample.candidates:
            out.append(sample)
    return out


def save(samples: list[Sample], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(samples, f)


def load(path: Path) -> list[Sample]:
    with path.open("rb") as f:
        return pickle.load(f)  # noqa: S301 - a file this module wrote, in the cache


# ------------------------------------------------------------------ replaying the choice of a quote
@dataclass
class Params:
    """The weights `Ranker` replays, as qa/weights.toml names them (one question language)."""

    sentence: np.ndarray  # weights of SENTENCE_FEATURES (dense's is 1)
    passage: np.ndarray  # weights of PASSAGE_FEATURES (retrieval's is 1; best_sentence's is sentence_weight)
    depth: int = 30
    expand: int = 0
    kind_in_article: int = 0
    kind_margin: float = 0.3
    second_margin: float = 0.01


@dataclass
class _Pool:
    """A sample's candidates for one (depth, expand), stacked for numpy."""

    candidates: list[Candidate]
    features: np.ndarray  # (candidates, PASSAGE_FEATURES) with retrieval and article_best as the pool makes them
    sentences: np.ndarray  # all candidates' sentences stacked
    starts: np.ndarray  # where each candidate's sentences start in `sentences`
    same_article: np.ndarray  # the article of each candidate, as an index


def _pool(sample: Sample, depth: int, expand: int) -> _Pool | None:
    key = (depth, expand)
    cache = sample.__dict__.setdefault("_pools", {})
    if key in cache:
        return cache[key]
    pool = [c for c in sample.candidates if not c.expanded][:depth]
    if not pool:
        cache[key] = None
        return None
    have = {c.passage_id for c in pool}
    if expand:
        leading = list(dict.fromkeys(c.article_id for c in pool))[:expand]
        pool = pool + [c for c in sample.candidates if c.article_id in leading and c.passage_id not in have]
    retrieval = np.array([c.retrieval if c.passage_id in have else 0.0 for c in pool], np.float32)
    best_of: dict[str, float] = {}
    for c, r in zip(pool, retrieval):
        best_of[c.article_id] = max(best_of.get(c.article_id, r), r)
    features = np.stack([c.features for c in pool]).astype(np.float32)
    features[:, 0] = retrieval
    features[:, 5] = [best_of[c.article_id] for c in pool]
    sentences = [c.sentences if len(c.sentences) else np.zeros((1, len(SENTENCE_FEATURES)), np.float32) for c in pool]
    starts = np.cumsum([0] + [len(x) for x in sentences[:-1]])
    articles = {a: i for i, a in enumerate(dict.fromkeys(c.article_id for c in pool))}
    out = _Pool(pool, features, np.concatenate(sentences), starts, np.array([articles[c.article_id] for c in pool]))
    cache[key] = out
    return out


def choose(sample: Sample, p: Params) -> tuple[Candidate | None, np.ndarray]:
    """The quote the assistant would give and the mask of its highlighted sentences."""
    pool = _pool(sample, p.depth, p.expand)
    if pool is None:
        return None, np.zeros(0, bool)
    s_all = pool.sentences @ p.sentence
    best = np.maximum.reduceat(s_all, pool.starts)
    f = pool.features.copy()
    f[:, 1] = best
    scores = f @ p.passage
    top = int(np.argmax(scores))  # the first of equals, as a stable sort keeps them
    ends = np.append(pool.starts[1:], len(s_all))
    chosen = pool.candidates[top]
    s = s_all[pool.starts[top] : ends[top]]
    if p.kind_in_article and sample.kind in SEARCHED_KINDS and len(chosen.sentences):
        highlighted = _highlighted(s, p.second_margin)
        if not chosen.holds[highlighted].any():
            floor = s.max() - p.kind_margin
            found = None
            for i in np.argsort(-scores, kind="stable"):
                i = int(i)
                if pool.same_article[i] != pool.same_article[top]:
                    continue
                c = pool.candidates[i]
                values = s_all[pool.starts[i] : ends[i]][: len(c.states)]
                ok = np.flatnonzero(c.states & (values >= floor))
                for j in ok:
                    if found is None or values[j] > found[0]:
                        found = (values[j], i, int(j))
            if found is not None:
                chosen = pool.candidates[found[1]]
                mask = np.zeros(len(chosen.sentences), bool)
                mask[found[2]] = True
                return chosen, mask
    if not len(chosen.sentences):
        return chosen, np.zeros(0, bool)
    return chosen, _highlighted(s, p.second_margin)


def _highlighted(scores: np.ndarray, margin: float) -> np.ndarray:
    ranked = np.argsort(-scores, kind="stable")
    mask = np.zeros(len(scores), bool)
    mask[ranked[0]] = True
    if len(ranked) > 1 and scores[ranked[0]] - scores[ranked[1]] <= margin:
        mask[ranked[1]] = True
    return mask


def scores_of(samples: list[Sample], p: Params) -> dict[tuple[str, str], dict[str, float]]:
    """Per (dataset, group): the share of questions whose quote is right, whose article is, and
    whose highlight holds the answer."""
    tally: dict[tuple[str, str], list[tuple[bool, bool, bool]]] = defaultdict(list)
    for sample in samples:
        chosen, mask = choose(sample, p)
        if chosen is None:
            tally[(sample.dataset, sample.group)].append((False, False, False))
            continue
        highlight = bool(chosen.ok and chosen.sentence_ok[mask].any()) if len(mask) else chosen.ok
        tally[(sample.dataset, sample.group)].append((chosen.ok, chosen.article_id in sample.answering, highlight))
    out = {}
    for key, rows in tally.items():
        a = np.array(rows, float)
        out[key] = {"quote": a[:, 0].mean(), "article": a[:, 1].mean(), "highlight": a[:, 2].mean(), "n": len(rows)}
    return out


# How much each set counts in the objective: the news set is what the users ask about.
SET_WEIGHTS = {"news": 0.5, "xquad-paragraphs": 0.15, "xquad-articles": 0.15, "builtin": 0.2}


def objective(samples: list[Sample], p: Params) -> float:
    """Mean over the sets (weighted) of their groups' mean of (quote right + highlight right) / 2;
    for news, the article counts for the quote (several articles may give the same fact)."""
    by_set: dict[str, list[float]] = defaultdict(list)
    for (dataset, _), s in scores_of(samples, p).items():
        first = s["article"] if dataset == "news" else s["quote"]
        by_set[dataset].append((first + s["highlight"]) / 2)
    total = sum(SET_WEIGHTS[d] for d in by_set)
    return sum(SET_WEIGHTS[d] * float(np.mean(v)) for d, v in by_set.items()) / total


# ------------------------------------------------------------------ the search over weights
GRIDS: dict[str, list[float]] = {
    "lexical_in_sentence": list(np.round(np.arange(0, 1.01, 0.05), 2)),
    "sentence_alignment": list(np.round(np.arange(0, 5.01, 0.25), 2)),
    "kind_bonus": list(np.round(np.arange(0, 0.41, 0.025), 3)),
    "described_bonus": list(np.round(np.arange(0, 0.51, 0.05), 2)),
    "novel_kind_bonus": list(np.round(np.arange(0, 0.41, 0.025), 3)),
    "time_match_bonus": list(np.round(np.arange(0, 0.41, 0.025), 3)),
    "counted_bonus": list(np.round(np.arange(0, 0.41, 0.025), 3)),
    "sentence_weight": list(np.round(np.arange(0.25, 2.51, 0.125), 3)),
    "coverage": list(np.round(np.arange(0, 1.01, 0.05), 2)),
    "alignment": list(np.round(np.arange(0, 10.01, 0.5), 2)),
    "lead_bonus": list(np.round(np.arange(0, 0.21, 0.0125), 4)),
    "article_best": list(np.round(np.arange(0, 1.01, 0.05), 2)),
    "date_match_bonus": list(np.round(np.arange(0, 0.41, 0.025), 3)),
    "rerank_depth": [10, 15, 20, 25, 30, 40, 50, 60],
    "expand_articles": [0, 1, 2, 3],
    "kind_in_article": [0, 1],
    "kind_sentence_margin": list(np.round(np.arange(0.05, 0.81, 0.05), 2)),
}
SECTION = {"rerank_depth": "retrieval", "expand_articles": "retrieval"}


def params_from(weights, language: str) -> Params:
    def v(key: str) -> float:
        return weights.value(SECTION.get(key, "scoring"), key, language)

    return Params(
        sentence=np.array([1.0] + [v(k) for k in SENTENCE_WEIGHT_KEYS[1:]], np.float32),
        passage=np.array([1.0] + [v(k) for k in PASSAGE_WEIGHT_KEYS[1:]], np.float32),
        depth=int(v("rerank_depth")),
        expand=int(v("expand_articles")),
        kind_in_article=int(v("kind_in_article")),
        kind_margin=float(v("kind_sentence_margin")),
        second_margin=float(v("second_highlight_margin")),
    )


def get(p: Params, key: str) -> float:
    if key in SENTENCE_WEIGHT_KEYS:
        return float(p.sentence[SENTENCE_WEIGHT_KEYS.index(key)])
    if key in PASSAGE_WEIGHT_KEYS:
        return float(p.passage[PASSAGE_WEIGHT_KEYS.index(key)])
    return {"rerank_depth": p.depth, "expand_articles": p.expand, "kind_in_article": p.kind_in_article,
            "kind_sentence_margin": p.kind_margin}[key]  # fmt: skip


def put(p: Params, key: str, value: float) -> Params:
    q = Params(
        p.sentence.copy(), p.passage.copy(), p.depth, p.expand, p.kind_in_article, p.kind_margin, p.second_margin
    )
    if key in SENTENCE_WEIGHT_KEYS:
        q.sentence[SENTENCE_WEIGHT_KEYS.index(key)] = value
    elif key in PASSAGE_WEIGHT_KEYS:
        q.passage[PASSAGE_WEIGHT_KEYS.index(key)] = value
    elif key == "rerank_depth":
        q.depth = int(value)
    elif key == "expand_articles":
        q.expand = int(value)
    elif key == "kind_in_article":
        q.kind_in_article = int(value)
    else:
        q.kind_margin = float(value)
    return q


def plateau_middle(values: list[float], scores: list[float], tolerance: float) -> float:
    """The middle of the run of grid values, around the best, that score within `tolerance` of it:
    a choice a little noise does not move, rather than the edge of a cliff."""
    best = int(np.argmax(scores))
    lo = hi = best
    while lo > 0 and scores[lo - 1] >= scores[best] - tolerance:
        lo -= 1
    while hi < len(scores) - 1 and scores[hi + 1] >= scores[best] - tolerance:
        hi += 1
    return values[(lo + hi) // 2]


def group_scores(samples: list[Sample], p: Params) -> dict[tuple[str, str], tuple[float, int]]:
    """Per (set, group): (quote or article right + highlight right) / 2, and how many questions."""
    out = {}
    for (dataset, group), s in scores_of(samples, p).items():
        first = s["article"] if dataset == "news" else s["quote"]
        out[(dataset, group)] = ((first + s["highlight"]) / 2, int(s["n"]))
    return out


def costs_a_set(samples: list[Sample], p: Params, start: dict) -> bool:
    """The weights cost some set's group more than noise against the starting weights: more than
    one of its questions, and at least half a point (a set may not pay for another's gain)."""
    for key, (value, n) in group_scores(samples, p).items():
        before = start.get(key)
        if before and n >= 20 and value < before[0] - max(0.005, 1.0 / n):
            return True
    return False


def coordinate_search(
    samples: list[Sample], start: Params, keys: list[str], rounds: int = 3, tolerance: float = 0.004, progress=True
) -> tuple[Params, list[str]]:
    """Each weight in turn moved to the middle of its plateau, the others held, `rounds` times.
    A weight moves only when that gains more than `tolerance` over where it is, and never to a value
    that costs any set more than noise (`costs_a_set`)."""
    p, log = start, []
    reference = group_scores(samples, start)
    log.append(f"start: {objective(samples, p):.4f}")
    for r in range(rounds):
        changed = False
        for key in tqdm(keys, desc=f"round {r + 1}", disable=not progress, leave=False):
            grid = GRIDS[key]
            here = objective(samples, p)
            trials = [put(p, key, value) for value in grid]
            scores = [-1.0 if costs_a_set(samples, q, reference) else objective(samples, q) for q in trials]
            if max(scores) <= here + tolerance:
                continue
            value = plateau_middle(grid, scores, tolerance)
            if value != get(p, key):
                changed = True
                log.append(f"{key}: {get(p, key):g} -> {value:g} ({here:.4f} -> {scores[grid.index(value)]:.4f})")
                p = put(p, key, value)
        log.append(f"after round {r + 1}: {objective(samples, p):.4f}")
        if not changed:
            break
    return p, log


def updates_from(params: dict[str, Params]) -> dict[tuple[str, str], dict[str, float]]:
    """qa/weights.toml entries ({(section, key): {language: value}}) for the fitted languages."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    structural = ["rerank_depth", "expand_articles", "kind_in_article", "kind_sentence_margin"]
    for key in [k for k in SENTENCE_WEIGHT_KEYS + PASSAGE_WEIGHT_KEYS if k] + structural:
        section = SECTION.get(key, "scoring")
        values = {}
        for language, p in params.items():
            value = get(p, key)
            values[language] = (
                int(value) if key in ("rerank_depth", "expand_articles", "kind_in_article") else round(float(value), 4)
            )
        out[(section, key)] = values
    return out
