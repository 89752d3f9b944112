"""Export the question set in BEIR format, so standard IR tools can score retrieval on it too."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import contains_answer
from qa import Assistant


def export_beir(assistant: Assistant, questions: list[dict], folder: str | Path) -> dict[str, int]:
    """Write corpus.jsonl (passages), queries.jsonl (answerable questions) and qrels/test.tsv.

    A passage is relevant to a question when it belongs to the question's article and holds one
    of its verbatim answers.
    """
    folder = Path(folder)
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    store = assistant.store
    passages = []
    for article in store.articles():
        ids = store.article_passage_ids(article["id"])
        passages.extend(store.passages(ids)[i] for i in ids)
    corpus_id = {p.id: f"{p.article_id}#{p.position}" for p in passages}
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for p in passages:
            f.write(json.dumps({"_id": corpus_id[p.id], "title": p.title, "text": p.text}, ensure_ascii=False) + "\n")
    qrels = 0
    with (
        (folder / "queries.jsonl").open("w", encoding="utf-8") as fq,
        (folder / "qrels" / "test.tsv").open("w", encoding="utf-8") as fr,
    ):
        fr.write("query-id\tcorpus-id\tscore\n")
        for q in questions:
            if not q["answerable"]:
                continue
            relevant = [
                p for p in passages if p.article_id == q["article_id"] and contains_answer(p.text, q["answers"])
            ]
            if not relevant:
                continue
            fq.write(
                json.dumps(
                    {
                        "_id": q["id"],
                        "text": q["question"],
                        "metadata": {"lang": q["lang"], "history": q.get("history", [])},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            for p in relevant:
                fr.write(f"{q['id']}\t{corpus_id[p.id]}\t1\n")
                qrels += 1
    return {"passages": len(passages), "qrels": qrels}
