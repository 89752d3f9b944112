"""A question read once: its language, the kind of fact it asks for, the years and the person it
names, the content words an answer must hold, and (for a language the articles are not written
in) its words in the articles' language. Everything downstream reads this instead of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from qa.glossary import Glossary, lemma
from qa.lang import LanguagePack, languages
from qa.people import person_asked_about
from qa.text import YEAR_PATTERN, has_letters_of, names_and_numbers, plain_form, search_terms, syllables

L = languages()
# Below this share of letters among the characters typed (spaces aside), the input is symbols, not a
# question: the 241 built-in, 444 news and 2,380 XQuAD questions all have more than 0.7.
LETTER_SHARE = 0.5
MARKUP = re.compile(r"<[^<>]*>")  # an HTML tag ("<script>", "</b>")
CODE = [p for pack in L if (p := pack.pattern("detection.code"))]
# Questions about an article itself, answered from its opening: its gist, its date.
ABOUT_ARTICLE = ("summary", "published")
# A span of years ("2020-2024", "từ năm 2000 đến năm 2005") holds every year in it; a single year
# is `YEAR_PATTERN` ("năm 2023", "in 2023", "8/2021").
YEAR_SPAN = re.compile(
    rf"({YEAR_PATTERN.pattern})\s*(?:[-–]|(?i:{L.union('years.span_words')})(?:\s+(?i:{L.union('years.year_words')}))?)"
    rf"\s*({YEAR_PATTERN.pattern})"
)
_DECADES = "|".join(
    rf"({YEAR_PATTERN.pattern}){s}\b" for s in dict.fromkeys(p.get("years.decade_suffix") for p in L) if s
)
# A year that bounds or rounds the time asked about rather than naming it: "after 1935", "sau năm
# 1935", "since 2010", "những năm 1700", "the 1990s".
YEAR_NOT_ASKED = re.compile(
    rf"(?i:\b(?:{L.union('years.bound_words')})(?:\s+(?:{L.union('years.bound_year_words')}))?\s+)"
    rf"({YEAR_PATTERN.pattern})" + (f"|{_DECADES}" if _DECADES else "")
)
FRAME_PHRASES = tuple(tuple(phrase.split()) for pack in L for phrase in pack.get("words.frame_phrases", []))


def kind_asked(question: str, pack: LanguagePack) -> str | None:
    """ "summary" (of an article), "author" or "published" (of the article itself), "date",
    "number", "amount" or "person" when the question asks for one, in its pack's words."""
    return next((kind for kind, pattern in pack.asks.items() if pattern.search(question)), None)


def grain_asked(question: str, pack: LanguagePack, kind: str | None) -> str | None:
    """The grain of the fact asked when the question says it, in its pack's words (`[grain]`): a
    date's "year" ("năm nào") or "time" ("what time"), a number's "score" ("tỷ số"); else None."""
    grains = pack.grains.get(kind or "", {})
    return next((grain for grain, pattern in grains.items() if pattern.search(question)), None)


def measures_asked(question: str, pack: LanguagePack, kind: str | None, counted: tuple[str, ...]) -> frozenset[str]:
    """What a number question measures ("bao nhiêu năm" a duration, "how far" a length), from its
    words (`[measures.asked]`) and from the unit it counts (the articles' `[measures.units]`)."""
    if kind != "number":
        return frozenset()
    said = {measure for measure, pattern in pack.measures_asked.items() if pattern.search(question)}
    return frozenset(said | {m for noun in counted if (m := measure_of(noun))})


def measure_of(unit: str) -> str | None:
    """The measure a unit of the articles' language is of ("tuổi" -> "age"), None for a thing counted."""
    return L.cached("unit measures", _unit_measures).get(unit.lower())


def _unit_measures() -> dict[str, str]:
    units = L.articles.get("measures.units", {})
    return {u.lower(): measure for measure, words in units.items() for u in words.split("|")}


