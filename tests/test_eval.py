"""The evaluators' instrument: the question set is well-formed, and quality stays above its floors."""

import json

import pytest
from conftest import ROOT

from eval.beir import export_beir
from eval.metrics import answer_from, contains_answer, retrieval_scores, token_f1
from eval.news import DANTRI, answering_articles, corpus_articles, load_news_questions, restoration
from eval.runner import calibrate, load_questions, run_questions
from eval.xquad import load_xquad, typed_without_diacritics
from qa import builtin_articles
from qa.abstention import Signals
from qa.readers import read_paths

# Floors: today's figure (docs/experiments.md, 2026-12-02: whole set 0.972 top quote, 0.955
# highlight, 0.921 abstention recall; vi 0.990 / 0.980; en R@1 0.949, highlight 0.924) less the spread
# `python -m eval stability` measured (question vectors at cosine 0.9985, three seeds, and the fp32
# backend: up to 0.017 on the whole set, one question in 63 for abstention), rounded down. A drop
# below one is a real loss, not another machine's rounding.
FLOORS = {
    "answer_in_top_quote": 0.95,
    "answer_in_highlight": 0.93,
    "vi_answer_in_top_quote": 0.96,
    "vi_answer_in_highlight": 0.95,
    "vi_recall@1": 0.95,
    "en_recall@1": 0.90,
    "en_answer_in_highlight": 0.88,
    "abstention_recall": 0.88,
}
CEILINGS = {"answerable_abstained": 0.03}


@pytest.fixture(scope="module")
def questions():
    return load_questions()


def test_question_set_is_complete_and_verbatim(questions):
    texts = {a.id: a.text for _, a in read_paths([builtin_articles()])}
    ids = [q["id"] for q in questions]
    assert len(questions) >= 100 and len(ids) == len(set(ids))
    assert {q["lang"] for q in questions} == {"vi", "en"}
    assert sum(not q["answerable"] for q in questions) >= 15
    assert sum(bool(q["history"]) for q in questions) >= 10
    kinds = {"date", "number", "person", "organisation", "list", "why/how", "yes/no", "summary"}
    assert {q["type"] for q in questions} >= kinds
    by_id = {q["id"]: q for q in questions}
    for q in questions:
        assert q["paired_id"] in by_id, q["id"]
        for answer in q["answers"]:
            assert answer in texts[q["article_id"]], (q["id"], answer)


def test_news_question_set_is_verbatim_and_split_by_article():
    """Every answer is in its own article's words and in those of each other article said to answer
    it; each article's questions are all in one half."""
    if not DANTRI.exists():
        pytest.skip(f"{DANTRI} is not there")
    articles = corpus_articles()
    questions = load_news_questions()
    halves: dict[str, set[str]] = {}
    for q in questions:
        halves.setdefault(q["article_id"], set()).add(q["split"])
        assert q["article_id"] not in q.get("also_answered_in", []), q["id"]
        for article_id in answering_articles(q) if q["answerable"] else ():
            article = articles[article_id]
            assert contains_answer(article.get("title", "") + " " + article["text"], q["answers"]), (
                q["id"],
                article_id,
            )
    assert all(len(split) == 1 for split in halves.values())
    assert sum(bool(q.get("also_answered_in")) for q in questions) >= 60


def test_restoration_compares_a_question_with_its_own_diacritics_put_back(builtin):
    """Typed with diacritics, stripped, read again: the measure counts what came back right; an
    English question, a follow-up and a question of the other half are not counted."""
    questions = [
        {"split": "dev", "lang": "vi", "history": [], "question": "Luật An ninh mạng có hiệu lực khi nào?"},
        {"split": "dev", "lang": "vi", "history": [], "question": "Ai là Cục trưởng Cục Đối ngoại?"},
        {"split": "dev", "lang": "en", "history": [], "question": "Who heads the department?"},
        {"split": "dev", "lang": "vi", "history": ["Ai là Cục trưởng?"], "question": "Ông ấy là ai?"},
    ]
    measured = restoration(builtin, questions)
    assert set(measured) == {"dev"} and measured["dev"]["n"] == 2
    assert measured["dev"]["syllables"] == 1.0 and measured["dev"]["questions"] == 1.0


