"""The short answer shown above a quote: the date, the number with its unit, the sum, the name, the
place or the organisation a kind question asks for, read verbatim off the highlighted sentence with
the words that qualify it."""

from __future__ import annotations

import re

from qa.analysis import QuestionAnalysis, times_named
from qa.checks import ANSWERS, HOLDS, counting, unit_measure
from qa.evidence import Evidence
from qa.lang import languages
from qa.people import compact as _compact
from qa.people import person_spans, persons_in, places, thing_names
from qa.text import plain_form, syllables
from qa.types import ShortAnswer

_SHORT = languages().articles
SHORT_BEFORE = {
    kind: re.compile(rf"(?:\b(?:{_SHORT.expand(words)})\s+)+$", re.IGNORECASE)
    for kind, words in (
        ("number", _SHORT.get("short_answer.before_number")),
        ("amount", _SHORT.get("short_answer.before_number")),
        ("date", _SHORT.get("short_answer.before_date")),
        ("person", _SHORT.get("short_answer.before_person")),
    )
    if words
}
# where a short answer's span is cut from: the pack's `short_answer.<kind>` when it has one, else
# the pattern sentences are scored with (`answers.<kind>`)
SPANS = {kind: _SHORT.pattern(f"short_answer.{kind}") or pattern for kind, pattern in ANSWERS.items()}
for _kind in ("place", "organisation"):  # kinds sentences are not scored by, only cut from
    if (_unscored := _SHORT.pattern(f"short_answer.{_kind}")) is not None:
        SPANS[_kind] = _unscored
SPANS["name"] = re.compile(r"(?!)")  # a thing's name is cut by `thing_names`, not by a pattern
# a grain asked is cut as the highlight holds it ("1-1" for "tỷ số bao nhiêu": `holds.score`)
GRAINS = {grain: HOLDS[grain] for grain in ("score",) if HOLDS.get(grain) is not None}
# what a place is, written before its name ("đảo Catanduanes", "huyện Mường Lát")
PLACE_WORD = re.compile(rf"(?:{_SHORT.expand(_SHORT.get('short_answer.place_words', '(?!)'))})\s+")
_AFTER_DATE, _RANGE_WORDS = _SHORT.get("short_answer.after_date"), _SHORT.get("short_answer.range_to")
AFTER_DATE = re.compile(rf"(?:\s+(?:{_AFTER_DATE}))+\b") if _AFTER_DATE else None
# a dash between the two ends of a range, or one of the pack's words for it
RANGE_TO = re.compile(r"\s*(?:[-–]" + (rf"|\b(?:{_RANGE_WORDS})\b" if _RANGE_WORDS else "") + r")\s*")
# the words between a time of day and its day ("4h50 sáng ngày 1/11"), as dates are opened
DATE_JOIN = re.compile(rf"\s+(?:(?:{_SHORT.get('short_answer.before_date', '')})\s+)*", re.IGNORECASE)
GLUED = f"(?i:{_SHORT.expand('{{glued_units}}')})\\b"  # a unit written against its number: "70km"
UNIT_SIGN = re.compile(rf"\s*(?:%|°[CF])|/[^\W\d_]+|{GLUED}(?:/[^\W\d_]+)?")
# what a sum or a count is per ("120.000 đồng/kg", "375.000 bảng/tuần", "950.000 VNĐ/60ml")
PER_UNIT = re.compile(r"/\d*[^\W\d_]+")
UNIT_WORD = re.compile(r"[ \t]+([^\W\d_]\w*)")
NUMBER_NEXT = re.compile(r"[ \t]+\d")
NAMES = ("person", "place", "organisation", "name")  # kinds whose spans are names, never a range's far end
UNIT_WORDS = int(_SHORT.get("short_answer.unit_words", 0))
UNIT_ENDS = frozenset(_SHORT.alternatives("short_answer.unit_ends"))


