"""Ingest: read → skip duplicates → split → embed (passages and their sentences in one pass) → store.

Articles are committed in batches: an interrupted ingest keeps every batch it finished, and
running it again skips those articles as duplicates, so nothing is indexed twice. The progress bar
counts the bytes read (the reader is at most one batch ahead of what is committed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from embeddings import EncodedPassages, encode_document_spans
from qa.ingest import content_hash
from qa.passages import PassageSplitter, embedding_text
from qa.readers import Meter, read_paths, total_bytes
from qa.text import search_terms
from qa.types import Article, IngestReport, Passage
from store import DocumentStore, DuplicateContent, IndexedPassage

log = logging.getLogger(__name__)

BATCH_PASSAGES = 256  # passages committed together
# Passages go through the model one at a time: int8 activations are quantized with one scale per
# batch, so a passage encoded beside others gets another vector (cosine ~0.998) than alone, and the
# index would depend on what else was ingested with it. On 2 cores batching saved no time.
MODEL_BATCH = 1
# A batch is handed to the model in calls of at most this many passages (a batch that ends with a
# long article's many passages), so the token states held at once stay bounded.
ENCODE_PASSAGES = 512


@dataclass(frozen=True)
class Progress:
    """Where an ingest is, for a progress display: bytes read of the total, what is committed."""

    bytes_done: int
    bytes_total: int
    articles: int  # added or updated, committed
    duplicates: int
    failed: int
    passages: int
    current: str = ""  # the file being read

    @property
    def share(self) -> float:
        return min(1.0, self.bytes_done / self.bytes_total) if self.bytes_total else 0.0


@dataclass
class _Pending:
    articles: list[tuple[Article, str, list[Passage]]] = field(default_factory=list)
    passages: int = 0
    start: int = 0  # bytes read before its first article: what is settled while it waits


class Indexer:
    """Adds articles from files to a store.

    Example:
        >>> report = Indexer(model, store).add(["news/"])
        >>> report.summary()
        '12 added, 1 duplicate(s) skipped, 0 failed (57 passages)'
    """

    def __init__(
        self, model, store: DocumentStore, splitter: PassageSplitter | None = None, batch_size: int = MODEL_BATCH
    ) -> None:
        self.model = model
        self.store = store
        self.splitter = splitter or PassageSplitter.for_model(model)
        self.batch_size = batch_size

    def add(
        self,
        paths: Iterable[str | Path],
        progress: bool = True,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> IngestReport:
        """Read, embed and commit the articles in `paths`; `progress` shows a bar (bytes read),
        `on_progress` is called with a `Progress` after each article read and each commit."""
        report = IngestReport()
        pending = _Pending()
        seen: dict[str, str] = {}  # hashes in this run not yet committed
        paths = list(paths)
        meter = Meter(total=total_bytes(paths))
        bar = tqdm(
            total=meter.total,
            desc="ingest",
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
            dynamic_ncols=True,
        )

        def tell() -> None:
            """Show the bytes settled: read and committed, skipped or failed (not those of the
            articles still waiting in the batch)."""
            settled = pending.start if pending.articles else meter.done
            bar.set_postfix(articles=len(report.added) + len(report.updated), passages=report.passages, refresh=False)
            bar.update(settled - bar.n)
            if on_progress is not None:
                done = len(report.added) + len(report.updated)
                on_progress(
                    Progress(
                        settled,
                        meter.total,
                        done,
                        len(report.duplicates),
                        len(report.failed),
                        report.passages,
                        meter.current,
                    )
                )

        try:
            before = 0  # bytes read up to the article before this one
            for source, item in read_paths(paths, meter):
                digest = content_hash(item.text) if not isinstance(item, str) else ""
                twin = (seen.get(digest) or self.store.find_hash(digest)) if digest else None
                if isinstance(item, str):
                    report.failed.append((source, item))
                elif twin is not None:
                    report.duplicates.append((source, twin))
                else:
                    if item.id in {a.id for a, _, _ in pending.articles}:
                        self._flush(pending, report)
                        pending = _Pending()
                    seen[digest] = item.id
                    passages = self.splitter.split(item)
                    if not pending.articles:
                        pending.start = before
                    pending.articles.append((item, digest, passages))
                    pending.passages += len(passages)
                    if pending.passages >= BATCH_PASSAGES:
                        tell()  # the batch waits to be embedded: what came before it is settled
                        self._flush(pending, report)
                        pending = _Pending()
                before = meter.done
                tell()
            self._flush(pending, report)
            pending = _Pending()
            meter.done = meter.total
            tell()
        finally:
            bar.close()
        return report

    def _flush(self, pending: _Pending, report: IngestReport) -> None:
        """Embed one batch and commit it in one transaction."""
        if not pending.articles:
            return
        texts, spans = [], []
        for article, _, passages in pending.articles:
            for passage in passages:
                text, sentence_spans = embedding_text(article.title, passage)
                texts.append(text)
                spans.append(sentence_spans)
        encoded = self._encode(texts, spans)
        row = 0
        with self.store.transaction():
            for article, digest, passages in pending.articles:
                # Another ingester on the same index may have committed this text since `find_hash`:
                # writers take turns, so asked again inside the transaction the answer holds.
                twin = self.store.find_hash(digest)
                if twin is not None:
                    report.duplicates.append((article.source, twin))
                    row += len(passages)
                    continue
                indexed = [
                    IndexedPassage(
                        passage=p,
                        vector=encoded.vectors[row + i],
                        sentence_vectors=encoded.span_vectors[row + i],
                        terms=search_terms(f"{article.title}\n{p.text}"),
                        alignment_codes=encoded.codes[row + i],
                        sentence_tokens=encoded.span_tokens[row + i],
                    )
                    for i, p in enumerate(passages)
                ]
                updated = self.store.delete_article(article.id)
                try:
                    self.store.add_article(article, digest, indexed)
                except DuplicateContent as exc:  # a store whose writers do not take turns
                    report.duplicates.append((article.source, exc.article_id))
                    row += len(passages)
                    continue
                (report.updated if updated else report.added).append(article.id)
                report.passages += len(passages)
                row += len(passages)

    def _encode(self, texts: list[str], spans: list) -> EncodedPassages:
        """`encode_document_spans` over the batch, in calls of at most ENCODE_PASSAGES passages."""
        if len(texts) <= ENCODE_PASSAGES:
            return encode_document_spans(self.model, texts, spans, batch_size=self.batch_size)
        parts = [
            encode_document_spans(
                self.model, texts[i : i + ENCODE_PASSAGES], spans[i : i + ENCODE_PASSAGES], batch_size=self.batch_size
            )
            for i in range(0, len(texts), ENCODE_PASSAGES)
        ]
        return EncodedPassages(
            np.concatenate([p.vectors for p in parts]),
            [v for p in parts for v in p.span_vectors],
            [c for p in parts for c in p.codes],
            [t for p in parts for t in p.span_tokens],
        )
