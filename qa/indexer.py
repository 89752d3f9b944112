"""Ingest: read → skip duplicates → split → embed (passages and their sentences in one pass) → store.

Articles are committed in batches: an interrupted ingest keeps every batch it finished, and
running it again skips those articles as duplicates, so nothing is indexed twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from embeddings import encode_document_spans
from qa.ingest import content_hash, count_items, read_paths
from qa.passages import PassageSplitter, embedding_text
from qa.text import search_terms
from qa.types import Article, IngestReport, Passage
from store import DocumentStore, DuplicateContent, IndexedPassage

log = logging.getLogger(__name__)

BATCH_PASSAGES = 256  # passages committed together
# Passages go through the model one at a time: int8 activations are quantized with one scale per
# batch, so a passage encoded beside others gets another vector (cosine ~0.998) than alone, and the
# index would depend on what else was ingested with it. On 2 cores batching saved no time.
MODEL_BATCH = 1


@dataclass
class _Pending:
    articles: list[tuple[Article, str, list[Passage]]] = field(default_factory=list)
    passages: int = 0


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

    def add(self, paths: Iterable[str | Path], progress: bool = True) -> IngestReport:
        report = IngestReport()
        pending = _Pending()
        seen: dict[str, str] = {}  # hashes in this run not yet committed
        paths = list(paths)
        total = count_items(paths) if progress else None
        bar = tqdm(total=total, desc="ingest", unit="article", disable=not progress, dynamic_ncols=True)
        try:
            for source, item in read_paths(paths):
                bar.update(1)
                if isinstance(item, str):
                    report.failed.append((source, item))
                    continue
                digest = content_hash(item.text)
                twin = seen.get(digest) or self.store.find_hash(digest)
                if twin is not None:
                    report.duplicates.append((source, twin))
                    continue
                if item.id in {a.id for a, _, _ in pending.articles}:
                    self._flush(pending, report)
                    pending = _Pending()
                seen[digest] = item.id
                passages = self.splitter.split(item)
                pending.articles.append((item, digest, passages))
                pending.passages += len(passages)
                if pending.passages >= BATCH_PASSAGES:
                    self._flush(pending, report)
                    pending = _Pending()
                    bar.set_postfix(passages=report.passages)
            self._flush(pending, report)
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
        encoded = encode_document_spans(self.model, texts, spans, batch_size=self.batch_size)
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
