"""The DocumentStore contract: the same assertions against the embedded SqliteStore and the
PostgresStore on a real server (the `pg_server` fixture). Vectors come from a hash of the text, so
the model is not what is tested here and nothing waits for it."""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import qa.indexer
from qa.ingest import content_hash
from qa.text import search_terms
from store import Article, DateRange, IndexedPassage, Passage, open_store
from store.errors import DuplicateContent, IndexNotFound, ModelMismatch

DIM = 16
MODEL = "fake-hash-encoder"
WORDS = (
    "luật an ninh mạng có hiệu lực từ ngày bộ công an hội thảo châu âu hợp tác việt nam "
    "bộ trưởng tô lâm tiếp đại sứ ở hà nội đà nẵng kinh tế thương mại giáo dục y tế"
).split()


def fake_vector(text: str) -> np.ndarray:
    """A unit vector that depends only on the text: the same on every run and backend."""
    seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def make_article(i: int, date: str | None = None, words: int = 40) -> Article:
    rng = np.random.default_rng(i)
    sentences = [" ".join(rng.choice(WORDS, size=words // 4)) + "." for _ in range(4)]
    text = "\n\n".join([" ".join(sentences[:2]), " ".join(sentences[2:])])
    return Article(id=f"a{i:03d}", text=text, title=f"Tin {i} {rng.choice(WORDS)}", date=date, source="test")


def split(article: Article) -> list[Passage]:
    """One passage per paragraph, each with its two sentences."""
    passages, start = [], 0
    for position, paragraph in enumerate(article.text.split("\n\n")):
        begin = article.text.index(paragraph, start)
        cut = paragraph.index(". ") + 1
        passages.append(
            Passage(
                article.id, position, begin, begin + len(paragraph), paragraph, [(0, cut), (cut + 1, len(paragraph))]
            )
        )
        start = begin + len(paragraph)
    return passages


def indexed(article: Article, codes: bool = True) -> list[IndexedPassage]:
    out = []
    for p in split(article):
        sentence_vectors = np.stack([fake_vector(p.text[s:e]) for s, e in p.sentences])
        out.append(
            IndexedPassage(
                passage=p,
                vector=fake_vector(p.text),
                sentence_vectors=sentence_vectors,
                terms=search_terms(f"{article.title}\n{p.text}"),
                alignment_codes=bytes(range(p.position, p.position + 12)) if codes else None,
                sentence_tokens=[(0, 3), (3, 6)] if codes else None,
            )
        )
    return out


def add(store, articles: list[Article]) -> dict[str, list[int]]:
    ids = {}
    with store.transaction():
        for article in articles:
            ids[article.id] = store.add_article(article, content_hash(article.text), indexed(article))
    return ids


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    """Where a fresh index lives, for each backend: a folder, or a new database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "index")
    return request.getfixturevalue("pg_databases").new()


@pytest.fixture
def store(location):
    s = open_store(location, MODEL, DIM)
    yield s
    s.close()


@pytest.fixture(scope="module")
def both(pg_databases, tmp_path_factory):
    """The same 60 articles in an SqliteStore and a PostgresStore, one article deleted from each."""
    articles = [make_article(i, date=f"2020-{i % 12 + 1:02d}-15" if i % 7 else None) for i in range(60)]
    stores = [
        open_store(str(tmp_path_factory.mktemp("sqlite")), MODEL, DIM),
        open_store(pg_databases.new(), MODEL, DIM),
    ]
    for s in stores:
        add(s, articles)
        with s.transaction():
            s.delete_article("a010")
    yield stores
    for s in stores:
        s.close()


QUERIES = [
    search_terms("luật an ninh mạng có hiệu lực từ ngày nào"),
    search_terms("bo truong to lam tiep dai su"),
    ["hội", "hội", "thảo"],  # a term given twice counts twice
    ["đà", "nẵng", "không-có-từ-này"],
    ["không-có-từ-này"],
    [],
]


def test_empty_index(store):
    assert store.count_articles() == store.count_passages() == store.count_sentences() == 0
    assert store.articles() == [] and store.newest_article_ids(3) == []
    assert store.find_hash("x") is None and store.article("x") is None
    assert store.passages([]) == {} and store.sentences([]) == {}
    for ids, scores in (store.search_dense(fake_vector("q"), 5), store.search_lexical(["luật"], 5)):
        assert len(ids) == len(scores) == 0
    assert store.passage_vectors([]).shape == (0, DIM)
    assert store.idf(["luật"], absent=0.0).tolist() == [0.0]
    assert isinstance(store.generation, int)
    assert list(store.iter_passage_texts()) == []
    assert store.stats()["passages"] == 0


def test_add_get_count(store):
    articles = [make_article(1, "2021-03-04"), make_article(2)]
    ids = add(store, articles)
    assert store.count_articles() == 2 and store.count_passages() == 4 and store.count_sentences() == 8
    assert store.article("a001") == articles[0]
    assert store.article_passage_ids("a001") == ids["a001"]
    listed = store.articles()
    assert [a["id"] for a in listed] == ["a001", "a002"]
    assert listed[0] == {
        "id": "a001",
        "title": articles[0].title,
        "date": "2021-03-04",
        "url": None,
        "source": "test",
        "passages": 2,
    }
    texts = list(store.iter_passage_texts())
    assert [t[0] for t in texts] == sorted(ids["a001"] + ids["a002"])
    assert texts[0][1:] == (articles[0].title, split(articles[0])[0].text)


def test_passages_sentences_alignment_round_trip(store):
    article = make_article(3, "2022-04-27")
    ids = add(store, [article])["a003"]
    expected = indexed(article)
    stored = store.passages(ids)
    for pid, item in zip(ids, expected):
        p = stored[pid]
        assert (p.article_id, p.position, p.start, p.end, p.text) == (
            "a003",
            item.passage.position,
            item.passage.start,
            item.passage.end,
            item.passage.text,
        )
        assert (p.title, p.date, p.url, p.source) == (article.title, "2022-04-27", None, "test")
        assert article.text[p.start : p.end] == p.text
    sentences = store.sentences(ids)
    for pid, item in zip(ids, expected):
        assert [(s.start, s.end) for s in sentences[pid]] == item.passage.sentences
        assert [s.tokens for s in sentences[pid]] == [(0, 3), (3, 6)]
        for s, v in zip(sentences[pid], item.sentence_vectors):
            assert s.vector.dtype == np.float32
            np.testing.assert_allclose(s.vector, v.astype(np.float16).astype(np.float32))
    codes = store.alignment_codes(ids)
    assert codes == {pid: item.alignment_codes for pid, item in zip(ids, expected)}
    np.testing.assert_allclose(store.passage_vectors(ids[::-1]), np.stack([i.vector for i in expected[::-1]]))


def test_passage_without_codes(store):
    article = make_article(4)
    with store.transaction():
        ids = store.add_article(article, content_hash(article.text), indexed(article, codes=False))
    assert store.alignment_codes(ids) == dict.fromkeys(ids)
    assert all(s.tokens is None for ss in store.sentences(ids).values() for s in ss)


def test_delete(store):
    add(store, [make_article(1), make_article(2)])
    before = store.generation
    with store.transaction():
        assert store.delete_article("a001")
        assert not store.delete_article("a001")
    assert store.generation != before
    assert store.count_articles() == 1 and store.count_passages() == 2 and store.count_sentences() == 4
    assert store.article("a001") is None and store.article_passage_ids("a001") == []
    ids, _ = store.search_lexical(search_terms(make_article(1).text), 10)
    assert set(ids.tolist()) <= set(store.article_passage_ids("a002"))
    # the same text can come back
    add(store, [make_article(1)])
    assert store.count_articles() == 2


def test_transaction_rolls_back_on_error(store):
    add(store, [make_article(1)])
    generation = store.generation
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.add_article(make_article(2), content_hash(make_article(2).text), indexed(make_article(2)))
        store.delete_article("a001")
        raise RuntimeError("boom")
    assert store.generation == generation
    assert store.count_articles() == 1 and store.article("a001") is not None and store.article("a002") is None
    assert store.count_passages() == 2
    ids, _ = store.search_lexical(search_terms(make_article(2).text), 10)
    assert set(ids.tolist()) <= set(store.article_passage_ids("a001"))
    np.testing.assert_allclose(store.idf(["luật", "an"]), open_store_idf_like(store, ["luật", "an"]))


def open_store_idf_like(store, terms: list[str]) -> np.ndarray:
    """idf computed from the stored passages' terms, as store/lexical.py defines it."""
    rows = [search_terms(f"{t}\n{x}") for _, t, x in store.iter_passage_texts()]
    n = max(len(rows), 1)
    out = []
    for term in terms:
        df = sum(term in r for r in rows)
        out.append(np.log(1 + (n - df + 0.5) / (df + 0.5)))
    return np.array(out, np.float32)


def test_generation_changes_with_every_committed_change(store):
    seen = [store.generation]
    add(store, [make_article(1)])
    seen.append(store.generation)
    with store.transaction():
        store.delete_article("a001")
    seen.append(store.generation)
    assert len(set(seen)) == 3
    with store.transaction():  # nothing changed: nothing to invalidate
        assert not store.delete_article("nope")
    assert store.generation == seen[-1]


def test_find_hash(store):
    article = make_article(5)
    add(store, [article])
    assert store.find_hash(content_hash(article.text)) == "a005"
    assert store.find_hash(content_hash("other")) is None


def test_newest_article_ids(store):
    add(store, [make_article(1, "2020-05-01"), make_article(2), make_article(3, "2021-01-01")])
    add(store, [make_article(4, "2020-05-01"), make_article(5)])
    # by date, newest first; the same date: the one added last first; undated last, newest added first
    assert store.newest_article_ids(10) == ["a003", "a004", "a001", "a005", "a002"]
    assert store.newest_article_ids(2) == ["a003", "a004"]


def test_dense_search_order(store):
    add(store, [make_article(i) for i in range(30)])
    ids_all, texts = zip(*[(pid, text) for pid, _, text in store.iter_passage_texts()])
    matrix = np.stack([fake_vector(t) for t in texts])
    for seed in range(5):
        query = fake_vector(f"query {seed}")
        ids, scores = store.search_dense(query, 7)
        exact = np.argsort(-(matrix @ query))[:7]
        assert ids.tolist() == [ids_all[i] for i in exact]
        np.testing.assert_allclose(scores, (matrix @ query)[exact], rtol=1e-5)


def test_date_filter_is_inside_the_search(store):
    query = fake_vector("the question")
    near = [make_article(i, "2019-06-01") for i in range(40)]
    far = [make_article(100 + i, "2021-02-0" + str(i + 1)) for i in range(3)] + [make_article(200)]
    add(store, near + far)
    # the unfiltered top 5 are all from 2019 ...
    dense_ids, _ = store.search_dense(query, 5)
    in_range = {pid for a in far[:3] for pid in store.article_passage_ids(a.id)}
    assert not set(dense_ids.tolist()) & in_range
    # ... and the filtered search still finds the 2021 passages, and only them
    dates = DateRange("2021-01-01", "2021-12-31")
    ids, _ = store.search_dense(query, 5, dates)
    assert set(ids.tolist()) <= in_range and len(ids) == 5
    ids, _ = store.search_dense(query, 50, dates)
    assert set(ids.tolist()) == in_range
    ids, scores = store.search_lexical(search_terms(" ".join(WORDS)), 50, dates)
    assert set(ids.tolist()) == in_range and (scores > 0).all()
    assert len(store.search_lexical(["luật"], 10, DateRange(until="2019-01-01"))[0]) == 0
    assert set(store.search_dense(query, 100, DateRange(since="2021-02-02"))[0].tolist()) == {
        pid for a in far[1:3] for pid in store.article_passage_ids(a.id)
    }


def test_reopen_and_a_second_connection_sees_writes(location):
    first = open_store(location, MODEL, DIM)
    second = open_store(location, MODEL, DIM)
    query = search_terms(make_article(1).text)
    add(first, [make_article(2)])
    before = second.search_lexical(query, 5)  # what the second has read (and may keep) so far
    generation = second.generation
    add(first, [make_article(1)])
    assert second.count_articles() == 2 and second.generation != generation
    assert second.article("a001") == make_article(1)
    after = second.search_lexical(query, 5)
    assert after[0].tolist() != before[0].tolist()
    assert after[0].tolist() == first.search_lexical(query, 5)[0].tolist()
    np.testing.assert_allclose(after[1], first.search_lexical(query, 5)[1])
    first.close()
    second.close()
    reopened = open_store(location, MODEL, DIM, create=False)
    assert reopened.count_passages() == 4
    reopened.close()


def test_model_mismatch_and_missing_index(location):
    with pytest.raises(IndexNotFound):
        open_store(location, MODEL, DIM, create=False)
    open_store(location, MODEL, DIM).close()
    with pytest.raises(ModelMismatch, match="fake-hash-encoder"):
        open_store(location, "another-model", DIM)
    with pytest.raises(ModelMismatch):
        open_store(location, MODEL, DIM * 2)


def test_lexical_search_and_idf_equal_between_backends(both):
    sqlite, postgres = both
    assert sqlite.count_passages() == postgres.count_passages() == 118
    for terms in QUERIES:
        for dates in (None, DateRange("2020-03-01", "2020-06-30"), DateRange(since="2020-11-01")):
            top_a, top_b = sqlite.search_lexical(terms, 10, dates)[1], postgres.search_lexical(terms, 10, dates)[1]
            np.testing.assert_allclose(top_b, top_a, rtol=1e-5)
            a_ids, a_scores = sqlite.search_lexical(terms, 200, dates)
            b_ids, b_scores = postgres.search_lexical(terms, 200, dates)
            np.testing.assert_allclose(b_scores, a_scores, rtol=1e-5)
            # every passage found, the same passages, in the same order but where scores tie
            assert [(round(float(s), 4), i) for s, i in sorted(zip(-a_scores, a_ids))] == [
                (round(float(s), 4), i) for s, i in sorted(zip(-b_scores, b_ids))
            ]
        vocabulary = [*terms, "không-có-từ-này", "luat", "a"]
        np.testing.assert_array_equal(postgres.idf(vocabulary), sqlite.idf(vocabulary))
        np.testing.assert_array_equal(postgres.idf(vocabulary, absent=0.0), sqlite.idf(vocabulary, absent=0.0))


def test_dense_search_equal_between_backends(both):
    sqlite, postgres = both
    for seed in range(5):
        query = fake_vector(f"q{seed}")
        for dates in (None, DateRange("2020-03-01", "2020-06-30")):
            a_ids, a_scores = sqlite.search_dense(query, 10, dates)
            b_ids, b_scores = postgres.search_dense(query, 10, dates)
            assert a_ids.tolist() == b_ids.tolist()
            np.testing.assert_allclose(a_scores, b_scores, rtol=1e-5)


class FakeEncoded:
    """What `embeddings.encode_document_spans` returns, from `fake_vector`, after some "model time"."""

    def __init__(self, texts, spans):
        time.sleep(0.02)
        self.vectors = np.stack([fake_vector(t) for t in texts])
        self.span_vectors = [np.stack([fake_vector(t[s:e]) for s, e in sp]) for t, sp in zip(texts, spans)]
        self.codes = [None] * len(texts)
        self.span_tokens = [[(0, 0)] * len(sp) for sp in spans]


class Splitter:
    def split(self, article):
        return split(article)


def test_two_concurrent_ingesters_store_every_article_once(location, tmp_path, monkeypatch):
    import json

    monkeypatch.setattr(qa.indexer, "encode_document_spans", lambda model, texts, spans, **_: FakeEncoded(texts, spans))
    monkeypatch.setattr(qa.indexer, "BATCH_PASSAGES", 6)  # many small transactions, interleaved
    articles = [make_article(i, "2020-01-01") for i in range(60)]
    rows = [{"id": a.id, "title": a.title, "text": a.text, "date": a.date} for a in articles]
    files = []
    for name, part in (("one", rows[:40]), ("two", rows[20:][::-1])):  # 20 articles in both, met in turn
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        files.append(path)
    open_store(location, MODEL, DIM).close()
    reports, errors = [], []

    def ingest(path):
        store = open_store(location, MODEL, DIM)
        try:
            reports.append(qa.indexer.Indexer(None, store, splitter=Splitter()).add([path], progress=False))
        except Exception as exc:  # noqa: BLE001 - any failure of a thread is the test's failure
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=ingest, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    store = open_store(location, MODEL, DIM)
    added = sorted(a for r in reports for a in r.added)
    assert added == sorted(a.id for a in articles)  # each article added by exactly one ingester
    assert sum(len(r.duplicates) for r in reports) == 20
    assert store.count_articles() == 60 and store.count_passages() == 120
    assert {store.find_hash(content_hash(a.text)) for a in articles} == {a.id for a in articles}
    np.testing.assert_allclose(store.idf(["luật", "an"]), open_store_idf_like(store, ["luật", "an"]))
    store.close()


def test_postgres_duplicate_written_meanwhile_does_not_abort_the_batch(pg_databases):
    url = pg_databases.new()
    first, second = open_store(url, MODEL, DIM), open_store(url, MODEL, DIM)
    add(first, [make_article(1)])
    with second.transaction():
        with pytest.raises(DuplicateContent) as raised:
            second.add_article(make_article(1), content_hash(make_article(1).text), indexed(make_article(1)))
        assert raised.value.article_id == "a001"
        second.add_article(make_article(2), content_hash(make_article(2).text), indexed(make_article(2)))
    assert first.count_articles() == 2 and first.count_passages() == 4
    first.close()
    second.close()


def test_postgres_bad_url_is_a_clear_error():
    with pytest.raises(IndexNotFound, match="cannot open") as raised:
        open_store("postgresql://nobody:secret@127.0.0.1:1/none", MODEL, DIM)
    assert "secret" not in str(raised.value) and "\n" not in str(raised.value).strip()


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_dense_search_runs_on_one_thread_and_gives_the_threads_back(kind):
    """A single query is searched on one FAISS thread (the encoder's threads hold the cores), and
    index builds get every thread back afterwards; exact or HNSW, the nearest ids are the same."""
    import faiss

    from store import dense

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((500, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = dense.build_faiss(np.arange(100, 600), vectors, 16, kind=kind)
    threads = faiss.omp_get_max_threads()
    ids, scores = dense.search(index, vectors[42], 5)
    assert ids[0] == 142 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(dense.search(index, vectors[42], 5, allowed=np.array([150, 151]))[0]) in ([150, 151], [151, 150])
    assert faiss.omp_get_max_threads() == threads
    # a count the caller sets after a search is the one it has after the next
    faiss.omp_set_num_threads(3)
    try:
        dense.search(index, vectors[42], 5)
        assert faiss.omp_get_max_threads() == 3
    finally:
        faiss.omp_set_num_threads(threads)
    # OpenMP counts per calling thread: searches on other threads leave this one's alone
    with ThreadPoolExecutor(4) as pool:
        assert all(found[0][0] == 142 for found in pool.map(lambda _: dense.search(index, vectors[42], 5), range(8)))
    assert faiss.omp_get_max_threads() == threads
