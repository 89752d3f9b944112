"""Scoring helpers; each returns plain numbers so results serialize to JSON."""

from __future__ import annotations

import re
from collections import Counter
from os.path import commonprefix

import numpy as np

from qa.text import nfc

# the kinds whose short answer the target counts: a date, a number, a sum
SHORT_KINDS = ("date", "number", "amount")


def normalize(text: str) -> str:
    """Case, NFC, white space and the dash/quote variants Vietnamese sites mix freely."""
    text = nfc(text).lower().replace("–", "-").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def contains_answer(text: str, answers: list[str]) -> bool:
    haystack = normalize(text)
    return any(normalize(a) in haystack for a in answers)


def answer_from(text: str, answers: list[str], source: str, context: int = 40) -> bool:
    """`text` holds an answer where it quotes `source`: around one of its occurrences, at least
    `context` characters (or all that either text has) read the same as around an occurrence in
    `source`. Tells the passage holding the answer asked about from another passage of the same
    article that holds the same words elsewhere."""
    haystack, origin = normalize(text), normalize(source)
    for answer in filter(None, map(normalize, answers)):
        need = min(context, len(haystack) - len(answer), len(origin) - len(answer))
        for at in _occurrences(haystack, answer):
            for there in _occurrences(origin, answer):
                left = len(commonprefix([haystack[:at][::-1], origin[:there][::-1]]))
                right = len(commonprefix([haystack[at + len(answer) :], origin[there + len(answer) :]]))
                if left + right >= need:
                    return True
    return False


def _occurrences(text: str, part: str) -> list[int]:
    return [m.start() for m in re.finditer(f"(?={re.escape(part)})", text)]


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", normalize(text))


def token_f1(predicted: str, gold: str) -> float:
    p, g = tokens(predicted), tokens(gold)
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def first_relevant_rank(relevant: list[bool]) -> int | None:
    """1-based rank of the first relevant result, None when there is none."""
    return next((i + 1 for i, r in enumerate(relevant) if r), None)


def retrieval_scores(ranks: list[int | None], cutoffs=(1, 3, 5), mrr_at: int = 10) -> dict[str, float]:
    n = max(len(ranks), 1)
    out = {f"recall@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in cutoffs}
    out[f"mrr@{mrr_at}"] = sum(1 / r for r in ranks if r is not None and r <= mrr_at) / n
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}
