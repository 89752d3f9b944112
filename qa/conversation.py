"""Follow-up questions without an LLM: spot them, then rebuild a stand-alone query from the turns before.

"Ông ấy đề nghị EU điều gì?" after "Ai đã tiếp Gunnar Wiegand?" becomes a query that names the
person and keeps the topic; "còn … thì sao?" / "what about …?" swaps the new subject into the
previous question. A question that stands alone is left exactly as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale

from qa.text import UPPER, YEAR_PATTERN, has_vietnamese_letters, syllables

# Pronouns that point back to someone (or something) said before.
VI_ANAPHORA = re.compile(
    r"\b(ông ấy|bà ấy|anh ấy|chị ấy|ông ta|bà ta|anh ta|cô ấy|họ|người này|người đó|vị này|vị đó|"
    r"ong ay|ba ay|nguoi nay)\b",
    re.IGNORECASE,
)
EN_ANAPHORA = re.compile(r"\b(he|she|him|her|his|hers|they|them|their)\b", re.IGNORECASE)
# A noun with a demonstrative ("luật đó", "that law") points back to a thing of that kind.
VI_NOUNS = "dự án|hội thảo|luật|hiệp định|sự kiện|cuộc gặp|buổi tiếp|chương trình|cơ quan|tổ chức|việc|điều|nghị định"
EN_NOUNS = "project|workshop|law|agreement|meeting|event|programme|program"
NOUN_REFERENCE = re.compile(
    rf"\b(?P<vi>{VI_NOUNS}|du an|hoi thao|luat) (?:đó|này|ấy|trên|do|nay)\b"
    rf"|\b(?P<determiner>this|that|these|those|the) (?P<en>{EN_NOUNS})\b",
    re.IGNORECASE,
)
# Weaker pointers ("it", "that") are also relative pronouns: they count only in short questions.
EN_WEAK_ANAPHORA = re.compile(r"\b(it|its|this|that|these|those)\b", re.IGNORECASE)
# "it": "nó" always points back (at any length), English "it" only in a short question (above);
# either stands for the thing the previous question named, when it named one (`rewrite`).
VI_IT = re.compile(r"\bnó\b", re.IGNORECASE)
EN_IT = re.compile(r"\bit\b", re.IGNORECASE)
SHORT_QUESTION = 8  # words
WHAT_ABOUT = re.compile(
    r"^\s*(?:(?:và |vậy |thế )?còn\s+(?P<vi>.+?)\s*(?:thì sao|thì thế nào|thì như thế nào|thì sao nhỉ)?"
    r"|(?P<vi2>.+?)\s+thì sao|(?:and )?(?:what|how) about\s+(?P<en>.+?))\s*\??\s*$",
    re.IGNORECASE,
)
# A time on its own ("in 2023", "năm 2023", "tháng 5/2023"): as a follow-up, the previous question
# asked of another time. TIME_IN_QUESTION is the time a question already names, which it replaces.
_TIME = (
    r"(?:(?:in|on|during|vào|vao|trong)\s+)?(?:(?:the year|năm|nam|tháng|thang|ngày|ngay)\s+)?"
    rf"(?:\d{{1,2}}/){{0,2}}{YEAR_PATTERN.pattern}"
)
TIME_ONLY = re.compile(
    rf"^\s*(?:(?:and|và|va|còn|con)\s+)?(?P<time>{_TIME})\s*(?:thì sao|thi sao)?\s*\??\s*$", re.IGNORECASE
)
TIME_IN_QUESTION = re.compile(rf"\b{_TIME}\b", re.IGNORECASE)
ASKS = re.compile(
    r"\b(nào|gì|ai|đâu|bao nhiêu|mấy|khi nào|bao giờ|sao|what|who|when|where|which|how|why)\b", re.IGNORECASE
)
NAME_BODY = rf"[{UPPER}]\w*(?:[ -][{UPPER}]\w*)+"
NAME = re.compile(rf"(?:(?<=\s)|^)({NAME_BODY})")
_HONORIFIC = r"(?:(?i:ông|bà|ngài|ong|ngai|mr\.?|mrs\.?|ms\.?|dr\.?)\s+)?"
# "Who is Elsbeth Akkerman?", "Tô Lâm là ai?": the question is about the person it names.
WHO_IS = re.compile(
    rf"^\s*(?i:who\s+(?:is|was)|ai\s+l[àa])\s+{_HONORIFIC}(?P<a>{NAME_BODY})\s*\??\s*$"
    rf"|^\s*{_HONORIFIC}(?P<b>{NAME_BODY})\s+(?i:l[àa]\s+ai)\s*\??\s*$"
)
QUESTION_WORDS = frozenset(
    "ai gì nào đâu sao bao nhiêu mấy khi thế như là có không được của và the is are was were what who "
    "whom when where which why how did does do has have had been be since of in on to for".split()
)


# Greetings and thanks, the whole message: they get a reply, not a search of the articles.
SMALL_TALK = {
    ("greeting", "vi"): re.compile(
        r"^(xin chào|chào|xin chao|chao|alo)( bạn| anh| chị| em| ban| anh| chi)?( nhé| nha| ạ)?$", re.IGNORECASE
    ),
    ("greeting", "en"): re.compile(r"^(hello|hi|hey|good (morning|afternoon|evening))( there| you)?$", re.IGNORECASE),
    ("thanks", "vi"): re.compile(
        r"^(cảm ơn|cám ơn|cam on|xin cảm ơn)( bạn| nhé| nhiều| nha| ạ| ban| nhieu)*$", re.IGNORECASE
    ),
    ("thanks", "en"): re.compile(
        r"^(thanks|thank you|thank u|thx|many thanks)( so much| a lot| very much)?$", re.IGNORECASE
    ),
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


def user_questions(history) -> list[str]:
    """Earlier user questions from strings or chat messages {"role", "content"}."""
    out = []
    for item in history or []:
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict) and item.get("role", "user") == "user":
            content = item.get("content", "")
            text = (
                content
                if isinstance(content, str)
                else " ".join(c.get("text", "") for c in content if isinstance(c, dict))
            )
        else:
            continue
        if text.strip():
            out.append(text.strip())
    return out


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if WHAT_ABOUT.match(q) or TIME_ONLY.match(q) or VI_ANAPHORA.search(q) or EN_ANAPHORA.search(q) or VI_IT.search(q):
        return True
    reference = NOUN_REFERENCE.search(q)
    if reference and (reference.group("determiner") or "").lower() != "the":  # "the law" is weak
        return True
    words = len(syllables(q))
    return words <= 3 or (words <= SHORT_QUESTION and bool(reference or EN_WEAK_ANAPHORA.search(q)))


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


PERSON = re.compile(
    r"\b(?:ông|bà|ngài|anh|chị|Đại tướng|Thượng tướng|Trung tướng|Thiếu tướng|Bộ trưởng|Thủ tướng|Chủ tịch|"
    r"Đại sứ|Tổng Bí thư|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Minister|General|Ambassador)\s+"
    rf"([{UPPER}]\w*(?:[ -][{UPPER}]\w*)+)"
)


# First words of Vietnamese organisation names: "Bộ trưởng Bộ Công an" names a ministry, not a person.
ORGANISATION_HEADS = frozenset(
    "bộ cục sở ban vụ viện ủy uỷ tổng hội quốc chính đảng liên cơ văn trung ngân tòa tập".split()
)


@cache
def places() -> frozenset[str]:
    """Country and region names in Vietnamese and English (CLDR, through Babel), lower-cased."""
    return frozenset(name.lower() for language in ("vi", "en") for name in Locale(language).territories.values())


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
    which = WHICH_SUBJECT.match(previous)
    if which:  # "Which countries take part in ESIWA?" + "India" -> "India take part in ESIWA?"
        return f"{subject} {previous[which.end() :]}"
    english = not has_vietnamese_letters(previous)
    frame = previous[asked.start() :].split()[:2]
    leads = english or asked.start() == 0  # the question word opens the question ("Ai đã tiếp …")
    if leads and frame[-1].lower() not in {"is", "are", "was", "were", "là"}:
        # "What did Vietnam propose?" + "Japan", "Ai đã tiếp ngài Gunnar Wiegand?" + "Đại sứ Hà Lan":
        # the subject takes the place of the first name after the question word
        named = OBJECT_NAME.search(previous, asked.end())
        if named:
            end = named.end() if english else _read_on(previous, named.end())
            return f"{previous[: named.start()]}{subject}{previous[end:]}"
    if leads:  # the frame leads ("Since what year …", "Ai là …")
        return f"{previous[: asked.start()]}{' '.join(frame)} {subject}?".strip()
    before = previous[: asked.start()].split()
    return f"{subject} {' '.join(before[-1:])} {previous[asked.start() :]}".replace("  ", " ")


def _read_on(text: str, end: int, longest: int = 4) -> int:
    """Where a Vietnamese name that ends its capitals at `end` really ends: "Luật An| ninh mạng| có …"."""
    stops = VI_NAME_ENDS | QUESTION_WORDS | {"năm", "ngày", "tháng"}
    for _ in range(longest):
        word = re.match(r"\s+([\w/-]+)", text[end:])
        if not word or word.group(1).lower() in stops:
            break
        end += word.end()
    return end


# A name with what belongs to it: "the ESIWA project", "ngài Gunnar Wiegand".
OBJECT_NAME = re.compile(
    rf"(?<=\s)(?:(?i:the|ông|bà|ngài)\s+)?[{UPPER}][\w–-]*(?:\s+[{UPPER}][\w–-]*)*(?:\s+(?i:{EN_NOUNS})\b)?"
)
_AUXILIARY = r"(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|may|might|là)\b"
# A "which …" phrase that opens the question is its subject ("Những quốc gia nào tham gia …",
# "Which countries take part …"); a what-about follow-up puts its subject there.
WHICH_SUBJECT = re.compile(
    rf"^\s*(?:(?:những|các)\s+)?(?!khi\b)\w+(?:\s+\w+)?\s+nào\s+(?!{_AUXILIARY})"
    rf"|^\s*(?:which|what)\s+(?!{_AUXILIARY})\w+\s+(?!{_AUXILIARY})(?=\w)",
    re.IGNORECASE,
)
# Words that end a Vietnamese name read forward from its head noun ("Hiệp định … EU | được …").
VI_NAME_ENDS = frozenset("được là có đã sẽ đang do thì bị nào gì ai khi từ vào ở tại bao mấy như của".split())
EN_NAME_JOINS = frozenset("and of & - –".split())


def _swap_name(previous: str, subject: str) -> str | None:
    """Replace the name in `previous` that shares its head noun with `subject`: English names end
    with it ("… Cooperation Agreement"), Vietnamese ones start with it ("Hiệp định …")."""
    words = previous.rstrip(" ?").split()
    lowered = [w.lower().strip(",.") for w in words]
    new = subject.split()
    if new and new[0].lower() == "the":
        new = new[1:]
    if not new:
        return None
    if not has_vietnamese_letters(previous):
        head = new[-1].lower()
        if head not in lowered:
            return None
        end = lowered.index(head)
        start = end
        while start > 0 and (words[start - 1][:1].isupper() or lowered[start - 1] in EN_NAME_JOINS):
            start -= 1
    else:
        head = [w.lower() for w in new[:2]]
        starts = [i for i in range(len(words)) if lowered[i : i + len(head)] == head]
        if not starts:
            return None
        start = starts[0]
        end = start + len(head) - 1
        while end + 1 < len(words) and lowered[end + 1] not in VI_NAME_ENDS:
            end += 1
    return " ".join([*words[:start], *new, *words[end + 1 :]]) + "?"


def rewrite(question: str, previous: Turn | None, previous_answer: str = "") -> str:
    """A stand-alone query for `question` given the previous turn (and the sentence it was answered with)."""
    if previous is None or not is_follow_up(question):
        return question
    q = question.strip()
    m = WHAT_ABOUT.match(q)
    subject = (m.group("vi") or m.group("vi2") or m.group("en") or "").strip() if m else q
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
    anaphora = next((a for a in (VI_ANAPHORA, EN_ANAPHORA) if a.search(q)), None)
    reference = NOUN_REFERENCE.search(q)
    if reference and anaphora and (reference.group("determiner") or "").lower() == "the":
        reference = None  # "What did she say when closing the workshop?": "she" is the reference
    if reference:
        # "Luật đó" is the law named before, never the person who was.
        if reference.group("vi"):  # Vietnamese names are only partly capitalised: read on from the noun
            noun = reference.group("vi")
            named = _phrase_from(noun, asked) or _named_with(noun, names_in(asked) + answer_names)
        else:
            noun = reference.group("en")
            named = _named_with(noun, names_in(asked) + answer_names)
            noun = f"the {noun}"
        resolved = f"{q[: reference.start()]}{named or noun}{q[reference.end() :]}"
        # Named, the thing stands for itself; the previous topic would only pull toward its answer.
        return resolved if named else f"{resolved} {topic}"
    # After "who is X?" a pronoun points at X; after another "who …?" at the person in the answer;
    # otherwise at the one in the question.
    named = WHO_IS.match(asked)
    if named:
        candidates = [named.group("a") or named.group("b")]
    elif re.search(r"\b(ai|who|whom)\b", asked, re.IGNORECASE):
        people = _closest_to(asked, [n for n in persons_in(previous_answer) if n not in asked], previous_answer)
        candidates = people + answer_names + names_in(asked)
    else:
        candidates = names_in(asked) + answer_names
    if anaphora is not None:
        pronoun = anaphora.search(q).group(0)
        candidates = [c for c in candidates if _may_be(pronoun, gender_of(c, f"{asked} {previous_answer}"))]
        if candidates:  # named, the person stands for themself, as a named thing does above
            return anaphora.sub(lambda m: _as_pronoun(m, candidates[0]), q, count=1)
    # "nó" after "Luật An ninh mạng có hiệu lực khi nào?" is the law, "it" after "… the ESIWA
    # project?" the project: named, the thing stands for itself
    it = VI_IT if VI_IT.search(q) else EN_IT if EN_IT.search(q) else None
    thing = (_thing_named(asked) if it is VI_IT else _english_thing_named(asked)) if it else None
    if thing:
        return it.sub(thing, q, count=1)
    # "it", "this": too vague to name; the topic of the previous turn carries the reference.
    return f"{q} {topic}"


def _english_thing_named(text: str) -> str | None:
    """What "it" stands for after the English question `text`: the first name ending in a thing's
    head noun ("the Cybersecurity Law", "the ESIWA project"; not "the National Assembly")."""
    nouns = EN_NOUNS.split("|")
    for match in OBJECT_NAME.finditer(text):
        words = match.group(0).split()
        if words[-1].lower() in nouns:
            return " ".join(words[1:] if words[0].lower() == "the" else words)
    return None


def _thing_named(text: str) -> str | None:
    """What "nó" stands for after the Vietnamese question `text`: the first thing it names by a
    head noun and a capital ("Luật An ninh mạng", "Hiệp định Thương mại tự do Việt Nam EU"), else
    the thing it opens with ("Hội thảo diễn ra ở đâu?" -> "Hội thảo"); None for a person."""
    named = re.search(rf"\b((?i:{VI_NOUNS}))\s+[{UPPER}]", text)
    if named:
        return _phrase_from(named.group(1), text, longest=8)
    subject = re.match(rf"\s*((?i:{VI_NOUNS}))\b", text)
    return subject.group(1) if subject else None


FEMALE_MARKS = re.compile(r"\b(?:bà|cô|chị|Mrs\.?|Ms\.?|Madam)\s+$", re.IGNORECASE)
MALE_MARKS = re.compile(r"\b(?:ông|anh|ngài|Mr\.?|Sir)\s+$", re.IGNORECASE)


def gender_of(name: str, text: str) -> str | None:
    """ "f" or "m" when `text` says: Vietnamese news writes "bà Elsbeth Akkerman", "ông …", and a
    Vietnamese woman's name carries "Thị"; None when it does not (a title alone: "Đại tướng Tô Lâm")."""
    if " Thị " in f" {name} ":
        return "f"
    for match in re.finditer(re.escape(name), text):
        before = text[max(0, match.start() - 8) : match.start()]
        if FEMALE_MARKS.search(before):
            return "f"
        if MALE_MARKS.search(before):
            return "m"
    return None


