"""The news question set (eval/news_questions.jsonl) over the dantri corpus: real news, the users' data.

444 questions about 160 articles of all ten categories and three years, in Vietnamese (with and
without diacritics) and English, answerable and near-miss unanswerable, some follow-ups; each
article's questions are all in its split ("dev": tune on it; "test": only report it). The whole
corpus (2,653 articles) is indexed once into a cached folder and every question asked through the
public `Assistant` API.

The corpus tells some stories twice (a follow-up report, a second article the same day). Where
another article states the fact asked as well, the row names it in `also_answered_in`, and a quote
from it counts as the right article: those were found by reading, for every answerable question,
the articles among the 15 most like its own (TF-IDF) that hold the answer's words, and keeping the
ones that state the same fact of the same event (159 of 278 such pairs). `source_article_hit@1`
keeps the strict figure: the article the question was written from.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from eval.metrics import SHORT_KINDS, contains_answer, percentiles, token_f1
from eval.runner import ask_timed
from qa import Assistant
from qa.text import plain_form, syllables

NEWS_QUESTIONS = Path(__file__).with_name("news_questions.jsonl")
DANTRI = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "dantri-2019-2021.jsonl.gz"
LANGUAGES = ("vi", "vi-plain", "en")
KINDS = ("date", "number", "amount", "person", "place", "organisation", "other")
TOP = 5  # quotes asked for: article hit@5 reads them


def load_news_questions(path: str | Path = NEWS_QUESTIONS, split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    required = {"id", "lang", "question", "history", "answerable", "article_id", "answers", "kind", "split"}
    for row in rows:
        missing = required - row.keys()
        if missing:
            raise ValueError(f"news question {row.get('id')} lacks {sorted(missing)}")
    return [r for r in rows if split in (None, "all", r["split"])]


def answering_articles(question: dict) -> set[str]:
    """The articles whose quote answers the question: its own, and any other telling the same fact."""
    return {question["article_id"], *question.get("also_answered_in", ())}


def corpus_fingerprint(corpus: Path = DANTRI) -> str:
    """Names the cached index after the corpus file's bytes, so another corpus never reuses it and a
    copy of the same file (a new mount, a new modification time) does not rebuild it."""
    digest = hashlib.sha1(corpus.name.encode())
    with corpus.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:10]


def corpus_articles(corpus: Path = DANTRI) -> dict[str, dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def ask_news(assistant: Assistant, questions: list[dict], progress: bool = True) -> list[dict]:
    """Every question asked once (follow-ups with their history); one result row each."""
    rows = []
    for q in tqdm(questions, desc="news", disable=not progress, dynamic_ncols=True):
        asked = ask_timed(assistant, q["question"], q["history"], k=TOP)
        answer, top, highlight = asked.answer, asked.top, asked.highlight
        articles = list(dict.fromkeys(x.article_id for x in answer.quotes))
        answering = answering_articles(q)
        ranks = [i + 1 for i, a in enumerate(articles) if a in answering]
        right = bool(top and top.article_id in answering)
        short = answer.short_answer.text if getattr(answer, "short_answer", None) else ""
        rows.append(
            {
                "id": q["id"],
                "split": q["split"],
                "lang": q["lang"],
                "kind": q["kind"],
                "follow_up": q["follow_up"],
                "answerable": q["answerable"],
                "question": q["question"],
                "effective_query": answer.effective_query,
                "expected": q["answers"],
                "reason": answer.decision.reason if answer.decision else "",
                "confidence": answer.confidence,
                "article_rank": ranks[0] if ranks else None,
                "source_article_rank": articles.index(q["article_id"]) + 1 if q["article_id"] in articles else None,
                "right_article": right,
                "in_top_quote": right and contains_answer(top.text, q["answers"]),
                "in_highlight": right and contains_answer(highlight, q["answers"]),
                "short_answer": short,
                "short_match": bool(short) and right and contains_answer(short, q["answers"]),
                "short_f1": max((token_f1(short, a) for a in q["answers"]), default=0.0) if short else 0.0,
                "got_article": top.article_id if top else None,
                "got_highlight": highlight,
                **asked.fields(),
            }
        )
    return rows


def restoration(assistant: Assistant, questions: list[dict]) -> dict:
    """How well diacritics are put back, per half: each question typed with them, stripped of them
    and read again (`Assistant.read`), compared syllable by syllable. The questions typed without
    diacritics have no written form to compare with; these do."""
    out: dict = {}
    for split in ("dev", "test"):
        right = total = whole = asked = 0
        for q in questions:
            if q["split"] != split or q["lang"] != "vi" or q["history"]:
                continue
            written = syllables(q["question"].lower())
            restored = syllables(assistant.read(plain_form(q["question"])).asked.lower())
            if len(restored) != len(written):
                continue
            right += sum(a == b for a, b in zip(written, restored))
            total += len(written)
            whole += written == restored
            asked += 1
        if asked:
            out[split] = {"syllables": right / total, "questions": whole / asked, "n": asked}
    return out


def summarize_news(rows: list[dict]) -> dict:
    """Figures for one group of results; the answerable ones count what a reader gets (an
    abstention gets nothing)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    if answerable:
        n = len(answerable)
        out["article_hit@1"] = sum(r["article_rank"] == 1 for r in answerable) / n
        out["article_hit@5"] = sum(r["article_rank"] is not None for r in answerable) / n
        out["source_article_hit@1"] = sum(r.get("source_article_rank") == 1 for r in answerable) / n
        out["answer_in_top_quote"] = sum(r["in_top_quote"] and not r["abstained"] for r in answerable) / n
        out["answer_in_highlight"] = sum(r["in_highlight"] and not r["abstained"] for r in answerable) / n
        out["answerable_withheld"] = sum(r["abstained"] for r in answerable) / n
        kinds = [r for r in answerable if r["kind"] in ("date", "number", "amount", "person", "place", "organisation")]
        if kinds:
            out["short_answer_match"] = sum(r["short_match"] and not r["abstained"] for r in kinds) / len(kinds)
            out["short_answer_f1"] = float(np.mean([r["short_f1"] for r in kinds]))
        date_number_amount = [r for r in answerable if r["kind"] in SHORT_KINDS]
        if date_number_amount:
            right = sum(r["short_match"] and not r["abstained"] for r in date_number_amount)
            out["short_date_number_amount"] = right / len(date_number_amount)
    if unanswerable:
        out["unanswerable_withheld"] = sum(r["abstained"] for r in unanswerable) / len(unanswerable)
    out["latency_ms"] = percentiles([r["latency_ms"] for r in rows])
    return out


def report_news(rows: list[dict]) -> dict:
    """By split, then by language, kind and follow-up within each split."""
    out: dict = {}
    for split in ("dev", "test", "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        if not chosen:
            continue
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in chosen:
            groups[f"lang:{r['lang']}"].append(r)
            groups[f"kind:{r['kind']}"].append(r)
            groups["follow-up" if r["follow_up"] else "stand-alone"].append(r)
        out[split] = {"overall": summarize_news(chosen), **{k: summarize_news(v) for k, v in sorted(groups.items())}}
    return out


def news_assistant(index: str | Path, progress: bool = True, corpus: Path = DANTRI, **options) -> Assistant:
    """The assistant over the cached index of the whole corpus, ingested on first use."""
    assistant = Assistant.open(index, **options)
    if assistant.store.count_articles() == 0:
        assistant.add([corpus], progress=progress)
    return assistant
