"""Put the diacritics back on Vietnamese typed without them ("luat an ninh mang co hieu luc khi nao").

Why: many people type Vietnamese without diacritics, and the embedding model reads "luat" far from
"luật": on XQuAD, the Vietnamese questions stripped of their diacritics found their paragraph first
0.849 of the time against 0.963 with them. BM25's accent-free terms match such a question, the dense
model does not.

How: each syllable typed without diacritics may be any syllable that drops to it ("ban" is "bàn",
"bán", "bạn", "bản" …). A syllable bigram model picks the likeliest sequence (Viterbi). Its counts
come from real Vietnamese news (`NEWS_COUNTS`, built from shared/corpora with `python -m
qa.diacritics`), plus the passages a first, accent-free search found: they hold the names and the
wording of the very articles asked about ("to lam" -> "Tô Lâm"), and count `diacritics.context_weight`
times (qa/weights.toml).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.lang import languages
from qa.text import nfc, plain_form
from qa.weights import Weights

NEWS_COUNTS = Path(__file__).with_name("data") / "vi_syllable_counts.tsv.gz"
# A run of letters (a syllable, or a foreign word), and what breaks the bigram chain between two.
LETTERS = re.compile(r"[^\W\d_]+")
BREAK = re.compile(r"[.,;:!?()\[\]\"“”‘’…\n–—/-]")
# Bigrams and unigrams seen fewer times in the news are not shipped.
MIN_COUNT = 5


class SyllableCounts:
    """Unigram and bigram counts of lower-cased syllables, as the news file and a context give them."""

    def __init__(self, unigrams: Counter | None = None, bigrams: Counter | None = None) -> None:
        self.unigrams = unigrams if unigrams is not None else Counter()
        self.bigrams = bigrams if bigrams is not None else Counter()

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> SyllableCounts:
        counts = cls()
        for text in texts:
            for words in chains(text.lower()):
                counts.unigrams.update(w for _, _, w in words)
                counts.bigrams.update((a[2], b[2]) for a, b in zip(words, words[1:]))
        return counts

    def write(self, path: Path, min_count: int = MIN_COUNT) -> None:
        """ "syllable<TAB>count" lines, then "syllable syllable<TAB>count" lines."""
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
            for word, count in sorted(self.unigrams.items()):
                if count >= min_count:
                    f.write(f"{word}\t{count}\n")
            for (first, second), count in sorted(self.bigrams.items()):
                if count >= min_count:
                    f.write(f"{first} {second}\t{count}\n")


class NewsCounts:
    """The counts `SyllableCounts.write` shipped, held as arrays (4 MB, where dicts took 90)."""

    def __init__(self, path: Path = NEWS_COUNTS) -> None:
        words, unigrams, pairs, counts = [], [], [], []
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                text, _, count = line.rstrip("\n").rpartition("\t")
                first, _, second = text.partition(" ")
                if second:
                    pairs.append((first, second))
                    counts.append(int(count))
                else:
                    words.append(first)
                    unigrams.append(int(count))
        self.index = {w: i for i, w in enumerate(words)}
        self.unigrams = np.array(unigrams, np.int64)
        keys = np.array([self.index[a] * len(words) + self.index[b] for a, b in pairs], np.int64)
        order = np.argsort(keys)
        self.bigram_keys, self.bigram_counts = keys[order], np.array(counts, np.int64)[order]
        self.forms: dict[str, list[str]] = defaultdict(list)  # plain syllable -> its forms, most frequent first
        for i in np.argsort(-self.unigrams, kind="stable"):
            self.forms[plain_form(words[i])].append(words[i])

    def unigram(self, words: list[str]) -> np.ndarray:
        return np.array([self.unigrams[self.index[w]] if w in self.index else 0 for w in words], np.float64)

    def bigram(self, firsts: list[str], seconds: list[str]) -> np.ndarray:
        """Counts of every (first, second) pair, a len(firsts) x len(seconds) matrix."""
        a = np.array([self.index.get(w, -1) for w in firsts])[:, None]
        b = np.array([self.index.get(w, -1) for w in seconds])[None, :]
        keys = a * len(self.index) + b
        at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
        found = (self.bigram_keys[at] == keys) & (a >= 0) & (b >= 0)
        return np.where(found, self.bigram_counts[at], 0).astype(np.float64)


def chains(text: str) -> list[list[tuple[int, int, str]]]:
    """The runs of words of `text` that punctuation does not break, each word as (start, end, word)."""
    out: list[list[tuple[int, int, str]]] = []
    start = 0
    for piece in [*BREAK.finditer(text), None]:
        end = piece.start() if piece else len(text)
        words = [(start + m.start(), start + m.end(), m.group()) for m in LETTERS.finditer(text[start:end])]
        if words:
            out.append(words)
        start = piece.end() if piece else end
    return out


@lru_cache(maxsize=1)
def news_counts() -> NewsCounts:
    return NewsCounts()


@lru_cache(maxsize=1)
def _question_phrases() -> list[tuple[list[str], list[str]]]:
    """(plain syllables, written syllables) of the articles' pack's question phrases, in its order."""
    phrases = languages().articles.alternatives("diacritics.question_phrases")
    return [([plain_form(w) for w in p.split()], p.split()) for p in phrases]


class Restorer:
    """Bigram Viterbi over the news counts plus, weighted, those of some context texts; its numbers
    are qa/weights.toml's [diacritics].

    Example:
        >>> Restorer(Weights.read()).restore("Luat an ninh mang co hieu luc khi nao?")
        'Luật an ninh mạng có hiệu lực khi nào?'
    """

    def __init__(self, weights: Weights, context: Iterable[str] = ()) -> None:
        self.news = news_counts()
        self.local = SyllableCounts.of_texts(nfc(t) for t in context)
        self.weight = weights.value("diacritics", "context_weight")
        self.bigram_share = weights.value("diacritics", "bigram_share")
        self.max_forms = weights.value("diacritics", "max_forms")
        weight = self.weight
        self.total = float(self.news.unigrams.sum()) + weight * sum(self.local.unigrams.values())
        self.local_forms: dict[str, list[str]] = defaultdict(list)
        for word, _ in self.local.unigrams.most_common():
            self.local_forms[plain_form(word)].append(word)

    def _counts(self, words: list[str]) -> np.ndarray:
        return self.news.unigram(words) + self.weight * np.array([self.local.unigrams[w] for w in words], np.float64)

    def _log_start(self, words: list[str]) -> np.ndarray:
        return np.log((self._counts(words) + 0.1) / self.total)

    def _log_next(self, previous: list[str], words: list[str]) -> np.ndarray:
        """log P(word | previous) for every pair: bigram share, backed off to the unigram."""
        pairs = self.news.bigram(previous, words)
        pairs += self.weight * np.array([[self.local.bigrams[p, w] for w in words] for p in previous], np.float64)
        seen = self._counts(previous)[:, None]
        bigram = np.divide(pairs, seen, out=np.zeros_like(pairs), where=seen > 0)
        unigram = (self._counts(words) + 0.1) / self.total
        return np.log(self.bigram_share * bigram + (1 - self.bigram_share) * unigram[None, :])

    def candidates(self, word: str) -> list[str]:
        """The lower-cased syllables `word` may stand for: itself when it has diacritics already or
        is unknown, else the known forms that drop to it, the most frequent first."""
        word = word.lower()
        if plain_form(word) != word:
            return [word]
        forms = list(dict.fromkeys([*self.local_forms.get(word, []), *self.news.forms.get(word, [])]))
        counts = self._counts(forms)
        return [forms[i] for i in np.argsort(-counts, kind="stable")[: self.max_forms]] or [word]

    def _decode(self, words: list[str]) -> list[str]:
        """The likeliest syllables for a chain of words (Viterbi), a question phrase of the pack
        (`diacritics.question_phrases`) taken as it is written."""
        lattice = [self.candidates(w) for w in words]
        plain = [w.lower() for w in words]
        i = 0
        while i < len(plain):
            # typed accent-free only: the phrase's syllables are plain, so a typed accent never matches
            phrase = next((f for f in _question_phrases() if plain[i : i + len(f[0])] == f[0]), None)
            if phrase is None:
                i += 1
                continue
            for j, form in enumerate(phrase[1]):
                lattice[i + j] = [form]
            i += len(phrase[0])
        score = self._log_start(lattice[0])
        back = []
        for previous, current in zip(lattice, lattice[1:]):
            total = score[:, None] + self._log_next(previous, current)
            back.append(total.argmax(axis=0))
            score = total.max(axis=0)
        best = [int(score.argmax())]
        for pointers in reversed(back):
            best.append(int(pointers[best[-1]]))
        return [forms[i] for forms, i in zip(lattice, reversed(best))]

    def restore(self, text: str) -> str:
        """`text` with diacritics put on its words; case, acronyms and punctuation kept."""
        text = nfc(text)
        out, last = [], 0
        for words in chains(text):
            for (start, end, typed), word in zip(words, self._decode([w for _, _, w in words])):
                if typed.isupper() and len(typed) > 1:  # an acronym: "EU", "ASEAN"
                    word = typed
                elif typed[0].isupper():
                    word = word[0].upper() + word[1:]
                out += [text[last:start], word]
                last = end
        return "".join(out) + text[last:]


if __name__ == "__main__":  # rebuild NEWS_COUNTS: python -m qa.diacritics CORPUS.jsonl.gz ... (files the ingest reads)
    import sys

    from qa.readers import read_paths

    articles = (item for _, item in read_paths(sys.argv[1:]) if not isinstance(item, str))
    SyllableCounts.of_texts(f"{a.title}\n{a.text}" for a in articles).write(NEWS_COUNTS)