def counted_nouns(question: str, pack: LanguagePack, kind: str | None) -> tuple[str, ...]:
    """What a count question counts, in the articles' words, as a number that answers it is
    followed by ("bao nhiêu ngày" -> ("ngày",), "how many soldiers" -> ("binh sĩ", "quân nhân"),
    "bao nhiêu phần trăm" -> ("phần trăm", "%")); () for any other question (`[counted]`)."""
    if kind != "number":
        return ()
    match = next((m for p in pack.patterns("counted.patterns") if (m := p.search(question))), None)
    if match is None:
        return ()
    words = match.group("unit").lower().split()
    ends = pack.words("counted.phrase_ends")
    words = words[: next((i for i, w in enumerate(words) if w in ends), len(words))]
    if words and pack.get("counted.head") == "plural":  # "seriously ill patients" -> "patients"
        words = [next((w for w in words if w.endswith("s") and lemma(w, pack.code) != w), words[0])]
    if not words or words[0] in pack.words("counted.not_counted"):
        return ()
    phrase, aliases = " ".join(words[:2]), pack.get("counted.aliases", {})
    if pack.bridged:
        senses = Glossary.for_pack(pack).senses(words[0])
        forms = [*(senses[0][1] if senses else []), aliases.get(words[0], "")]
    elif phrase in aliases:
        forms = [phrase, aliases[phrase]]
    else:
        forms = [words[0], aliases.get(words[0], "")]
    return tuple(dict.fromkeys(f for f in forms if f))


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


def plain_terms(text: str) -> list[str]:
    return [plain_form(t) for t in syllables(text)]


def content_terms(question: str, pack: LanguagePack) -> list[str]:
    """The terms whose absence from a passage means it does not answer.

    In the articles' language: every syllable that is not a stopword. A bridged language: only what
    can appear verbatim in an article, names, acronyms and numbers (the first word aside, which is
    capitalised anyway)."""
    question = pack.asks["author"].sub(" ", question)  # "Ai viết bài", a frame
    if pack.bridged:
        question = names_and_numbers(question)
    # Typed with diacritics, a word must match exactly ("phạt" is not "phát"); typed without, any accent.
    exact = has_letters_of(L.articles, question)
    terms = _without_frame(syllables(question) if exact else plain_terms(question))
    return list(dict.fromkeys(t for t in terms if plain_form(t) not in pack.words("words.stopwords")))


def article_topic(question: str, pack: LanguagePack, kind: str = "summary") -> str:
    """What a question about an article (`ABOUT_ARTICLE`) says the article is about ("Tóm tắt bài
    viết về hội thảo" -> "hội thảo"), or "" when it names nothing but the article ("Tóm tắt bài này")."""
    rest = pack.asks[kind].sub(lambda m: f" {m.group('about') or ''} ", question)
    ignored = pack.words("words.stopwords") | pack.words("words.article_fillers")
    words = rest.split()
    # trim the request's own words from both ends: "the article about the 2022 World Cup" -> "2022 World Cup"
    while words and all(plain_form(w) in ignored for w in syllables(words[0])):
        words.pop(0)
    while words and all(plain_form(w) in ignored for w in syllables(words[-1])):
        words.pop()
    return " ".join(words).strip(" ,.:;?!")


def years_in(text: str) -> set[int]:
    """The years `text` speaks of, each year of a span included."""
    years = {int(y) for y in YEAR_PATTERN.findall(text)}
    for first, last in YEAR_SPAN.findall(text):
        if 0 < int(last) - int(first) <= 50:
            years.update(range(int(first), int(last) + 1))
    return years


DAY_MONTH = re.compile(r"(?<![\d/.-])(\d{1,2})(?:/(\d{1,2})(?:/(?:19|20)\d{2})?|-(\d{1,2})-(?:19|20)\d{2})(?![\d/-])")


def times_named(text: str) -> frozenset[str]:
    """The days ("29/4", written "29/4", "29-4" or "29/4/2021") and years a text names, as "d/m"
    and "yyyy": a news question often places its story by them ("Chiều 29/4, …")."""
    found = ((d, a or b) for d, a, b in DAY_MONTH.findall(text))
    days = {f"{int(d)}/{int(m)}" for d, m in found if 1 <= int(d) <= 31 and 1 <= int(m) <= 12}
    return frozenset(days | {str(y) for y in years_asked(text)})


def years_asked(question: str) -> set[int]:
    """The years a question names as its time ("… in 2023?"), not those that only bound it."""
    return years_in(YEAR_NOT_ASKED.sub(" ", question))


