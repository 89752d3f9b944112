"""Vietnamese-aware text helpers: NFC, sentences with offsets, search terms, language id."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"\w+", re.UNICODE)
VI_LETTERS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
# A capital letter, Vietnamese ones included, for regex classes. Not the range À-Ỹ: that range holds
# the lower-case letters too ("án" would pass for a capitalised word).
UPPER = "A-Z" + "".join(sorted(c.upper() for c in VI_LETTERS))
# A sentence ends at . ! ? … (optionally closed by a quote or bracket) followed by space and a
# capital, digit or opening quote, unless the stop closes an abbreviation or an initial; a line
# break always ends one (captions, headlines, bylines).
SENTENCE_END = re.compile(rf"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[{UPPER}0-9])|\n+")
# A full stop after these does not end a sentence: titles and place prefixes of Vietnamese news
# ("PGS. TS. Vũ Thanh Ca", "TP. HCM", "Q. Thủ Đức") and English ones ("Dr. Smith", "St. Johns").
ABBREVIATIONS = frozenset(
    "tp tx tt q p h ts ths gs pgs bs bsck ks kts ls nsnd nsưt mr mrs ms dr prof st jr sr gen col lt sgt no".split()
)
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


def has_vietnamese_letters(text: str) -> bool:
    return any(c in VI_LETTERS for c in text.lower())


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["vi", "en"])
    return identifier


# Words that tell the two languages apart when a Vietnamese question is typed without diacritics.
VI_PLAIN = frozenset(
    "la gi nao dau bao nhieu sao ai cua nhung duoc trong voi thi con khi nhu the ngay nam co khong ong ba "
    "ay do nay tai vi hoi thao luat bo truong bai tat ve ke ten cac".split()
)
EN_WORDS = frozenset(
    "the a an is are was were what who whom when where which why how did does do of in on to for with "
    "about and by he she it they him her his their this that from".split()
)


def detect_language(text: str) -> str:
    """'vi' or 'en'. Diacritics settle it; then common function words; then py3langid (vi/en only)."""
    if has_vietnamese_letters(text):
        return "vi"
    words = syllables(text)
    vi, en = sum(w in VI_PLAIN for w in words), sum(w in EN_WORDS for w in words)
    if vi != en:
        return "vi" if vi > en else "en"
    lang, _ = _identifier().classify(text)
    return lang