def _offsets_kept(pattern: re.Pattern, text: str) -> str:
    """`text` with `pattern`'s matches blanked out, every other character where it was."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


RANGE_BEFORE = re.compile(r"\d[\d.,]*\s*[-–]\s*$")  # "120-" of "120-130 triệu euro"
CLAUSE_MARKS = ",;:()"  # what bounds the clause a value is said in
NEAR = 6  # syllables around a candidate that are read for the question's words
ORDINAL = _SHORT.get("short_answer.ordinal")
ASKED_ORDINAL = _SHORT.pattern("short_answer.asked_ordinal")


def _unit_end(part: str, end: int, words: int = UNIT_WORDS) -> int:
    """Where a count's unit ends: a "%" or "/người", then up to `words` words, stopping at a
    word of `short_answer.unit_ends` ("24 quả trứng đã" -> "24 quả trứng", "32 trường hợp F1")."""
    sign = UNIT_SIGN.match(part, end)
    end = sign.end() if sign else end
    for _ in range(words):
        word = UNIT_WORD.match(part, end)
        if word is None or word.group(1).lower() in UNIT_ENDS or _opens_another(part, word):
            break
        end = word.end()
    per = PER_UNIT.match(part, end)  # "375.000 bảng/tuần", "3.060 khách/giờ"
    return per.end() if per else end


def _opens_another(part: str, word: re.Match) -> bool:
    """A word no unit runs on to: a name ("6 tuổi Alex Rodriguez"; an acronym or a code such as
    "USD", "EU" or "F1" is a unit), or one opening another value ("chiếc năm 2015")."""
    name = word.group(1)
    return (name[0].isupper() and name[1:].islower()) or bool(NUMBER_NEXT.match(part, word.end()))


def _range_end(part: str, end: int, spans: re.Pattern, searched: str) -> int:
    """The end of the range a value opens ("5.000-7.000", "từ 20 đến 25", "từ 5/11 đến 2/12")."""
    to = RANGE_TO.match(part, end)
    if to is None:
        return end
    other = spans.match(searched, to.end())
    return other.end() if other else end


def _counts(counted: re.Pattern, part: str, start: int, end: int) -> bool:
    """The value at `start` counts what the question counts, itself or as the first end of a range
    ("45 ngày"; "từ 20 đến 25 thi thể")."""
    to = RANGE_TO.match(part, end)
    return bool(counted.match(part, start) or (to and counted.match(part, to.end())))


def _may_name(span: str) -> bool:
    """A run of capitalised words may be a person's name unless it is a country ("Trung Quốc")."""
    return span.lower() not in places()


def _without_country(part: str, start: int, end: int) -> tuple[int, int]:
    """A name's span without the country said before it ("Thái Lan Piyapong Pue-on": the name is
    "Piyapong Pue-on")."""
    words = list(re.finditer(r"\S+", part[start:end]))
    for size in range(min(3, len(words) - 1), 0, -1):
        if " ".join(w.group() for w in words[:size]).lower() in places():
            return start + words[size].start(), end
    return start, end


def _opens_sentence(part: str, start: int) -> bool:
    """Nothing but a quote mark or a bracket comes before `start` in the sentence."""
    return not part[:start].strip(" \"'“‘(")


def _opening_word(part: str, start: int, end: int, asked: str) -> bool:
    """Capitalised only because it opens the sentence: one word ("Chiếc"), or one before a name
    the question says ("Chiếc Nón Vàng" for "… dùng Nón Vàng …")."""
    _, _, rest = part[start:end].partition(" ")
    return _opens_sentence(part, start) and (not rest or _compact(rest) in _compact(asked))


def _read_with(part: str, end: int, start: int, kind: str) -> bool:
    """The value at `start` is read with the one ending at `end`: the far end of its range, or the
    day of its time of day (names are not: "Hà Nội – Hải Phòng" are two places)."""
    return bool(RANGE_TO.fullmatch(part, end, start) or (kind == "date" and DATE_JOIN.fullmatch(part, end, start)))


def _date_end(part: str, end: int, spans: re.Pattern) -> int:
    """Where a date ends: what it runs on with ("tháng 3 năm 2019"), and the day after a time of
    day ("4h50 sáng ngày 1/11"), joined by the words that open a date."""
    for _ in range(2):
        after = AFTER_DATE.match(part, end) if AFTER_DATE is not None else None
        if after:
            end = after.end()
        joined = DATE_JOIN.match(part, end)
        following = spans.match(part, joined.end()) if joined else None
        if following is None:
            break
        end = following.end()
    return end


def _may_be_place(part: str, start: int, end: int, people: list[str]) -> bool:
    """Capitalised words may name a place unless they only open the sentence ("Trước đó"), are an
    acronym ("UBND", "N.V.Đ.") or a person's name."""
    span = part[start:end]
    acronym = span.upper() == span
    opening = _opens_sentence(part, start) and " " not in span
    return not acronym and not opening and not any(span in p or p in span for p in people)


def _place_name(span: str) -> tuple[str, str]:
    """What a place is said to be, if the text says it, and its name: ("đảo", "Catanduanes")."""
    word = PLACE_WORD.match(span)
    return (word.group().strip(), span[word.end() :]) if word else ("", span)