# The gendered pronouns of VI_ANAPHORA and EN_ANAPHORA.
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "bà ấy", "cô ấy", "chị ấy", "bà ta", "ba ay"})
MALE_PRONOUNS = frozenset({"he", "him", "his", "ông ấy", "anh ấy", "ông ta", "anh ta", "ong ay"})


def _may_be(pronoun: str, gender: str | None) -> bool:
    """Whether a person of `gender` can be `pronoun`. "she" needs a woman the text marks as one
    (it always does); "he" anyone not marked a woman; "they", "họ" anyone."""
    p = pronoun.lower()
    if p in FEMALE_PRONOUNS:
        return gender == "f"
    if p in MALE_PRONOUNS:
        return gender != "f"
    return True


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


# After "her", words that show it is an object ("met her in Hanoi"), not a possessive ("her position").
NOT_POSSESSED = frozenset("in on at to for with from about by and or as when after before".split())


def _as_pronoun(match: re.Match, name: str) -> str:
    """`name` in the pronoun's place: "his position" -> "Mark Rutte's position"."""
    pronoun = match.group(0).lower()
    after = re.match(r"\s+(\w+)", match.string[match.end() :])
    possessive = pronoun in {"his", "their"} or (
        pronoun == "her" and after is not None and after.group(1).lower() not in NOT_POSSESSED
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
        compound = word.lower() == "do" and words and words[-1].lower() == "tự"  # "tự do" (free), not "do" (by)
        if (word.lower() in QUESTION_WORDS and not compound) or len(words) == longest:
            break
        words.append(word)
        if len(word) > 1 and word.isupper():  # an acronym closes the name: "Dự án ESIWA | kéo dài"
            break
    return " ".join([match.group(0), *words])
