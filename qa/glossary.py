"""A bridged language's question words put into the articles' language through a news glossary
(for English: qa/data/glossary_vi_en.tsv, named by qa/lang/en.toml).

Why: an English question shares only names and numbers with a Vietnamese article, so BM25 and the
sentence-overlap score see nothing of "workshop" or "ambassador", and the dense model alone must
tell apart passages that all discuss the same event. No English-Vietnamese dictionary or
translation model is installable here, so the glossary is written by hand: the Vietnamese words
are the most frequent words of real Vietnamese news (pyvi-segmented Dân trí articles, 2019-2021,
seen at least 8 times), each with its usual English renderings. Words are matched on their
lemma (simplemma), longest phrase first ("prime minister" before "minister"); a word it lacks takes
the senses of the words sharing its Snowball stem ("cultural": "culture").
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

import simplemma
import snowballstemmer

from qa.lang import LanguagePack

DATA = Path(__file__).with_name("data")
MAX_PHRASE = 4
ENGLISH_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")


def lemma(word: str, language: str) -> str:
    """Lower-case lemma (simplemma), "-ise" folded into "-ize" so British and American spellings
    meet ("organised" -> "organize"); glossary and question are folded alike, so "advise" ->
    "advize" does no harm."""
    base = simplemma.lemmatize(word.lower().removesuffix("'s"), lang=language).lower()
    return re.sub(r"is(e|ation)$", r"iz\1", base)


def lemmas(text: str, language: str) -> tuple[str, ...]:
    return tuple(lemma(w, language) for w in ENGLISH_WORD.findall(text))


class Glossary:
    """Lemma sequences of a bridged language -> the words of the articles' language they translate.

    Example:
        >>> Glossary.for_pack(languages()["en"]).translate("Who is the Dutch ambassador?")
        ['hà lan', 'đại sứ']
    """

    def __init__(
        self,
        entries: dict[tuple[str, ...], list[str]],
        language: str,
        function_words: frozenset = frozenset(),
        stemmer: str | None = None,
    ) -> None:
        self.entries = entries
        self.language = language
        self.function_words = function_words  # words that carry no content of their own
        self._stem = snowballstemmer.stemmer(stemmer).stemWord if stemmer else None
        # a word the glossary lacks may share its stem with one it has ("cultural": "culture")
        self.stems: dict[str, list[str]] = {}
        if self._stem is not None:
            for key, renderings in entries.items():
                if len(key) == 1:
                    known = self.stems.setdefault(self._stem(key[0]), [])
                    known += [r for r in renderings if r not in known]

    @classmethod
    def read(
        cls, path: Path, language: str, function_words: frozenset = frozenset(), stemmer: str | None = None
    ) -> Glossary:
        entries: dict[tuple[str, ...], list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            articles_word, word = line.split("\t")
            for phrase in word.split(","):
                key = lemmas(phrase, language)
                if key and articles_word not in entries.setdefault(key, []):
                    entries[key].append(articles_word)
        return cls(entries, language, function_words, stemmer)

    @classmethod
    def for_pack(cls, pack: LanguagePack) -> Glossary:
        """The glossary a bridged pack names (read once), with the pack's stopwords as its function
        words and its Snowball stemmer (`stemmer`)."""
        return _glossary(
            pack.code,
            pack.get("glossary"),
            pack.get("lemmatizer", pack.code),
            pack.words("words.stopwords"),
            pack.get("stemmer"),
        )

    @lru_cache(maxsize=256)  # noqa: B019 - one glossary lives for the process; a question is read several times
    def spans(self, text: str) -> tuple[tuple[int, int, list[str]], ...]:
        """The text's words and phrases in order, as (start, end, the Vietnamese words it may stand
        for: none when the glossary does not know it); a phrase is matched whole before its words."""
        found = list(ENGLISH_WORD.finditer(text))
        words = tuple(lemma(m.group(), self.language) for m in found)
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
                word = words[i]
                kin = self.stems.get(self._stem(word), []) if self._stem and word not in self.function_words else []
                out.append((found[i].start(), found[i].end(), kin))
                i += 1
        return tuple(out)

    def senses(self, text: str) -> list[tuple[str, list[str]]]:
        """The text's words and phrases in order, each with the Vietnamese words it may stand for."""
        spans = self.spans(text)
        return [(" ".join(ENGLISH_WORD.findall(text[start:end])), renderings) for start, end, renderings in spans]

    def code_switch(self, text: str) -> str:
        """The text with each word or phrase the glossary knows put into its first (most frequent)
        rendering in place, the rest (names, numbers, unknown words) kept: "Who is the
        Dutch ambassador?" -> "Who is the hà lan đại sứ?"."""
        out, last = [], 0
        for start, end, renderings in self.spans(text):
            if renderings:
                out += [text[last:start], renderings[0]]
                last = end
        return "".join([*out, text[last:]])

    def translated_share(self, text: str) -> float:
        """Share of the text's content words (function words aside) that the glossary puts into the
        articles' language, phrases counted by their words: how far the rendering can be trusted to
        say what was asked (1.0 for a text of function words only)."""
        counted = translated = 0
        for phrase, renderings in self.senses(text):
            words = phrase.lower().split()
            if all(w in self.function_words or lemma(w, self.language) in self.function_words for w in words):
                continue
            counted += len(words)
            translated += len(words) if renderings else 0
        return translated / counted if counted else 1.0

    def translate(self, question: str) -> list[str]:
        """The articles' words for the question's words and phrases, in question order, each
        once; a word inside a longer matched phrase is not translated on its own."""
        return list(dict.fromkeys(v for _, renderings in self.senses(question) for v in renderings))


@cache
def _glossary(code: str, name: str, language: str, function_words: frozenset, stemmer: str | None) -> Glossary:
    return Glossary.read(DATA / name, language, function_words, stemmer)
