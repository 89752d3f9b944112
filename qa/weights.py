"""The answer layer's tunable numbers, read from qa/weights.toml once and handed to whoever scores."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

WEIGHTS = Path(__file__).with_name("weights.toml")


@dataclass(frozen=True)
class Weights:
    """`qa/weights.toml` as read; `value(section, key, language)` resolves per-language tables.

    Example:
        >>> Weights.read().value("scoring", "coverage", "vi")
        0.3
    """

    data: dict
    default_language: str  # the articles' language: what a per-language table falls back to

    @classmethod
    def read(cls, path: str | Path = WEIGHTS) -> Weights:
        from qa.lang import languages

        return cls(tomllib.loads(Path(path).read_text(encoding="utf-8")), languages().articles.code)

    def value(self, section: str, key: str, language: str | None = None):
        """The number at `section.key`; for a per-language table, the question language's entry
        (or the articles' language's when the table does not name it)."""
        value = self.data[section][key]
        if isinstance(value, dict):
            return value.get(language or self.default_language, value[self.default_language])
        return value

    def write(self, updates: dict[tuple[str, str], object], path: str | Path = WEIGHTS) -> Weights:
        """Write `updates` ({(section, key): value}) into the weights file, its comments kept, and
        return the weights with them (what `python -m eval` does with what it fits)."""
        import tomlkit

        document = tomlkit.parse(Path(path).read_text(encoding="utf-8"))
        weights = self
        for (section, key), value in updates.items():
            if isinstance(value, dict):
                table = tomlkit.inline_table()
                table.update(value)
                document[section][key] = table
            else:
                document[section][key] = value
            weights = weights.replace(section, key, value)
        Path(path).write_text(tomlkit.dumps(document), encoding="utf-8")
        return weights

    def replace(self, section: str, key: str, value) -> Weights:
        """A copy with one value changed (for fitting and for the eval's cross-fitted runs)."""
        data = {name: dict(table) for name, table in self.data.items()}
        data[section][key] = value
        return Weights(data, self.default_language)
