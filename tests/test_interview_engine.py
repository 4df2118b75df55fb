"""The engine with a scripted asker: back, skip, notes, pause/resume, constraints, a crash
at every question, and the JSON form of events and results."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from test_interview_support import (
    CRAFFT,
    Clock,
    PolicyAsker,
    codes_for_total,
    new_interview,
    script,
)

from rusenhet.errors import InputError
from rusenhet.interview import (
    AddNote,
    Answer,
    Answered,
    Back,
    Completed,
    Event,
    Finish,
    Interview,
    MeetingContext,
    NoteAdded,
    Pause,
    Paused,
    Prompt,
    Reply,
    RiskLevel,
    Skip,
    Skipped,
    Started,
    WentBack,
    event_from_json,
    event_to_json,
    result_from_json,
    result_to_json,
)
from rusenhet.interview.messages import Msg, Text
from rusenhet.interview.result import Note

YOUTH = "ungdom-16-17"


class Once:
    """Reply ``first`` the first time a question is asked, then answer ``value``."""

    def __init__(self, first: Reply, value: object) -> None:
        self.first, self.value, self.used = first, value, False

    def __call__(self, prompt: Prompt) -> Reply:
        if not self.used:
            self.used = True
            return self.first
        return Answer(self.value)


def test_started_event_carries_the_script_identity() -> None:
    interview, store = new_interview(YOUTH, 16)
    interview.run(PolicyAsker())
    first = json.loads(store.rows[0])
    assert first["type"] == "started"
    assert first["script"]["id"] == YOUTH and len(first["script"]["sha256"]) == 64
    assert json.loads(store.rows[-1])["type"] == "complete"


def test_back_withdraws_the_previous_answer_and_offers_it_as_default() -> None:
    interview, _ = new_interview(YOUTH, 16)
    # u17_skole_arbeid is answered "videregaende"; at the next question go back once,
    # change it to "ingen" (which hides u17_trives).
    asker = PolicyAsker(
        {
            "u17_trives": Once(Back(), True),
            "u17_skole_arbeid": Once(Answer("videregaende"), "ingen"),
        }
    )
    interview.submit(Answer(True))  # info_formal, before the asker takes over
    outcome = interview.run(asker)
    assert outcome.result is not None
    assert outcome.result.answers["u17_skole_arbeid"] == "ingen"
    assert "u17_trives" not in outcome.result.answers
    again = [p for p in asker.prompts if p.question and p.question.id == "u17_skole_arbeid"]
    assert [p.default for p in again] == [None, "videregaende"]
    backs = [e for e in interview.events if isinstance(e, WentBack)]
    assert [e.question for e in backs] == ["u17_skole_arbeid"]


def test_back_at_the_first_question_is_refused() -> None:
    interview, _ = new_interview(YOUTH, 16)
    prompt = interview.prompt()
    assert prompt.question is not None and prompt.question.id == "info_formal"
    assert not prompt.can_back
    error = interview.submit(Back())
    assert isinstance(error, Msg) and error.render("en") == (
        "there is no earlier question to go back to"
    )


def test_back_from_the_final_step_and_twice_in_a_row() -> None:
    interview, _ = new_interview("voksen-25", 40)
    asker = PolicyAsker()
    interview.run(PolicyAsker({"utfall_videre": "ny-samtale", "utfall_oppsummering": Pause()}))
    assert interview.prompt().question.id == "utfall_oppsummering"  # type: ignore[union-attr]
    assert interview.submit(Answer("notat")) is None
    final = interview.prompt()
    assert final.question is None and final.can_back
    interview.submit(Back())
    interview.submit(Back())
    assert interview.prompt().question.id == "utfall_ny_samtale_dato"  # type: ignore[union-attr]
    interview.submit(Answer("2025-04-01"))
    assert interview.prompt().default == "notat"
    outcome = interview.run(asker)
    assert outcome.result is not None
    assert outcome.result.answers["utfall_ny_samtale_dato"] == date(2025, 4, 1)
    assert outcome.result.answers["utfall_oppsummering"] == "kort notat"


def test_skip_only_where_allowed() -> None:
    interview, _ = new_interview(YOUTH, 16)
    assert interview.submit(Skip()) == Msg("interview.engine.cannot_skip")
    outcome = interview.run(PolicyAsker({"crafft_bil": Skip(), "u17_tro": Skip()}))
    assert outcome.result is not None
    assert outcome.result.skipped == ("crafft_bil", "u17_tro")
    assert "crafft_bil" not in outcome.result.answers
    assert outcome.result.scores["crafft"] == 5  # a skipped item counts as 0


def test_notes_are_events_and_the_question_is_asked_again() -> None:
    interview, _ = new_interview(YOUTH, 16)
    asker = PolicyAsker({"u17_hverdag": Once(AddNote("  spiller fotball  "), "skole")})
    outcome = interview.run(asker)
    assert outcome.result is not None
    notes = outcome.result.notes
    assert [(n.question, n.text) for n in notes] == [("u17_hverdag", "spiller fotball")]
    assert outcome.result.answers["u17_hverdag"] == "skole"
    assert sum(1 for p in asker.prompts if p.question and p.question.id == "u17_hverdag") == 2
    with pytest.raises(InputError):  # a completed interview refuses further replies
        interview.submit(AddNote("for sent"))


def test_note_at_the_final_step_has_no_question() -> None:
    interview, _ = new_interview(YOUTH, 16)
    interview.run(PolicyAsker({"utfall_oppsummering": Pause()}))
    assert interview.submit(Finish()) == Msg("interview.engine.not_finished")
    interview.submit(Answer("oppsummert"))
    assert interview.submit(AddNote("avsluttende notat")) is None
    assert interview.submit(Answer(True)) == Msg("interview.engine.finish_expected")
    assert interview.submit(Skip()) == Msg("interview.engine.finish_expected")
    assert interview.submit(Finish()) is None
    assert interview.completed
    assert interview.result().notes[-1] == Note(None, "avsluttende notat")


def test_constraint_message_comes_from_the_script() -> None:
    interview, _ = new_interview(YOUTH, 16)
    error = interview.submit(Answer(False))  # info_formal must be confirmed
    assert isinstance(error, Text)
    assert error.render("nb") == "Formålet må forklares før samtalen fortsetter."
    prompt = interview.prompt(error)
    assert prompt.question.id == "info_formal" and prompt.error == error  # type: ignore[union-attr]
    assert interview.submit(Answer(True)) is None


def test_invalid_answers_are_refused_with_a_reason() -> None:
    interview, _ = new_interview(YOUTH, 16)
    interview.run(PolicyAsker({"u17_viktighet": Pause()}))
    assert interview.submit(Answer("11")) == Msg(
        "interview.answer.out_of_range", {"value": 11, "min": 0, "max": 10}
    )
    assert interview.submit(Answer("mye")) == Msg("interview.answer.need_integer")
    assert interview.submit(Answer(" 7 ")) is None


def test_pause_then_resume_continues_at_the_same_question() -> None:
    interview, store = new_interview(YOUTH, 16)
    outcome = interview.run(PolicyAsker({"crafft_alene": Pause()}))
    assert not outcome.completed and outcome.result is None
    assert json.loads(store.rows[-1])["type"] == "pause"
    events = [event_from_json(json.loads(row)) for row in store.rows]
    later = Interview(script(YOUTH), MeetingContext(16), store.save, clock=Clock())
    later.resume(events)
    assert later.prompt().question.id == "crafft_alene"  # type: ignore[union-attr]
    done = later.run(PolicyAsker())
    assert done.completed and done.result is not None
    assert done.result.answers["crafft_alene"] is True


def test_resume_of_a_completed_interview_returns_its_result() -> None:
    interview, store = new_interview(YOUTH, 16)
    first = interview.run(PolicyAsker()).result
    later = Interview(script(YOUTH), MeetingContext(16), store.save)
    later.resume(event_from_json(json.loads(r)) for r in store.rows)
    assert later.completed
    assert later.run(PolicyAsker()).result == first


def test_resume_refuses_another_script_version_and_unknown_questions() -> None:
    interview, store = new_interview(YOUTH, 16)
    interview.run(PolicyAsker({"crafft_bil": Pause()}))
    events = [event_from_json(json.loads(r)) for r in store.rows]
    other = Interview(script("voksen-25"), MeetingContext(16), store.save)
    with pytest.raises(InputError) as err:
        other.resume(events)
    assert err.value.key == "interview.resume.script_changed"
    fresh = Interview(script(YOUTH), MeetingContext(16), store.save)
    with pytest.raises(InputError) as err:
        fresh.resume([events[0], Answered("finnes_ikke", True, events[0].at)])
    assert err.value.key == "interview.resume.unknown_question"
    with pytest.raises(InputError) as err:
        Interview(script(YOUTH), MeetingContext(16), store.save).resume(events[1:])
    assert err.value.key == "interview.resume.no_start"


def test_failed_save_leaves_the_state_unchanged() -> None:
    class Locked(Exception):
        pass

    calls: list[Event] = []

    def save(event: Event) -> None:
        if isinstance(event, Answered) and event.question == "info_oppmote":
            raise Locked
        calls.append(event)

    interview = Interview(script(YOUTH), MeetingContext(16), save, clock=Clock())
    with pytest.raises(Locked):
        interview.run(PolicyAsker())
    assert interview.prompt().question.id == "info_oppmote"  # type: ignore[union-attr]
    assert list(interview.events) == calls


def test_risk_and_modules_follow_the_answers_as_they_come() -> None:
    interview, _ = new_interview(YOUTH, 16)
    high = {q: True for q in CRAFFT}
    interview.run(PolicyAsker({**high, "u17_viktighet": Pause()}))
    assert interview.prompt().risk is RiskLevel.HIGH
    # Change the last CRAFFT answer and the two before it: back over the earlier
    # questions, which withdraws them one by one.
    while interview.prompt().question.id != "crafft_familie":  # type: ignore[union-attr]
        interview.submit(Back())
    assert interview.prompt().risk is RiskLevel.HIGH  # crafft_familie withdrawn: 4 yes left
    interview.submit(Back())
    interview.submit(Back())
    assert interview.prompt().risk is RiskLevel.MODERATE
    outcome = interview.run(PolicyAsker({**{q: False for q in CRAFFT}, "u17_bekymring": False}))
    assert outcome.result is not None
    assert outcome.result.risk is RiskLevel.MODERATE  # 2 yes left: bil, avslapping
    assert "hoy-risiko" not in outcome.result.modules
    assert not any(q.startswith("hr_") for q in outcome.result.answers)


def test_the_high_risk_module_is_asked_once_pulled_in() -> None:
    s = script("voksen-25")
    dudit = codes_for_total(s, [f"dudit_{i:02d}" for i in range(1, 12)], 25)
    interview, _ = new_interview("voksen-25", 40)
    asker = PolicyAsker(dudit)
    outcome = interview.run(asker)
    asked = [p.question.id for p in asker.prompts if p.question]
    assert asked.index("hr_tilbakemelding") > asked.index("v25_mal")
    assert asked.index("hr_tilbakemelding") < asked.index("utfall_rad")
    assert outcome.result is not None and outcome.result.risk is RiskLevel.HIGH


def test_section_headers_and_progress() -> None:
    interview, _ = new_interview(YOUTH, 16)
    asker = PolicyAsker()
    interview.run(asker)
    questions = [p for p in asker.prompts if p.question]
    assert questions[0].new_section and questions[0].number == 1
    assert not questions[1].new_section
    starts = [p.question.id for p in questions if p.new_section]  # type: ignore[union-attr]
    assert starts[:2] == ["info_formal", "u17_foresatte"]
    assert all(p.number <= p.total for p in questions)


def test_crash_at_every_question_then_resume_from_the_saved_events() -> None:
    """Simulate a crash while saving each event in turn; replay what was saved; finish.

    The result must equal the uninterrupted run every time."""
    fixed = {"crafft_bil": Skip(), "u17_hverdag": "hverdag", "crafft_glemme": False}
    reference_interview, reference_store = new_interview(YOUTH, 17, "female")
    reference = reference_interview.run(PolicyAsker(fixed)).result
    assert reference is not None
    total = len(reference_store.rows)
    assert total > 30

    class Crash(Exception):
        pass

    for crash_at in range(1, total):
        rows: list[str] = []

        def save(event: Event, rows: list[str] = rows, crash_at: int = crash_at) -> None:
            if len(rows) == crash_at:
                raise Crash
            rows.append(json.dumps(event_to_json(event)))

        first = Interview(script(YOUTH), MeetingContext(17, "female"), save, clock=Clock())
        with pytest.raises(Crash):
            first.run(PolicyAsker(fixed))
        assert len(rows) == crash_at  # everything before the crash was saved

        def save_after(event: Event, rows: list[str] = rows) -> None:
            rows.append(json.dumps(event_to_json(event)))

        second = Interview(script(YOUTH), MeetingContext(17, "female"), save_after, clock=Clock())
        second.resume(event_from_json(json.loads(r)) for r in rows)
        outcome = second.run(PolicyAsker(fixed))
        assert outcome.result == reference, f"crash at event {crash_at}"
        types = [json.loads(r)["type"] for r in rows]
        assert types.count("started") == 1 and types[-1] == "complete"


def test_every_event_type_round_trips_through_json() -> None:
    at = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    identity = script(YOUTH).identity
    events: list[Event] = [
        Started(identity, at),
        Answered("q", True, at),
        Answered("q", 7, at),
        Answered("q", "kode", at),
        Answered("q", ("a", "b"), at),
        Answered("q", date(2025, 4, 1), at),
        Answered("q", None, at),
        Skipped("q", at),
        WentBack("q", at),
        NoteAdded("q", "notat", at),
        NoteAdded(None, "slutt", at),
        Paused(at),
        Completed(at),
    ]
    for event in events:
        data = json.loads(json.dumps(event_to_json(event)))
        assert event_from_json(data) == event
    assert event_to_json(events[5])["value"] == {"date": "2025-04-01"}
    assert event_to_json(events[1])["at"] == "2025-03-01T12:30:00+00:00"
    with pytest.raises(InputError) as err:
        event_from_json({"type": "answer", "at": "not a time"})
    assert err.value.key == "interview.error.bad_event"


def test_result_round_trips_through_json() -> None:
    interview, _ = new_interview("voksen-25", 40, "male")
    result = interview.run(
        PolicyAsker({"utfall_videre": "ny-samtale", "utfall_ny_samtale_dato": "2025-05-02"})
    ).result
    assert result is not None
    data = json.loads(json.dumps(result_to_json(result)))
    assert data["answers"]["utfall_ny_samtale_dato"] == {"date": "2025-05-02"}
    assert data["risk"] == "low" and data["script"]["id"] == "voksen-25"
    assert result_from_json(data) == result
    with pytest.raises(InputError):
        result_from_json({"script": {}})
