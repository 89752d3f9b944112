"""People in questions and articles: names, who a question asks about, how the text marks a person.

Every pattern here joins the packs' words (qa/lang): a question about a person may be asked in
either language of a person the articles name in theirs.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from babel import Locale

from qa.lang import languages
from qa.text import plain_form, strip_accents

L = languages()
NAME_BODY = L.globals["name"]
NAME = re.compile(rf"(?:(?<=\s)|^)({NAME_BODY})")
QUESTION_WORDS = L.union_words("conversation.question_words")
_HONORIFIC = rf"(?:(?i:{L.union('people.honorifics')})\s+)?"
# "Who is Elsbeth Akkerman?", "Tô Lâm là ai?": the question is about the person it names.
WHO_IS = re.compile(
    rf"^\s*(?i:{L.union('people.who_is_opening')})\s+{_HONORIFIC}(?P<a>{NAME_BODY})\s*\??\s*$"
    rf"|^\s*{_HONORIFIC}(?P<b>{NAME_BODY})\s+(?i:{L.union('people.who_is_closing')})\s*\??\s*$"
)
# "Gunnar Wiegand giữ chức vụ gì?", "What is Gunnar Wiegand's position?": who someone is, by office.
POSITION_OF = [p for pack in L for p in pack.patterns("people.position_of")]
PERSON = re.compile(rf"\b(?:{L.union('people.person_titles')})\s+([{L.upper}]\w*(?:[ -][{L.upper}]\w*)+)")
ORGANISATION_HEADS = L.union_words("people.organisation_heads")
FEMALE_MARKS = re.compile(rf"\b(?:{L.union('people.female_marks')})\s+$", re.IGNORECASE)
MALE_MARKS = re.compile(rf"\b(?:{L.union('people.male_marks')})\s+$", re.IGNORECASE)
FEMALE_NAME_PARTS = L.union_words("people.female_name_parts")
FEMALE_PRONOUNS = L.union_words("people.female_pronouns")
MALE_PRONOUNS = L.union_words("people.male_pronouns")
PERSON_QUESTION = re.compile(rf"\b({L.union('people.person_question_words')})\b", re.IGNORECASE)
SURNAMES = L.union_words("people.surnames")
SURNAME_PLACES = frozenset(n.lower() for n in L.union_words("people.surname_places"))
NOT_NAME_WORDS = frozenset(w.lower() for w in L.union_words("people.not_name_words"))
# a run of capitalised words (hyphenated and dotted parts too: "Pue-on", "PGS.TS"), and the title
# or the place word it may follow
CAPITALISED_RUN = re.compile(rf"[{L.upper}][\w'’.]*(?:-\w+)*(?:\s+[{L.upper}][\w'’.]*(?:-\w+)*)*")
_TITLES = "|".join(t for t in (L.union("people.person_titles"), L.union("people.familiar_titles")) if t)
TITLE_BEFORE = re.compile(rf"(?i:(?<!\w)(?:{_TITLES}))\s+(?=[{L.upper}])")
TITLE_WORDS = re.compile(rf"(?i:{L.union('people.person_titles')})")
_NAMED_AFTER = f"{L.union('short_answer.place_words')}|{L.union('people.named_after')}".strip("|")
PLACE_BEFORE = re.compile(rf"(?i:(?<!\w)(?:{_NAMED_AFTER}))\s+(?=[{L.upper}])")
# one syllable as Vietnamese spells it (accents aside): an onset, one run of vowels, a coda
NATIVE_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]+(?:ch|ng|nh|[cmnpt])?")


@lru_cache(maxsize=65536)
def _foreign(word: str) -> bool:
    """`word` is not spelt as a Vietnamese syllable is ("Griezmann", "Liga", "Jonas"); an acronym is neither."""
    letters = strip_accents(word).lower().replace("đ", "d")
    return not word.isupper() and any(not NATIVE_SYLLABLE.fullmatch(part) for part in re.findall(r"[^\W\d_]+", letters))


def _named_by_surname(words: list[str]) -> int | None:
    """Where in a run of capitalised words a Vietnamese name starts, by its family name: the whole
    run ("Lê Thị Nga") or its last two to four words ("UBND TP Hà Nội Chu Ngọc Anh"); None for none
    (or a place named like a person: "Hà Nội")."""
    for i, word in enumerate(words):
        if word not in SURNAMES or not 2 <= len(words) - i <= (5 if i == 0 else 4):
            continue
        place = " ".join(words[i : i + 2]).lower() in SURNAME_PLACES or " ".join(words[i:]).lower() in places()
        if not place and not any(_foreign(w) for w in words[i:]):
            return i
    return None


def _run_end(text: str, run: re.Match) -> int:
    """Where a capitalised run ends, a sentence's full stop or a closing apostrophe left out."""
    end = run.end()
    while end > run.start() and text[end - 1] in ".'’":
        end -= 1
    return end


