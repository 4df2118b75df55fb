"""Who took part in a meeting besides the counsellor: the person, foresatte, an
interpreter (with the language) and others, by role. Codes, a count and a language name
only — never names (data minimisation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rusenhet.errors import InputError


@dataclass(frozen=True)
class Participants:
    """Who took part besides the counsellor (codes and a language name; no names)."""

    person: bool = True
    guardians: int = 0
    interpreter_language: str | None = None
    others: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "guardians": self.guardians,
                "interpreter_language": self.interpreter_language, "others": list(self.others)}

    @staticmethod
    def from_json(data: Any) -> Participants:
        if not isinstance(data, dict):
            return Participants()
        return Participants(bool(data.get("person", True)), int(data.get("guardians", 0)),
                            data.get("interpreter_language"),
                            tuple(str(o) for o in data.get("others", [])))


#: Foresatte are involved by default below the age of consent to health care (16,
#: pasient- og brukerrettighetsloven § 4-3); from 16 the young person decides.
GUARDIANS_BY_DEFAULT_BELOW = 16
MAX_GUARDIANS = 4
MAX_PARTICIPANT_TEXT = 60


def default_participants(age: int, registered_guardians: int) -> Participants:
    """Who usually takes part at ``age``: the person; under 16 also the registered
    foresatte (at least one)."""
    guardians = 0
    if age < GUARDIANS_BY_DEFAULT_BELOW:
        guardians = min(MAX_GUARDIANS, max(1, registered_guardians))
    return Participants(True, guardians)


def make_participants(person: bool, guardians: int, interpreter: str | None,
                      others: Sequence[str]) -> Participants:
    """Validated participants: roles and a language, never names (data minimisation)."""
    if not 0 <= guardians <= MAX_GUARDIANS:
        raise InputError("meeting.participants.bad_guardians", max=MAX_GUARDIANS)
    language = (interpreter or "").strip() or None
    roles = tuple(o.strip() for o in others if o.strip())
    if any(len(t) > MAX_PARTICIPANT_TEXT for t in (language or "", *roles)):
        raise InputError("meeting.participants.too_long", limit=MAX_PARTICIPANT_TEXT)
    if not person and guardians == 0 and not roles:
        raise InputError("meeting.participants.nobody")
    return Participants(person, guardians, language, roles)
