"""The embedded index's dense search: a FAISS index over the passage vectors, exact or HNSW, saved
beside the database under its generation number and searched with an optional set of allowed ids
(a date range)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from store.derived import atomic_write, remove_stale

HNSW_THRESHOLD = 60_000  # passages; past this an approximate index answers faster
# HNSW graph settings: recall@10 0.990 of exact search on all 183k baomoi passages at ~2 ms a query
# (efSearch 256 gave 0.977 there; bench/).
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 200, 512

log = logging.getLogger(__name__)


def build_faiss(ids: np.ndarray, vectors: np.ndarray, dim: int, kind: str = "auto"):
    """A FAISS index over `vectors` keyed by `ids`: exact (`flat`), or HNSW (`hnsw`, and `auto`
    past `HNSW_THRESHOLD` vectors)."""
    import faiss

    if kind == "auto":
        kind = "hnsw" if len(ids) >= HNSW_THRESHOLD else "flat"
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        inner = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(inner)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def faiss_path(folder: Path, generation: int) -> Path:
    return folder / f"vectors-{generation}.faiss"


def load_or_build(folder: Path, generation: int, expected: int, build: Callable[[], object]):
    """The FAISS index of `generation`: read from its file when that holds `expected` vectors, else
    `build()` and saved (a read-only folder or a full disk only costs the saving)."""
    import faiss

    path = faiss_path(folder, generation)
    index = None
    if path.exists():
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            index = None  # unreadable: rebuild below
        if index is not None and index.ntotal != expected:
            index = None
    if index is None:
        index = build()
        try:
            atomic_write(folder, path, lambda tmp: faiss.write_index(index, tmp))
        except (OSError, RuntimeError) as exc:  # answer from memory
            log.warning("could not save %s: %s", path.name, exc)
        remove_stale(folder, "vectors-*.faiss", keep=path)
    return index


def kind_of(index) -> str:
    """The FAISS index's kind: "IndexFlatIP" (exact) or "IndexHNSWFlat" (approximate)."""
    import faiss

    return type(faiss.downcast_index(index.index)).__name__


def search(index, vector: np.ndarray, top_k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ids and inner products of the `top_k` nearest passages, among the `allowed` ids when given."""
    import faiss

    empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
    if index.ntotal == 0 or (allowed is not None and not len(allowed)):
        return empty
    query = np.asarray(vector, np.float32).reshape(1, -1)
    # One query runs faster on one thread: OpenMP's threads wait on cores the encoder's pool has
    # just used (docs/experiments.md, 2026-12-03). OpenMP keeps the count per calling thread, so
    # concurrent searches cannot leave each other's at one, and the caller's own count comes back.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return _search(index, query, top_k, allowed)
    finally:
        faiss.omp_set_num_threads(threads)


def _search(index, query: np.ndarray, top_k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    inner = faiss.downcast_index(index.index)
    hnsw = hasattr(inner, "hnsw")
    ef = max(HNSW_EF_SEARCH, top_k * 2)
    if allowed is not None:
        selector = faiss.IDSelectorBatch(allowed)
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=ef) if hnsw else faiss.SearchParameters(sel=selector)
        scores, ids = index.search(query, min(top_k, len(allowed)), params=params)
    else:
        if hnsw:
            inner.hnsw.efSearch = ef
        scores, ids = index.search(query, min(top_k, index.ntotal))
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
