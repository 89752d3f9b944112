"""People in questions and articles: names, who a question asks about, how the text marks a person.

Every pattern here joins the packs' words (qa/lang): a question about a person may be asked in
either language of a person the articles name in theirs.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from qa.lang import languages
from qa.text import strip_accents

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
