"""User-facing errors: the CLI and the chat page show their message, never a traceback."""


class QAError(Exception):
    """Base class of every error a user can cause or fix."""


class IndexNotFound(QAError):
    """The index folder does not exist (and was not to be created)."""


class IndexCorrupt(QAError):
    """The index files exist but cannot be read; the message says how to recover."""


class ModelMismatch(QAError):
    """The index was built with another embedding model; mixing vectors would give nonsense."""


class EmptyIndex(QAError):
    """Asked a question of an index that holds no article."""


class BadQuestion(QAError):
    """The question is empty or too long to be a question."""


class ModelLoadError(QAError):
    """The embedding model could not be built or loaded."""
