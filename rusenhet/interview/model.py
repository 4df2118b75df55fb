"""The parsed form of interview scripts and modules (DESIGN §4).

Everything here is frozen. Parsing and checking live in :mod:`.parse` (which also
documents the TOML format) and :mod:`.resolve`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rusenhet.interview.expr import Expr
from rusenhet.interview.messages import Text

#: The value of an answered question: a code (single), codes in option order (multi),
#: True/False (yes/no), an int, a date, or text.
AnswerValue = str | tuple[str, ...] | bool | int | date

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SCRIPT_ID_PATTERN = CODE_PATTERN

#: Names every expression can read besides questions and computed values.
CONTEXT_NAMES = frozenset({"age", "sex", "risk"})
#: Values of ``sex`` in the meeting context; unknown is None.
SEXES = ("male", "female")


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    YESNO = "yesno"
    INTEGER = "integer"
    DATE = "date"
    TEXT = "text"


CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTI, QuestionType.YESNO})


class Process(StrEnum):
    """Motivational Interviewing's four processes, in their usual order."""

    ENGAGING = "engaging"
    FOCUSING = "focusing"
    EVOKING = "evoking"
    PLANNING = "planning"


class RiskLevel(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class Place(StrEnum):
    """Where a module's sections go in a script."""

    OPENING = "opening"  #: before the script's own sections
    FOLLOW_UP = "follow-up"  #: after them; usually pulled in by a rule
    OUTCOME = "outcome"  #: last


class Records(StrEnum):
    """What a choice question records for the meeting result."""

    ADVICE = "advice"
    REFERRALS = "referrals"
    OUTCOME = "outcome"
    FOLLOW_UP = "follow-up"
    #: substances the person reports (coded; they reach the statistics as codes)
    SUBSTANCES = "substances"
    #: concerns raised (acute risk, child protection): kept apart from the drug-risk level
    CONCERNS = "concerns"
    #: notifications made under a duty, not by consent (opplysningsplikt to barnevern)
    NOTIFICATIONS = "notifications"
    #: immediate actions taken at acute risk (legevakt, same-day GP, crisis team, 113)
    ACTIONS = "actions"


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    score: int | None = None


YES, NO = "yes", "no"


@dataclass(frozen=True)
class Constraint:
    expr: Expr
    message: Text


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    prompt: Text
    help: Text | None = None
    #: choices of single/multi; the fixed yes/no pair (codes "yes"/"no") of yes/no questions
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    show_if: Expr | None = None
    required: bool = True
    skippable: bool = False
    constraints: tuple[Constraint, ...] = ()
    records: Records | None = None
    consent_for: str | None = None

    def option(self, code: str) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Section:
    process: Process
    title: Text
    questions: tuple[Question, ...]
    intro: Text | None = None


@dataclass(frozen=True)
class Band:
    """A named band of a computed score: the first band whose ``when`` holds applies."""

    code: str
    when: Expr
    label: Text | None = None


@dataclass(frozen=True)
class Computed:
    id: str
    expr: Expr
    title: Text | None = None
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class Rule:
    """When ``when`` holds, the risk level is at least ``risk`` and ``pull`` modules are used."""

    id: str
    when: Expr
    risk: RiskLevel | None = None
    pull: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guard:
    """A safety rule checked when the meeting is completed: whenever ``when`` holds,
    ``require`` must hold too, or the meeting cannot be completed; ``message`` tells the
    counsellor why and what to record."""

    id: str
    when: Expr
    require: Expr
    message: Text


@dataclass(frozen=True)
class SourceFile:
    """The exact bytes a template was read from, and their sha256."""

    name: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class Template:
    id: str
    version: str
    title: Text
    sections: tuple[Section, ...]
    computed: tuple[Computed, ...]
    guards: tuple[Guard, ...]
    source: SourceFile

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)


@dataclass(frozen=True)
class Module(Template):
    place: Place


@dataclass(frozen=True)
class Script(Template):
    ages: tuple[int, int | None]
    risk_levels: tuple[RiskLevel, ...]
    include: tuple[str, ...]
    rules: tuple[Rule, ...]

    def fits_age(self, age: int) -> bool:
        low, high = self.ages
        return low <= age and (high is None or age <= high)
