"""The questionary adapter answering whole scripts through real prompt_toolkit prompts
(pipe input, DESIGN §2b): choices, typed commands, back, skip, note, pause and resume."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput
from test_interview_support import Clock, Store, script

from rusenhet.cli.asker import QuestionaryAsker
from rusenhet.interview import (
    Answer,
    Interview,
    MeetingContext,
    Prompt,
    Reply,
    RiskLevel,
    WentBack,
    event_from_json,
)
from rusenhet.interview.model import QuestionType

DOWN, ENTER, SPACE = "\x1b[B", "\r", " "


@contextmanager
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as inp:
        yield inp


class Keyboard:
    """Types keys for each prompt into the pipe, then lets the real adapter read them.

    ``plan`` maps a question id (or "finish") to keystrokes for successive askings;
    otherwise a plain answer is typed: Enter on choices (the first option), space and
    Enter on checkboxes, a number, a date or a word in text prompts.
    """

    def __init__(self, inp: PipeInput, plan: dict[str, list[str]], lang: str = "nb") -> None:
        self.inp = inp
        self.plan = {k: list(v) for k, v in plan.items()}
        self.adapter = QuestionaryAsker(lang, input=inp, output=DummyOutput())
        self.asked: list[str] = []

    def ask(self, prompt: Prompt) -> Reply:
        q = prompt.question
        key = q.id if q is not None else "finish"
        self.asked.append(key)
        planned = self.plan.get(key)
        self.inp.send_text(planned.pop(0) if planned else self.typical(prompt))
        return self.adapter.ask(prompt)

    @staticmethod
    def typical(prompt: Prompt) -> str:
        q = prompt.question
        if q is None or q.type in (QuestionType.SINGLE, QuestionType.YESNO):
            return ENTER
        if q.type is QuestionType.MULTI:
            return SPACE + ENTER
        if q.type is QuestionType.INTEGER:
            return "3" + ENTER
        if q.type is QuestionType.DATE:
            return "02.05.2025" + ENTER
        return "stikkord" + ENTER


def test_a_whole_script_through_real_prompts() -> None:
    store = Store()
    interview = Interview(script("ungdom-16-17"), MeetingContext(16), store.save, clock=Clock())
    plan = {
        # refuse first: the constraint message is shown and the question asked again
        "info_formal": [DOWN + ENTER, ENTER],
        # a note as a typed command, then the answer
        "u17_hverdag": [":n" + ENTER + "spiller fotball" + ENTER, "skole" + ENTER],
        # choose "Arbeid" (third option), then at the next question go back and keep it
        "u17_skole_arbeid": [DOWN * 2 + ENTER, ENTER],
        "u17_trives": [DOWN * 2 + ENTER, DOWN + ENTER],  # ← Tilbake, then Nei
        # skip from the choice list: Ja, Nei, Tilbake, Hopp over
        "crafft_bil": [DOWN * 3 + ENTER],
        # skip as a typed command; a literal ":" answer is typed with "::"
        "u17_viktighet": [":s" + ENTER],
        "u17_grunner": ["::)" + ENTER],
        # an unknown command is refused by the adapter and typed again
        "u17_tro": [":x" + ENTER + "7" + ENTER],
        # two checkboxes: first and third option
        "u17_stoffer": [SPACE + DOWN * 2 + SPACE + ENTER],
    }
    with pipe() as inp:
        keyboard = Keyboard(inp, plan)
        outcome = interview.run(keyboard)
    assert outcome.completed and outcome.result is not None
    result = outcome.result
    assert result.answers["info_formal"] is True
    assert result.answers["u17_hverdag"] == "skole"
    assert [(n.question, n.text) for n in result.notes] == [("u17_hverdag", "spiller fotball")]
    assert result.answers["u17_skole_arbeid"] == "arbeid"
    assert result.answers["u17_trives"] is False
    assert result.answers["u17_stoffer"] == ("alkohol", "sentralstimulerende")
    assert result.answers["u17_tro"] == 7
    assert result.answers["u17_grunner"] == ":)"
    assert result.skipped == ("crafft_bil", "u17_viktighet")
    assert result.scores["crafft"] == 5 and result.risk is RiskLevel.HIGH
    assert "hoy-risiko" in result.modules and result.answers["hr_tilbakemelding"] is True
    assert keyboard.asked.count("info_formal") == 2
    assert keyboard.asked[-1] == "finish"
    types = [json.loads(r)["type"] for r in store.rows]
    assert types.count("back") == 1 and types[-1] == "complete"
    assert any(isinstance(e, WentBack) for e in interview.events)


def test_pause_in_a_prompt_then_resume_in_english() -> None:
    store = Store()
    interview = Interview(script("voksen-25"), MeetingContext(40), store.save, clock=Clock())
    # Ja, Nei, ← Tilbake, Legg til notat, Pause: the fifth entry
    with pipe() as inp:
        outcome = interview.run(Keyboard(inp, {"info_rettigheter": [DOWN * 4 + ENTER]}))
    assert not outcome.completed
    assert json.loads(store.rows[-1])["type"] == "pause"

    later = Interview(script("voksen-25"), MeetingContext(40), store.save, clock=Clock())
    later.resume(event_from_json(json.loads(row)) for row in store.rows)
    with pipe() as inp:
        keyboard = Keyboard(inp, {"finish": [DOWN + ENTER, ENTER]}, lang="en")
        outcome = later.run(keyboard)
    assert keyboard.asked[0] == "info_rettigheter"
    assert outcome.completed and outcome.result is not None
    # "← Back" at the final step withdrew the last answer, which was then asked again
    assert keyboard.asked[-3:] == ["finish", "utfall_oppsummering", "finish"]


def test_ctrl_c_raises_keyboard_interrupt_and_keeps_what_was_saved() -> None:
    store = Store()
    interview = Interview(script("voksen-25"), MeetingContext(40), store.save, clock=Clock())
    with pipe() as inp:
        keyboard = Keyboard(inp, {"info_oppmote": ["\x03"]})
        with pytest.raises(KeyboardInterrupt):
            interview.run(keyboard)
    assert [json.loads(r)["type"] for r in store.rows] == ["started", "answer", "answer"]


def test_screen_shows_section_progress_help_and_navigation() -> None:
    buffer = io.StringIO()
    interview = Interview(script("voksen-25"), MeetingContext(40), lambda e: None)
    with pipe() as inp:
        adapter = QuestionaryAsker("nb", input=inp, output=PlainTextOutput(buffer))
        inp.send_text(ENTER)
        reply = adapter.ask(interview.prompt())
    screen = buffer.getvalue()
    assert "== Engasjere: Velkommen og informasjon ==" in screen
    assert "Spørsmål 1 av" in screen
    assert "Formålet med samtalen er forklart" in screen
    assert "Pause (fortsett senere)" in screen and "Legg til notat" in screen
    assert "← Tilbake" not in screen  # nothing to go back to at the first question
    assert reply == Answer(True)
