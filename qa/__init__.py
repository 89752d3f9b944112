"""Conversational question answering over news articles, by quoting them.

Example:
    >>> from qa import Assistant
    >>> answer = Assistant.default().ask("Who did Tô Lâm receive?")
    >>> answer.quotes[0].title
"""

from qa.assistant import Assistant, builtin_articles, default_index_dir
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
