"""Follow-up questions without an LLM: spot them, then rebuild a stand-alone query from the turns before.

"Ông ấy đề nghị EU điều gì?" after "Ai đã tiếp Gunnar Wiegand?" becomes a query that names the
person and keeps the topic; "còn … thì sao?" / "what about …?" swaps the new subject into the
previous question. A question that stands alone is left exactly as it is. What points back, and how
a question is asked again, is each pack's `[conversation]` (qa/lang); a follow-up may be asked in
another language than the turn before, so every pack's patterns are tried, in pack order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lang import LanguagePack, languages, leftmost
from qa.people import PERSON_QUESTION, QUESTION_WORDS, gender_of, may_be, names_in, persons_in, places, who_is
from qa.text import UPPER, YEAR_PATTERN, letters_pack, syllables

L = languages()
SHORT_QUESTION = 8  # words: past this, a weak pointer ("it", "that") is taken for a relative pronoun
_TIME = (
    rf"(?:(?:{L.union('conversation.time_prepositions')})\s+)?(?:(?:{L.union('conversation.time_nouns')})\s+)?"
    rf"(?:\d{{1,2}}/){{0,2}}{YEAR_PATTERN.pattern}"
)
# A time on its own ("in 2023", "năm 2023", "tháng 5/2023"): as a follow-up, the previous question
# asked of another time. TIME_IN_QUESTION is the time a question already names, which it replaces.
TIME_ONLY = re.compile(
    rf"^\s*(?:(?:{L.union('conversation.time_conjunctions')})\s+)?(?P<time>{_TIME})\s*"
    rf"(?:{L.union('conversation.time_tails')})?\s*\??\s*$",
    re.IGNORECASE,
)
TIME_IN_QUESTION = re.compile(rf"\b{_TIME}\b", re.IGNORECASE)
ASKS = re.compile(rf"\b({L.union('conversation.question_words_pattern')})\b", re.IGNORECASE)
COPULAS = L.union_words("conversation.copulas")
NAME_ENDS = L.union_words("conversation.name_ends")
NAME_STOPS = L.union_words("conversation.name_stops")
NAME_JOINS = L.union_words("conversation.name_joins")
QUESTION_WORD_COMPOUNDS = {tuple(c.split()) for c in L.union_words("conversation.question_word_compounds")}
POSSESSIVE_PRONOUNS = L.union_words("conversation.possessive_pronouns")
OBJECT_OR_POSSESSIVE = L.union_words("conversation.object_or_possessive")
# After "her", words that show it is an object ("met her in Hanoi"), not a possessive ("her position").
NOT_POSSESSED = L.union_words("conversation.not_possessed_after")
_HEAD_LAST_NOUNS = "|".join(p.get("conversation.reference_nouns") for p in L if not p.name_head_first)
# A name with what belongs to it: "the ESIWA project", "ngài Gunnar Wiegand".
OBJECT_NAME = re.compile(
    rf"(?<=\s)(?:(?i:{L.union('conversation.name_prefixes')})\s+)?[{UPPER}][\w–-]*(?:\s+[{UPPER}][\w–-]*)*"
    rf"(?:\s+(?i:{_HEAD_LAST_NOUNS})\b)?"
)


def _packs_with(path: str) -> list[tuple[LanguagePack, re.Pattern]]:
    return [(p, p.pattern(path)) for p in L if p.pattern(path) is not None]


def written_in(text: str) -> LanguagePack:
    """The pack whose letters `text` uses, else the first pack that has no letters of its own: how
    a follow-up tells a Vietnamese question from an English one however it was typed."""
    return letters_pack(text) or next(p for p in L if not p.get("detection.letters"))


def _what_about(question: str) -> re.Match | None:
    """ "còn … thì sao?", "what about …?": the match, whose `subject` is the new subject."""
    for pack in L:
        for pattern in pack.patterns("conversation.what_about"):
            match = pattern.match(question)
            if match:
                return match
    return None


def _anaphora(question: str) -> re.Pattern | None:
    """The first pack's pronoun pattern that finds a pronoun pointing back in `question`."""
    return next((pattern for _, pattern in _packs_with("conversation.anaphora") if pattern.search(question)), None)


def _noun_reference(question: str) -> tuple[LanguagePack | None, re.Match | None]:
    """ "luật đó", "that law": a noun pointing back, and the pack whose pattern found it."""
    return leftmost((pack, pattern.search(question)) for pack, pattern in _packs_with("conversation.noun_reference"))


