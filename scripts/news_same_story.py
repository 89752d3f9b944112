"""Candidates for `also_answered_in` in eval/news_questions.jsonl, to be read and judged by hand.

For every answerable news question: the 15 articles most like its own (TF-IDF over words and word
pairs, title and text) that hold one of its answers' words. Each pair is written with the text
around the answer in both articles; a reader keeps the pairs where the other article states the
same fact of the same event. Usage: python scripts/news_same_story.py OUT.jsonl
"""

from __future__ import annotations

import json
import re
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

from eval.metrics import contains_answer, normalize
from eval.news import corpus_articles, load_news_questions

NEIGHBOURS = 15


def windows(article: dict, answers: list[str], width: int = 350) -> list[str]:
    text = normalize((article.get("title") or "") + " \n " + article["text"])
    for answer in map(normalize, answers):
        found = [text[max(0, m.start() - width) : m.end() + width] for m in re.finditer(re.escape(answer), text)]
        if found:
            return found[:2]
    return []


def main(out: str) -> None:
    articles = corpus_articles()
    ids = list(articles)
    texts = [(articles[i].get("title") or "") + " " + articles[i]["text"] for i in ids]
    matrix = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts)
    position = {a: k for k, a in enumerate(ids)}
    with open(out, "w", encoding="utf-8") as f:
        for q in load_news_questions():
            if not q["answerable"]:
                continue
            similar = linear_kernel(matrix[position[q["article_id"]]], matrix).ravel()
            for k in similar.argsort()[::-1][1 : NEIGHBOURS + 1]:
                if not contains_answer(texts[k], q["answers"]):
                    continue
                own, other = articles[q["article_id"]], articles[ids[k]]
                pair = {
                    "pair": f"{q['id']}|{ids[k]}",
                    "question": q["question"],
                    "history": q["history"],
                    "answers": q["answers"],
                    "source_article": {
                        "date": own.get("date"),
                        "url": own.get("url"),
                        "text": windows(own, q["answers"]),
                    },
                    "candidate_article": {
                        "date": other.get("date"),
                        "url": other.get("url"),
                        "text": windows(other, q["answers"]),
                    },
                }
                f.write(json.dumps(pair, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
