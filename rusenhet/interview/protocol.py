"""How the engine talks to the counsellor: prompts out, replies back.

The questionary adapter (``rusenhet.cli.asker``) and the tests' scripted askers both
implement :class:`Asker`; nothing here touches a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rusenhet.interview.messages import Msg, Text
from rusenhet.interview.model import AnswerValue, Question, RiskLevel, Section
from rusenhet.interview.result import MeetingResult


@dataclass(frozen=True)
class Prompt:
    """What the asker shows; ``question`` is None at the final step (finish or go back)."""

    question: Question | None
    section: Section | None
    #: True when the question opens a section the person has not just been in
    new_section: bool
    number: int
    #: visible questions with the answers so far (it changes as answers come)
    total: int
    #: the earlier answer after going back, offered as the default
    default: AnswerValue | None
    #: why the previous reply was refused
    error: Msg | Text | None
    can_back: bool
    can_skip: bool
    risk: RiskLevel


@dataclass(frozen=True)
class Answer:
    value: object


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class AddNote:
    text: str


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Finish:
    pass


Reply = Answer | Back | Skip | AddNote | Pause | Finish


class Asker(Protocol):
    """Talks to the counsellor: shows a prompt, returns a reply."""

    def ask(self, prompt: Prompt) -> Reply: ...


@dataclass(frozen=True)
class RunOutcome:
    completed: bool
    result: MeetingResult | None = None