def test_metrics_on_known_cases():
    assert retrieval_scores([1, 2, None, 5], cutoffs=(1, 3), mrr_at=10) == {
        "recall@1": 0.25,
        "recall@3": 0.5,
        "mrr@10": (1 + 0.5 + 0.2) / 4,
    }
    assert token_f1("ngày 1/1/2019", "1/1/2019") == pytest.approx(2 * (3 / 4) * 1 / (3 / 4 + 1))
    assert contains_answer("Việt Nam – EU", ["việt nam - eu"])


def test_quality_stays_above_the_floors(builtin, questions):
    report = run_questions(builtin, questions, progress=False)
    overall, vi, en = report["overall"], report["by_language"]["vi"], report["by_language"]["en"]
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "eval-ci.json").write_text(
        json.dumps({k: v for k, v in report.items() if k != "results"}, ensure_ascii=False, indent=2)
    )
    assert overall["answer_in_top_quote"] >= FLOORS["answer_in_top_quote"], overall
    assert overall["answer_in_highlight"] >= FLOORS["answer_in_highlight"], overall
    assert vi["answer_in_top_quote"] >= FLOORS["vi_answer_in_top_quote"], vi
    assert vi["answer_in_highlight"] >= FLOORS["vi_answer_in_highlight"], vi
    assert vi["recall@1"] >= FLOORS["vi_recall@1"], vi
    assert en["recall@1"] >= FLOORS["en_recall@1"], en
    assert en["answer_in_highlight"] >= FLOORS["en_answer_in_highlight"], en
    assert overall["abstention_recall"] >= FLOORS["abstention_recall"], overall
    assert overall["answerable_abstained"] <= CEILINGS["answerable_abstained"], overall


def test_beir_export(builtin, questions, tmp_path):
    counts = export_beir(builtin, questions, tmp_path)
    corpus = [json.loads(line) for line in (tmp_path / "corpus.jsonl").read_text().splitlines()]
    queries = [json.loads(line) for line in (tmp_path / "queries.jsonl").read_text().splitlines()]
    qrels = (tmp_path / "qrels" / "test.tsv").read_text().splitlines()
    assert qrels[0] == "query-id\tcorpus-id\tscore"
    assert len(corpus) == counts["passages"] == builtin.store.count_passages()
    assert len(queries) >= 100 and len(qrels) - 1 == counts["qrels"]
    corpus_ids = {c["_id"] for c in corpus}
    assert all(line.split("\t")[1] in corpus_ids for line in qrels[1:])


def _row(
    similarity: float, answerable: bool, kind_found: bool = True, described: bool = False, query: str = ""
) -> dict:
    signals = Signals("vi", similarity, similarity, similarity, 0.0, 0.0, kind_found, True, described).to_dict()
    return {"answerable": answerable, "in_top_quote": answerable, "signals": signals, "effective_query": query}


def test_calibration_catches_the_same_questions_with_a_margin_on_both_sides():
    """100 right answers from 0.80 to 0.99; unanswerable ones at 0.70, 0.75 and 0.95, the last
    beyond reach. The 3 % budget allows abstaining below 0.806, but what it catches (0.70, 0.75)
    is caught as well midway between 0.75 and the first right answer, 0.80, which turns none away."""
    right = [_row(0.80 + 0.0019 * i, True) for i in range(100)]
    wrong = [_row(0.70, False), _row(0.75, False), _row(0.95, False), _row(0.99, False, kind_found=False)]
    fitted = calibrate(right + wrong)
    assert fitted.threshold["vi"] == pytest.approx(0.775, abs=1e-4)
    # nothing caught by confidence alone (the kind check catches its own): no right answer is
    # turned away for nothing
    fitted = calibrate(right + [_row(0.95, False), _row(0.99, False, kind_found=False)])
    assert fitted.threshold["vi"] == pytest.approx(0.80 - 1e-4)
    # one more unanswerable question at 0.803, above the first two right answers: the budget would
    # allow catching it, but that turns away two right answers for one wrong one, so it is not caught
    fitted = calibrate(right + wrong + [_row(0.803, False)])
    assert fitted.threshold["vi"] == pytest.approx(0.775, abs=1e-4)
    # nor when it was also asked without diacritics: put back, it is the same question, counted once
    copies = [_row(0.803, False, query="Ai là Thủ tướng Nhật Bản?") for _ in range(3)]
    fitted = calibrate(right + wrong + copies)
    assert fitted.threshold["vi"] == pytest.approx(0.775, abs=1e-4)
    # a "who is X?" answered by an apposition is answered whatever its confidence: it does not set
    # the threshold, even far below every other right answer
    fitted = calibrate(right + wrong + [_row(0.40, True, described=True)])
    assert fitted.threshold["vi"] == pytest.approx(0.775, abs=1e-4)