def _weak(pack: LanguagePack, reference: re.Match) -> bool:
    """ "the law" points back only weakly: it may be any law."""
    determiner = (reference.groupdict().get("determiner") or "").lower()
    return determiner in pack.words("conversation.weak_determiners")


# Greetings and thanks, the whole message: they get a reply, not a search of the articles.
SMALL_TALK = {
    (kind, pack.code): pack.compile(spec)
    for kind in dict.fromkeys(k for p in L for k in p.get("small_talk", {}))
    for pack in L
    if (spec := pack.get(f"small_talk.{kind}"))
}


def small_talk(text: str) -> tuple[str, str] | None:
    """(kind, language) when `text` is only a greeting or thanks ("Xin chào!", "thanks a lot")."""
    bare = re.sub(r"[\s!.,:;?~]+", " ", text).strip()
    return next((key for key, pattern in SMALL_TALK.items() if pattern.match(bare)), None)


@dataclass
class Turn:
    """A resolved user turn: what was asked and what was searched."""

    question: str
    effective_query: str
    article_id: str | None = None  # the article quoted in the answer


def is_follow_up(question: str) -> bool:
    q = question.strip()
    points_back = any(
        pattern.search(q)
        for pack, pattern in _packs_with("conversation.it")
        if pack.get("conversation.it_points_back_always")
    )
    demonstrative = any(pattern.search(q) for _, pattern in _packs_with("conversation.demonstrative"))
    if _what_about(q) or TIME_ONLY.match(q) or _anaphora(q) or points_back or demonstrative:
        return True
    pack, reference = _noun_reference(q)
    if reference and not _weak(pack, reference):
        return True
    words = len(syllables(q))
    weak = any(pattern.search(q) for _, pattern in _packs_with("conversation.weak_anaphora"))
    return words <= 3 or (words <= SHORT_QUESTION and bool(reference or weak))


def topic_of(text: str) -> str:
    """The previous query without its question words: the subject a follow-up keeps."""
    return " ".join(w for w in re.findall(r"[\wÀ-ỹ/]+", text) if w.lower() not in QUESTION_WORDS)


def at_time(previous: str, time: str) -> str:
    """The previous question asked of another time: "… implement in 2016?" + "in 2023" -> "…
    implement in 2023?", "… năm 2017?" + "2016" -> "… năm 2016?"; a question that named no time
    gets it at its end."""
    if TIME_IN_QUESTION.search(previous):
        bare = YEAR_PATTERN.fullmatch(time)  # a bare year takes the place of the year alone
        return TIME_IN_QUESTION.sub(lambda m: YEAR_PATTERN.sub(time, m.group(0)) if bare else time, previous, count=1)
    return f"{previous.rstrip(' ?')} {time}?"


def swap_subject(previous: str, subject: str) -> str:
    """Ask the previous question of a new subject: "Đại sứ Hà Lan là ai?" + "Trưởng phái đoàn EU"
    -> "Trưởng phái đoàn EU là ai?"; "Who is the Dutch ambassador?" + "the EU head" -> "Who is the EU head?"."""
    swapped = _swap_name(previous, subject)
    if swapped:
        return swapped
    asked = ASKS.search(previous)
    if not asked or not subject:
        return f"{subject} {previous}".strip()
    which = next((m for _, p in _packs_with("conversation.which_subject") if (m := p.match(previous))), None)
    if which:  # "Which countries take part in ESIWA?" + "India" -> "India take part in ESIWA?"
        return f"{subject} {previous[which.end() :]}"
    pack = written_in(previous)
    frame = previous[asked.start() :].split()[:2]
    leads = pack.get("conversation.frame_leads") or asked.start() == 0  # "Ai đã tiếp …": the question word opens it
    if leads and frame[-1].lower() not in COPULAS:
        # "What did Vietnam propose?" + "Japan", "Ai đã tiếp ngài Gunnar Wiegand?" + "Đại sứ Hà Lan":
        # the subject takes the place of the first name after the question word
        named = OBJECT_NAME.search(previous, asked.end())
        if named:
            end = _read_on(previous, named.end()) if pack.name_head_first else named.end()
            return f"{previous[: named.start()]}{subject}{previous[end:]}"
    if leads:  # the frame leads ("Since what year …", "Ai là …")
        return f"{previous[: asked.start()]}{' '.join(frame)} {subject}?".strip()
    before = previous[: asked.start()].split()
    return f"{subject} {' '.join(before[-1:])} {previous[asked.start() :]}".replace("  ", " ")


