"""The facade the CLI, the chat page, the eval runner and Python users call. It only delegates:
reading the question (qa/analysis), the conversation (qa/conversation), retrieval, scoring, the
quotes and the abstention policy each live in their own module."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import numpy as np

from embeddings import DEFAULT_BACKEND, Backend, load_model, model_id
from qa import signals
from qa.abstention import AbstentionPolicy, Decision
from qa.analysis import QuestionAnalysis, analyze
from qa.checks import SEARCHED_KINDS
from qa.config import Settings
from qa.conversation import Turn, rewrite, small_talk
from qa.diacritics import Restorer
from qa.errors import EmptyIndex, ModelLoadError, as_user_errors
from qa.indexer import Indexer, Progress
from qa.lang import languages
from qa.limits import MAX_QUESTION_CHARS, check_dates, check_history, check_k, check_question
from qa.quoting import Quoter, date_first, kind_first
from qa.retrieval import Retriever, load_language_shift
from qa.scoring import Scorer
from qa.short_answer import short_answer
from qa.text import day_month_year, detect_language, has_letters_of, nfc, search_terms
from qa.types import Answer, IngestReport, Quote
from qa.weights import Weights
from store import DateRange, DocumentStore, open_store

log = logging.getLogger(__name__)

__all__ = ["MAX_QUESTION_CHARS", "Assistant", "builtin_articles", "default_index_dir", "shared_model"]
HISTORY_TURNS = 3

_model_cache: dict[tuple, object] = {}
_model_lock = threading.Lock()


def builtin_articles() -> Path:
    """The two Ministry of Public Security articles shipped with the package: the default corpus."""
    return Path(str(files("qa") / "data" / "articles"))


def default_index_dir(model_name: str | None = None) -> Path:
    """Where the built-in articles are indexed (see `qa.config.Settings.default_index_dir`)."""
    return Settings.from_env().default_index_dir(model_name)


def shared_model(backend: Backend = DEFAULT_BACKEND, model_dir: str | Path | None = None, name: str | None = None):
    """One model per process and configuration: loading it is the slow part of starting up."""
    folder = Path(model_dir) if model_dir else Settings.from_env().model_dir
    key = (backend, str(folder), name)
    with _model_lock:
        if key not in _model_cache:
            try:
                _model_cache[key] = load_model(backend, folder=folder, name=name)
            except (OSError, ValueError, RuntimeError, ImportError) as exc:
                raise ModelLoadError(f"cannot load the embedding model: {exc}") from exc
        return _model_cache[key]


def _date_suffix(date: str | None) -> str:
    return f", {day_month_year(date)}" if date else ""


class Assistant:
    """Question answering over news articles, by quoting them.

    Example:
        >>> from qa import Assistant
        >>> assistant = Assistant.default()
        >>> answer = assistant.ask("Luật An ninh mạng có hiệu lực từ ngày nào?")
        >>> answer.quotes[0].highlighted_text[0][-40:]
        'chính thức có hiệu lực từ ngày 1/1/2019.'
    """

    def __init__(
        self,
        store: DocumentStore,
        model,
        weights: Weights | None = None,
        language_shift: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.store = store
        self.model = model
        self.weights = weights or Weights.read()
        shift = load_language_shift(model_id(model)) if language_shift is None else language_shift
        self.retriever = Retriever(model, store, self.weights, language_shift=shift)
        self.scorer = Scorer(store, self.weights)
        self.quoter = Quoter(self.scorer)
        self.policy = AbstentionPolicy.from_weights(self.weights)
        self.indexer = Indexer(model, store)
        self._turns: OrderedDict[tuple, tuple[Turn, str]] = OrderedDict()
        self._turns_lock = threading.Lock()  # held for a look-up or an insert, never while resolving
        # Writers (an ingest, an upload, a removal) take turns; questions never wait for them: each
        # reads a consistent snapshot of the index (store.snapshot()).
        self._lock = threading.RLock()

    def derive(self, weights: Weights | None = None, language_shift: dict[str, np.ndarray] | None = None) -> Assistant:
        """An assistant over the same index and model with other weights or another language shift
        (the eval's cross-fitted and calibration runs); the two share the store and its lock."""
        other = Assistant(
            self.store,
            self.model,
            weights or self.weights,
            self.retriever.language_shift if language_shift is None else language_shift,
        )
        other._lock = self._lock
        return other

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
        """Open (or create) the index in `index_dir`: a folder, or a `postgresql://` URL."""
        model = shared_model(backend, model_dir, model_name)
        dim = int(model.encode_query(["dim"]).shape[-1])
        with as_user_errors():
            store = open_store(index_dir, model_id(model), dim, create=create, index_kind=index_kind)
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

    def _reading(self):
        """One consistent snapshot of the index for one question (a store without snapshots is
        read as it is)."""
        snapshot = getattr(self.store, "snapshot", None)
        return snapshot() if snapshot else contextlib.nullcontext()

    # --------------------------------------------------------------- writing
    def add(
        self,
        paths,
        progress: bool = True,
        on_progress: Callable[[Progress], None] | None = None,
        indexer: Indexer | None = None,
    ) -> IngestReport:
        """Add articles from files or folders (.txt, .md, .html, .jsonl); see `IngestReport`.

        Questions are answered meanwhile, from the index as it was before; the new articles are
        answerable when this returns. `on_progress` is called as bytes are read and batches
        committed; `indexer` embeds with another encoder of the same model (the page's upload
        worker has a low-priority one of its own).
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._lock, as_user_errors():
            report = (indexer or self.indexer).add(paths, progress=progress, on_progress=on_progress)
            with self._turns_lock:
                self._turns.clear()
            # Build the search structures now, so the first question after a restart finds them on disk.
            self.store.prepare()
        return report

    def remove(self, article_id: str) -> bool:
        """Remove one article and its passages; False when there is no such article."""
        with self._lock, as_user_errors():
            with self.store.transaction():
                removed = self.store.delete_article(article_id)
            with self._turns_lock:
                self._turns.clear()
            self.store.prepare()
        return removed

    def stats(self) -> dict:
        with self._reading(), as_user_errors():
            return self.store.stats()

    def articles(self) -> list[dict]:
        """id, title, date, url, source and passage count of every article, oldest first."""
        with self._reading(), as_user_errors():
            return self.store.articles()

    # ---------------------------------------------------------------- asking
    def ask(
        self, question: str, history=None, k: int = 3, since: str | None = None, until: str | None = None
    ) -> Answer:
        """Answer `question` by quoting up to `k` passages, or abstain.

        Args:
            question: Vietnamese or English, with or without diacritics.
            history: earlier user questions (strings) or chat messages {"role", "content"}.
            k: how many quotes at most.
            since, until: only articles published from / until these ISO dates (YYYY-MM-DD).
        Raises:
            BadQuestion: not text, empty or over MAX_QUESTION_CHARS characters (qa/limits.py), or a
                malformed date.
            BadHistory: not a list of questions or messages, or over its limits.
            BadArgument: k not from 1 to MAX_K.
            EmptyIndex: the index holds no article.
        """
        started = time.perf_counter()
        question = check_question(question)
        k = check_k(k)
        asked_before = check_history(history)
        dates = check_dates(since, until)
        chat = small_talk(question)
        if chat:  # not a question about the articles: a reply, no search, no abstention figures
            kind, language = chat
            reply = languages()[language].messages[kind]
            return Answer(question, abstained=True, language=language, effective_query=question, message=reply)
        with self._reading(), as_user_errors():
            if self.store.count_passages() == 0:
                raise EmptyIndex("the index holds no article yet: add some first")
            analysis, previous = self._read(question, asked_before)
            answer = self._answer(analysis, k, previous, dates)
            answer.question = question
        answer.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def read(self, question: str, history=None) -> QuestionAnalysis:
        """The question as `ask` reads it: its language, its diacritics put back, a follow-up
        rewritten with the conversation (the eval's feature dump starts from here)."""
        question, asked_before = check_question(question), check_history(history)
        with self._reading(), as_user_errors():
            return self._read(question, asked_before)[0]

    def _read(self, question: str, asked_before: list[str]) -> tuple[QuestionAnalysis, Turn | None]:
        """`asked_before`: the user's earlier questions, as check_history gives them."""
        language = detect_language(question)
        questions = [q for q in asked_before if not small_talk(q)]
        previous, previous_answer = self._resolve_history(questions[-HISTORY_TURNS:])
        restored = self._with_diacritics(question, language)
        effective = rewrite(restored, previous, previous_answer)
        return analyze(effective, language, asked=restored), previous

    def _with_diacritics(self, question: str, language: str) -> str:
        """A question typed without the diacritics its language writes, with them put back
        (qa/diacritics.py), helped by the wording of the passages BM25 finds with its accent-free
        syllables (the dense model, which reads "luat" far from "luật", is no help here)."""
        pack = languages().get(language)
        if not pack.restores_diacritics or has_letters_of(pack, question):
            return question
        context = self.weights.value("diacritics", "context_passages")
        ids, _ = self.store.search_lexical(search_terms(question), context)
        passages = self.store.passages(ids.tolist())
        return Restorer(self.weights, (p.text for p in passages.values())).restore(question)

    def _answer(
        self, question: QuestionAnalysis, k: int, previous: Turn | None, dates: DateRange | None = None
    ) -> Answer:
        prefer_article = previous.article_id if previous else None
        if question.about_article:
            return self._about_article(question, k, prefer_article, dates)
        return self._search(question, k, prefer_article, dates)

    def _about_article(
        self, question: QuestionAnalysis, k: int, prefer_article: str | None, dates: DateRange | None = None
    ) -> Answer:
        """A question about an article itself — its gist ("summary") or its date ("published", said
        in the frame: ingest takes the date line out of the text) — quotes the article's opening:
        of the article it names (searched for like any question, so one the index lacks still
        abstains), else of the article the conversation is on, else of the newest articles,
        asking which one was meant."""
        kind, text = question.kind, question.pack.messages
        topic = question.topic()
        if topic:
            answer = self._search(question.searching(topic), k, prefer_article, dates)
            answer.effective_query = question.effective
            if answer.abstained:
                return answer
            articles, score = [answer.quotes[0].article_id], answer.quotes[0].score
        else:
            answer = Answer(
                question.asked, abstained=False, language=question.language, effective_query=question.effective
            )
            answer.confidence = 1.0
            articles = [prefer_article] if prefer_article else self.store.newest_article_ids(k)
            score = 1.0
        answer.quotes = self._quotes(self.quoter.leads(articles, score), k)
        if not answer.quotes:  # articles without a passage: nothing to quote
            answer.abstained, answer.message = True, text["abstain"]
            return answer
        top = answer.quotes[0]
        if kind == "published" and len(articles) == 1 and not top.date:  # the article is there, its date is not
            answer.abstained = True
            if answer.signals:
                answer.signals = replace(answer.signals, asked_kind_found=False)
            threshold = self.policy.threshold_for(question.language)
            answer.decision = Decision(True, "kind_missing", answer.confidence, threshold)
            answer.message = text["abstain_kind"].format(what=text["published"])
            return answer
        which = text[f"{kind}_which"] if len(articles) > 1 else text[f"{kind}_answer"]
        answer.message = which.format(
            title=top.title, date=_date_suffix(top.date), day=day_month_year(top.date) if top.date else ""
        )
        return answer

    def _search(
        self, question: QuestionAnalysis, k: int, prefer_article: str | None, dates: DateRange | None = None
    ) -> Answer:
        """Retrieve (among the articles published in `dates`, when given), quote and decide whether
        to abstain."""
        if not self._about_anything(question):
            answer = Answer(
                question.asked, True, question.language, question.effective, message=question.pack.messages["abstain"]
            )
            answer.decision = Decision(True, "no_content", 0.0, self.policy.threshold_for(question.language))
            return answer
        vectors = self.retriever.encode_question(question)
        lang = question.language
        depth = max(self.weights.value("retrieval", "rerank_depth", lang), k)
        hits = self.retriever.run(
            question, top_k=depth, query_vector=vectors.search, prefer_article=prefer_article, dates=dates
        )
        hits = self.retriever.expand(hits, self.weights.value("retrieval", "expand_articles", lang))
        evidence = self.scorer.rank(question, vectors, hits)
        # the signals are about the topic (is the article asked about here?); then a question for
        # the article's author quotes its byline, one asking when the passage that dates it
        topic = evidence[0] if evidence else None
        if question.kind == "author":
            evidence = self.quoter.byline_first(evidence, question, vectors)
        elif question.kind == "date":
            evidence = date_first(evidence, self.weights.value("scoring", "date_nearby", lang), question.held or "date")
        elif question.kind in SEARCHED_KINDS and self.weights.value("scoring", "kind_in_article", lang):
            evidence = kind_first(evidence, self.weights.value("scoring", "kind_sentence_margin", lang), question)
        answer = Answer(question.asked, abstained=True, language=question.language, effective_query=question.effective)
        text = question.pack.messages
        if topic is None:
            answer.message = text["abstain"]
            return answer
        top = evidence[0]
        article = self.store.article(topic.passage.article_id)
        answer.signals = signals.measure(question, evidence, topic, self.scorer, article)
        decision = self.policy.decide(signals.unrounded(answer.signals, topic))
        answer.decision = decision
        answer.abstained = decision.abstain
        answer.confidence = round(decision.confidence, 4)
        answer.quotes = self._quotes(evidence, k)
        if decision.reason == "year_missing":
            answer.message = text["abstain_year"].format(year=", ".join(map(str, sorted(question.years))))
        elif decision.reason == "kind_missing" and decision.confidence >= decision.threshold:
            answer.message = text["abstain_kind"].format(what=text[question.kind])
        elif decision.abstain:
            answer.message = text["abstain"]
        else:
            quote = answer.quotes[0]
            answer.message = text["answer"].format(title=quote.title, date=_date_suffix(quote.date))
            answer.short_answer = short_answer(top, question)
        return answer

    def _about_anything(self, question: QuestionAnalysis) -> bool:
        """The input reads as text and names something the articles' vocabulary knows: not
        symbols, not keyboard mashing ("asdkjh qwe"), not a question of function words alone."""
        terms = list(question.words_to_find)
        if not question.looks_like_text() or not terms:
            return False
        return bool((self.store.idf(terms, absent=-1.0) >= 0).any())

    @staticmethod
    def _quotes(evidence, k: int) -> list[Quote]:
        """The top `k` passages, best first, one quote each."""
        return [Quoter.to_quote(e) for e in evidence[:k]]

    def _resolve_history(self, questions: list[str]) -> tuple[Turn | None, str]:
        """Resolve earlier turns in order, so a follow-up of a follow-up still knows its subject."""
        previous, previous_answer = None, ""
        for q in questions:
            key = (self.store.generation, previous.effective_query if previous else None, q)
            with self._turns_lock:
                cached = self._turns.get(key)
            if cached is None:
                q = nfc(q)
                language = detect_language(q)
                q = self._with_diacritics(q, language)
                effective = rewrite(q, previous, previous_answer)
                answer = self._answer(analyze(effective, language, asked=q), 1, previous)
                top = answer.quotes[0] if answer.quotes and not answer.abstained else None
                turn = Turn(q, effective, top.article_id if top else None)
                said = " ".join(top.highlighted_text) if top else ""
                cached = (turn, said)
                with self._turns_lock:
                    self._turns[key] = cached
                    while len(self._turns) > 256:
                        self._turns.popitem(last=False)
            previous, previous_answer = cached
        return previous, previous_answer