def test_answer_from_tells_which_paragraph_a_passage_quotes():
    first = "Trường được thành lập năm 1990 tại Huế. Trường có ba khoa."
    second = "Năm 1990, thành phố mở cây cầu đầu tiên qua sông Hương."
    article = f"{first}\n\n{second}"
    assert answer_from(article, ["1990"], second) and answer_from(article, ["1990"], first)
    assert answer_from(first, ["năm 1990"], first)
    assert not answer_from(second, ["1990"], first)
    assert not answer_from(first, ["ba khoa"], second)
    assert not answer_from(first, [""], first)


def test_xquad_as_whole_articles(tmp_path):
    """One article per Wikipedia article, its paragraphs joined; each question keeps its paragraph."""

    def qa(qid, question, answer):
        return {"id": qid, "question": question, "answers": [{"text": answer}]}

    paragraphs = [
        {"context": "Đoạn một nói về năm 1990.", "qas": [qa("q1", "Năm nào?", "1990")]},
        {"context": "Đoạn hai nói về năm 2000.", "qas": [qa("q2", "Năm nào nữa?", "2000")]},
    ]
    english = [{"context": "", "qas": [qa("q1", "Which year?", "1990"), qa("q2", "What other year?", "2000")]}]
    (tmp_path / "xquad.vi.json").write_text(json.dumps({"data": [{"title": "T", "paragraphs": paragraphs}]}))
    (tmp_path / "xquad.en.json").write_text(json.dumps({"data": [{"title": "T", "paragraphs": english}]}))
    articles, questions = load_xquad(tmp_path, whole_articles=True)
    assert articles == [
        {"id": "xquad-00", "title": "T", "text": "Đoạn một nói về năm 1990.\n\nĐoạn hai nói về năm 2000."}
    ]
    assert [(q["id"], q["article_id"], q["paragraph"]) for q in questions] == [
        ("q1-vi", "xquad-00", "Đoạn một nói về năm 1990."),
        ("q1-en", "xquad-00", "Đoạn một nói về năm 1990."),
        ("q2-vi", "xquad-00", "Đoạn hai nói về năm 2000."),
        ("q2-en", "xquad-00", "Đoạn hai nói về năm 2000."),
    ]
    articles, questions = load_xquad(tmp_path)
    assert [a["id"] for a in articles] == ["xquad-00-00", "xquad-00-01"]
    assert "paragraph" not in questions[0] and questions[2]["article_id"] == "xquad-00-01"
    # the Vietnamese questions again, as typed without diacritics, for their own row
    assert [(q["id"], q["lang"], q["question"], q["article_id"]) for q in typed_without_diacritics(questions)] == [
        ("q1-vi-plain", "vi-plain", "Nam nao?", "xquad-00-00"),
        ("q2-vi-plain", "vi-plain", "Nam nao nua?", "xquad-00-01"),
    ]


def test_the_fit_replays_the_assistants_choice_of_quote_and_highlight(builtin, questions):
    """`python -m eval fit` chooses weights by replaying, from features measured once, which passage
    and sentences the assistant would quote (eval/fit.py `choose`): for the built-in set's
    stand-alone questions it must quote what `ask` quotes, or the weights are fitted to another
    assistant. Questions asking when (a date looked for in the next passages) and who wrote an
    article are chosen by rules the replay leaves to the assistant."""
    from eval.fit import choose, measure, params_from

    asked = [q for q in questions if q["answerable"] and not q.get("history")][:60]
    compared = 0
    for q in asked:
        analysis = builtin.read(q["question"])
        if analysis.kind in ("date", "author", "summary", "published"):
            continue
        sample = measure(builtin, q, "builtin", "dev")
        chosen, mask = choose(sample, params_from(builtin.weights, analysis.language))
        quote = builtin.ask(q["question"], k=1).quotes[0]
        assert chosen.passage_id == quote.passage_id, q["question"]
        starts = sorted(
            s.start for s, on in zip(builtin.store.sentences([chosen.passage_id])[chosen.passage_id], mask) if on
        )
        assert starts == [start for start, _ in quote.highlights], q["question"]
        compared += 1
    assert compared >= 30
