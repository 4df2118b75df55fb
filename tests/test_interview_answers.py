"""Non-interactive interviews from an answers file: the same validation as the engine,
every refusal naming the question and the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_interview_support import (
    CRAFFT,
    DUDIT,
    PolicyAsker,
    codes_for_total,
    default_answer,
    new_interview,
    script,
)

from rusenhet.errors import InputError
from rusenhet.interview import AnswersError, Interview, Pause, RiskLevel, read_answers_file
from rusenhet.interview.answers import AnswerError, normalise
from rusenhet.interview.model import AnswerValue
from rusenhet.interview.scoring import MeetingContext, snapshot

YOUTH = "ungdom-16-17"


def full_answers(script_id: str, age: int, fixed: dict[str, object]) -> dict[str, object]:
    """Answers for every visible question (defaults unless fixed), like a filled-in form."""
    s = script(script_id)
    out: dict[str, object] = {}
    seen: dict[str, AnswerValue | None] = {}  # normalised, for show_if
    for position, q in enumerate(s.questions):
        if snapshot(s, MeetingContext(age), seen, upto=position).visible[-1]:
            out[q.id] = fixed.get(q.id, default_answer(q))
            try:
                seen[q.id] = normalise(q, out[q.id])
            except AnswerError:
                seen[q.id] = None  # an invalid value on purpose: the test expects a refusal
    return out


def refused(script_id: str, age: int, answers: dict[str, object], lang: str = "en") -> list[str]:
    interview, store = new_interview(script_id, age)
    with pytest.raises(AnswersError) as err:
        interview.run_with_answers(answers)
    assert store.rows == []  # nothing is saved when the file is refused
    assert err.value.key == "interview.answers.invalid"
    assert err.value.params == {"count": len(err.value.problems)}
    return [p.render(lang) for p in err.value.problems]


def test_answers_give_the_same_result_as_the_interactive_run() -> None:
    fixed = {"crafft_bil": True, "crafft_alene": True, "u17_viktighet": 6}
    answers = full_answers(YOUTH, 16, fixed)
    interactive, _ = new_interview(YOUTH, 16)
    expected = interactive.run(PolicyAsker(fixed)).result
    batch, store = new_interview(YOUTH, 16)
    result = batch.run_with_answers(answers)
    assert result == expected
    types = [json.loads(r)["type"] for r in store.rows]
    assert types[0] == "started" and types[-1] == "complete"
    assert types.count("answer") == len(answers)


def test_skippable_questions_left_out_are_skipped_optional_ones_empty() -> None:
    answers = full_answers(YOUTH, 16, {})
    del answers["crafft_bil"], answers["u17_hverdag"]
    interview, _ = new_interview(YOUTH, 16)
    result = interview.run_with_answers(answers)
    assert result.skipped == ("crafft_bil",)
    assert "u17_hverdag" not in result.answers


def test_unknown_question_id() -> None:
    answers = {**full_answers(YOUTH, 16, {}), "crafft_sykkel": True}
    assert refused(YOUTH, 16, answers) == ["crafft_sykkel: no such question in this script"]


def test_missing_required_answer() -> None:
    answers = full_answers(YOUTH, 16, {})
    del answers["u17_skole_arbeid"]
    problems = refused(YOUTH, 16, answers, "nb")
    # u17_trives is shown only when u17_skole_arbeid != 'ingen': without an answer it shows
    assert problems == ["u17_skole_arbeid: mangler svar på et obligatorisk spørsmål"]


def test_value_outside_bounds_and_not_an_option() -> None:
    answers = full_answers(YOUTH, 16, {"u17_viktighet": 11, "u17_skole_arbeid": "universitet"})
    assert refused(YOUTH, 16, answers) == [
        'u17_skole_arbeid: "universitet" is not an option; possible: videregaende, larling, '
        "arbeid, ingen",
        "u17_viktighet: 11 is outside the bounds 0–10",
    ]


def test_wrong_types() -> None:
    answers = full_answers(
        YOUTH,
        16,
        {
            "crafft_bil": "ja",
            "u17_tro": True,
            "u17_stoffer": "cannabis",
            "utfall_ny_samtale_dato": "2025-13-01",
            "utfall_videre": "ny-samtale",
        },
    )
    assert refused(YOUTH, 16, answers) == [
        "u17_stoffer: the answer must be a list of codes among: alkohol, cannabis, "
        "sentralstimulerende, piller, opioider, annet, ingen, vil-ikke-svare",
        "crafft_bil: the answer must be yes or no (true/false)",
        "u17_tro: the answer must be an integer",
        "utfall_ny_samtale_dato: the answer must be a date (YYYY-MM-DD or dd.mm.yyyy)",
    ]


def test_answer_to_a_hidden_question() -> None:
    answers = full_answers(YOUTH, 16, {"u17_skole_arbeid": "ingen"})
    answers["u17_trives"] = True
    assert refused(YOUTH, 16, answers) == [
        "u17_trives: the question is hidden (show_if: u17_skole_arbeid != 'ingen') "
        "and cannot be answered"
    ]


def test_answer_to_a_module_that_is_not_in_use() -> None:
    low: dict[str, object] = {q: False for q in CRAFFT}  # fewer than 4: no high-risk module
    answers = {**full_answers(YOUTH, 16, low), "hr_har_fastlege": True}
    assert refused(YOUTH, 16, answers) == [
        'hr_har_fastlege: the question belongs to module "hoy-risiko", which is not in use'
    ]


def test_failed_constraint_names_the_question_and_the_script_message() -> None:
    answers = full_answers(
        YOUTH, 16, {"info_oppmote": False, "utfall_henvisninger": ["ingen", "nav"]}
    )
    assert refused(YOUTH, 16, answers, "nb") == [
        "info_oppmote: Personen må få vite hva som meldes til politiet før samtalen fortsetter.",
        "utfall_henvisninger: «Ingen henvisning» kan ikke kombineres med andre valg.",
    ]


def test_high_risk_answers_pull_in_the_module_and_require_its_answers() -> None:
    fixed: dict[str, object] = {q: True for q in CRAFFT}
    answers = {k: v for k, v in full_answers(YOUTH, 16, fixed).items() if not k.startswith("hr_")}
    problems = refused(YOUTH, 16, answers)
    assert problems[0] == "hr_tilbakemelding: a required question has no answer"
    complete = full_answers(YOUTH, 16, fixed)
    interview, _ = new_interview(YOUTH, 16)
    result = interview.run_with_answers(complete)
    assert result.risk is RiskLevel.HIGH and "hoy-risiko" in result.modules


def test_dates_in_both_formats_and_multi_choice_in_any_order() -> None:
    for text in ("2025-05-02", "02.05.2025"):
        answers = full_answers(
            "voksen-25",
            40,
            {
                "utfall_videre": "ny-samtale",
                "utfall_ny_samtale_dato": text,
                "utfall_rad": ["trafikk", "kunnskap"],
            },
        )
        answers.update(codes_for_total(script("voksen-25"), DUDIT, 3))
        interview, _ = new_interview("voksen-25", 40)
        result = interview.run_with_answers(answers)
        assert str(result.answers["utfall_ny_samtale_dato"]) == "2025-05-02"
        assert result.answers["utfall_rad"] == ("kunnskap", "trafikk")


def test_only_a_fresh_interview_takes_an_answers_file() -> None:
    interview, _ = new_interview(YOUTH, 16)
    interview.run(PolicyAsker({"crafft_bil": Pause()}))
    with pytest.raises(InputError) as err:
        interview.run_with_answers({})
    assert err.value.key == "interview.resume.not_fresh"


def test_read_answers_file_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "svar.toml"
    toml.write_text('crafft_bil = true\nu17_stoffer = ["cannabis"]\nu17_tro = 4\n', "utf-8")
    assert read_answers_file(toml) == {
        "crafft_bil": True,
        "u17_stoffer": ["cannabis"],
        "u17_tro": 4,
    }
    data = tmp_path / "svar.json"
    data.write_text('{"utfall_ny_samtale_dato": "2025-05-02"}', "utf-8")
    assert read_answers_file(data) == {"utfall_ny_samtale_dato": "2025-05-02"}
    for name, text, key in [
        ("bad.json", "{", "interview.answers.unparsable"),
        ("list.json", "[1, 2]", "interview.answers.not_table"),
        ("missing.toml", None, "interview.answers.unreadable"),
    ]:
        path = tmp_path / name
        if text is not None:
            path.write_text(text, "utf-8")
        with pytest.raises(InputError) as err:
            read_answers_file(path)
        assert err.value.key == key and err.value.params == {"file": str(path)}


def test_toml_dates_are_accepted() -> None:
    import tomllib

    parsed = tomllib.loads("utfall_ny_samtale_dato = 2025-05-02\n")
    answers = full_answers(YOUTH, 16, {"utfall_videre": "ny-samtale", **parsed})
    interview = Interview(script(YOUTH), MeetingContext(16), lambda e: None)
    result = interview.run_with_answers(answers)
    assert str(result.answers["utfall_ny_samtale_dato"]) == "2025-05-02"
