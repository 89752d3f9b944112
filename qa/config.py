"""Where things live, read from the environment once, by an entry point (the CLI, the chat page,
the eval, a programmer's `Assistant.default()`), and passed down from there.

| variable | what | default |
| --- | --- | --- |
| NEWSQA_CACHE | the cache folder (the model, the built-in articles' index) | the user cache dir |
| NEWSQA_MODEL_DIR | the built model | $NEWSQA_CACHE/e5-small-q4 |
| NEWSQA_INDEX | the built-in articles' index | $NEWSQA_CACHE/index-builtin-v<schema> |
| NEWSQA_INDEX_URL | the index the CLI and chat page open without --index (folder or `postgresql://` URL) | – |
| NEWSQA_ADMIN_TOKEN | the chat page's operator token: uploads for whoever gives it | none: a read-only page |
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.build import BUILD_VERSION
from store import SCHEMA_VERSION


@dataclass(frozen=True)
class Settings:
    cache_dir: Path
    model_dir: Path
    builtin_index: Path | None = None  # $NEWSQA_INDEX: where the built-in articles are indexed
    index_url: str | None = None  # $NEWSQA_INDEX_URL: the index to open when none is named
    # $NEWSQA_ADMIN_TOKEN: enables the page's uploads for its holder (kept out of any repr or log)
    admin_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        if env.get("NEWSQA_CACHE"):
            cache = Path(env["NEWSQA_CACHE"]).expanduser()
        else:
            from platformdirs import user_cache_dir

            cache = Path(user_cache_dir("newsqa"))
        model = Path(env["NEWSQA_MODEL_DIR"]).expanduser() if env.get("NEWSQA_MODEL_DIR") else cache / "e5-small-q4"
        index = Path(env["NEWSQA_INDEX"]).expanduser() if env.get("NEWSQA_INDEX") else None
        return cls(cache, model, index, env.get("NEWSQA_INDEX_URL") or None, env.get("NEWSQA_ADMIN_TOKEN") or None)

    def default_index_dir(self, model_name: str | None = None) -> Path:
        """Where the built-in articles are indexed: $NEWSQA_INDEX, else the cache, one folder per
        schema version and model build (after an upgrade the built-ins are indexed afresh) and per
        model other than the default (an index never mixes models)."""
        if self.builtin_index:
            return self.builtin_index
        suffix = f"-{hashlib.sha1(model_name.encode()).hexdigest()[:10]}" if model_name else f"-m{BUILD_VERSION}"
        return self.cache_dir / f"index-builtin-v{SCHEMA_VERSION}{suffix}"