def _read_on(text: str, end: int, longest: int = 4) -> int:
    """Where a name that ends its capitals at `end` really ends, in a language whose names are only
    partly capitalised: "Luật An| ninh mạng| có …"."""
    stops = NAME_ENDS | QUESTION_WORDS | NAME_STOPS
    for _ in range(longest):
        word = re.match(r"\s+([\w/-]+)", text[end:])
        if not word or word.group(1).lower() in stops:
            break
        end += word.end()
    return end


def _swap_name(previous: str, subject: str) -> str | None:
    """Replace the name in `previous` that shares its head noun with `subject`: names that end
    with it ("… Cooperation Agreement") or, where the pack says so, start with it ("Hiệp định …")."""
    words = previous.rstrip(" ?").split()
    lowered = [w.lower().strip(",.") for w in words]
    new = subject.split()
    if new and new[0].lower() == "the":
        new = new[1:]
    if not new:
        return None
    if not written_in(previous).name_head_first:
        head = new[-1].lower()
        if head not in lowered:
            return None
        end = lowered.index(head)
        start = end
        while start > 0 and (words[start - 1][:1].isupper() or lowered[start - 1] in NAME_JOINS):
            start -= 1
    else:
        head = [w.lower() for w in new[:2]]
        starts = [i for i in range(len(words)) if lowered[i : i + len(head)] == head]
        if not starts:
            return None
        start = starts[0]
        end = start + len(head) - 1
        while end + 1 < len(words) and lowered[end + 1] not in NAME_ENDS:
            end += 1
    return " ".join([*words[:start], *new, *words[end + 1 :]]) + "?"


def rewrite(question: str, previous: Turn | None, previous_answer: str = "") -> str:
    """A stand-alone query for `question` given the previous turn (and the sentence it was answered with)."""
    if previous is None or not is_follow_up(question):
        return question
    q = question.strip()
    m = _what_about(q)
    subject = m.group("subject").strip() if m else q
    time = TIME_ONLY.match(subject)
    if time:
        # "Còn năm 2023 thì sao?", "And in 2021?": the same question at another time; the earlier
        # time leaves the topic too, or it would still be searched and checked
        topic = " ".join(TIME_IN_QUESTION.sub(" ", topic_of(previous.effective_query)).split())
        return f"{at_time(previous.question, time.group('time'))} ({topic})"
    if m:
        # "Còn có hiệu lực từ ngày nào?" is a new question about the same subject; otherwise the
        # previous question is asked of the new subject, the old one kept as context (its qualifiers,
        # "Vietnam–EU", often still apply).
        asked_now = subject if ASKS.search(subject) else swap_subject(previous.question, subject)
        return f"{asked_now} ({topic_of(previous.effective_query)})"
    asked = previous.question
    topic = f"({topic_of(previous.effective_query)})"
    answer_names = [n for n in names_in(previous_answer) if n not in asked]
    anaphora = _anaphora(q)
    pack, reference = _noun_reference(q)
    if reference and anaphora and _weak(pack, reference):
        reference = None  # "What did she say when closing the workshop?": "she" is the reference
    if reference:
        # "Luật đó" is the law named before, never the person who was.
        noun = reference.group("noun")
        if pack.name_head_first:  # names are only partly capitalised: read on from the noun
            named = _phrase_from(noun, asked) or _named_with(noun, names_in(asked) + answer_names)
        else:
            named = _named_with(noun, names_in(asked) + answer_names)
            noun = f"{pack.get('conversation.definite_article')} {noun}"
        resolved = f"{q[: reference.start()]}{named or noun}{q[reference.end() :]}"
        # Named, the thing stands for itself; the previous topic would only pull toward its answer.
        return resolved if named else f"{resolved} {topic}"
    # After "who is X?" a pronoun points at X; after another "who …?" at the person in the answer;
    # otherwise at the one in the question.
    named = who_is(asked)
    if named:
        candidates = [named]
    elif PERSON_QUESTION.search(asked):
        people = _closest_to(asked, [n for n in persons_in(previous_answer) if n not in asked], previous_answer)
        candidates = people + answer_names + names_in(asked)
    else:
        candidates = names_in(asked) + answer_names
    if anaphora is not None:
        pronoun = anaphora.search(q).group(0)
        context = f"{asked} {previous_answer}"
        # each name looked up once, and only until one fits: a look-up scans the whole context, so
        # a name repeated a thousand times in a long question once cost a thousand scans
        # a pronoun for a person never stands for a country ("than him" after "… the Chinese actor")
        people = [c for c in dict.fromkeys(candidates) if c.lower() not in places()]
        person = next((c for c in people if may_be(pronoun, gender_of(c, context))), None)
        if person:  # named, the person stands for themself, as a named thing does above
            return anaphora.sub(lambda m: _as_pronoun(m, person), q, count=1)
    # "nó" after "Luật An ninh mạng có hiệu lực khi nào?" is the law, "it" after "… the ESIWA
    # project?" the project: named, the thing stands for itself
    it = next(((p, pattern) for p, pattern in _packs_with("conversation.it") if pattern.search(q)), None)
    thing = (_thing_named(it[0], asked) if it[0].name_head_first else _thing_named_last(it[0], asked)) if it else None
    if thing:
        return it[1].sub(thing, q, count=1)
    # "it", "this": too vague to name; the topic of the previous turn carries the reference.
    return f"{q} {topic}"


