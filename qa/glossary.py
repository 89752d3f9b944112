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
# English words that carry no content of their own (question words, function words), lower-case.
FUNCTION_WORDS = frozenset(
    "what who whom whose when where which why how did does do is are was were be been the a an of in on "
    "at to for from by with about as and or that this these those it its he she his her they their has "
    "have had according since".split()
)


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

    @lru_cache(maxsize=256)  # noqa: B019 - one glossary lives for the process; a question is read several times
    def spans(self, text: str) -> tuple[tuple[int, int, list[str]], ...]:
        """The text's words and phrases in order, as (start, end, the Vietnamese words it may stand
        for: none when the glossary does not know it); a phrase is matched whole before its words."""
        found = list(ENGLISH_WORD.finditer(text))
        words = tuple(lemma(m.group()) for m in found)
        out: list[tuple[int, int, list[str]]] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                renderings = self.entries.get(words[i : i + size])
                if renderings:
                    out.append((found[i].start(), found[i + size - 1].end(), renderings))
                    i += size
                    break
            else:
                out.append((found[i].start(), found[i].end(), []))
                i += 1
        return tuple(out)

    def senses(self, text: str) -> list[tuple[str, list[str]]]:
        """The text's words and phrases in order, each with the Vietnamese words it may stand for."""
        spans = self.spans(text)
        return [(" ".join(ENGLISH_WORD.findall(text[start:end])), renderings) for start, end, renderings in spans]

    def code_switch(self, text: str) -> str:
        """The text with each word or phrase the glossary knows put into its first (most frequent)
        Vietnamese rendering in place, the rest (names, numbers, unknown words) kept: "Who is the
        Dutch ambassador?" -> "Who is the hà lan đại sứ?"."""
        out, last = [], 0
        for start, end, renderings in self.spans(text):
            if renderings:
                out += [text[last:start], renderings[0]]
                last = end
        return "".join([*out, text[last:]])

    def translated_share(self, text: str) -> float:
        """Share of the text's content words (`FUNCTION_WORDS` aside) that the glossary puts into
        Vietnamese, phrases counted by their words: how far the Vietnamese rendering can be trusted
        to say what was asked (1.0 for a text of function words only)."""
        counted = translated = 0
        for phrase, renderings in self.senses(text):
            words = phrase.lower().split()
            if all(w in FUNCTION_WORDS or lemma(w) in FUNCTION_WORDS for w in words):
                continue
            counted += len(words)
            translated += len(words) if renderings else 0
        return translated / counted if counted else 1.0

    def translate(self, question: str) -> list[str]:
        """Vietnamese words for the question's English words and phrases, in question order, each
        once; a word inside a longer matched phrase is not translated on its own."""
        return list(dict.fromkeys(v for _, renderings in self.senses(question) for v in renderings))
