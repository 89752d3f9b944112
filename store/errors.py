"""Errors a user of an index can cause or fix; `qa.errors` gives each a twin that is also a `QAError`."""


class StoreError(Exception):
    """Base class of the store's user-facing errors: the message says what to do."""


class IndexNotFound(StoreError):
    """The index does not exist (and was not to be created)."""


class IndexCorrupt(StoreError):
    """The index exists but cannot be read; the message says how to recover."""


class ModelMismatch(StoreError):
    """The index was built with another embedding model; mixing vectors would give nonsense."""


class DuplicateContent(StoreError):
    """An article with the same text is already stored: another ingester wrote it since the caller
    checked `find_hash`. Nothing was written, and the transaction goes on."""

    def __init__(self, message: str, article_id: str | None) -> None:
        super().__init__(message)
        self.article_id = article_id  # the article that holds the text

class IndexBusy(StoreError):
    """Another process held the index's write lock for longer than the store waits."""


class IndexUnavailable(StoreError):
    """The index's files cannot be used right now: a full disk, a read-only folder, an I/O error."""
