"""Guards: a meeting cannot be completed while a safety requirement is unmet.

For each bundled guard, through the real CLI and vault: an answers file that violates it
(exit 1, the meeting is not completed, the answers are kept and the meeting paused) and
one that satisfies it; the paused meeting is then completed by recording only what was
missing (``meeting resume N --set``). Also: the engine takes the counsellor back to the
question to record, and ``meeting amend --set`` re-validates the whole meeting.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from conftest import Env
from test_interview_support import CRAFFT, new_interview, run_policy
from test_meetings import answers_file, meeting
from test_referral_kit import ADULT_BIRTH, Register, synthetic

from rusenhet.interview import Finish, MeetingResult
from rusenhet.interview.events import encode_value

BIRTHS = {15: date(2009, 1, 10), 17: date(2007, 1, 10)}
SCRIPT_FOR = {15: "barn-under-16", 17: "ungdom-16-17", 24: "ung-voksen-18-24"}

#: Answers that raise no guard, for every script (unused ids are dropped per script).
SAFE: dict[str, object] = {
    **{q: False for q in CRAFFT}, "sik_akutt": ("ingen",), "sik_barnevern": "ingen",
    "u16_skole": "bra", "u16_selvskading": "nei", "u17_selvskading": "nei",
    "u16_gjeld_salg": False, "u17_gjeld_salg": False, "vh_kjoring": "nei",
    "utfall_henvisninger": ("ingen",), "utfall_videre": "avsluttet",
    "utfall_oppfolgingsbehov": ("ingen",), "utfall_rad": ("kunnskap",),
}


def base_answers(age: int) -> dict[str, Any]:
    """A complete, valid answers file for the script of ``age`` with no guard raised."""
    script_id = SCRIPT_FOR[age]
    result: MeetingResult = run_policy(script_id, age, None, SAFE)
    return {k: encode_value(v) for k, v in result.answers.items()}


def add_person(reg: Register, age: int, name: str) -> None:
    """A referral of a person aged ``age`` today (TODAY); each name its own person."""
    birth = BIRTHS.get(age, ADULT_BIRTH)
    reg.add(synthetic(birth, seed=sum(map(ord, name))), name=name)


# (guard, age, violating changes, what to --set to satisfy it)
CASES: list[tuple[str, int, dict[str, object], list[str]]] = [
    ("informert-om-barnevern", 17, {"info_barnevern": False}, ["info_barnevern=ja"]),
    # The case: a 15-year-old with a serious concern, then «ingen henvisning».
    ("barnevern-melding", 15, {"sik_barnevern": "barnevern"},
     ["sik_barnevern_melding=barnevern"]),
    ("akutt-tiltak", 17, {"sik_akutt": ["overdose"]}, ["sik_akutt_tiltak=legevakt"]),
    ("akutt-tiltak", 24, {"sik_akutt": ["selvmord"]},
     ["sik_akutt_tiltak=fastlege-samme-dag,kriseteam"]),
    ("selvskading-akutt", 17, {"u17_selvskading": "na"},
     ["sik_akutt=selvmord", "sik_akutt_tiltak=kriseteam"]),
    ("utenfor-skole-plan", 15, {"u16_skole": "ikke-skole", "u16_utenfor_skole":
                                "over-tre-maneder", "u16_skolen_vet": False},
     ["utfall_oppfolgingsbehov=arbeid-skole"]),
    ("gjeld-salg-vurdert", 17, {"u17_gjeld_salg": True},
     ["utfall_henvisninger=ungdomsteam", "utfall_samtykke_ungdomsteam=ja"]),
    ("ruskjoring-rad", 24, {"vh_kjoring": "en-gang"}, ["utfall_rad=kunnskap,trafikk"]),
]


def _apply_sets(answers: dict[str, Any], sets: list[str]) -> dict[str, Any]:
    out = dict(answers)
    for item in sets:
        qid, _, value = item.partition("=")
        out[qid] = value == "ja" if value in ("ja", "nei") else (
            value.split(",") if "," in value or qid in ("sik_akutt", "sik_akutt_tiltak",
                                                        "utfall_henvisninger",
                                                        "utfall_oppfolgingsbehov", "utfall_rad")
            else value)
    return out


@pytest.mark.parametrize(("guard", "age", "violate", "fix"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_guard_blocks_completion_and_keeps_the_answers(
        unit: Env, guard: str, age: int, violate: dict[str, object], fix: list[str]) -> None:
    reg = Register(unit)
    add_person(reg, age, "Kari Testesen")
    add_person(reg, age, "Per Testesen")
    bad = {**base_answers(age), **violate}
    refused = meeting(reg, "--lang", "en", "meeting", "start", "1", "--answers",
                      str(answers_file(unit, bad, "bad.json")))
    assert refused.exit_code == 1, refused.output
    assert "Meeting 1 is not completed" in refused.stderr
    assert "Traceback" not in refused.output
    shown = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert shown["state"] == "paused" and shown["result"] is None
    referral = json.loads(reg.ok("show", "1", "--json").stdout)
    assert referral.get("attendance") in (None, "")  # not marked as attended

    # Recording only what was missing completes it: the other answers were kept.
    fixed = meeting(reg, "meeting", "resume", "1", *[a for s in fix for a in ("--set", s)])
    assert fixed.exit_code == 0, fixed.output
    shown = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert shown["state"] == "completed"
    fixed_ids = {item.partition("=")[0] for item in fix}
    for qid, value in violate.items():
        if qid not in fixed_ids:
            assert shown["result"]["answers"][qid] == value

    good = _apply_sets(bad, fix)
    accepted = meeting(reg, "meeting", "start", "2", "--answers",
                       str(answers_file(unit, good, "good.json")))
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(meeting(reg, "meeting", "show", "2", "--json").stdout)["state"] == \
        "completed"


def test_guard_message_says_why_and_what_to_record(unit: Env) -> None:
    reg = Register(unit)
    add_person(reg, 15, "Kari Testesen")
    bad = {**base_answers(15), "sik_barnevern": "barnevern"}
    refused = meeting(reg, "meeting", "start", "1", "--answers",
                      str(answers_file(unit, bad)))
    assert refused.exit_code == 1
    assert "opplysningsplikten" in refused.stderr
    assert "sik_barnevern_melding" in refused.stderr
    assert "rusenhet meeting resume 1" in refused.stderr


def test_engine_takes_the_counsellor_back_to_what_must_be_recorded() -> None:
    interview, _ = new_interview("ungdom-16-17", 17)
    from test_interview_support import PolicyAsker

    answers = {**SAFE, "sik_barnevern": "barnevern", "sik_barnevern_melding": "ingen"}
    asker = PolicyAsker(answers)
    sent_back = []

    def melding(prompt: Any) -> Any:
        from rusenhet.interview import Answer

        if prompt.error is not None:
            sent_back.append(prompt.error.render("nb"))
            return Answer("barnevern")
        return Answer("ingen")

    asker.fixed["sik_barnevern_melding"] = melding
    outcome = interview.run(asker)
    assert outcome.completed and outcome.result is not None
    assert len(sent_back) == 1 and "opplysningsplikten" in sent_back[0]
    assert outcome.result.notifications == ("barnevern",)
    finishes = [p for p in asker.prompts if p.question is None]
    assert len(finishes) == 2  # refused once, then completed


def test_finish_is_refused_while_a_guard_fails() -> None:
    interview, _ = new_interview("ung-voksen-18-24", 24)
    from test_interview_support import PolicyAsker

    answers = {**SAFE, "sik_akutt": ("overdose",), "sik_akutt_tiltak": None}
    asker = PolicyAsker(answers)
    while (prompt := interview.prompt()).question is not None:
        assert interview.submit(asker.ask(prompt)) is None
    error = interview.submit(Finish())
    assert error is not None and "sik_akutt_tiltak" in error.render("nb")
    assert not interview.completed
    assert interview.prompt().question is not None  # back at the question to record
    assert interview.prompt().question.id == "sik_akutt_tiltak"  # type: ignore[union-attr]


def test_amend_set_changes_one_answer_and_revalidates_the_whole_meeting(unit: Env) -> None:
    reg = Register(unit)
    add_person(reg, 17, "Kari Testesen")
    started = meeting(reg, "meeting", "start", "1", "--answers",
                      str(answers_file(unit, base_answers(17))))
    assert started.exit_code == 0, started.output
    before = unit.vault.read_bytes()
    # A concern for a 17-year-old without a notification: refused, nothing changed.
    refused = meeting(reg, "meeting", "amend", "1", "--reason", "Feil registrert",
                      "--set", "sik_barnevern=barnevern")
    assert refused.exit_code == 1, refused.output
    assert "sik_barnevern_melding" in refused.stderr
    assert unit.vault.read_bytes() == before
    amended = meeting(reg, "meeting", "amend", "1", "--reason", "Feil registrert",
                      "--set", "sik_barnevern=barnevern",
                      "--set", "sik_barnevern_melding=barnevern")
    assert amended.exit_code == 0, amended.output
    shown = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert shown["state"] == "amended"
    assert shown["result"]["notifications"] == ["barnevern"]
    assert shown["result"]["answers"]["u17_stoffer"] == base_answers(17)["u17_stoffer"]
    assert shown["history"][-1]["data"]["original_result"]["notifications"] == []
    table = meeting(reg, "meeting", "show", "1", "--format", "table").stdout
    assert "Meldt (opplysningsplikt)" in table and "Bekymring (ikke rusrisiko)" in table


@pytest.mark.parametrize(("args", "expected"), [
    (["--set", "finnes_ikke=1"], "finnes_ikke"),
    (["--set", "uten-likhetstegn"], "QUESTION=VALUE"),
    (["--set", "u17_viktighet=99"], "u17_viktighet"),
    (["--set", "info_formal=kanskje"], "info_formal"),
    ([], "--set"),
])
def test_amend_set_bad_input(unit: Env, args: list[str], expected: str) -> None:
    reg = Register(unit)
    add_person(reg, 17, "Kari Testesen")
    assert meeting(reg, "meeting", "start", "1", "--answers",
                   str(answers_file(unit, base_answers(17)))).exit_code == 0
    before = unit.vault.read_bytes()
    result = meeting(reg, "--lang", "en", "meeting", "amend", "1", "--reason", "x", *args)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr and "Traceback" not in result.output
    assert unit.vault.read_bytes() == before



# -- script check: guards in a unit's own scripts ------------------------------------------

GUARDED = '''kind = "script"
id = "egen-guard"
version = "1"
title = {{ nb = "Test", en = "Test" }}
ages = [30, 31]
risk_levels = ["low"]
include = ["felles-utfall"]

[[section]]
process = "focusing"
title = {{ nb = "Del", en = "Part" }}

[[section.question]]
id = "valg"
type = "single"
prompt = {{ nb = "Hva?", en = "What?" }}
options = [
  {{ code = "a", label = {{ nb = "A", en = "A" }} }},
  {{ code = "b", label = {{ nb = "B", en = "B" }} }},
]

[[section.question]]
id = "detalj"
type = "yesno"
show_if = "valg == 'b'"
prompt = {{ nb = "Detalj?", en = "Detail?" }}

[[guard]]
id = "vakt"
when = "{when}"
require = "{require}"
message = {{ nb = "Registrer detalj.", en = "Record the detail." }}
'''


@pytest.mark.parametrize(("when", "require", "expected"), [
    ("valg == 'a'", "finnes_ikke", 'egen.toml:31: expression "finnes_ikke": unknown name'),
    ("valg == 'a'", "valg == 'b'",
     'egen.toml:31: the guard "vakt" can never be satisfied'),
    # detalj is shown only when valg is 'b', so it has no value when the guard applies
    ("valg == 'a'", "detalj == True",
     'egen.toml:31: the guard "vakt" can never be satisfied'),
    ("age > 40", "detalj == True", 'egen.toml:30: the guard "vakt" can never apply'),
    ("valg == 'a'", "utfall_videre == 'avsluttet' and count(finnes) > 0",
     'egen.toml:31: expression'),
])
def test_script_check_reports_bad_guards_with_file_and_line(
        env: Env, when: str, require: str, expected: str) -> None:
    path = env.root / "egen.toml"
    path.write_text(GUARDED.format(when=when, require=require), encoding="utf-8")
    result = env.run(["--lang", "en", "script", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert expected in result.stdout + result.stderr


def test_script_check_accepts_a_guard_that_can_be_met(env: Env) -> None:
    path = env.root / "egen.toml"
    path.write_text(GUARDED.format(when="valg == 'b'", require="detalj == True"),
                    encoding="utf-8")
    result = env.run(["script", "check", str(path)])
    assert result.exit_code == 0, result.output


def test_script_check_rejects_unknown_keys_and_missing_messages_in_guards(env: Env) -> None:
    text = GUARDED.format(when="valg == 'b'", require="detalj == True")
    text += '\n[[guard]]\nid = "vakt"\nwhen = "True"\nrequire = "True"\nmelding = "x"\n'
    path = env.root / "egen.toml"
    path.write_text(text, encoding="utf-8")
    result = env.run(["--lang", "en", "script", "check", str(path)])
    assert result.exit_code == 1
    out = result.stdout + result.stderr
    assert 'egen.toml:38: unknown key "melding"' in out
    assert 'egen.toml:34: missing key "message"' in out


def test_script_show_lists_the_guards(env: Env) -> None:
    shown = json.loads(env.run(["script", "show", "ungdom-16-17", "--json"]).stdout)
    guards = {g["id"]: g for g in shown["guards"]}
    assert set(guards) == {"selvskading-akutt", "gjeld-salg-vurdert", "informert-om-barnevern",
                           "akutt-tiltak", "barnevern-melding"}
    assert guards["barnevern-melding"]["module"] == "felles-sikkerhet"
    assert guards["barnevern-melding"]["require"] == "sik_barnevern_melding == 'barnevern'"
    table = env.run(["--lang", "en", "script", "show", "voksen-25", "--format", "table"]).stdout
    assert "Guards: checked when the meeting is completed" in table
    assert "ruskjoring-rad" in table
