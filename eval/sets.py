"""The evaluation sets, each opened over its own index (cached under $NEWSQA_CACHE/eval, rebuilt when
the index schema or the ingest's reading rules change): the built-in articles and their questions,
XQuAD as paragraphs and as whole articles, and the news set over the dantri corpus."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embeddings.build import BUILD_VERSION
from eval.news import DANTRI, corpus_fingerprint, load_news_questions
from eval.runner import QUESTIONS, load_questions
from eval.xquad import cross_fitted_shifts, load_xquad, typed_without_diacritics
from qa import Assistant, builtin_articles
from qa.config import Settings
from qa.ingest import INGEST_VERSION
from store import SCHEMA_VERSION

XQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "xquad"


@dataclass
class Options:
    backend: str = "onnx-int8"
    cache: Path | None = None  # where the sets' indexes live; default $NEWSQA_CACHE/eval
    builtin_index: Path | None = None
    xquad_index: Path | None = None
    xquad_articles_index: Path | None = None
    news_index: Path | None = None
    xquad: Path = XQUAD
    corpus: Path = DANTRI
    progress: bool = True
    model: object = None  # an encoder to use instead of the backend's (eval.stability.NoisyEncoder)

    def folder(self, explicit: Path | None, name: str) -> Path:
        if explicit:
            return Path(explicit)
        cache = self.cache or Settings.from_env().cache_dir / "eval"
        return cache / f"{name}-s{SCHEMA_VERSION}-i{INGEST_VERSION}-m{BUILD_VERSION}-{self.backend}"


def _open(folder: Path, options: Options, sources) -> Assistant:
    assistant = Assistant.open(folder, backend=options.backend)
    if options.model is not None:
        assistant = Assistant(assistant.store, options.model, assistant.weights)
    if assistant.store.count_articles() == 0:
        assistant.add(sources(), progress=options.progress)
    return assistant


def builtin(options: Options) -> tuple[Assistant, list[dict]]:
    assistant = _open(options.folder(options.builtin_index, "builtin"), options, lambda: [builtin_articles()])
    return assistant, load_questions(QUESTIONS)


def builtin_split(question: dict) -> str:
    """The built-in set has two articles, so its split is by question family (w03-vi, w03-en and
    w03-vi-plain are one), alternating: "dev" and "test"."""
    families = builtin_split.families
    return "dev" if families.index(question["id"].split("-")[0]) % 2 == 0 else "test"


builtin_split.families = sorted({q["id"].split("-")[0] for q in load_questions(QUESTIONS)})


def has_xquad(options: Options) -> bool:
    return (Path(options.xquad) / "xquad.vi.json").exists()


def xquad(options: Options, whole_articles: bool) -> tuple[Assistant, list[dict]]:
    """XQuAD ingested (paragraphs as articles, or whole articles) and its questions in three
    forms (vi, en, vi typed without diacritics); fold 0 of the Wikipedia articles is "dev"."""
    articles, questions = load_xquad(options.xquad, whole_articles=whole_articles)
    name = "xquad-articles" if whole_articles else "xquad-paragraphs"

    def sources():
        tmp = Path(tempfile.mkdtemp()) / f"{name}.jsonl"
        tmp.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
        return [tmp]

    explicit = options.xquad_articles_index if whole_articles else options.xquad_index
    assistant = _open(options.folder(explicit, name), options, sources)
    return assistant, questions + typed_without_diacritics(questions)


def xquad_assistants(assistant: Assistant, questions: list[dict], shifts=None) -> dict[int, Assistant]:
    """Per article fold, the assistant whose language shift was fitted on the other fold."""
    shifts = shifts or cross_fitted_shifts(assistant, questions)
    return {fold: assistant.derive(language_shift=shift) for fold, shift in shifts.items()}


def has_news(options: Options) -> bool:
    return Path(options.corpus).exists()


def news(options: Options) -> tuple[Assistant, list[dict]]:
    name = f"dantri-{corpus_fingerprint(Path(options.corpus))}"
    assistant = _open(options.folder(options.news_index, name), options, lambda: [options.corpus])
    return assistant, load_news_questions()
