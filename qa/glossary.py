"""English question words put into Vietnamese through a news glossary (qa/data/glossary_vi_en.tsv).

Why: an English question shares only names and numbers with a Vietnamese article, so BM25 and the
sentence-overlap score see nothing of "workshop" or "ambassador", and the dense model alone must
tell apart passages that all discuss the same event. No English-Vietnamese dictionary or
translation model is installable here, so the glossary is written by hand: the Vietnamese words
are the most frequent words of real Vietnamese news (pyvi-segmented Dân trí articles, 2019-2021,
seen at least 8 times), each with its usual English renderings. Words are matched on their
lemma (simplemma), longest phrase first ("prime minister" before "minister").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import simplemma

GLOSSARY = Path(__file__).with_name("data") / "glossary_vi_en.tsv"
MAX_PHRASE = 4
ENGLISH_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")


def lemma(word: str) -> str:
    """Lower-case English lemma, "-ise" folded into "-ize" so British and American spellings meet
    ("organised" -> "organize"); glossary and question are folded alike, so "advise" -> "advize"
    does no harm."""
    base = simplemma.lemmatize(word.lower().removesuffix("'s"), lang="en").lower()
    return re.sub(r"is(e|ation)$", r"iz\1", base)


def lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemma(w) for w in ENGLISH_WORD.findall(text))


class Glossary:
    """English lemma sequences -> the Vietnamese words they translate.

    Example:
        >>> Glossary.default().translate("Who is the Dutch ambassador?")
        ['hà lan', 'đại sứ']
    """

    def __init__(self, entries: dict[tuple[str, ...], list[str]]) -> None:
        self.entries = entries

    @classmethod
    def read(cls, path: Path) -> Glossary:
        entries: dict[tuple[str, ...], list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            vietnamese, english = line.split("\t")
            for phrase in english.split(","):
                key = lemmas(phrase)
                if key and vietnamese not in entries.setdefault(key, []):
                    entries[key].append(vietnamese)
        return cls(entries)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Glossary:
        return cls.read(GLOSSARY)

    def senses(self, text: str) -> list[tuple[str, list[str]]]:
        """The text's words and phrases in order, each with the Vietnamese words it may stand for
        (none when the glossary does not know it); a phrase is matched whole before its words."""
        originals = ENGLISH_WORD.findall(text)
        words = tuple(lemma(w) for w in originals)
        out: list[tuple[str, list[str]]] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                found = self.entries.get(words[i : i + size])
                if found:
                    out.append((" ".join(originals[i : i + size]), found))
                    i += size
                    break
            else:
                out.append((originals[i], []))
                i += 1
        return out

    def translate(self, question: str) -> list[str]:
        """Vietnamese words for the question's English words and phrases, in question order, each
        once; a word inside a longer matched phrase is not translated on its own."""
        return list(dict.fromkeys(v for _, renderings in self.senses(question) for v in renderings))
