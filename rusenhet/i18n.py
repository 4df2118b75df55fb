"""Message catalogues: one per language (nb default, en), same keys in both.

Catalogues live in ``rusenhet/locales/<lang>/*.toml``; nested tables are flattened to
dotted keys (``[error.vault] damaged = "..."`` → ``error.vault.damaged``). Several
files per language only keep areas apart; together they are one catalogue, and a test
checks that nb and en have exactly the same keys and placeholders.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All messages of one language, flattened."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    out: dict[str, str] = {}
    folder = resources.files("rusenhet") / "locales" / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out)
    return out


def normalise_language(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("nb", "no", "nob", "nb_no", "nb-no"):
        return "nb"
    if value in ("en", "eng", "en_gb", "en-gb", "en_us", "en-us"):
        return "en"
    return None


def _in_sentence(value: Any, lang: str) -> Any:
    from rusenhet import datetext

    if isinstance(value, Label):
        return value.render(lang)
    if isinstance(value, datetime):
        return datetext.moment(value, lang)
    if isinstance(value, date):
        return datetext.day(value, lang)
    return value


@dataclass(frozen=True)
class Translator:
    """Formats catalogue messages in one language."""

    lang: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **params: Any) -> str:
        text = catalogue(self.lang).get(key)
        if text is None:
            # A missing key is a bug; show the key rather than crash the user's command.
            return key
        # Dates and times inside sentences in the language's own form (03.07.2024 kl. 10.00).
        params = {k: _in_sentence(v, self.lang) for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text


@dataclass(frozen=True)
class Label:
    """A code shown as its catalogue label when the message is rendered (``role.supervisor``
    → «fagleder»), so that domain errors never put a raw code into a sentence."""

    key: str

    def render(self, lang: str) -> str:
        return Translator(lang)(self.key)

    def __str__(self) -> str:
        return Translator()(self.key)
