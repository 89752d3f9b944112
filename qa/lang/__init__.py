"""Language packs: what the answer layer knows of each language, as data (qa/lang/<code>.toml).

A pack holds a language's words and patterns: how a question asks for a kind of fact, what points
back in a follow-up, its small talk, its messages. Code reads packs and never names a language: a
new language is a new pack (and, when the articles are not written in it, a glossary into theirs).
Where several languages share a role (the question words a follow-up's topic leaves out, the titles
before a person's name), the code that needs it joins every pack's words (`Languages.union`).

Example:
    >>> from qa.lang import languages
    >>> languages()["vi"].asks["date"].search("Luật có hiệu lực khi nào?") is not None
    True
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent
# The order packs are read and tried in where several could match: the articles' language first.
ORDER = ("vi", "en")
YEAR = r"(?<![\d.,])(?:1[0-9]|20)\d{2}(?!\d|[.,]\d)"
PLACEHOLDER = re.compile(r"\{\{([\w.]+)\}\}")

Spec = str | dict


def word_set(value: str | list[str] | None) -> frozenset[str]:
    """A word list as a pack writes it: a space-separated string, or a list of phrases."""
    if not value:
        return frozenset()
    return frozenset(value.split() if isinstance(value, str) else value)


@dataclass(frozen=True)
class LanguagePack:
    """One language, as its TOML file says (qa/lang/vi.toml explains each part)."""

    code: str
    data: dict
    languages: Languages

    def get(self, path: str, default=None):
        """A value by its dotted path ("conversation.anaphora")."""
        node = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def expand(self, text: str) -> str:
        """A pattern with its {{placeholders}} filled in."""

        def fill(match: re.Match) -> str:
            key = match.group(1)
            if key.startswith("all."):
                return self.languages.union(key[4:])
            value = self.languages.globals.get(key) or self.get(f"fragments.{key}") or self.get(key)
            if not isinstance(value, str):
                raise KeyError(f"qa/lang/{self.code}.toml: nothing stands for {{{{{key}}}}}")
            return self.expand(value)

        return PLACEHOLDER.sub(fill, text)

    def compile(self, spec: Spec) -> re.Pattern:
        """A pattern as a pack writes it: a string (matched ignoring case) or a table
        {pattern = '…', case = true (match case), multiline = true}."""
        flags = re.IGNORECASE
        if isinstance(spec, dict):
            flags = (0 if spec.get("case") else re.IGNORECASE) | (re.MULTILINE if spec.get("multiline") else 0)
            spec = spec["pattern"]
        return re.compile(self.expand(spec), flags)

    def pattern(self, path: str) -> re.Pattern | None:
        """The pattern at `path`, compiled once; None when the pack has none."""
        spec = self.get(path)
        return self.languages.cached((self.code, "pattern", path), lambda: self.compile(spec) if spec else None)

    def patterns(self, path: str) -> list[re.Pattern]:
        """The list of patterns at `path`, compiled once, in order."""
        specs = self.get(path, [])
        return self.languages.cached((self.code, "patterns", path), lambda: [self.compile(s) for s in specs])

    def words(self, path: str) -> frozenset[str]:
        """The word list at `path`, read once."""
        return self.languages.cached((self.code, "words", path), lambda: word_set(self.get(path)))

    def alternatives(self, path: str) -> list[str]:
        """A "a|b|c" value as its parts (empty when the pack has none)."""
        value = self.get(path, "")
        return value.split("|") if value else []

    # ------------------------------------------------------------ what the code asks of every pack
    @property
    def articles_language(self) -> bool:
        """The articles are written in it: its questions meet their words directly."""
        return bool(self.get("articles_language"))

    @property
    def bridged(self) -> bool:
        """Its questions reach the articles only through a glossary into their language."""
        return not self.articles_language

    @property
    def restores_diacritics(self) -> bool:
        return bool(self.get("restores_diacritics"))

    @property
    def name_head_first(self) -> bool:
        return bool(self.get("name_head_first"))

    @property
    def asks(self) -> dict[str, re.Pattern]:
        """Kind of fact -> the pattern of a question asking for it, in the order they are tried."""
        return self.languages.cached(
            (self.code, "asks"), lambda: {kind: self.compile(spec) for kind, spec in self.get("asks", {}).items()}
        )

    @property
    def grains(self) -> dict[str, dict[str, re.Pattern]]:
        """Kind of fact -> its grains ("date": "year", "time") -> the pattern of a question asking for one."""
        return self.languages.cached(
            (self.code, "grain"),
            lambda: {
                kind: {grain: self.compile(spec) for grain, spec in grains.items()}
                for kind, grains in self.get("grain", {}).items()
            },
        )

    @property
    def measures_asked(self) -> dict[str, re.Pattern]:
        """What a number question measures ("length") -> the pattern of a question asking it."""
        return self.languages.cached(
            (self.code, "measures"),
            lambda: {measure: self.compile(spec) for measure, spec in self.get("measures.asked", {}).items()},
        )

    @property
    def messages(self) -> dict[str, str]:
        return self.get("messages", {})


class Languages:
    """Every pack, read once: `languages()["vi"]`, iteration in `ORDER`."""

    def __init__(self, folder: Path = FOLDER, order: tuple[str, ...] = ORDER) -> None:
        data = {code: tomllib.loads((folder / f"{code}.toml").read_text(encoding="utf-8")) for code in order}
        self.packs = {code: LanguagePack(code, data[code], self) for code in order}
        letters = "".join(sorted(c.upper() for p in self for c in p.get("detection.letters", "")))
        # not the range À-Ỹ: it holds the lower-case letters too ("án" would pass for a capitalised word)
        upper = "A-Z" + letters
        self.globals = {
            "upper": upper,
            "year": YEAR,
            "name": rf"[{upper}]\w*(?:[ -][{upper}]\w*)+",
        }
        self.upper = upper
        self._cache: dict = {}

    def __getitem__(self, code: str) -> LanguagePack:
        return self.packs[code]

    def __iter__(self) -> Iterator[LanguagePack]:
        return iter(self.packs.values())

    def __contains__(self, code: str) -> bool:
        return code in self.packs

    @property
    def articles(self) -> LanguagePack:
        """The pack of the articles' language."""
        return next(p for p in self if p.articles_language)

    def get(self, code: str | None) -> LanguagePack:
        """The pack of `code`, or the articles' language for a code without one."""
        return self.packs.get(code or "", self.articles)

    def union(self, path: str) -> str:
        """Every pack's "a|b" alternatives at `path`, joined in pack order (each once)."""
        parts = [a for p in self for a in p.alternatives(path)]
        return "|".join(dict.fromkeys(parts))

    def union_words(self, path: str) -> frozenset[str]:
        """Every pack's word list at `path`, as one set."""
        return self.cached(("union_words", path), lambda: frozenset().union(*(p.words(path) for p in self)))

    def cached(self, key, build):
        """`build()` once per key: the patterns that code joins from every pack."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


@cache
def languages() -> Languages:
    return Languages()


def leftmost(candidates) -> tuple[object, re.Match] | tuple[None, None]:
    """Of (owner, match or None) pairs, the match that starts first, the earlier pair on a tie:
    what one regular expression joining their patterns by "|" would find with `search`."""
    best = (None, None)
    for owner, match in candidates:
        if match is not None and (best[1] is None or match.start() < best[1].start()):
            best = (owner, match)
    return best