def _place_preference(span: str, asked: str) -> tuple[bool, bool]:
    """A place said with the word the question asks by ("phường Bình Hưng Hòa" for "phường nào"),
    then one said with what it is, or a country (CLDR), before other capitalised words."""
    word, name = _place_name(span)
    asked_by = bool(word) and plain_form(word.lower()) in plain_form(asked).split()
    return asked_by, bool(word) or name.lower() in places()


def _news(part: str, start: int, end: int, kind: str, asked: str) -> int:
    """How new a value is to the question: 2 unsaid, 1 the question says the number but not with
    this unit, 0 said as it is. A count the question names is only a last resort: in "Hải quân Mỹ đã
    mấy lần đưa cùng lúc 2 tàu sân bay", "2 lần" answers, "2 tàu sân bay" does not."""
    value = part[start:end].strip().lower()
    if kind == "place":  # a place the question names, in either spelling ("Ha Nam", "Hà Nam")
        return 0 if plain_form(_place_name(value)[1]) in plain_form(asked) else 2
    if kind in NAMES:  # a name the question says, however spaced or accented ("JustaTee", "Justa Tee")
        return 0 if _compact(value) in _compact(asked) else 2
    if kind == "date":  # "năm 2005" is said by "than in 2005", "ngày 8/5" by "8/5"
        numbers = re.findall(r"\d+", value)
        return 0 if value in asked or (numbers and set(numbers) <= set(re.findall(r"\d+", asked))) else 2
    if kind != "number":
        return 0 if value in asked else 2
    if re.search(rf"(?<![\w.,]){re.escape(value)}(?:(?!\w|[.,]\d)|(?={GLUED}))", asked) is None:  # "128GB" too
        return 2
    said = part[start : _unit_end(part, end)].strip().lower()
    return 0 if said != value and said in asked else 1


def _articles_digits(text: str, language: str) -> str:
    """`text`'s numbers as the articles write them: an English "1,890" is the papers' "1.890"."""
    theirs, ours = languages().get(language).get("thousands_separator"), _SHORT.get("thousands_separator")
    if not theirs or not ours or theirs == ours:
        return text
    swap = str.maketrans({theirs: ours, ours: theirs})
    return re.sub(r"\d[\d.,]*\d", lambda m: m.group().translate(swap), text)


def _ordinal_start(part: str, start: int, question: QuestionAnalysis) -> int:
    """Where an ordinal starting at `start` ("thứ 3") starts with the noun it ranks, when the
    question names that noun before its own ordinal ("vị trí thứ mấy") or counts it ("năm")."""
    if ORDINAL is None or not part[start:].lower().startswith(f"{ORDINAL} "):
        return start
    asked = ASKED_ORDINAL.search(question.effective) if ASKED_ORDINAL is not None else None
    words = asked.group("noun").lower().split() if asked else []
    nouns = [" ".join(words[i:]) for i in range(len(words))] + list(question.counted)
    before = part[:start].lower()
    return next((start - len(n) - 1 for n in nouns if n and re.search(rf"(?<!\w){re.escape(n)}\s$", before)), start)


def _of_time_asked(part: str, start: int, end: int, times: frozenset[str]) -> bool:
    """The clause holding `part[start:end]` names no day or year, or one the question names
    ("hơn 25,7 triệu chiếc" in "đến 2019 … hơn 25,7 triệu chiếc" for 2019, not "hơn 10 triệu
    chiếc năm 2015")."""
    if not times:
        return True
    opening = max(part.rfind(mark, 0, start) for mark in CLAUSE_MARKS)
    closings = [i for i in (part.find(mark, end) for mark in CLAUSE_MARKS) if i >= 0]
    told = times_named(part[opening + 1 : min(closings, default=len(part))])
    # compared grain by grain: a question whose days are not read ("April 30") says nothing of days
    told = {t for t in told if any(("/" in t) == ("/" in asked) for asked in times)}
    return not told or bool(told & times)