@lru_cache(maxsize=4096)
def person_spans(text: str) -> tuple[tuple[int, int, bool], ...]:
    """Where `text` names a person, as (start, end, sure): a name after a title ("tiền đạo
    Griezmann", "ông Lê Anh Vũ"), a Vietnamese name by its family name ("Lê Thị Nga"), capitalised
    words spelt in another language ("Nick Jonas") are sure; one such word alone ("Llorente") may be
    a club or a town as well. Never a country (CLDR), a place named like a person ("Hà Nội") or said
    after a place word ("đường Võ Văn Kiệt"), nor a run holding a competition's, venue's or body's
    word ("Serie A", "Royal Albert Hall")."""
    spans = []
    after_title = {m.end() for m in TITLE_BEFORE.finditer(text)}
    after_place = {m.end() for m in PLACE_BEFORE.finditer(text)}
    for m in CAPITALISED_RUN.finditer(text):
        start, end = m.start(), _run_end(text, m)
        words = text[start:end].split()
        titled = start in after_title
        body = False  # the name follows a body's acronym: "THCS Hoàng Hoa Thám" is a school, "CIO Lê Anh Vũ" a man
        while words and (TITLE_WORDS.fullmatch(words[0]) or (len(words) > 1 and words[0].isupper())):
            titled = titled or bool(TITLE_WORDS.fullmatch(words[0]))
            body = words[0].lower() in NOT_NAME_WORDS
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
            words = words[1:]
        for size in (3, 2, 1):
            if len(words) > size and " ".join(words[:size]).lower() in places():
                start = text.index(words[size], start)
                words = words[size:]
                break
        tail = _named_by_surname(words)
        if tail is not None and (tail or not (body or start in after_place)):
            if tail:
                start = text.index(words[tail], start + len(" ".join(words[:tail])))
            spans.append((start, end, True))
            continue
        name = " ".join(words).lower()
        if any(w.lower() in NOT_NAME_WORDS for w in re.split(r"[\s-]+", text[m.start() : end])):
            continue
        if not words or name in places() or name in SURNAME_PLACES or start in after_place:
            continue
        if words[0].lower() in ORGANISATION_HEADS:
            continue
        opening = not text[:start].strip(" \"'“‘(")
        if titled:
            spans.append((start, end, True))
        elif any(_foreign(w) for w in words) and not all(w.isupper() for w in words):
            if len(words) >= 2:
                spans.append((start, end, True))
            elif not opening and not re.search(r"\d", words[0]):
                spans.append((start, end, False))
    return tuple(spans)


# a model's or a code's name, letters and digits in one word ("F-16", "M109A6", "Galaxy S21")
MODEL_NAME = re.compile(r"(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]+")
# a short capitalised title in quotes (“Do It Later”, "Tết sum vầy")
QUOTED_TITLE = re.compile(rf"[\"“]([{L.upper}][^\"“”.!?]{{0,40}})[\"”]")


@lru_cache(maxsize=4096)
def thing_names(text: str) -> tuple[tuple[int, int], ...]:
    """Where `text` names a thing as Vietnamese news does, in its maker's spelling: capitalised
    words spelt in another language or holding digits ("Nomadland", "Puma Image Compressor",
    "F-16"), or a short capitalised title in quotes; never a country."""
    spans = [(m.start(1), m.end(1)) for m in QUOTED_TITLE.finditer(text)]
    for m in CAPITALISED_RUN.finditer(text):
        start, end = m.start(), _run_end(text, m)
        words = text[start:end].split()
        if not words or text[start:end].lower() in places():
            continue
        if any((_foreign(w) and not w.isupper()) or MODEL_NAME.fullmatch(w) for w in words):
            spans.append((start, end))
    return tuple(dict.fromkeys(spans))  # a quoted name is a capitalised run too: once


