"""Text helpers that know the languages' alphabets: NFC, sentences with offsets, search terms,
language id."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from qa.lang import LanguagePack, languages

WORD = re.compile(r"\w+", re.UNICODE)
# A capital letter of any pack's alphabet, for regex classes.
UPPER = languages().upper
# A sentence ends at . ! ? … (optionally closed by a quote or bracket) followed by space and a
# capital, digit or opening quote, unless the stop closes an abbreviation or an initial; a line
# break always ends one (captions, headlines, bylines).
SENTENCE_END = re.compile(rf"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[{UPPER}0-9])|\n+")
# A full stop after these does not end a sentence: every pack's titles and place prefixes ("PGS. TS.
# Vũ Thanh Ca", "TP. HCM", "Dr. Smith").
ABBREVIATIONS = languages().union_words("words.abbreviations")
# A year, 1000-2099, not part of a longer number ("12.2023", "2023,5"); qa.quoting reads the years
# a question asks about with it, qa.conversation the time a follow-up replaces.
YEAR_PATTERN = re.compile(r"(?<![\d.,])(?:1[0-9]|20)\d{2}(?!\d|[.,]\d)")
WORD_BEFORE_STOP = re.compile(r"(\w+)\.$")  # the last part of "PGS.TS." too
# An initial: one capital letter after a capitalised word or another initial ("John C. Messenger",
# "Nguyễn Văn H. (35 tuổi)"); "ở sảnh B. Tuy nhiên" still ends there, and so do the one-letter
# words with diacritics ("Đông Nam Á.", "nước Ý.").
INITIAL = re.compile(rf"(?:^|[\s(])[{UPPER}]\w*\.?\s+[A-ZĐ]\.$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def strip_accents(text: str) -> str:
    """'Luật An ninh mạng' -> 'Luat An ninh mang' (đ -> d), for questions typed without diacritics."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, surrounding white space excluded."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        # the stop's last 60 characters are enough, and keep a long run of abbreviations linear
        if "\n" not in match.group() and _ends_in_abbreviation(text[max(start, match.start() - 60) : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _ends_in_abbreviation(sentence: str) -> bool:
    """Why: a wrong split cuts the answer off its subject ("TS." | "Nguyễn Trí Hiếu nói ..."); on
    XQuAD it left 13 answers in no one sentence, 4 now."""
    word = WORD_BEFORE_STOP.search(sentence)
    if not word or not word.group(1)[0].isupper():  # "lúc 12h." ends a sentence
        return False
    return word.group(1).lower() in ABBREVIATIONS or bool(INITIAL.search(sentence))


def syllables(text: str) -> list[str]:
    """Lower-cased words (Vietnamese syllables); one-letter words such as 'ở' are kept."""
    return WORD.findall(nfc(text).lower())


@lru_cache(maxsize=200_000)
def plain_form(token: str) -> str:
    """`strip_accents` for one token, memoized: the same syllables recur in every query and passage."""
    return strip_accents(token)


def search_terms(text: str) -> list[str]:
    """BM25 terms: each syllable, plus its accent-free form when it has diacritics.

    The accent-free copy lets "luat an ninh mang" find "Luật An ninh mạng"; keeping the accented
    form too means a question typed with diacritics still prefers the exact word.
    """
    terms = []
    for token in syllables(text):
        terms.append(token)
        plain = plain_form(token)
        if plain != token:
            terms.append(plain)
    return terms


NAME_OR_NUMBER = re.compile(rf"\b([{UPPER}]\w*|\d[\d/.,-]*)\b")


def names_and_numbers(question: str) -> str:
    """What an English question can share verbatim with a Vietnamese article: capitalised words
    (names, acronyms) and numbers; the question's first word counts only when it is an acronym."""
    return " ".join(m.group(1) for m in NAME_OR_NUMBER.finditer(question) if m.start() > 0 or m.group(1).isupper())


def day_month_year(date: str | None) -> str:
    """ "2022-04-27" -> "27/4/2022", as Vietnamese (and the English frame) write dates; "" for none."""
    if not date:
        return ""
    y, m, d = date.split("-")
    return f"{int(d)}/{int(m)}/{y}"


def has_letters_of(pack: LanguagePack, text: str) -> bool:
    """`text` uses one of the letters only `pack`'s language writes ("ư", "đ", "ạ" …)."""
    letters = pack.get("detection.letters", "")
    return bool(letters) and any(c in letters for c in text.lower())


def letters_pack(text: str) -> LanguagePack | None:
    """The first pack whose own letters `text` uses: a Vietnamese text typed with diacritics."""
    return next((p for p in languages() if has_letters_of(p, text)), None)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([p.code for p in languages()])
    return identifier


def detect_language(text: str) -> str:
    """A pack's code. A language's own letters settle it; then the count of each pack's common
    words (`detection.plain_words`: a Vietnamese question typed without diacritics); then
    py3langid, restricted to the packs' languages."""
    own = letters_pack(text)
    if own is not None:
        return own.code
    words = syllables(text)
    counts = sorted((sum(w in p.words("detection.plain_words") for w in words), p.code) for p in languages())
    if len(counts) == 1 or counts[-1][0] != counts[-2][0]:
        return counts[-1][1]
    lang, _ = _identifier().classify(text)
    return lang
