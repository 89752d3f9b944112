"""Checks a quote must pass to answer, whatever its score: it holds the kind of fact asked for, it
speaks of the year asked, it names the body whose office is asked about, it says who the person
asked about is. Each reads the articles' language's patterns (qa/lang: [answers], [holds]).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache

from qa.analysis import QuestionAnalysis, measure_of, years_in
from qa.evidence import Evidence
from qa.glossary import Glossary
from qa.lang import languages
from qa.people import compact, describes, names_new_person, thing_names
from qa.text import UPPER

L = languages()
ARTICLES = L.articles
ANSWERS = {kind: ARTICLES.pattern(f"answers.{kind}") for kind in ARTICLES.get("answers", {})}
HOLDS = {kind: ARTICLES.pattern(f"holds.{kind}") for kind in ARTICLES.get("holds", {})}
BYLINE = re.compile(rf"[{UPPER}]\w*(?: [{UPPER}]\w*){{0,3}}")
OFFICE_HOLDERS = [(p, p.pattern("people.office_holder")) for p in L if p.pattern("people.office_holder")]
# The kinds whose answer is a number, which the question's own numbers do not give; a numeral, and
# the words beside it; the unit after a number (scales aside), or the noun an ordinal ranks.
NOVEL_KINDS = ("number", "amount")
# the kinds `states_asked` finds beyond the quote: a number or a sum, a thing's name (not a person:
# XQuAD's "ai" is often answered by a group no name says, docs/experiments.md)
SEARCHED_KINDS = (*NOVEL_KINDS, "name")
NUMERAL = re.compile(r"\d+(?:[.,]\d+)*")
WORD_BEFORE = re.compile(r"([^\W\d_]+)\s+$")
WORD_AFTER = re.compile(r"\s+([^\W\d_]+)")
_SCALES = ARTICLES.get("fragments.scales", "")
UNIT_AFTER = re.compile(rf"\s*(?:(?:{_SCALES})\s+)*(%|[^\W\d_]+(?:\s+[^\W\d_]+)?)")
RANKED_BEFORE = re.compile(rf"([^\W\d_]+)\s+(?:{ARTICLES.get('short_answer.ordinal', 'thứ')})\s*$")
# a body said with its short name after it: "Tổng Công ty Hàng hải Việt Nam (VIMC)"
SHORT_NAME = re.compile(r"(?P<full>.+?)\s*\((?P<short>[^()]+)\)")


def countable(text: str) -> str:
    """The text without what holds numbers but is no count: "bao nhiêu" is not answered by a date
    ("ngày 8/2") nor by "both" ("Bao nhiêu người tham dự?" by "hai Thủ tướng …")."""
    return ANSWERS["both"].sub(" ", ANSWERS["date"].sub(" ", text))


def has_kind(text: str, kind: str | None, asked: str = "") -> bool:
    """`text` holds the kind of fact (`answers.<kind>`): a date, a count, a sum, a name; for a
    person, one whom `asked` (the question's words) does not name."""
    if kind == "person":
        return names_new_person(text, asked)
    if kind not in ANSWERS or kind == "both":
        return False
    return bool(ANSWERS[kind].search(countable(text) if kind == "number" else text))


# A count as papers write it, then up to `counted.window` words before the noun it counts.
_COUNT = ARTICLES.expand(ARTICLES.get("counted.number", r"\d+"))
_WINDOW = int(ARTICLES.get("counted.window", 2))


@lru_cache(maxsize=256)
def counting(nouns: tuple[str, ...]) -> re.Pattern:
    forms = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    between = rf"(?:[^\W\d_]+\s+){{0,{_WINDOW}}}?"
    return re.compile(rf"(?:{_COUNT})\s*{between}(?:{forms})(?!\w)", re.IGNORECASE)


def counts(text: str, nouns: tuple[str, ...]) -> bool:
    """`text` holds a number of what the question counts ("45 ngày" for "bao nhiêu ngày"; "9,5
    triệu người"), not only some number: the count asked, rather than another count of the topic."""
    return bool(nouns) and bool(counting(nouns).search(text))


def novel_kind(text: str, kind: str | None, question: str) -> bool:
    """`text` holds a fact of the kind asked that the question does not already say: the count in
    "… 32,4% thị phần" for "bao nhiêu phần trăm … năm 2020?", not the 2020 it repeats."""
    if kind not in ANSWERS or kind == "both":
        return False
    searched = countable(text) if kind == "number" else text
    found = ANSWERS[kind].finditer(searched)
    if kind in NOVEL_KINDS:  # a number is the question's own when said with the same word beside it
        stated, numerals = stated_numbers(question), numerals_in_words(searched)
        return any(_unstated(m, numerals, stated) for m in found)
    asked = question.lower()
    return any(m.group().strip().lower() not in asked for m in found)


def is_byline(text: str, start: int, end: int) -> bool:
    """The reporter's name on a line of its own closing the passage ("…trong thời gian tới.\\nTiến Dũng")."""
    own_line = (start == 0 or text[start - 1] == "\n") and not text[end:].strip()
    return own_line and bool(BYLINE.fullmatch(text[start:end].strip()))


def holds(text: str, kind: str) -> bool:
    """`text` holds at least what answers a question asking for `kind` (`holds.<kind>`: "Năm
    1237", "66 triệu năm trước", "nhiều lần"); True for a kind without such a check."""
    if kind not in HOLDS:
        return True
    return bool(HOLDS[kind].search(countable(text) if kind == "number" else text))


def holds_kind_asked(evidence: Evidence, kind: str | None, question: QuestionAnalysis | None = None) -> bool:
    """False when the question asks for a date, a number, a sum of money or the article's author
    and the highlight holds none (`holds.<kind>`, wider than `answers.<kind>`): a quote about the
    right topic that cannot answer ("Bao nhiêu người tham dự?" quoting the guest list; "who wrote
    it?" of an article without a byline). A number or a sum the `question` states itself does not
    answer it ("vòng 10" for "Bao nhiêu khán giả đến xem trận vòng 10?"), nor a number in another
    measure than the one asked ("25 tuổi" for "bao nhiêu năm tù")."""
    if kind == "author":
        return any(is_byline(evidence.passage.text, s.start, s.end) for s in evidence.highlighted())
    return any(holds_asked(t, kind, question) for t in evidence.highlighted_text)


def holds_asked(text: str, kind: str | None, question: QuestionAnalysis | None = None) -> bool:
    """`text` holds what answers `kind` as `question` asks it (`holds_kind_asked`, for one text)."""
    if kind not in HOLDS:
        return True
    if kind not in NOVEL_KINDS or question is None:
        return holds(text, kind)
    return holds_new(text, kind, stated_numbers(question.effective), question.measures)


def names_new_thing(text: str, question: QuestionAnalysis) -> bool:
    """`text` names a thing (`thing_names`: "Nomadland", "F-16") that the question does not name."""
    said = compact(asked_words(question))
    return any(compact(text[a:b]) not in said for a, b in thing_names(text))


def holds_searched(text: str, question: QuestionAnalysis) -> bool:
    """`text`, a highlighted sentence, holds what a question of a kind `kind_first` searches for asks:
    a thing the question does not name, or the number or sum asked (`holds_asked`). Only numbers and
    sums are withheld without: "which film" may be answered by a description."""
    if question.held == "name":
        return names_new_thing(text, question)
    return holds_asked(text, question.held, question)


def states_asked(text: str, question: QuestionAnalysis) -> bool:
    """`text`, a sentence away from the quote the question's topic chose, states what a number or
    sum question asks, read more strictly than `holds_asked` (nothing vouches for its topic): a
    number of what a count question counts ("842 người" for "bao nhiêu người", not "1 năm"), one in
    the measure a measure question asks ("15cm" for "dài bao nhiêu", not "6 động cơ"), a sum; never
    a bare number for a question that says neither what it counts nor what it measures, nor a score
    (the article's other match's "1-1" for "Barcelona thắng Juventus với tỷ số bao nhiêu?"); for a
    question asking which thing, a name the question does not say (`names_new_thing`)."""
    kind = question.held
    if kind == "name":
        return names_new_thing(text, question)
    if kind == "amount":
        return holds_asked(text, kind, question)
    if kind != "number":
        return False
    if question.counted:
        return counts(text, question.counted) and holds_asked(text, kind, question)
    if question.measures:
        return holds_new(text, kind, stated_numbers(question.effective), question.measures, strict=True)
    return False


def asked_words(question: QuestionAnalysis) -> str:
    """What the question says, in its words and, bridged, in the articles' ("Japan": "nhật bản")."""
    return f"{question.effective} {question.bridge.rendering}" if question.bridge else question.effective


def numerals_in_words(text: str) -> list[tuple[int, set[tuple[str, str]]]]:
    """Each numeral of `text` (by its start), with the word before it and the word after it:
    {("vòng", "10"), ("10", "ls")}."""
    lowered, found = text.lower(), []
    for m in NUMERAL.finditer(lowered):
        before = WORD_BEFORE.search(lowered, max(0, m.start() - 40), m.start())
        after = WORD_AFTER.match(lowered, m.end())
        found.append(
            (m.start(), {p for p in ((before and before[1], m[0]), (m[0], after and after[1])) if None not in p})
        )
    return found


@lru_cache(maxsize=256)
def stated_numbers(question: str) -> frozenset[tuple[str, str]]:
    """The numbers `question` says, each with a word beside it ("vòng 10", "10 v"); read once per
    question, however many sentences are checked against it."""
    return frozenset().union(*(pairs for _, pairs in numerals_in_words(question)))


def holds_new(
    text: str,
    kind: str,
    stated: AbstractSet[tuple[str, str]],
    measures: frozenset[str] = frozenset(),
    strict: bool = False,
) -> bool:
    """`text` holds what answers `kind` other than a number the question says with the same word
    beside it (the "vòng 10" it names, not the "2 lần" it asks of "2 tàu sân bay"), and other than
    a number in a unit of another measure than `measures`, the ones asked (`strict`: or in none)."""
    text = countable(text) if kind == "number" else text
    numerals = numerals_in_words(text)
    for m in HOLDS[kind].finditer(text):
        if measures:
            measure = unit_measure(text, m.start(), m.end())
            if (measure or strict) and measure not in measures:
                continue
        if _unstated(m, numerals, stated):
            return True
    return False


def _unstated(match: re.Match, numerals: list[tuple[int, set[tuple[str, str]]]], stated: AbstractSet) -> bool:
    """The value `match` found holds a numeral the question does not say with the same word beside
    it (or none at all: "nhiều", "miễn phí")."""
    inside = [pairs for start, pairs in numerals if match.start() <= start < match.end()]
    return not inside or any(not (pairs & stated) for pairs in inside)


def unit_measure(text: str, start: int, end: int) -> str | None:
    """What the number at `text[start:end]` measures, by the unit after it (scales aside: "4 tỷ năm
    tuổi" is an age) or, for an ordinal, the noun it ranks ("năm thứ 3"); None for a thing counted."""
    unit = UNIT_AFTER.match(text, end)
    if unit and (measure := measure_of(unit[1]) or measure_of(unit[1].split()[0])):
        return measure
    ranked = RANKED_BEFORE.search(text, max(0, start - 30), start)
    return measure_of(ranked[1]) if ranked else None


def speaks_of_years_asked(evidence: Evidence, asked: frozenset[int] | set[int]) -> bool:
    """False when the question names a year ("What did Indonesia sign in 2023?") that neither the
    quoted passage nor its article's date holds, while the passage names other years: it tells of
    another time. A passage naming no year tells of its article's time or before, so not of a year
    after the article came out ("Who won the AFF Cup in 2030?" of a 2017 report). One year of
    several asked is enough ("in 2000-2005 compared to 1995-2000")."""
    if not asked:  # most questions: no passage read
        return True
    told = years_in(evidence.passage.text)
    dated = years_in(evidence.passage.date or "")
    if told:
        return bool(asked & (told | dated))
    return not dated or min(asked) <= max(dated)


def _has_word(text: str, words: str) -> bool:
    """`words` stands in `text` as whole words (case as given)."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def names_the_body(evidence: Evidence, question: str) -> bool:
    """False when the question asks who holds an office of a named body (a pack's
    `people.office_holder`) and the highlight does not name that body by its distinctive words:
    in the articles' language, its capitalised words; in a bridged one, each word the glossary knows
    by one of its renderings, capitalised as a name is ("Foreign Affairs" by "Ngoại giao" or "Đối
    ngoại", not by "hợp tác ngoại giao"), and a name it does not know verbatim."""
    text = " ".join(evidence.highlighted_text)
    pack, match = next(((p, m) for p, pattern in OFFICE_HOLDERS if (m := pattern.match(question))), (None, None))
    if match is None:
        return True
    generic = pack.words("words.generic_body_words")
    if not pack.bridged:
        # a body said with its short name ("Tổng Công ty Hàng hải Việt Nam (VIMC)") is named by either
        names = SHORT_NAME.fullmatch(match.group("body").strip())
        bodies = [names["full"], names["short"]] if names else [match.group("body")]
        return any(
            all(_has_word(text, w) for w in re.findall(rf"[{UPPER}]\w*", body) if w not in generic) for body in bodies
        )

    def named(words: str) -> bool:  # capitalised as names are: "Bộ Ngoại giao", "Hà Lan", "EU"
        return any(_has_word(text, w) for w in {words[0].upper() + words[1:], words.title(), words.upper()})

    for words, renderings in Glossary.for_pack(pack).senses(match.group("body")):
        if words.lower() in generic or not (renderings or words[0].isupper()):
            continue
        if not any(named(v) for v in renderings or [words]):
            return False
    return True


def describes_person_asked(evidence: Evidence, question: QuestionAnalysis) -> bool:
    """The question asks who someone is (`QuestionAnalysis.person`) and the highlight says it."""
    return bool(question.person) and any(describes(text, question.person) for text in evidence.highlighted_text)
