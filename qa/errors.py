"""User-facing errors: the CLI and the chat page show their message, never a traceback.

The store has its own errors (store.errors); each has a twin here that is also a `QAError`, and the
`Assistant` raises the twin, so `except QAError` catches everything a user can cause or fix.
"""

from __future__ import annotations

import contextlib

from store import errors as store_errors


class QAError(Exception):
    """Base class of every error a user can cause or fix."""


class IndexNotFound(QAError, store_errors.IndexNotFound):
    """The index folder does not exist (and was not to be created)."""


class IndexCorrupt(QAError, store_errors.IndexCorrupt):
    """The index files exist but cannot be read; the message says how to recover."""


class ModelMismatch(QAError, store_errors.ModelMismatch):
    """The index was built with another embedding model; mixing vectors would give nonsense."""


class IndexBusy(QAError, store_errors.IndexBusy):
    """Another process held the index's write lock for too long."""


class IndexUnavailable(QAError, store_errors.IndexUnavailable):
    """The index's files cannot be used: a full disk, a read-only folder, an I/O error."""


class EmptyIndex(QAError):
    """Asked a question of an index that holds no article."""


class BadQuestion(QAError):
    """The question is not text, is empty, or is too long to be a question."""


class BadHistory(QAError):
    """The conversation history is not a list of earlier questions or chat messages, or is too long."""


class BadArgument(QAError, ValueError):
    """An option out of its range (k, a file size); a `ValueError` too, as `k <= 0` always was."""


class ModelLoadError(QAError):
    """The embedding model could not be built or loaded."""


_TWINS = {
    store_errors.IndexNotFound: IndexNotFound,
    store_errors.IndexCorrupt: IndexCorrupt,
    store_errors.ModelMismatch: ModelMismatch,
    store_errors.IndexBusy: IndexBusy,
    store_errors.IndexUnavailable: IndexUnavailable,
}


@contextlib.contextmanager
def as_user_errors():
    """Raise a store error as its `QAError` twin, same message."""
    try:
        yield
    except store_errors.StoreError as exc:
        if isinstance(exc, QAError):
            raise
        twin = next((t for kind, t in _TWINS.items() if isinstance(exc, kind)), None)
        if twin is None:
            raise
        raise twin(str(exc)) from exc