def names_in(text: str) -> list[str]:
    """Capitalised multi-word names (Tô Lâm, Gunnar Wiegand, Luật An ninh mạng), sentence starts aside."""
    names = []
    for m in NAME.finditer(text):
        name = m.group(1)
        if name.split()[0].lower() in QUESTION_WORDS:
            name = " ".join(name.split()[1:])
        if len(name.split()) >= 2:
            names.append(name)
    return names


@cache
def places() -> frozenset[str]:
    """Country and region names in every pack's language (CLDR, through Babel), lower-cased."""
    return frozenset(name.lower() for pack in L for name in Locale(pack.code).territories.values())


def persons_in(text: str) -> list[str]:
    """Names that follow a title or an honorific (Đại tướng Tô Lâm, ngài Gunnar Wiegand): people.
    A country after a title is not one ("Đại sứ Hà Lan"); before a name it is dropped ("Thủ tướng
    Hà Lan Mark Rutte")."""
    people = []
    for m in PERSON.finditer(text):
        words = m.group(1).split()
        for size in (3, 2, 1):
            if len(words) > size and " ".join(words[:size]).lower() in places():
                words = words[size:]
                break
        name = " ".join(words)
        if len(words) >= 2 and name.lower() not in places() and words[0].lower() not in ORGANISATION_HEADS:
            people.append(name)
    return people


def who_is(question: str) -> str | None:
    """X in "X là ai?", "Who is X?" (a capitalised name), else None."""
    match = WHO_IS.match(question)
    return (match.group("a") or match.group("b")) if match else None


def person_asked_about(question: str) -> str | None:
    """X in "X là ai?", "Who is X?", "X giữ chức vụ gì?", "What is X's position?" (a capitalised
    name), else None."""
    named = who_is(question)
    if named:
        return named
    found = [m for m in (p.search(question) for p in POSITION_OF) if m]
    return min(found, key=lambda m: m.start()).group("name") if found else None


def describes(text: str, name: str) -> bool:
    """`text` says who `name` is the way news does, by an apposition right after the name:
    "Tô Lâm, Bộ trưởng Bộ Công an", "Nguyễn Thanh Sơn - Cục trưởng" (compared accent-free, so
    "Who is To Lam?" finds it too; "Major General Nguyen Thanh Son" is tried without its leading
    words, down to two)."""
    words, plain = strip_accents(name).split(), strip_accents(text)
    for start in range(max(1, len(words) - 1)):
        pattern = rf"(?<!\w)(?i:{re.escape(' '.join(words[start:]))})\s*[,\-–]\s*[A-Z]"
        if re.search(pattern, plain):
            return True
    return False


def gender_of(name: str, text: str) -> str | None:
    """ "f" or "m" when `text` says: Vietnamese news writes "bà Elsbeth Akkerman", "ông …", and a
    Vietnamese woman's name carries "Thị"; None when it does not (a title alone: "Đại tướng Tô Lâm")."""
    if any(f" {part} " in f" {name} " for part in FEMALE_NAME_PARTS):
        return "f"
    # the name's occurrences, left to right and not overlapping (as re.finditer would find them),
    # by str.find: compiling a pattern per name cost more than the search once names ran to hundreds
    start = text.find(name) if name else -1
    while start >= 0:
        before = text[max(0, start - 8) : start]
        if FEMALE_MARKS.search(before):
            return "f"
        if MALE_MARKS.search(before):
            return "m"
        start = text.find(name, start + len(name))
    return None


def may_be(pronoun: str, gender: str | None) -> bool:
    """Whether a person of `gender` can be `pronoun`. "she" needs a woman the text marks as one
    (it always does); "he" anyone not marked a woman; "they", "họ" anyone."""
    p = pronoun.lower()
    if p in FEMALE_PRONOUNS:
        return gender == "f"
    if p in MALE_PRONOUNS:
        return gender != "f"
    return True


def compact(text: str) -> str:
    """Letters and digits only, accent-free and lower-case: a name as any spelling of it reads."""
    return re.sub(r"[\W_]+", "", plain_form(text.lower()))


def names_new_person(text: str, asked: str) -> bool:
    """`text` surely names a person (`person_spans`) whom `asked`, the question's words, does not."""
    said = compact(asked)
    return any(sure and compact(text[a:b]) not in said for a, b, sure in person_spans(text))
