"""Follow-up questions without an LLM: spot them, then rebuild a stand-alone query from the turns before.

"Ông ấy đề nghị EU điều gì?" after "Ai đã tiếp Gunnar Wiegand?" becomes a query that names the
person and keeps the topic; "còn … thì sao?" / "what about …?" swaps the new subject into the
previous question. A question that stands alone is left exactly as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.text import UPPER, syllables

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
SHORT_QUESTION = 8  # words
WHAT_ABOUT = re.compile(
    r"^\s*(?:(?:và |vậy |thế )?còn\s+(?P<vi>.+?)\s*(?:thì sao|thì thế nào|thì như thế nào|thì sao nhỉ)?"
    r"|(?P<vi2>.+?)\s+thì sao|(?:and )?(?:what|how) about\s+(?P<en>.+?))\s*\??\s*$",
    re.IGNORECASE,
)
ASKS = re.compile(
    r"\b(nào|gì|ai|đâu|bao nhiêu|mấy|khi nào|bao giờ|sao|what|who|when|where|which|how|why)\b", re.IGNORECASE
)
NAME = re.compile(rf"(?:(?<=\s)|^)([{UPPER}]\w*(?:[ -][{UPPER}]\w*)+)")
QUESTION_WORDS = frozenset(
    "ai gì nào đâu sao bao nhiêu mấy khi thế như là có không được của và the is are was were what who "
    "whom when where which why how did does do of in on to for".split()
)


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
    if WHAT_ABOUT.match(q) or VI_ANAPHORA.search(q) or EN_ANAPHORA.search(q):
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


def persons_in(text: str) -> list[str]:
    """Names that follow a title or an honorific (Đại tướng Tô Lâm, ngài Gunnar Wiegand): people."""
    return [m.group(1) for m in PERSON.finditer(text)]


def topic_of(text: str) -> str:
    """The previous query without its question words: the subject a follow-up keeps."""
    return " ".join(w for w in re.findall(r"[\wÀ-ỹ/]+", text) if w.lower() not in QUESTION_WORDS)


def swap_subject(previous: str, subject: str) -> str:
    """Ask the previous question of a new subject: "Đại sứ Hà Lan là ai?" + "Trưởng phái đoàn EU"
    -> "Trưởng phái đoàn EU là ai?"; "Who is the Dutch ambassador?" + "the EU head" -> "Who is the EU head?"."""
    asked = ASKS.search(previous)
    if not asked or not subject:
        return f"{subject} {previous}".strip()
    if asked.start() == 0 or previous[: asked.start()].strip().lower() in {"and", "so"}:  # English word order
        frame = " ".join(previous[asked.start() :].split()[:2])
        return f"{frame} {subject}?"
    before = previous[: asked.start()].split()
    return f"{subject} {' '.join(before[-1:])} {previous[asked.start() :]}".replace("  ", " ")


def rewrite(question: str, previous: Turn | None, previous_answer: str = "") -> str:
    """A stand-alone query for `question` given the previous turn (and the sentence it was answered with)."""
    if previous is None or not is_follow_up(question):
        return question
    q = question.strip()
    m = WHAT_ABOUT.match(q)
    if m:
        subject = (m.group("vi") or m.group("vi2") or m.group("en") or "").strip()
        if ASKS.search(subject):
            # "Còn có hiệu lực từ ngày nào?": a new question about the same subject.
            return f"{subject} ({topic_of(previous.effective_query)})"
        return swap_subject(previous.question, subject)
    asked = previous.question
    topic = f"({topic_of(previous.effective_query)})"
    answer_names = [n for n in names_in(previous_answer) if n not in asked]
    reference = NOUN_REFERENCE.search(q)
    if reference:
        # "Luật đó" is the law named before, never the person who was.
        if reference.group("vi"):  # Vietnamese names are only partly capitalised: read on from the noun
            noun = reference.group("vi")
            named = _phrase_from(noun, asked) or _named_with(noun, names_in(asked) + answer_names) or noun
        else:
            noun = reference.group("en")
            named = _named_with(noun, names_in(asked) + answer_names) or f"the {noun}"
        return f"{q[: reference.start()]}{named}{q[reference.end() :]} {topic}"
    # After "who …?" a pronoun points at the person in the answer, otherwise at the one in the question.
    if re.search(r"\b(ai|who|whom)\b", asked, re.IGNORECASE):
        people = [n for n in persons_in(previous_answer) if n not in asked]
        candidates = people + answer_names + names_in(asked)
    else:
        candidates = names_in(asked) + answer_names
    anaphora = next((a for a in (VI_ANAPHORA, EN_ANAPHORA) if a.search(q)), None)
    if candidates and anaphora is not None:
        return f"{anaphora.sub(candidates[0], q, count=1)} {topic}"
    # "it", "this": too vague to name; the topic of the previous turn carries the reference.
    return f"{q} {topic}"


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
    words = []
    for word in re.findall(r"[\wÀ-ỹ/-]+", text[match.end() :]):
        if word.lower() in QUESTION_WORDS or len(words) == longest:
            break
        words.append(word)
    return " ".join([match.group(0), *words])