@dataclass(frozen=True)
class Bridge:
    """A question of a bridged language, as its glossary can say it in the articles' words."""

    glossary: Glossary
    rendering: str  # names, acronyms, numbers and the glossary's words, in question order ("" when none)
    code_switched: str  # the question with the glossary's words put in place
    translated_share: float  # share of its content words the glossary translates
    terms: tuple[str, ...]  # its BM25 terms: names (with their accent-free forms) and glossary syllables


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question, read once (`analyze`) and passed down to retrieval, scoring and abstention.

    Example:
        >>> a = analyze("Luật An ninh mạng có hiệu lực từ ngày nào?")
        >>> a.language, a.kind
        ('vi', 'date')
    """

    asked: str  # as the user typed it (NFC, stripped), diacritics put back where they were missing
    effective: str  # the stand-alone query searched (a follow-up rewritten with the turn before)
    pack: LanguagePack
    kind: str | None  # `kind_asked(effective)`
    years: frozenset[int]  # the years asked now (`years_asked` of `asked`, else of `effective`)
    person: str | None  # who "X là ai?" / "What is X's position?" asks about
    content: tuple[str, ...]  # `content_terms(effective)`
    terms: tuple[str, ...]  # BM25 terms of `effective`
    bridge: Bridge | None = field(default=None, repr=False)  # for a bridged language
    times: frozenset[str] = frozenset()  # the days ("29/4") and years ("2021") the question names
    counted: tuple[str, ...] = ()  # what a count question counts, in the articles' words (`counted_nouns`)
    grain: str | None = None  # the grain of the fact asked: "year", "time", "score" (`grain_asked`)
    measures: frozenset[str] = frozenset()  # what a number question measures (`measures_asked`)

    @property
    def held(self) -> str | None:
        """What a highlight must hold to answer (`qa.checks.holds`): the grain asked, else the kind."""
        return self.grain or self.kind

    @property
    def language(self) -> str:
        return self.pack.code

    @property
    def about_article(self) -> bool:
        return self.kind in ABOUT_ARTICLE

    def topic(self) -> str:
        """What a question about an article names as the article's subject ("" when nothing)."""
        return article_topic(self.asked, self.pack, self.kind or "summary")

    def searching(self, query: str) -> QuestionAnalysis:
        """The same question, searching `query` instead (the topic of a question about an article)."""
        return analyze(query, self.pack.code, asked=self.asked)

    def with_pack(self, pack: LanguagePack) -> QuestionAnalysis:
        return replace(self, pack=pack)

    @property
    def words_to_find(self) -> tuple[str, ...]:
        """The terms an article must know for the question to be about anything: its content terms,
        and for a bridged question its names and glossary words (its own words are not the articles')."""
        if self.bridge is not None:
            return tuple(dict.fromkeys([*self.content, *self.bridge.terms]))
        return self.content

    def looks_like_text(self) -> bool:
        """Not symbols, not code, not one word over and over: "????", "<script>alert(1)</script>",
        "DROP TABLE passages;" and "a a a …" are no questions (letters, markup tags aside, under
        `LETTER_SHARE` of what is typed; a pack's `detection.code`; a long run of at most two
        distinct words)."""
        typed = [c for c in self.asked if not c.isspace()]
        letters = sum(c.isalpha() for c in MARKUP.sub(" ", self.asked))
        words = syllables(self.asked)
        if not typed or letters / len(typed) < LETTER_SHARE:
            return False
        if any(pattern.search(self.asked) for pattern in CODE):
            return False
        return not (len(words) >= 10 and len(set(words)) <= 2)


def bridge(question: str, pack: LanguagePack) -> Bridge:
    glossary = Glossary.for_pack(pack)
    rendering = " ".join(filter(None, [names_and_numbers(question), *glossary.translate(question)]))
    glossary_words = syllables(" ".join(glossary.translate(question)))
    terms = tuple(dict.fromkeys([*search_terms(names_and_numbers(question)), *glossary_words]))
    return Bridge(glossary, rendering, glossary.code_switch(question), glossary.translated_share(question), terms)


def analyze(effective: str, language: str | None = None, asked: str | None = None) -> QuestionAnalysis:
    """Read `effective` (the query to search) as a question of `language` (detected when None);
    `asked` is what the user typed, diacritics restored, when it differs (a follow-up)."""
    from qa.text import detect_language

    pack = L.get(language or detect_language(effective))
    asked = effective if asked is None else asked
    bridged = bridge(effective, pack) if pack.bridged else None
    kind = kind_asked(effective, pack)
    counted = counted_nouns(effective, pack, kind)
    return QuestionAnalysis(
        asked=asked,
        effective=effective,
        pack=pack,
        kind=kind,
        years=frozenset(years_asked(asked) or years_asked(effective)),
        person=person_asked_about(effective),
        content=tuple(content_terms(effective, pack)),
        terms=bridged.terms if bridged else tuple(search_terms(effective)),
        bridge=bridged,
        times=times_named(effective),
        counted=counted,
        grain=grain_asked(effective, pack, kind),
        measures=measures_asked(effective, pack, kind, counted),
    )
