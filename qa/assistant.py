"""The facade the CLI, the chat page, the eval runner and Python users call. It only delegates."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from importlib.resources import files
from pathlib import Path

from embeddings import DEFAULT_BACKEND, Backend, load_model, model_id
from qa.conversation import Turn, rewrite, small_talk, user_questions
from qa.diacritics import Restorer
from qa.errors import BadQuestion, EmptyIndex, ModelLoadError
from qa.indexer import Indexer
from qa.quoting import (
    ABOUT_ARTICLE,
    Quoter,
    abstains,
    article_topic,
    confidence,
    date_first,
    describes_person_asked,
    holds_kind_asked,
    kind_asked,
    names_the_body,
    speaks_of_years_asked,
    years_asked,
)
from qa.retrieval import Retriever, load_language_shift
from qa.text import detect_language, has_vietnamese_letters, nfc, search_terms
from qa.types import Answer, IngestReport, Quote
from store import SCHEMA_VERSION, PassageStore

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
HISTORY_TURNS = 3
# Passages of a first, accent-free BM25 search whose wording helps put a question's diacritics back:
# on XQuAD's accent-free questions, syllables restored right 0.945 with the news counts alone, 0.974
# with these (0.972 with the fused dense + BM25 search, at twice the cost).
RESTORE_CONTEXT = 20
CALIBRATION = Path(__file__).with_name("calibration.json")
# Below this confidence the articles are taken not to answer. Measured, not picked: written to
# qa/calibration.json from eval/questions.jsonl by `python -m eval --calibrate` (see README).
DEFAULT_CALIBRATION = {
    "abstain_below": {"vi": 0.9, "en": 0.8},
    "coverage_weight": {"vi": 0.2, "en": 0.1},
}

MESSAGES = {
    "vi": {
        "answer": "Theo bài “{title}”{date}:",
        "abstain": "Các bài báo hiện có không chứa thông tin trả lời câu hỏi này.",
        # the topic is there, the kind of fact asked for is not
        "abstain_kind": "Các bài báo có nói về điều này nhưng không nêu {what} bạn hỏi.",
        "abstain_year": "Các bài báo có nói về điều này nhưng ở năm khác, không phải năm {year} bạn hỏi.",
        "date": "thời điểm",
        "number": "con số",
        "amount": "số tiền",
        "author": "tên tác giả",
        "person": "người giữ chức vụ",
        "summary_answer": "Phần mở đầu bài “{title}”{date} tóm tắt nội dung chính:",
        "summary_which": "Bạn muốn tóm tắt bài nào? Đây là phần mở đầu của các bài mới nhất:",
        "published": "ngày đăng bài",
        "published_answer": "Bài “{title}” được đăng ngày {day}:",
        "published_which": "Bạn hỏi bài nào? Đây là các bài mới nhất, kèm ngày đăng:",
        "greeting": "Xin chào! Hãy hỏi tôi về nội dung các bài báo, bằng tiếng Việt hoặc tiếng Anh: "
        "tôi trả lời bằng cách trích đúng câu trong bài, kèm nguồn.",
        "thanks": "Rất vui được giúp bạn. Bạn còn muốn hỏi gì về các bài báo không?",
    },
    "en": {
        "answer": "According to “{title}”{date} (quoted in Vietnamese):",
        "abstain": "The articles do not contain an answer to this question.",
        "abstain_kind": "The articles discuss this but do not give the {what} you asked for.",
        "abstain_year": "The articles discuss this, but in other years than {year}, the one you asked about.",
        "date": "date",
        "number": "number",
        "amount": "sum of money",
        "author": "author",
        "person": "office holder",
        "summary_answer": "The opening of “{title}”{date} sums it up (quoted in Vietnamese):",
        "summary_which": "Which article do you mean? Here is how the newest ones open (quoted in Vietnamese):",
        "published": "publication date",
        "published_answer": "“{title}” was published on {day} (quoted in Vietnamese):",
        "published_which": "Which article do you mean? Here are the newest, with their dates (quoted in Vietnamese):",
        "greeting": "Hello! Ask me about what the articles say, in Vietnamese or English: "
        "I answer by quoting the sentence from the article, with its source.",
        "thanks": "You're welcome. Anything else you would like to know from the articles?",
    },
}

_model_cache: dict[tuple, object] = {}
_model_lock = threading.Lock()


def builtin_articles() -> Path:
    """The two Ministry of Public Security articles shipped with the package: the default corpus."""
    return Path(str(files("qa") / "data" / "articles"))


def default_index_dir(model_name: str | None = None) -> Path:
    """Where the built-in articles are indexed: `$NEWSQA_INDEX`, else the user cache, one folder per
    schema version (after an upgrade the built-ins are indexed afresh, with what is new) and per
    model other than the default (an index never mixes models)."""
    if os.environ.get("NEWSQA_INDEX"):
        return Path(os.environ["NEWSQA_INDEX"]).expanduser()
    from platformdirs import user_cache_dir

    cache = os.environ.get("NEWSQA_CACHE") or user_cache_dir("newsqa")
    suffix = f"-{hashlib.sha1(model_name.encode()).hexdigest()[:10]}" if model_name else ""
    return Path(cache).expanduser() / f"index-builtin-v{SCHEMA_VERSION}{suffix}"


def shared_model(backend: Backend = DEFAULT_BACKEND, model_dir: str | Path | None = None, name: str | None = None):
    """One model per process and configuration: loading it is the slow part of starting up."""
    key = (backend, str(model_dir), name)
    with _model_lock:
        if key not in _model_cache:
            try:
                _model_cache[key] = load_model(backend, folder=model_dir, name=name)
            except (OSError, ValueError, RuntimeError, ImportError) as exc:
                raise ModelLoadError(f"cannot load the embedding model: {exc}") from exc
        return _model_cache[key]


def load_calibration() -> dict[str, dict[str, float]]:
    """{"abstain_below": {lang: threshold}, "coverage_weight": {lang: weight}}."""
    try:
        data = json.loads(CALIBRATION.read_text())
        return {"abstain_below": dict(data["abstain_below"]), "coverage_weight": dict(data["coverage_weight"])}
    except (OSError, ValueError, KeyError):
        return json.loads(json.dumps(DEFAULT_CALIBRATION))


def _day(date: str | None) -> str:
    """ "2022-04-27" -> "27/4/2022", as Vietnamese (and our English frame) write dates."""
    if not date:
        return ""
    y, m, d = date.split("-")
    return f"{int(d)}/{int(m)}/{y}"


def _date_suffix(date: str | None) -> str:
    return f", {_day(date)}" if date else ""


class Assistant:
    """Question answering over news articles, by quoting them.

    Example:
        >>> from qa import Assistant
        >>> assistant = Assistant.default()
        >>> answer = assistant.ask("Luật An ninh mạng có hiệu lực từ ngày nào?")
        >>> answer.quotes[0].highlighted_text[0][-40:]
        'chính thức có hiệu lực từ ngày 1/1/2019.'
    """

    def __init__(self, store: PassageStore, model, calibration: dict | None = None) -> None:
        self.store = store
        self.model = model
        self._calibration = calibration or load_calibration()
        self.retriever = Retriever(model, store, language_shift=load_language_shift(model_id(model)))
        self.indexer = Indexer(model, store)
        self._turns: OrderedDict[tuple, tuple[Turn, str]] = OrderedDict()
        # One SQLite connection serves every thread (chat sessions, uploads): one call at a time.
        self._lock = threading.RLock()

    @property
    def calibration(self) -> dict:
        """Abstention thresholds and coverage weights per question language (see qa/calibration.json)."""
        return self._calibration

    @calibration.setter
    def calibration(self, value: dict) -> None:
        self._calibration = value
        self._turns.clear()  # resolved earlier turns depend on whether they abstained

    # --------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        create: bool = True,
        backend: Backend = DEFAULT_BACKEND,
        model_dir: str | Path | None = None,
        model_name: str | None = None,
        index_kind: str = "auto",
    ) -> Assistant:
        """Open (or create) the index in `index_dir`."""
        model = shared_model(backend, model_dir, model_name)
        dim = int(model.encode_query(["dim"]).shape[-1])
        store = PassageStore.open(index_dir, model_id(model), dim, create=create, index_kind=index_kind)
        return cls(store, model)

    @classmethod
    def default(cls, index_dir: str | Path | None = None, **kwargs) -> Assistant:
        """The built-in articles, indexed on first use (in the user cache dir unless told otherwise)."""
        assistant = cls.open(index_dir or default_index_dir(kwargs.get("model_name")), **kwargs)
        if assistant.store.count_articles() == 0:
            log.warning("Indexing the built-in articles (first run only)...")
            assistant.add([builtin_articles()], progress=False)
        return assistant

    def close(self) -> None:
        self.store.close()

    # --------------------------------------------------------------- writing
    def add(self, paths, progress: bool = True) -> IngestReport:
        """Add articles from files or folders (.txt, .md, .html, .jsonl); see `IngestReport`."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._lock:
            report = self.indexer.add(paths, progress=progress)
            self._turns.clear()
            # Build the search structures now, so the first question after a restart finds them on disk.
            self.store.dense_index()
            self.retriever.lexical()
        return report

    def remove(self, article_id: str) -> bool:
        """Remove one article and its passages; False when there is no such article."""
        with self._lock:
            self.store.begin()
            try:
                removed = self.store.delete_article(article_id)
            except BaseException:
                self.store.rollback()
                raise
            self.store.commit(changed=removed)
            self._turns.clear()
        return removed

    def stats(self) -> dict:
        with self._lock:
            return self.store.stats()

    def articles(self) -> list[dict]:
        """id, title, date, url, source and passage count of every article, oldest first."""
        with self._lock:
            return self.store.articles()

    # ---------------------------------------------------------------- asking
    def ask(self, question: str, history=None, k: int = 3) -> Answer:
        """Answer `question` by quoting up to `k` passages, or abstain.

        Args:
            question: Vietnamese or English, with or without diacritics.
            history: earlier user questions (strings) or chat messages {"role", "content"}.
            k: how many quotes at most.
        Raises:
            BadQuestion: empty or over MAX_QUESTION_CHARS characters.
            EmptyIndex: the index holds no article.
        """
        started = time.perf_counter()
        question = nfc(question or "").strip()
        if not question:
            raise BadQuestion("the question is empty: type a question about the articles")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadQuestion(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
        if k <= 0:
            raise ValueError("k must be greater than 0")
        chat = small_talk(question)
        if chat:  # not a question about the articles: a reply, no search, no abstention figures
            kind, language = chat
            reply = MESSAGES[language][kind]
            return Answer(question, abstained=True, language=language, effective_query=question, message=reply)
        language = detect_language(question)
        with self._lock:
            if self.store.count_passages() == 0:
                raise EmptyIndex("the index holds no article yet: add some first")
            questions = [q for q in user_questions(history) if not small_talk(q)]
            previous, previous_answer = self._resolve_history(questions[-HISTORY_TURNS:])
            restored = self._with_diacritics(question, language)
            effective = rewrite(restored, previous, previous_answer)
            answer = self._answer(restored, effective, language, k, previous.article_id if previous else None)
            answer.question = question
        answer.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def _with_diacritics(self, question: str, language: str) -> str:
        """A Vietnamese question typed without diacritics with them put back (qa/diacritics.py),
        helped by the wording of the passages BM25 finds with its accent-free syllables (the dense
        model, which reads "luat" far from "luật", is no help here); any other unchanged."""
        if language != "vi" or has_vietnamese_letters(question):
            return question
        ids, _ = self.retriever.lexical().search(search_terms(question), RESTORE_CONTEXT)
        passages = self.store.passages(ids.tolist())
        return Restorer(p.text for p in passages.values()).restore(question)

    def _answer(self, question: str, effective: str, language: str, k: int, prefer_article: str | None) -> Answer:
        kind = kind_asked(effective, language)
        if kind in ABOUT_ARTICLE:
            return self._about_article(kind, question, effective, language, k, prefer_article)
        return self._search(question, effective, kind, language, k, prefer_article)

    def _about_article(
        self, kind: str, question: str, effective: str, language: str, k: int, prefer_article: str | None
    ) -> Answer:
        """A question about an article itself — its gist ("summary") or its date ("published", said
        in the frame: ingest takes the date line out of the text) — quotes the article's opening:
        of the article it names (searched for like any question, so one the index lacks still
        abstains), else of the article the conversation is on, else of the newest articles,
        asking which one was meant."""
        topic = article_topic(question, language, kind)
        if topic:
            answer = self._search(question, topic, kind_asked(topic, language), language, k, prefer_article)
            answer.effective_query = effective
            if answer.abstained:
                return answer
            articles, score = [answer.quotes[0].article_id], answer.quotes[0].score
        else:
            answer = Answer(question, abstained=False, language=language, effective_query=effective, confidence=1.0)
            articles = [prefer_article] if prefer_article else self.store.newest_article_ids(k)
            score = 1.0
        answer.quotes = self._quotes(Quoter(self.store, idf=None).leads(articles, score), k)
        text = MESSAGES[language]
        if not answer.quotes:  # articles without a passage: nothing to quote
            answer.abstained, answer.message = True, text["abstain"]
            return answer
        top = answer.quotes[0]
        if kind == "published" and len(articles) == 1 and not top.date:  # the article is there, its date is not
            answer.abstained = True
            answer.signals["asked_kind_found"] = False
            answer.message = text["abstain_kind"].format(what=text["published"])
            return answer
        which = text[f"{kind}_which"] if len(articles) > 1 else text[f"{kind}_answer"]
        answer.message = which.format(title=top.title, date=_date_suffix(top.date), day=_day(top.date))
        return answer

    def _search(
        self, question: str, effective: str, kind: str | None, language: str, k: int, prefer_article: str | None
    ) -> Answer:
        """Retrieve, quote and decide whether to abstain; `kind` is `kind_asked(effective)`."""
        vector, judge, tokens = self.retriever.encode_question(effective, language)
        hits = self.retriever.run(
            effective, language, top_k=max(8, k * 3), query_vector=vector, prefer_article=prefer_article
        )
        quoter = Quoter(self.store, idf=self.retriever.lexical().idf)
        evidence = quoter.rank(effective, vector, hits, language, question_tokens=tokens, judge_vector=judge)
        cal = self.calibration
        sure = confidence(evidence, cal["coverage_weight"].get(language, 0.0))
        threshold = cal["abstain_below"].get(language, cal["abstain_below"]["vi"])
        # confidence and its signals are about the topic (is the article asked about here?); then
        # a question for the article's author quotes its byline
        topic = evidence[0] if evidence else None
        if kind == "author":
            evidence = quoter.byline_first(evidence, effective, vector, language, question_tokens=tokens)
        elif kind == "date":
            evidence = date_first(evidence)
        kind_found = bool(evidence) and holds_kind_asked(evidence[0], kind) and names_the_body(evidence[0], effective)
        # the years the user asks about now ("What did they sign in 2023?"), not those of the turn
        # before that the rewritten query may carry; a time alone ("Còn năm 2023?") is rewritten so
        years = years_asked(question) or years_asked(effective)
        years_found = not evidence or speaks_of_years_asked(evidence[0], years)
        # "Tô Lâm là ai?" answered by "Tô Lâm, Bộ trưởng Bộ Công an": the articles say who, however
        # loosely the rest of the sentence matches the question
        described = bool(evidence) and describes_person_asked(evidence[0], effective)
        answer = Answer(
            question=question,
            abstained=abstains(sure, threshold, kind_found and years_found, described),
            language=language,
            effective_query=effective,
            confidence=round(sure, 4),
        )
        if topic:
            answer.signals = {
                "sentence_similarity": round(topic.best.dense, 4),
                "sentence_score": round(float(topic.best.score), 4),
                "passage_score": round(float(topic.score), 4),
                "coverage": round(topic.coverage, 4),
                "alignment": round(topic.alignment, 4),
                "asked_kind_found": kind_found,
                "years_found": years_found,
                "person_described": described,
                "threshold": threshold,
                "group": language,
            }
        answer.quotes = self._quotes(evidence, k) if evidence else []
        text = MESSAGES[language]
        if not years_found:
            answer.message = text["abstain_year"].format(year=", ".join(map(str, sorted(years))))
        elif answer.abstained and sure >= threshold:  # abstained only for lack of the kind of fact asked
            answer.message = text["abstain_kind"].format(what=text[kind])
        elif answer.abstained:
            answer.message = text["abstain"]
        else:
            top = answer.quotes[0]
            answer.message = text["answer"].format(title=top.title, date=_date_suffix(top.date))
        return answer

    @staticmethod
    def _quotes(evidence, k: int) -> list[Quote]:
        """The top `k` passages, best first, one quote each."""
        return [Quoter.to_quote(e) for e in evidence[:k]]

    def _resolve_history(self, questions: list[str]) -> tuple[Turn | None, str]:
        """Resolve earlier turns in order, so a follow-up of a follow-up still knows its subject."""
        previous, previous_answer = None, ""
        for q in questions:
            key = (self.store.generation, previous.effective_query if previous else None, q)
            cached = self._turns.get(key)
            if cached is None:
                q = nfc(q)
                language = detect_language(q)
                q = self._with_diacritics(q, language)
                effective = rewrite(q, previous, previous_answer)
                answer = self._answer(q, effective, language, 1, previous.article_id if previous else None)
                top = answer.quotes[0] if answer.quotes and not answer.abstained else None
                turn = Turn(q, effective, top.article_id if top else None)
                said = " ".join(top.highlighted_text) if top else ""
                cached = (turn, said)
                self._turns[key] = cached
                while len(self._turns) > 256:
                    self._turns.popitem(last=False)
            previous, previous_answer = cached
        return previous, previous_answer
