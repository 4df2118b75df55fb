"""Choice values in the user's own words.

Every option with a fixed set of values (``--sex``, ``--legal-basis``, ``--reason``,
``--role`` …) accepts the stored code (``male``), the Norwegian word (``mann``) and the
English word, whatever language the help is shown in; JSON and the vault keep the code.
The words live in the catalogues under ``choice.<name>.<code>`` as a comma-separated
list whose first word is the one shown in help and prompts (see the glossary,
``rusenhet/locales/GLOSSARY.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import typer

from rusenhet.i18n import LANGUAGES, Translator, catalogue

E = TypeVar("E", bound=StrEnum)


def _normal(text: str) -> str:
    return " ".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


def words(name: str, code: str, lang: str) -> list[str]:
    """The words for one code in one language, the displayed one first."""
    listed = catalogue(lang).get(f"choice.{name}.{code}")
    found = [w.strip() for w in listed.split(",")] if listed else []
    return [w for w in found if w] or [code]


def shown(name: str, codes: type[StrEnum], lang: str) -> list[str]:
    """What help and prompts show: one word per code."""
    return [words(name, c.value, lang)[0] for c in codes]


def lookup(name: str, codes: type[E], text: str) -> E | None:
    """The code that ``text`` names (code, or a word in any language), or None."""
    wanted = _normal(text)
    for member in codes:
        accepted = {_normal(member.value)}
        for lang in LANGUAGES:
            accepted.update(_normal(w) for w in words(name, member.value, lang))
        if wanted in accepted:
            return member
    return None


def parser(name: str, codes: type[E], lang: str) -> Callable[[object], E]:
    """A Typer ``parser=`` that maps words to codes; a bad word is a usage error (exit 2)."""

    def parse(value: object) -> E:
        if isinstance(value, codes):
            return value
        found = lookup(name, codes, str(value))
        if found is None:
            raise typer.BadParameter(Translator(lang)(
                "choice.invalid", value=str(value),
                choices=", ".join(shown(name, codes, lang))))
        return found

    return parse


def metavar(name: str, codes: type[StrEnum], lang: str) -> str:
    return "|".join(shown(name, codes, lang))


def option(name: str, codes: type[E], flag: str, help_text: str, lang: str,
           *extra: str) -> Any:
    """``typer.Option`` for a choice: Norwegian and English words accepted."""
    return typer.Option(flag, *extra, help=help_text, parser=parser(name, codes, lang),
                        metavar=metavar(name, codes, lang))
