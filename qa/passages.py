"""Split articles into passages the model can read whole, keeping offsets and sentence boundaries."""

from __future__ import annotations

from collections.abc import Callable

from qa.text import split_sentences
from qa.types import Article, Passage

CHUNK_TOKENS = 200
OVERLAP_TOKENS = 32
# Paragraphs first, then lines, then sentences, then clauses, then words.
SEPARATORS = [r"\n\n", r"\n", r"(?<=[.!?…])\s+", r"(?<=[;,:])\s+", r"\s+", ""]


class PassageSplitter:
    """langchain's recursive splitter, measuring length in the embedding model's tokens.

    Example:
        >>> splitter = PassageSplitter.for_model(model)
        >>> passages = splitter.split(article)
    """

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        chunk_tokens: int = CHUNK_TOKENS,
        overlap_tokens: int = OVERLAP_TOKENS,
    ) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        if not 0 <= overlap_tokens < chunk_tokens <= 500:
            raise ValueError("need 0 <= overlap_tokens < chunk_tokens <= 500")
        self.count_tokens = count_tokens
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            strip_whitespace=True,
        )

    @classmethod
    def for_model(cls, model, **kwargs) -> PassageSplitter:
        """A splitter measuring in `model`'s tokens (its own fast counter when it has one)."""
        if hasattr(model, "count_tokens"):
            return cls(model.count_tokens, **kwargs)
        tokenizer = model.tokenizer
        return cls(lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]), **kwargs)

    def split(self, article: Article) -> list[Passage]:
        text, passages, cursor = article.text, [], 0
        for chunk in self._splitter.split_text(text):
            start = text.find(chunk, cursor)
            if start < 0:  # the splitter only strips white space, so this is a safety net
                start = text.find(chunk)
            end = start + len(chunk)
            passages.append(
                Passage(
                    article_id=article.id,
                    position=len(passages),
                    start=start,
                    end=end,
                    text=chunk,
                    sentences=split_sentences(chunk),
                )
            )
            cursor = start + 1
        return passages


def embedding_text(title: str, passage: Passage) -> tuple[str, list[tuple[int, int]]]:
    """What the model reads for a passage: its article's title on a line, then the passage.

    Returns the text and the sentence spans shifted into it.
    """
    if not title:
        return passage.text, passage.sentences
    shift = len(title) + 1
    return f"{title}\n{passage.text}", [(s + shift, e + shift) for s, e in passage.sentences]