def _thing_named_last(pack: LanguagePack, text: str) -> str | None:
    """What "it" stands for after `text`, in a language whose names end with their head noun: the
    first name ending in a thing's head noun ("the Cybersecurity Law", "the ESIWA project"; not
    "the National Assembly")."""
    nouns = pack.get("conversation.reference_nouns").split("|")
    for match in OBJECT_NAME.finditer(text):
        words = match.group(0).split()
        if words[-1].lower() in nouns:
            return " ".join(words[1:] if words[0].lower() == "the" else words)
    return None


def _thing_named(pack: LanguagePack, text: str) -> str | None:
    """What "nó" stands for after `text`, in a language whose names start with their head noun:
    the first thing it names by a head noun and a capital ("Luật An ninh mạng", "Hiệp định Thương
    mại tự do Việt Nam EU"), else the thing it opens with ("Hội thảo diễn ra ở đâu?" -> "Hội
    thảo"); None for a person."""
    nouns = pack.get("conversation.reference_nouns")
    named = re.search(rf"\b((?i:{nouns}))\s+[{UPPER}]", text)
    if named:
        return _phrase_from(named.group(1), text, longest=8)
    subject = re.match(rf"\s*((?i:{nouns}))\b", text)
    return subject.group(1) if subject else None


def _closest_to(asked: str, people: list[str], answer: str, window: int = 5) -> list[str]:
    """`people` ordered by how many words of the question come just before them in the answer:
    asked for "Thủ tướng Hà Lan", "… và Thủ tướng Hà Lan Mark Rutte" beats "hai Thủ tướng
    Nguyễn Xuân Phúc", named first."""
    wanted = {w for w in syllables(asked) if w not in QUESTION_WORDS}

    def overlap(name: str) -> int:
        before = syllables(answer[: answer.find(name)])[-window:]
        return sum(w in wanted for w in before + syllables(name))

    def own_name(name: str) -> str:
        """ "Mark Rutte" from "Hà Lan Mark Rutte": the words the question already said are not his name."""
        words = name.split()
        while len(words) > 2 and words[0].lower() in wanted:
            words = words[1:]
        return " ".join(words)

    return [own_name(n) for n in sorted(people, key=overlap, reverse=True)]


def _as_pronoun(match: re.Match, name: str) -> str:
    """`name` in the pronoun's place: "his position" -> "Mark Rutte's position"."""
    pronoun = match.group(0).lower()
    after = re.match(r"\s+(\w+)", match.string[match.end() :])
    possessive = pronoun in POSSESSIVE_PRONOUNS or (
        pronoun in OBJECT_OR_POSSESSIVE and after is not None and after.group(1).lower() not in NOT_POSSESSED
    )
    return f"{name}'s" if possessive else name


def _named_with(noun: str, names: list[str]) -> str | None:
    """The first name with `noun` among its words ("Cybersecurity Law" for "law")."""
    words = noun.lower().split()
    for name in names:
        lowered = name.lower().split()
        if any(lowered[i : i + len(words)] == words for i in range(len(lowered))):
            return name
    return None


def _phrase_from(noun: str, text: str, longest: int = 5) -> str | None:
    """`noun` and the words after it in `text`, up to a question word: "Luật An ninh mạng" from
    "Luật An ninh mạng có hiệu lực từ ngày nào?"."""
    match = re.search(rf"\b{re.escape(noun)}\b", text, re.IGNORECASE)
    if not match:
        return None
    words: list[str] = []
    for word in re.findall(r"[\wÀ-ỹ/-]+", text[match.end() :]):
        compound = bool(words) and (words[-1].lower(), word.lower()) in QUESTION_WORD_COMPOUNDS  # "tự do": free
        if (word.lower() in QUESTION_WORDS and not compound) or len(words) == longest:
            break
        words.append(word)
        if len(word) > 1 and word.isupper():  # an acronym closes the name: "Dự án ESIWA | kéo dài"
            break
    return " ".join([match.group(0), *words])
