"""Helpers shared by the interview tests (no tests here).

``PolicyAsker`` answers every prompt from a fixed mapping of question id → value and a
default answer per question type, so a whole script can be run from a few answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache

from rusenhet.interview import (
    AddNote,
    Answer,
    Back,
    Event,
    Finish,
    Interview,
    InterviewScript,
    MeetingContext,
    MeetingResult,
    Pause,
    Prompt,
    Reply,
    ScriptLibrary,
    Skip,
    event_to_json,
)
from rusenhet.interview.model import Question, QuestionType


@cache
def library() -> ScriptLibrary:
    return ScriptLibrary.load()


def script(script_id: str) -> InterviewScript:
    return library().get(script_id)


def default_answer(q: Question) -> object:
    """A valid answer for any bundled question (first option, lowest bound, ...)."""
    if q.type is QuestionType.YESNO:
        return True
    if q.type is QuestionType.SINGLE:
        return q.options[0].code
    if q.type is QuestionType.MULTI:
        return (q.options[0].code,)
    if q.type is QuestionType.INTEGER:
        return q.minimum
    if q.type is QuestionType.DATE:
        return "01.02.2025"
    return "kort notat"


class PolicyAsker:
    """Answers from ``fixed`` (a value, or a callable of the prompt), else the default."""

    def __init__(self, fixed: Mapping[str, object] | None = None) -> None:
        self.fixed = dict(fixed or {})
        self.prompts: list[Prompt] = []

    def ask(self, prompt: Prompt) -> Reply:
        self.prompts.append(prompt)
        q = prompt.question
        if q is None:
            return Finish()
        value = self.fixed.get(q.id, default_answer(q))
        if callable(value):
            reply: Reply = value(prompt)
            return reply
        if isinstance(value, Answer | Back | Skip | AddNote | Pause | Finish):
            return value
        return Answer(value)


class Clock:
    """A fixed, ticking clock so that event times are reproducible."""

    def __init__(self) -> None:
        self.t = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


class Store:
    """An in-memory event store that keeps events as JSON, like the vault does."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def save(self, event: Event) -> None:
        self.rows.append(json.dumps(event_to_json(event)))


def new_interview(
    script_id: str, age: int, sex: str | None = None, save: Callable[[Event], None] | None = None
) -> tuple[Interview, Store]:
    store = Store()
    interview = Interview(
        script(script_id), MeetingContext(age, sex), save or store.save, clock=Clock()
    )
    return interview, store


def run_policy(
    script_id: str, age: int, sex: str | None = None, fixed: Mapping[str, object] | None = None
) -> MeetingResult:
    interview, _ = new_interview(script_id, age, sex)
    outcome = interview.run(PolicyAsker(fixed))
    assert outcome.completed and outcome.result is not None
    return outcome.result


def codes_for_total(s: InterviewScript, qids: list[str], total: int) -> dict[str, str]:
    """Options of ``qids`` whose scores add up to ``total`` (greedy, highest first)."""
    out: dict[str, str] = {}
    left = total
    for qid in qids:
        options = sorted(s.question(qid).options, key=lambda o: o.score or 0, reverse=True)
        option = next(o for o in options if (o.score or 0) <= left)
        out[qid] = option.code
        left -= option.score or 0
    assert left == 0, f"cannot reach {total}"
    return out


DUDIT = [f"dudit_{i:02d}" for i in range(1, 12)]
AUDIT = [f"audit_{i:02d}" for i in range(1, 11)]
AUDITC = ["auditc_1", "auditc_2", "auditc_3"]
CRAFFT = [
    "crafft_bil",
    "crafft_avslapping",
    "crafft_alene",
    "crafft_glemme",
    "crafft_familie",
    "crafft_trobbel",
]
