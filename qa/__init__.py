"""Conversational question answering over news articles, by quoting them.

Example:
    >>> from qa import Assistant
    >>> answer = Assistant.default().ask("Who did Tô Lâm receive?")
    >>> answer.quotes[0].title
"""

from qa.errors import BadQuestion, EmptyIndex, IndexCorrupt, IndexNotFound, ModelLoadError, ModelMismatch, QAError
from qa.types import Answer, Article, IngestReport, Passage, Quote

__all__ = [
    "Answer",
    "Article",
    "Assistant",
    "BadQuestion",
    "EmptyIndex",
    "IndexCorrupt",
    "IndexNotFound",
    "IngestReport",
    "ModelLoadError",
    "ModelMismatch",
    "Passage",
    "QAError",
    "Quote",
    "builtin_articles",
    "default_index_dir",
]


def __getattr__(name: str):
    """`Assistant` and friends load on first use: the store imports `qa.errors`, and an eager import
    of the assistant (which imports the store) would make `import store` on its own circular."""
    if name in ("Assistant", "builtin_articles", "default_index_dir"):
        from qa import assistant

        return getattr(assistant, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
