"""XQuAD: 240 Wikipedia paragraphs ingested as articles, with Vietnamese and English questions, and the
same paragraphs ingested as their 48 whole Wikipedia articles, where the passage holding the answer
must be told from the other passages of its article, as in news articles. English questions are
answered with a language shift cross-fitted on the other half of the articles.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from eval.metrics import (
    SHORT_KINDS,
    answer_from,
    contains_answer,
    first_relevant_rank,
    percentiles,
    retrieval_scores,
    token_f1,
)
from eval.runner import ask_timed
from qa import Assistant
from qa.analysis import analyze
from qa.retrieval import fit_language_shift
from qa.text import strip_accents


def load_xquad(folder: str | Path, whole_articles: bool = False) -> tuple[list[dict], list[dict]]:
    """(articles as JSONL rows, questions) with Vietnamese paragraphs and vi + en questions.

    `whole_articles`: one article per Wikipedia article, its paragraphs joined, instead of one per
    paragraph; each question then also carries its `paragraph`, which the right passage quotes."""
    folder = Path(folder)
    vi = json.loads((folder / "xquad.vi.json").read_text(encoding="utf-8"))["data"]
    en = json.loads((folder / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    en_questions = {qa["id"]: qa["question"] for doc in en for p in doc["paragraphs"] for qa in p["qas"]}
    articles, questions = [], []
    for d, doc in enumerate(vi):
        if whole_articles:
            text = "\n\n".join(paragraph["context"] for paragraph in doc["paragraphs"])
            articles.append({"id": f"xquad-{d:02d}", "title": doc.get("title", ""), "text": text})
        for p, paragraph in enumerate(doc["paragraphs"]):
            article_id = f"xquad-{d:02d}" if whole_articles else f"xquad-{d:02d}-{p:02d}"
            if not whole_articles:
                articles.append({"id": article_id, "title": doc.get("title", ""), "text": paragraph["context"]})
            for qa in paragraph["qas"]:
                answers = [a["text"] for a in qa["answers"]]
                for lang, text in (("vi", qa["question"]), ("en", en_questions.get(qa["id"]))):
                    if text:
                        question = {
                            "id": f"{qa['id']}-{lang}",
                            "lang": lang,
                            "question": text,
                            "article_id": article_id,
                            "answers": answers,
                            "pair": qa["id"],  # the same question in the other language
                            "fold": d % 2,  # half of the Wikipedia articles, for cross-fitting
                        }
                        if whole_articles:
                            question["paragraph"] = paragraph["context"]
                        questions.append(question)
    return articles, questions


def typed_without_diacritics(questions: list[dict]) -> list[dict]:
    """The Vietnamese questions as many people type them, without diacritics (language "vi-plain")."""
    return [
        {**q, "id": f"{q['id']}-plain", "lang": "vi-plain", "question": strip_accents(q["question"])}
        for q in questions
        if q["lang"] == "vi"
    ]


def xquad_language_shift(assistant: Assistant, questions: list[dict], folds=(0, 1)) -> np.ndarray:
    """The en -> vi question offset fitted on the XQuAD questions of the given article folds."""
    vi = {q["pair"]: q["question"] for q in questions if q["lang"] == "vi" and q["fold"] in folds}
    en = {q["pair"]: q["question"] for q in questions if q["lang"] == "en" and q["fold"] in folds}
    pairs = sorted(vi.keys() & en.keys())
    return fit_language_shift(assistant.model, [en[p] for p in pairs], [vi[p] for p in pairs])


def _is_source(quote, question: dict) -> bool:
    """The quote is from the question's article and, for whole articles, is the passage that holds
    the answer in the question's paragraph."""
    if quote.article_id != question["article_id"]:
        return False
    return "paragraph" not in question or answer_from(quote.text, question["answers"], question["paragraph"])


def cross_fitted_shifts(assistant: Assistant, questions: list[dict]) -> dict[int, dict[str, np.ndarray]]:
    """{article fold: the language shift fitted on the other fold's question pairs}."""
    return {fold: {"en": xquad_language_shift(assistant, questions, folds=(1 - fold,))} for fold in (0, 1)}


def ask_xquad(
    assistant: Assistant,
    questions: list[dict],
    progress: bool = True,
    shifts: dict[int, dict[str, np.ndarray]] | None = None,
) -> list[dict]:
    """Every XQuAD question asked; one row each. English questions are answered with the language
    shift fitted on the other half of the articles (cross-fitting), never on their own pairs;
    `shifts` (`cross_fitted_shifts`) saves fitting them again for the same questions and model."""
    shifts = shifts or cross_fitted_shifts(assistant, questions)
    by_fold = {fold: assistant.derive(language_shift=shift) for fold, shift in shifts.items()}
    rows = []
    for q in tqdm(questions, desc="xquad", disable=not progress, dynamic_ncols=True):
        asked = ask_timed(by_fold[q["fold"]], q["question"])
        rank = first_relevant_rank([_is_source(quote, q) for quote in asked.answer.quotes])
        top, answer = asked.top, asked.answer
        short = answer.short_answer.text if answer.short_answer else ""
        rows.append(
            {
                "id": q["id"],
                "lang": q["lang"],
                "split": "dev" if q["fold"] == 0 else "test",
                "rank": rank,
                "in_highlight": rank == 1 and contains_answer(asked.highlight, q["answers"]),
                "right_article": bool(top and top.article_id == q["article_id"]),
                # XQuAD labels no kinds: the kind the assistant reads the question as
                "kind": analyze(answer.effective_query, answer.language).kind,
                "short_answer": short,
                "short_match": bool(short) and rank == 1 and contains_answer(short, q["answers"]),
                "short_f1": max((token_f1(short, a) for a in q["answers"]), default=0.0) if short else 0.0,
                **asked.fields(),
            }
        )
    return rows


def summarize_xquad(rows: list[dict]) -> dict:
    """Paragraph (or, for whole articles, passage) retrieval per question language."""
    by_lang = defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r)
    out = {}
    for lang, group in sorted(by_lang.items()):
        scores = retrieval_scores([r["rank"] for r in group], cutoffs=(1, 5), mrr_at=10)
        scores["answer_in_highlight"] = sum(r["in_highlight"] for r in group) / len(group)
        scores["article_recall@1"] = sum(r["right_article"] for r in group) / len(group)  # = R@1 for paragraphs
        scores["abstained"] = sum(r["abstained"] for r in group) / len(group)
        # what a user gets: the answer highlighted and not withheld
        scores["answered_in_highlight"] = sum(r["in_highlight"] and not r["abstained"] for r in group) / len(group)
        # the short answer of the questions read as asking a date, a number or a sum (as on news)
        asked = [r for r in group if r["kind"] in SHORT_KINDS]
        if asked:
            scores["short_answer_match"] = sum(r["short_match"] and not r["abstained"] for r in asked) / len(asked)
            scores["short_answer_f1"] = float(np.mean([r["short_f1"] for r in asked]))
            scores["short_answer_questions"] = len(asked)
        scores["questions"] = len(group)
        scores["latency_ms"] = percentiles([r["latency_ms"] for r in group])
        out[f"{lang}->vi"] = scores
    return out


def run_xquad(
    assistant: Assistant,
    questions: list[dict],
    progress: bool = True,
    shifts: dict[int, dict[str, np.ndarray]] | None = None,
) -> dict:
    """`summarize_xquad` of `ask_xquad`."""
    return summarize_xquad(ask_xquad(assistant, questions, progress, shifts))
