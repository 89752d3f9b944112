"""From retrieved passages to quotes: score each sentence against the question, highlight the best,
re-rank passages by their best sentence, and abstain when nothing answers.

No LLM: a sentence's score is its contextual embedding's similarity to the question (computed at
ingest from the passage's own forward pass), plus how much of the question's rare vocabulary it
contains, plus a small bonus when it holds the kind of fact asked for (a date for "khi nào/when").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from embeddings import maxsim, similarity_matrices
from qa.conversation import NAME_BODY, WHO_IS
from qa.glossary import FUNCTION_WORDS, Glossary
from qa.retrieval import Hit, vietnamese_rendering
from qa.text import (
    UPPER,
    YEAR_PATTERN,
    has_vietnamese_letters,
    names_and_numbers,
    plain_form,
    strip_accents,
    syllables,
)
from qa.types import Quote
from store import PassageStore, StoredPassage, StoredSentence

SENTENCE_WEIGHT = 1.0  # how much a passage's best sentence counts in its final score
# How much the share of the question's content terms found in a passage counts: a passage that
# repeats the topic ("Luật An ninh mạng" five times) must not beat the one holding the word asked
# about ("chương"). 0.3 lifts the built-in answer-in-top-quote (abstention off) for Vietnamese from
# 0.953 to 0.984 and without diacritics from 0.850 to 0.900; XQuAD vi->vi R@1 0.950 -> 0.952.
# English questions share only names and numbers with the articles: there it cost XQuAD en->vi
# R@1 0.804 -> 0.798, so it is off.
COVERAGE_WEIGHT = {"vi": 0.3, "en": 0.0}
# How much token alignment (embeddings/alignment.py) counts in a passage's rank.
ALIGNMENT_WEIGHT = {"vi": 0.0, "en": 6.0}
# How much a sentence's own token alignment counts in its score (which picks the highlight and, as
# the passage's best sentence, re-ranks passages). On XQuAD, with the weight chosen on the other
# half of the articles, answer-in-highlight went 0.556 -> 0.622 (en) and 0.771 -> 0.788 (vi).
SENTENCE_ALIGNMENT_WEIGHT = {"vi": 2.0, "en": 2.0}
LEXICAL_IN_SENTENCE = {"vi": 0.35, "en": 0.1}
KIND_BONUS = 0.1
# A sentence that says who the person asked about is ("Đại tướng Tô Lâm, Bộ trưởng Bộ Công an")
# beats one that only names them ("Bộ trưởng Tô Lâm nhấn mạnh").
DESCRIBED_BONUS = 0.2
SECOND_HIGHLIGHT_MARGIN = 0.01
# Added to an article's first passage: news tells who, what, where and when first (the inverted
# pyramid), so between passages of one story scored alike the lead more likely answers. On XQuAD's
# whole articles passage R@1 en 0.856 -> 0.860, vi 0.945 -> 0.947 (0.03 the same, 0.1 worse).
LEAD_BONUS = 0.05

# A date: "27/4", "năm 2022", a year; and the hyphenated or dotted day-month of many papers ("Sáng
# 6-2", "ngày 3.2", "10-3-1975"), only after a word of time or with a year, since "thắng 2-1",
# "3-5%" and "3.2 triệu" are not dates.
DATE_PATTERN = re.compile(
    r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\bnăm \d{4}\b|\btháng \d{1,2}\b|\b(19|20)\d{2}\b"
    r"|\b(ngày|sáng|chiều|tối|trưa|đêm|hôm) \d{1,2}[-.]\d{1,2}\b|\b\d{1,2}-\d{1,2}-\d{4}\b",
    re.IGNORECASE,
)
# A count, in digits or words ("hai vụ", "43 Điều"); not "một" (also "a") nor "năm" (also "year").
NUMBER_PATTERN = re.compile(
    r"\b\d+([.,]\d+)?\b|\b(hai|ba|bốn|sáu|bảy|tám|chín|mười|hàng chục|hàng trăm|trăm|nghìn|ngàn|triệu|tỷ|tỉ)\b",
    re.IGNORECASE,
)
CURRENCIES_VI = "đồng|dong|VND|VNĐ|USD|đô la|đô-la|do la|euro|EUR|bảng Anh|yên|nhân dân tệ|NDT|rupee|won"
# A sum of money: a number (digits or words) with a currency or a scale ("75 triệu", "5 triệu đô la",
# "$100", "2,5 tỷ đồng"); "6 quốc gia" and "hàng triệu người" are not.
MONEY_PATTERN = re.compile(
    rf"(\d[\d.,]*|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm))\s*(nghìn|ngàn|triệu|tỷ|tỉ|million|billion)?\s*"
    rf"({CURRENCIES_VI}|dollars?|euros?)\b|[$€£¥]\s*\d|\d[\d.,]*\s*(nghìn|ngàn|triệu|tỷ|tỉ)\b",
    re.IGNORECASE,
)
NAME_PATTERN = re.compile(rf"\b[{UPPER}]\w*(\s+[{UPPER}]\w*)+")
# What kind of fact a question asks for, per question language. English "when" counts only where
# it opens the question or a clause: "what did she say when closing …?" does not ask for a date.
ASKS = {
    "vi": {
        # the gist of an article: answered by its opening (the lead), not by a sentence like the words
        # (each phrase also typed without diacritics)
        "summary": re.compile(
            r"(?<!bản )(?<!ban )\b(tóm tắt|tom tat|tóm lược|tom luoc|ý chính|y chinh|nội dung chính|noi dung chinh)\b"
            r"|\b(nội dung|noi dung)( của| cua)? (bài viết|bai viet|bài báo|bai bao|bản tin|ban tin|bài này|bai nay)"
            r"|\b(bài viết|bai viet|bài báo|bai bao|bản tin|ban tin|bài|bai|tin)( này| nay| đó| ấy)?"
            r"(?P<about>\s+(về|ve)\s+[^,?]{1,80}?)?\s+(nói|noi|đề cập|de cap|kể|viết(?= về)|viet(?= ve))"
            r"( về| ve| tới| đến| den)? "
            r"(gì|gi|điều gì|dieu gi|cái gì|chuyện gì|vấn đề gì|van de gi|những gì|nhung gi)\b",
            re.IGNORECASE,
        ),
        # who wrote the article itself (its byline), not who wrote a book the article mentions
        "author": re.compile(
            r"\b(tác giả|người viết|ai viết|ai đã viết)( của)? (bài viết|bài báo|bản tin|tin này|"
            r"bài(?= về| này| đó| ấy| trên|\s*[?.!]|$))"  # "bài" alone, not "bài thơ" (a poem)
            r"|\b(bài viết|bài báo|bản tin)( này| đó)? do ai viết|\b(bài viết|bài báo|bản tin) (này|đó) của ai",
            re.IGNORECASE,
        ),
        # when the article itself came out (its date), not when something it reports happened
        "published": re.compile(
            r"\b(bài viết|bai viet|bài báo|bai bao|bản tin|ban tin|bài|bai|tin)( này| nay| đó| do)?"
            r"(?P<about>\s+(về|ve)\s+[^,?]{1,80}?)?\s+(được\s+|duoc\s+)?(đăng|dang|xuất bản|xuat ban|công bố|phát hành)"
            r"(\s+(vào|vao|lúc|luc|từ|tu))?\s+(ngày nào|ngay nao|khi nào|khi nao|lúc nào|luc nao|hôm nào|hom nao|"
            r"bao giờ|bao gio|năm nào|nam nao)"
            r"|\b(ngày đăng|ngay dang|ngày xuất bản|ngay xuat ban)\b",
            re.IGNORECASE,
        ),
        "date": re.compile(
            r"\b(khi nào|ngày nào|ngày bao nhiêu|năm nào|tháng nào|bao giờ|lúc nào|thời gian nào|"
            r"khi nao|ngay nao|nam nao|thang nao|bao gio|luc nao)\b",
            re.IGNORECASE,
        ),
        # a sum of money: "bao nhiêu tiền", "Ngân sách … là bao nhiêu euro?", "mức phạt … bao nhiêu"
        "amount": re.compile(
            rf"\b(bao nhiêu|bao nhieu) (tiền|tien|{CURRENCIES_VI})\b"
            r"|(?<!đánh )(?<!danh )\b(giá|kinh phí|kinh phi|ngân sách|ngan sach|vốn|chi phí|chi phi|tổng mức đầu tư|"
            r"mức phạt|muc phat|tiền phạt|tien phat|lương|luong|doanh thu|lợi nhuận|loi nhuan|số tiền|so tien)\b"
            r"[^?]*\b(bao nhiêu|bao nhieu)\b",
            re.IGNORECASE,
        ),
        "number": re.compile(r"\b(bao nhiêu|mấy|bao nhieu|may)\b", re.IGNORECASE),
        "person": re.compile(r"\b(ai)\b", re.IGNORECASE),
    },
    "en": {
        "summary": re.compile(
            r"\b(summari[sz]e|sum up|main points|gist)\b|\bsummary of (this|that|the|it)\b|^\s*summary\b"
            r"|\bwhat(?:'s| is| was) (this|that|the) (article|story|report|piece|news)\b(?P<about>.*)\babout\b"
            r"|\bwhat does (this|that|the) (article|story|report|piece) (say|cover)\b",
            re.IGNORECASE,
        ),
        "author": re.compile(
            r"\b(who wrote|who authored|author of|written by|who reported)( this| that| the)? "
            r"(article|report|story|piece|news)\b",
            re.IGNORECASE,
        ),
        "published": re.compile(
            r"\b(when|what date|what day) (was|is|did) (this|that|the) (article|story|report|piece|news)\b"
            r"(?P<about>.*?)\s*\b(published|posted|released|come out|came out)\b"
            r"|\b(publication date|date of publication|published on what date)\b",
            re.IGNORECASE,
        ),
        "date": re.compile(
            r"(^|[,;(]\s*)((and|so|but)\s+)?when\b|\b(what date|what year|which year|what day|which day|since when)\b",
            re.IGNORECASE,
        ),
        "amount": re.compile(
            r"\bhow much (money|funding|cash)\b"
            r"|\bhow much (did|does|do|will|would|is|was|are|were)\b[^?]*\b(cost|costs|pay|paid|spend|spent|worth|"
            r"invest|invested|raise|raised|earn|earned|charge|charged|fined?)\b"
            r"|\bwhat (is|was|are|were) the (\w+ )?(budget|cost|price|fine|penalty|fee|salary|wage|revenue|profit|"
            r"funding|investment)s?\b"
            r"|\bin (euros?|dollars?|US dollars|USD|VND|dong|yuan|yen)\b",
            re.IGNORECASE,
        ),
        # also a quantity asked by its name or its unit ("What is the population …?", "… in percent?")
        "number": re.compile(
            r"\b(how many|how much|what number)\b"
            r"|\bwhat (is|was|are|were) the (\w+ )?(population|amount|percentage|proportion|number)\b"
            r"|\bin (pounds|percent|per cent)\b",
            re.IGNORECASE,
        ),
        "person": re.compile(r"\b(who|whom|whose)\b", re.IGNORECASE),
    },
}
# What a highlight must hold, at the least, to answer a "when", "how many" or "how much money"
# question: wider than the patterns above, which score sentences, so that "Năm 1237", "66 triệu năm
# trước", "khi hệ thống …" or "nhiều lần" still count. A highlight with none of it is on the topic
# but cannot answer.
ANSWERS_KIND = {
    "amount": re.compile(rf"{MONEY_PATTERN.pattern}|\b(miễn phí|không mất tiền)\b", re.IGNORECASE),
    "date": re.compile(
        rf"{DATE_PATTERN.pattern}|\d{{3,}}|\d\.\d{{3}}|\b(khi|lúc|năm trước|thế kỷ|thập niên|TCN|BP)\b",
        re.IGNORECASE,
    ),
    "number": re.compile(
        rf"{NUMBER_PATTERN.pattern}|\b(nhiều|ít|không có|phần lớn|hầu hết|đa số|tất cả|toàn bộ|một số)\b",
        re.IGNORECASE,
    ),
}


# Words that carry no content of their own (question words, function words), accent-free.
STOPWORDS = {
    "vi": frozenset(
        "ai gi nao dau sao bao nhieu may khi the nhu la co khong duoc cua va nhung cac mot nay do ay thi ma "
        "de voi trong tren ve tu den o cho boi vi neu hay hoac da dang se bi rang thuoc theo nhat nhieu lam "
        "roi con ong ba anh chi ho nguoi ngai".split()
    ),
    "en": FUNCTION_WORDS,
}


# Questions about an article itself, answered from its opening: its gist, its date.
ABOUT_ARTICLE = ("summary", "published")
# Words of such a question that name no topic ("Tóm tắt giúp tôi bài này", "Please summarise the
# article"), accent-free.
ARTICLE_FILLERS = {
    "vi": frozenset("bai viet bao ban tin giup gium toi minh cho hay lai ngan gon noi dung chinh".split()),
    "en": frozenset(
        "article articles story report piece news please me briefly short can could would you give".split()
    ),
}


def article_topic(question: str, language: str, kind: str = "summary") -> str:
    """What a question about an article (`ABOUT_ARTICLE`) says the article is about ("Tóm tắt bài
    viết về hội thảo" -> "hội thảo"), or "" when it names nothing but the article ("Tóm tắt bài này")."""
    lang = "en" if language == "en" else "vi"
    rest = ASKS[lang][kind].sub(lambda m: f" {m.group('about') or ''} ", question)
    ignored = STOPWORDS[lang] | ARTICLE_FILLERS[lang]
    words = rest.split()
    # trim the request's own words from both ends: "the article about the 2022 World Cup" -> "2022 World Cup"
    while words and all(plain_form(w) in ignored for w in syllables(words[0])):
        words.pop(0)
    while words and all(plain_form(w) in ignored for w in syllables(words[-1])):
        words.pop()
    return " ".join(words).strip(" ,.:;?!")


# Phrases that say what kind of fact is asked for, not what it is about: "giữ chức vụ gì" is
# answered by "Cục trưởng Cục Đối ngoại", which contains none of its words. Matched accent-free
# as whole syllable sequences, so they never remove a lone syllable such as "dịch" or "vụ".
FRAME_PHRASES = tuple(
    tuple(phrase.split())
    for phrase in (
        "giu chuc vu",
        "chuc vu",
        "chuc danh",
        "lam viec",
        "cuong vi",
        "muc dich",
        "dien ra",
        "keo dai",
        "duoc nhac den",
        "nhac den",
        "de cap",
        "ban ve",
        "noi ve",
        "xoay quanh",
        "noi dung",
        "thong tin",
        "tac gia",
        "bai viet",
        "bai bao",
        "trong bai",
        "cu the",
        "hien nay",
    )
)


def _without_frame(terms: list[str]) -> list[str]:
    """`terms` minus every run of syllables that spells a frame phrase (compared accent-free)."""
    plain = [plain_form(t) for t in terms]
    keep = [True] * len(terms)
    for phrase in FRAME_PHRASES:
        n = len(phrase)
        for i in range(len(plain) - n + 1):
            if tuple(plain[i : i + n]) == phrase:
                keep[i : i + n] = [False] * n
    return [t for t, k in zip(terms, keep) if k]


@dataclass
class ScoredSentence:
    start: int
    end: int
    score: float
    dense: float = 0.0  # similarity to the question's judging vector, what `confidence` reads


@dataclass
class Evidence:
    """A hit re-scored by its sentences; `best` are the sentences to highlight."""

    hit: Hit
    passage: StoredPassage
    sentences: list[ScoredSentence]
    score: float
    coverage: float = 1.0  # share of the question's content terms (idf-weighted) found in the passage
    alignment: float = 0.0  # token alignment with the question (embeddings/alignment.py)

    @property
    def best(self) -> ScoredSentence:
        return max(self.sentences, key=lambda s: s.score)

    def highlighted(self) -> list[ScoredSentence]:
        """The best sentence, and the runner-up when it scores within SECOND_HIGHLIGHT_MARGIN."""
        ranked = sorted(self.sentences, key=lambda s: -s.score)
        if len(ranked) > 1 and ranked[0].score - ranked[1].score <= SECOND_HIGHLIGHT_MARGIN:
            return ranked[:2]
        return ranked[:1]

    @property
    def highlighted_text(self) -> list[str]:
        """The text of `highlighted()`, as `Quote.highlighted_text` gives it."""
        return [self.passage.text[s.start : s.end] for s in self.highlighted()]


def _plain_terms(text: str) -> list[str]:
    return [plain_form(t) for t in syllables(text)]


def content_terms(question: str, language: str) -> list[str]:
    """The terms whose absence from a passage means it does not answer.

    Vietnamese: every non-stopword syllable. English: only what can appear verbatim in a
    Vietnamese article — names, acronyms and numbers (the first word aside, which is capitalised
    anyway)."""
    question = ASKS["en" if language == "en" else "vi"]["author"].sub(" ", question)  # "Ai viết bài", a frame
    if language == "en":
        question = names_and_numbers(question)
    # Typed with diacritics, a word must match exactly ("phạt" is not "phát"); typed without, any accent.
    exact = has_vietnamese_letters(question)
    terms = _without_frame(syllables(question) if exact else _plain_terms(question))
    stop = STOPWORDS["en" if language == "en" else "vi"]
    return list(dict.fromkeys(t for t in terms if plain_form(t) not in stop))


def kind_asked(question: str, language: str = "vi") -> str | None:
    """ "summary" (of an article), "author" or "published" (of the article itself), "date",
    "number" or "person" when the question asks for one, in `language`'s words."""
    for kind, pattern in ASKS.get(language, ASKS["vi"]).items():
        if pattern.search(question):
            return kind
    return None


# "hai" saying "both" of the parties already named, not how many: "hai Bên", "hai nước", "hai phía",
# "hai Thủ tướng Nguyễn Xuân Phúc và Thủ tướng Hà Lan Mark Rutte" (a title or party, capitalised).
BOTH = re.compile(rf"\b(?i:hai (?:bên|phía|nước))\b|\bhai (?=[{UPPER}])")


def _countable(text: str) -> str:
    """The text without what holds numbers but is no count: "bao nhiêu" is not answered by a date
    ("ngày 8/2") nor by "both" (`BOTH`: "Bao nhiêu người tham dự?" by "hai Thủ tướng …")."""
    return BOTH.sub(" ", DATE_PATTERN.sub(" ", text))


def _has_kind(text: str, kind: str | None) -> bool:
    if kind == "date":
        return bool(DATE_PATTERN.search(text))
    if kind == "number":
        return bool(NUMBER_PATTERN.search(_countable(text)))
    if kind == "amount":
        return bool(MONEY_PATTERN.search(text))
    if kind == "person":
        return bool(NAME_PATTERN.search(text))
    return False


BYLINE = re.compile(rf"[{UPPER}]\w*(?: [{UPPER}]\w*){{0,3}}")


def is_byline(text: str, start: int, end: int) -> bool:
    """The reporter's name on a line of its own closing the passage ("…trong thời gian tới.\nTiến Dũng")."""
    own_line = (start == 0 or text[start - 1] == "\n") and not text[end:].strip()
    return own_line and bool(BYLINE.fullmatch(text[start:end].strip()))


# A sentence of running text ends with a full stop (or ! ? …), maybe inside quotes; a title, a
# caption or "Lượt xem: 1030" does not.
PROSE_END = re.compile(r"[.!?…][\"”’')]*$")
LEAD_MIN_WORDS = 8


def lead_sentences(passage: StoredPassage, sentences: list[StoredSentence]) -> list[tuple[int, int]]:
    """An article's lead, from its first passage: the first sentence of running text that is not the
    title, and the next one when it continues the same paragraph (news leads run one or two
    sentences)."""
    text = passage.text

    def running(s: StoredSentence) -> bool:
        words = text[s.start : s.end].strip()
        return bool(PROSE_END.search(words)) and len(syllables(words)) >= LEAD_MIN_WORDS and words != passage.title

    body = [i for i, s in enumerate(sentences) if running(s)]
    if not body:
        return [(s.start, s.end) for s in sentences[:1]]
    first, after = body[0], body[0] + 1
    lead = [sentences[first]]
    if after in body and "\n" not in text[sentences[first].end : sentences[after].start]:
        lead.append(sentences[after])
    return [(s.start, s.end) for s in lead]


# "Gunnar Wiegand giữ chức vụ gì?", "What is Gunnar Wiegand's position?": who someone is, by office.
POSITION_OF = re.compile(
    rf"(?P<a>{NAME_BODY})\s+(?i:giữ|giu|đảm nhiệm|dam nhiem)\s+(?i:chức vụ|chuc vu|chức danh|chuc danh|cương vị)"
    rf"|(?i:what\s+is|what's)\s+(?P<b>{NAME_BODY})'s\s+(?i:position|title|job|role|office)"
    rf"|(?i:what\s+(?:position|title|office|post)\s+does)\s+(?P<c>{NAME_BODY})\s+(?i:hold)"
)


def person_asked_about(question: str) -> str | None:
    """X in "X là ai?", "Who is X?", "X giữ chức vụ gì?", "What is X's position?" (a capitalised
    name), else None."""
    match = WHO_IS.match(question) or POSITION_OF.search(question)
    return next((name for name in match.groups() if name), None) if match else None


def describes_person_asked(evidence: Evidence, question: str) -> bool:
    """The question asks who someone is (`person_asked_about`) and the highlight says it."""
    person = person_asked_about(question)
    return bool(person) and any(describes(text, person) for text in evidence.highlighted_text)


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


# "Ai là Bộ trưởng Bộ Ngoại giao Việt Nam?": who holds an office of a named body. An answer names
# that body ("Bộ trưởng Ngoại giao Bùi Thanh Sơn"); "Bộ trưởng Tô Lâm", of another ministry, does not.
OFFICE_TITLES = (
    "Bộ trưởng|Thứ trưởng|Thủ tướng|Phó Thủ tướng|Chủ tịch|Tổng thống|Phó Tổng thống|Đại sứ|Cục trưởng|"
    "Giám đốc|Tổng Bí thư|Chánh án|Thống đốc|Thị trưởng|Tổng thư ký|Người phát ngôn"
)
OFFICE_HOLDER = re.compile(
    rf"^\s*(?i:ai)\s+(?:là|đang là|hiện là)\s+(?i:{OFFICE_TITLES})\s+(?P<body>[{UPPER}][^?]*?)"
    rf"(?:\s+(?i:hiện nay|bây giờ|hiện tại))?\s*\??\s*$"
)
# Words that name no body in particular ("Bộ", "Cục") or every one here ("Việt Nam").
GENERIC_BODY_WORDS = frozenset("Bộ Cục Sở Ban Vụ Việt Nam".split())
OFFICE_TITLES_EN = (
    "minister|deputy minister|prime minister|president|vice president|chairman|chairwoman|chair|"
    "ambassador|director|director general|head|secretary|secretary general|general secretary|governor|"
    "mayor|spokesman|spokesperson|chief justice"
)
OFFICE_HOLDER_EN = re.compile(
    rf"^\s*who\s+(?:is|was)\s+(?:the\s+)?(?:current\s+)?(?:[\w-]+'s\s+)?(?:{OFFICE_TITLES_EN})\s+"
    rf"(?:of|for)\s+(?:the\s+)?(?P<body>[^?]+?)(?:\s+(?:now|today))?\s*\??\s*$",
    re.IGNORECASE,
)
GENERIC_BODY_WORDS_EN = frozenset("ministry department office agency committee".split())


def _has_word(text: str, words: str) -> bool:
    """`words` stands in `text` as whole words (case as given)."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def names_the_body(evidence: Evidence, question: str) -> bool:
    """False when the question asks who holds an office of a named body (`OFFICE_HOLDER`,
    `OFFICE_HOLDER_EN`) and the highlight does not name that body by its distinctive words:
    capitalised in a Vietnamese question; in English, each word the glossary knows by one of its
    Vietnamese renderings, capitalised as a name is ("Foreign Affairs" by "Ngoại giao" or "Đối
    ngoại", not by "hợp tác ngoại giao"), and a name it does not know verbatim."""
    text = " ".join(evidence.highlighted_text)
    match = OFFICE_HOLDER.match(question)
    if match:
        words = [w for w in re.findall(rf"[{UPPER}]\w*", match.group("body")) if w not in GENERIC_BODY_WORDS]
        return all(_has_word(text, w) for w in words)
    match = OFFICE_HOLDER_EN.match(question)
    if not match:
        return True

    def named(words: str) -> bool:  # capitalised as names are: "Bộ Ngoại giao", "Hà Lan", "EU"
        return any(_has_word(text, w) for w in {words[0].upper() + words[1:], words.title(), words.upper()})

    for words, renderings in Glossary.default().senses(match.group("body")):
        if words.lower() in GENERIC_BODY_WORDS_EN or not (renderings or words[0].isupper()):
            continue
        if not any(named(v) for v in renderings or [words]):
            return False
    return True


def holds_kind_asked(evidence: Evidence, kind: str | None) -> bool:
    """False when the question asks (`kind_asked`) for a date, a number, a sum of money or the
    article's author and the highlight holds none: a quote about the right topic that cannot answer
    ("Bao nhiêu người tham dự?" quoting the guest list; "who wrote it?" of an article without a
    byline)."""
    if kind == "author":
        return any(is_byline(evidence.passage.text, s.start, s.end) for s in evidence.highlighted())
    if kind not in ANSWERS_KIND:
        return True
    texts = evidence.highlighted_text
    return any(ANSWERS_KIND[kind].search(_countable(t) if kind == "number" else t) for t in texts)


# A span of years ("2020-2024", "từ năm 2000 đến năm 2005") holds every year in it; a single year
# is `YEAR_PATTERN` ("năm 2023", "in 2023", "8/2021").
YEAR_SPAN = re.compile(
    rf"({YEAR_PATTERN.pattern})\s*(?:[-–]|(?i:đến|tới|to|until|and)(?:\s+(?i:năm|the year))?)\s*"
    rf"({YEAR_PATTERN.pattern})"
)
# A year that bounds or rounds the time asked about rather than naming it: "after 1935", "sau năm
# 1935", "since 2010", "những năm 1700", "the 1990s".
YEAR_NOT_ASKED = re.compile(
    r"(?i:\b(?:after|before|since|until|by|sau|trước|truoc|từ|tu|kể từ|ke tu|đến|den|tới|toi|những|nhung|"
    r"thập niên|thap nien|thập kỷ|thap ky)(?:\s+(?:năm|nam|the year))?\s+)"
    rf"({YEAR_PATTERN.pattern})|({YEAR_PATTERN.pattern})s\b"
)


def years_in(text: str) -> set[int]:
    """The years `text` speaks of, each year of a span included."""
    years = {int(y) for y in YEAR_PATTERN.findall(text)}
    for first, last in YEAR_SPAN.findall(text):
        if 0 < int(last) - int(first) <= 50:
            years.update(range(int(first), int(last) + 1))
    return years


def years_asked(question: str) -> set[int]:
    """The years a question names as its time ("… in 2023?"), not those that only bound it."""
    return years_in(YEAR_NOT_ASKED.sub(" ", question))


def speaks_of_years_asked(evidence: Evidence, asked: set[int]) -> bool:
    """False when the question names a year (`years_asked`: "What did Indonesia sign in 2023?")
    that neither the quoted passage nor its article's date holds, while the passage names other
    years: it tells of another time. A passage naming no year tells of its article's time or
    before, so not of a year after the article came out ("Who won the AFF Cup in 2030?" of a 2017
    report). One year of several asked is enough ("in 2000-2005 compared to 1995-2000")."""
    if not asked:  # most questions: no passage read
        return True
    told = years_in(evidence.passage.text)
    dated = years_in(evidence.passage.date or "")
    if told:
        return bool(asked & (told | dated))
    return not dated or min(asked) <= max(dated)


# How far below the best passage a passage may score and still answer a "when" question the best
# one holds no date for (`date_first`). Built-in English top quote 0.797 -> 0.823, XQuAD en->vi
# highlight 0.698 -> 0.701; for every kind of fact (numbers too) it cost a Vietnamese unanswerable
# question ("bao nhiêu vụ tấn công mạng năm 2021?" took "12/6/2018" for a count).
DATE_NEARBY = 0.1


def date_first(evidence: list[Evidence]) -> list[Evidence]:
    """For a question asking when: when the best passage's highlight holds no date but one of the
    next two, scored within `DATE_NEARBY` of it, does, that one answers, rather than abstaining
    for lack of a date the articles give ("When did the Cybersecurity Law take effect?")."""
    if not evidence or holds_kind_asked(evidence[0], "date"):
        return evidence
    near = [e for e in evidence[1:3] if e.score >= evidence[0].score - DATE_NEARBY and holds_kind_asked(e, "date")]
    return [near[0], *(e for e in evidence if e is not near[0])] if near else evidence


class Quoter:
    """Score sentences and passages; build `Quote`s.

    Example:
        >>> quoter = Quoter(store, idf=retriever.lexical().idf)
        >>> evidence = quoter.rank(question, question_vector, hits, language="vi")
    """

    def __init__(self, store: PassageStore, idf) -> None:
        self.store = store
        self.idf = idf

    def rank(
        self,
        question: str,
        vector: np.ndarray,
        hits: list[Hit],
        language: str,
        question_tokens: np.ndarray | None = None,
        judge_vector: np.ndarray | None = None,
    ) -> list[Evidence]:
        """Hits re-scored by their best sentence, term coverage, token alignment (given the
        question's alignment states) and, for an article's first passage, `LEAD_BONUS`; best first.
        Each sentence's `dense` is its similarity to `judge_vector` (`QuestionVectors.judge`;
        default `vector`), what the confidence reads."""
        if not hits:
            return []
        ids = [h.passage_id for h in hits]
        passages = self.store.passages(ids)
        sentences = self.store.sentences(ids)
        alignment_weight = ALIGNMENT_WEIGHT.get(language, ALIGNMENT_WEIGHT["vi"])
        sentence_alignment_weight = SENTENCE_ALIGNMENT_WEIGHT.get(language, SENTENCE_ALIGNMENT_WEIGHT["vi"])
        similarities = self._similarities(ids, question_tokens) if alignment_weight or sentence_alignment_weight else {}
        if any(s.tokens is None for rows in sentences.values() for s in rows):
            sentence_alignment_weight = 0.0  # an index from before sentences knew their tokens
        # an English question meets a sentence in the articles' words: its names and its glossary
        # words, the latter as exact syllables (as in BM25: "đón" is not "đơn")
        english = language == "en"
        terms = list(dict.fromkeys(syllables(vietnamese_rendering(question)) if english else _plain_terms(question)))
        weights = self.idf(terms, absent=0.0) if terms else np.zeros(0)
        total = float(weights.sum()) or 1.0
        lexical_weight = LEXICAL_IN_SENTENCE.get(language, LEXICAL_IN_SENTENCE["vi"])
        coverage_weight = COVERAGE_WEIGHT.get(language, COVERAGE_WEIGHT["vi"])
        kind = kind_asked(question, language)
        person = person_asked_about(question)
        needed = content_terms(question, language)
        needed_weights = self.idf(needed) if needed else np.zeros(0)
        out = []
        for hit in hits:
            passage = passages.get(hit.passage_id)
            if passage is None:
                continue
            similarity = similarities.get(hit.passage_id)
            scored = []
            for sent in sentences.get(hit.passage_id, []):
                text = passage.text[sent.start : sent.end]
                words = syllables(text)
                present = {plain_form(w) for w in words} | (set(words) if english else set())
                overlap = sum(w for t, w in zip(terms, weights) if t in present) / total
                dense = float(sent.vector @ vector)
                judged = dense if judge_vector is None else float(sent.vector @ judge_vector)
                score = dense + lexical_weight * overlap
                if similarity is not None and sentence_alignment_weight:
                    score += sentence_alignment_weight * maxsim(similarity[:, sent.tokens[0] : sent.tokens[1]])
                if kind and _has_kind(text, kind):
                    score += KIND_BONUS
                if person and describes(text, person):
                    score += DESCRIBED_BONUS
                scored.append(ScoredSentence(sent.start, sent.end, score, judged))
            if not scored:
                scored = [ScoredSentence(0, len(passage.text), hit.dense, hit.dense)]
            best = max(s.score for s in scored)
            coverage = 1.0
            if needed:
                words = syllables(passage.title + " " + passage.text)
                present = set(words) | {plain_form(w) for w in words}
                found = sum(w for t, w in zip(needed, needed_weights) if t in present)
                coverage = float(found / max(float(needed_weights.sum()), 1e-9))
            alignment = maxsim(similarity) if similarity is not None else 0.0
            score = hit.score + SENTENCE_WEIGHT * best + coverage_weight * coverage + alignment_weight * alignment
            if passage.position == 0:
                score += LEAD_BONUS
            out.append(Evidence(hit, passage, scored, score, coverage, alignment))
        out.sort(key=lambda e: -e.score)
        return out

    def byline_first(
        self,
        evidence: list[Evidence],
        question: str,
        vector: np.ndarray,
        language: str,
        question_tokens: np.ndarray | None = None,
    ) -> list[Evidence]:
        """For a question about who wrote the article: the byline closes the article the best
        passage is from, so that article's last passage goes first with the byline highlighted,
        ranked even if retrieval missed it (no byline, and `holds_kind_asked` abstains)."""
        if not evidence:
            return evidence
        last = self.store.article_passage_ids(evidence[0].passage.article_id)[-1]
        ending = [e for e in evidence if e.passage.id == last] or self.rank(
            question, vector, [Hit(last, score=0.0, dense=0.0, lexical=0.0)], language, question_tokens
        )
        if not ending:
            return evidence
        end = ending[0]
        bylines = [s for s in end.sentences if is_byline(end.passage.text, s.start, s.end)]
        if not bylines:
            return evidence
        # the byline is what to highlight, whatever its similarity to the question
        top = max(s.score for s in end.sentences) + 1.0
        sentences = [replace(s, score=top) if s in bylines else s for s in end.sentences]
        return [replace(end, sentences=sentences), *(e for e in evidence if e is not end)]

    def leads(self, article_ids: list[str], score: float = 1.0) -> list[Evidence]:
        """Each article's first passage with its lead highlighted (`lead_sentences`): what a news
        article is about, by the convention of the genre. `score` is what they are ranked by."""
        firsts = [ids[0] for ids in (self.store.article_passage_ids(a) for a in article_ids) if ids]
        passages = self.store.passages(firsts)
        sentences = self.store.sentences(firsts)
        out = []
        for pid in firsts:
            passage, rows = passages[pid], sentences.get(pid) or []
            lead = lead_sentences(passage, rows)
            scored = [ScoredSentence(s.start, s.end, float((s.start, s.end) in lead)) for s in rows]
            scored = scored or [ScoredSentence(0, len(passage.text), 1.0)]
            out.append(Evidence(Hit(pid, score=score, dense=0.0, lexical=0.0), passage, scored, score=score))
        return out

    def _similarities(self, ids: list[int], question_tokens: np.ndarray | None) -> dict[int, np.ndarray]:
        """Question-token x passage-token cosines for each passage (embeddings/alignment.py); none at
        all unless every passage has codes (an index built before them), so passages are never
        compared on unequal terms."""
        if question_tokens is None or not len(question_tokens):
            return {}
        codes = self.store.alignment_codes(ids)
        if any(codes.get(i) is None for i in ids):
            return {}
        return dict(zip(ids, similarity_matrices(question_tokens, [codes[i] for i in ids])))

    @staticmethod
    def to_quote(evidence: Evidence) -> Quote:
        p = evidence.passage
        return Quote(
            article_id=p.article_id,
            title=p.title,
            date=p.date,
            url=p.url,
            text=p.text,
            highlights=sorted((s.start, s.end) for s in evidence.highlighted()),
            score=round(float(evidence.score), 4),
            passage_id=p.id,
            position=p.position,
            start=p.start,
            source=p.source,
        )


def confidence(evidence: list[Evidence], coverage_weight: float) -> float:
    """How sure we are the top quote answers: its best sentence's similarity to the question,
    plus how much of the question's content the passage covers (weight calibrated per language)."""
    if not evidence:
        return 0.0
    top = evidence[0]
    return float(top.best.dense + coverage_weight * top.coverage)


def abstains(sure: float, threshold: float, kind_found: bool, described: bool) -> bool:
    """The abstention rule (the eval runner's calibration replays it): below the threshold, unless
    the highlight says who the person asked about is; or, whatever the confidence, without the kind
    of fact asked for (`kind_found` is False also when the quote speaks of another year)."""
    return (sure < threshold and not described) or not kind_found
