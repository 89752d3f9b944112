"""Errors a user of an index can cause or fix; `qa.errors` gives each a twin that is also a `QAError`."""


class StoreError(Exception):
    """Base class of the store's user-facing errors: the message says what to do."""


class IndexNotFound(StoreError):
    """The index does not exist (and was not to be created)."""


class IndexCorrupt(StoreError):
    """The index exists but cannot be read; the message says how to recover."""


class ModelMismatch(StoreError):
    """The index was built with another embedding model; mixing vectors would give nonsense."""

    @classmethod
    def unless_same(cls, meta: dict, model_name: str, dim: int, where: str, instead: str) -> None:
        """Raise unless the index's `meta` names `model_name` and `dim`; `instead`: what else to use."""
        if meta.get("model") != model_name or int(meta.get("dim", 0)) != dim:
            raise cls(
                f"the index in {where} was built with {meta.get('model')!r} ({meta.get('dim')}-d), "
                f"not {model_name!r} ({dim}-d); use another --index {instead} or rebuild it"
            )


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
