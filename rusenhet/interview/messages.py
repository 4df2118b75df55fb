"""Two-language texts from scripts and catalogue messages, rendered only at the edge.

Domain code never formats user-facing text itself: a script's own wording travels as
:class:`Text` (nb + en), the tool's own wording as :class:`Msg` (a catalogue key with
parameters). Both render in a language chosen by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rusenhet.i18n import Translator


@dataclass(frozen=True)
class Text:
    """A text written in the script in bokmål and English."""

    nb: str
    en: str

    def render(self, lang: str) -> str:
        return self.en if lang == "en" else self.nb


@dataclass(frozen=True)
class Msg:
    """A catalogue key and its parameters; parameters may themselves be Msg or Text."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return render(self.key, self.params, lang)


def msg(key: str, /, **params: object) -> Msg:
    """Shorthand: ``msg("interview.x", question="q1")``."""
    return Msg(key, params)


def render(key: str, params: Mapping[str, object], lang: str) -> str:
    """Format catalogue message ``key``, rendering nested messages and texts first."""
    flat = {
        name: value.render(lang) if isinstance(value, Msg | Text) else value
        for name, value in params.items()
    }
    return Translator(lang)(key, **flat)