def short_answer(evidence: Evidence, question: QuestionAnalysis) -> ShortAnswer | None:
    """The fact a date, number, amount, person, place, organisation or name question asks for, read off
    the highlighted sentence(s): of the spans the articles' pack cuts there that the question does
    not say already, a count of what the question counts before any other count ("45 ngày" for "bao
    nhiêu ngày", not "2 tàu") and one in the measure asked before one in another ("4 năm", not "6
    tuổi", for how long), a name after a title before other capitalised words, then the one
    with most of the question's content words around it, the closest on a tie; with the words
    before it that qualify it, the range it opens and, for a count, its unit after it."""
    kind = question.grain if question.grain in GRAINS else question.kind
    pattern = GRAINS.get(kind) or SPANS.get(kind)
    if pattern is None or kind == "both":
        return None
    text, asked = evidence.passage.text, question.effective.lower()
    if question.bridge:  # what the question says, in the articles' words too ("Japan": "nhật bản")
        asked = f"{_articles_digits(asked, question.language)} {question.bridge.rendering.lower()}"
    wanted = {plain_form(t) for t in question.content} | {plain_form(t) for t in question.terms}
    counted = counting(question.counted) if kind == "number" and question.counted else None
    candidates = []
    for sentence in sorted(evidence.highlighted(), key=lambda s: s.start):
        part = text[sentence.start : sentence.end]
        searched = part
        if kind == "number":
            searched = _offsets_kept(ANSWERS["both"], _offsets_kept(ANSWERS["date"], part))
        spans = [(m.start(), m.end()) for m in pattern.finditer(searched)]
        sure: set[tuple[int, int]] = set()
        if kind == "person":
            named = person_spans(part)
            sure = {(a, b) for a, b, certain in named if certain}
            spans = [(a, b) for a, b, _ in named if not _opening_word(part, a, b, asked)]
        if kind == "name":  # a thing named in its maker's spelling ("Do It Later", "F-16")
            spans = list(thing_names(part))
        if kind == "place":
            people = persons_in(part)
            spans = [(a, b) for a, b in spans if _may_be_place(part, a, b, people)]
        for (start, end), previous in zip(spans, [None, *spans]):
            if kind not in NAMES and previous is not None and _read_with(part, previous[1], start, kind):
                continue  # read with the span before it: "25" of "từ 20 đến 25", "1/11" of "4h50 sáng ngày 1/11"
            news = _news(part, start, end, kind, asked)
            if not news and kind != "number":
                continue
            while start < end and part[start].isspace():
                start += 1
            left, right = syllables(part[:start])[-NEAR:][::-1], syllables(part[end:])[:NEAR]
            hits = [d for side in (left, right) for d, w in enumerate(side) if plain_form(w) in wanted]
            closeness = sum(1 / (1 + d) for d in hits)
            of_counted = counted is not None and _counts(counted, part, start, end)
            # a number in the measure asked, or in none, before one in another ("4 năm", not "6 tuổi", for how long)
            measure = unit_measure(part, start, end) if kind == "number" and question.measures else None
            fits = measure is None or measure in question.measures
            if kind == "place":
                preferred = _place_preference(part[start:end], asked)
            elif kind == "person":  # a name surely a person's, then one of several words ("Ajmal Khan"), then one word
                preferred = ((start, end) in sure, " " in part[start:end].strip())
            else:
                preferred = (False, False)
            # a count or sum said in a clause with another day or year than the question's is another time's
            timely = kind not in ("number", "amount") or _of_time_asked(part, start, end, question.times)
            rank = (news, timely, fits, of_counted, preferred, len(hits), closeness, -len(candidates))
            candidates.append((*rank, sentence, part, searched, start, end))
    if not candidates:
        return None
    *_, sentence, part, searched, start, end = max(candidates, key=lambda c: c[:8])
    scaled = " " in part[start:end].strip()  # "4 triệu": the scale is one of its unit's words
    # the noun counted is said whole, capitalised or not ("3 Phó chủ tịch", "9 trường hợp F1")
    said = counted.match(part, start) if counted is not None else None
    value_end = end
    if kind in ("number", "amount"):
        ranged = RANGE_BEFORE.search(part[:start])
        start = ranged.start() if ranged else start
    before = SHORT_BEFORE.get(kind)
    if before is not None:
        lead = before.search(part[:start])
        start = lead.start() if lead else start
    if kind == "number":
        start = _ordinal_start(part, start, question)
        end = _unit_end(part, end, UNIT_WORDS - scaled)
        ranged = _range_end(part, end, pattern, searched)
        end = _unit_end(part, ranged) if ranged > end else end
        if said and said.end() > end:  # then the unit's other words, as many as it may still have
            end = _unit_end(part, said.end(), max(0, UNIT_WORDS - len(syllables(part[value_end : said.end()]))))
    elif kind in ("date", "amount"):
        end = _range_end(part, end, pattern, searched)
    if kind == "amount" and (per := PER_UNIT.match(part, end)):
        end = per.end()
    if kind == "date":
        end = _date_end(part, end, pattern)
    end = len(part[:end].rstrip(" ,.;:"))
    return ShortAnswer(part[start:end], sentence.start + start, sentence.start + end, question.kind or kind)
