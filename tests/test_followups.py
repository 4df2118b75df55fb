"""Follow-up of onward referrals through the real CLI and vault: a follow-up date for each
referral made, the due list on the agenda, results recorded, the status codes in the
fact rows and the internal shares with contact within 4 and 12 weeks."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import Env, Result
from test_guards import SAFE
from test_interview_support import run_policy
from test_meetings import LOW_RISK, answers_file, meeting
from test_referral_kit import Register, synthetic

from rusenhet.errors import ExitCode
from rusenhet.interview.events import encode_value


@pytest.fixture
def reg(unit: Env) -> Register:
    """Two adults met on 2024-05-01: one referred to the GP, one to the GP and NAV."""
    r = Register(unit)
    r.add(received="2024-04-20")
    r.add(synthetic(date(1990, 1, 2), seed=6), name="Voksen Person", received="2024-04-22",
          extra=("--yes",))
    first = meeting(r, "meeting", "start", "1", "--held-on", "2024-05-01", "--answers",
                    str(answers_file(unit, LOW_RISK, "a1.json")))
    assert first.exit_code == 0, first.output
    result = run_policy("voksen-25", 34, None, {
        **SAFE, "utfall_henvisninger": ("fastlege", "nav"), "utfall_samtykke_fastlege": True,
        "utfall_samtykke_nav": True, "utfall_videre": "henvist"})
    answers = {k: encode_value(v) for k, v in result.answers.items()}
    second = meeting(r, "meeting", "start", "2", "--held-on", "2024-05-01", "--answers",
                     str(answers_file(unit, answers, "a2.json")))
    assert second.exit_code == 0, second.output
    return r


def _list(reg: Register, *args: str) -> list[dict[str, object]]:
    out = meeting(reg, "followup", "list", *args, "--json")
    assert out.exit_code == 0, out.output
    rows: list[dict[str, object]] = json.loads(out.stdout)["rows"]
    return rows


def test_every_referral_made_gets_a_follow_up_date(reg: Register) -> None:
    rows = _list(reg)
    assert [(r["referral"], r["code"], r["due"], r["result"]) for r in rows] == [
        (1, "fastlege", "2024-05-29", None), (2, "fastlege", "2024-05-29", None),
        (2, "nav", "2024-05-29", None)]
    agenda = meeting(reg, "agenda", "--days", "14", "--format", "table")
    assert "Henvist videre – følg opp" in agenda.stdout
    assert "fastlege" in agenda.stdout and "nav" in agenda.stdout
    sections = {s["section"]: s["items"] for s in
                json.loads(meeting(reg, "agenda", "--days", "14", "--json").stdout)["sections"]}
    assert sorted((i["referral"], i["detail"], i["due"]) for i in sections["onward"]) == [
        (1, "fastlege", "2024-05-29"), (2, "fastlege", "2024-05-29"), (2, "nav", "2024-05-29")]


def test_recording_results_moves_the_codes_into_facts_and_shares(reg: Register) -> None:
    ids = {(r["referral"], r["code"]): r["id"] for r in _list(reg)}
    assert meeting(reg, "followup", "record", str(ids[(1, "fastlege")]), "--result", "contact",
                   "--on", "2024-05-20").exit_code == 0  # 19 days: within 4 weeks
    assert meeting(reg, "followup", "record", str(ids[(2, "fastlege")]), "--result", "contact",
                   "--on", "2024-06-14").exit_code == 0  # 44 days: within 12 weeks
    later = meeting(reg, "--lang", "en", "followup", "record", str(ids[(2, "nav")]),
                    "--result", "not-yet", "--on", "2024-06-01")
    assert later.exit_code == 0, later.output
    assert "Next follow-up date: 2024-06-29" in later.stdout
    open_rows = _list(reg)
    assert [(r["code"], r["result"], r["due"]) for r in open_rows] == [
        ("nav", "not-yet", "2024-06-29")]
    assert len(_list(reg, "--all")) == 3

    v = reg.open("siv")
    codes = [json.loads(r[0]) for r in v.stats_conn.execute(
        "SELECT followup_codes FROM meeting_fact ORDER BY days_to_meeting")]
    assert sorted(map(json.dumps, codes)) == sorted(map(json.dumps, [
        {"fastlege": "contact-4w"}, {"fastlege": "contact-12w", "nav": "not-yet"}]))

    stats = json.loads(meeting(reg, "stats", "month", "2024-05", "--json", user="anne").stdout)
    total = stats["rows"][-1]
    assert total["referrals_made"] == 3
    assert total["contact_4w"] == pytest.approx(1 / 3)
    assert total["contact_12w"] == pytest.approx(2 / 3)
    screen = meeting(reg, "stats", "month", "2024-05", user="anne")
    assert "kontakt etablert innen 4 uker: 33 %, innen 12 uker: 67 %" in screen.output


@pytest.mark.parametrize(("args", "code", "text"), [
    (["99", "--result", "contact"], ExitCode.INPUT, "Unknown follow-up"),
    (["1", "--result", "maybe"], ExitCode.INPUT, "Unknown result"),
    (["1", "--result", "contact", "--on", "2024-04-01"], ExitCode.INPUT, "before the referral"),
    (["1", "--result", "contact", "--on", "2030-01-01"], ExitCode.INPUT, "in the future"),
    (["1", "--result", "contact", "--on", "31.02.2024"], ExitCode.INPUT, ""),
])
def test_record_bad_input_changes_nothing(reg: Register, args: list[str], code: int,
                                          text: str) -> None:
    before = reg.vault_bytes()
    out: Result = meeting(reg, "--lang", "en", "followup", "record", *args)
    assert out.exit_code == code, out.output
    assert text in out.stderr and "Traceback" not in out.output
    assert reg.vault_bytes() == before


def test_a_supervisor_cannot_see_or_record_follow_ups(reg: Register) -> None:
    before = reg.vault_bytes()
    assert meeting(reg, "followup", "list", user="siv").exit_code == ExitCode.ACCESS
    assert meeting(reg, "followup", "record", "1", "--result", "contact",
                   user="siv").exit_code == ExitCode.ACCESS
    assert reg.vault_bytes() == before


def test_amending_away_a_referral_drops_its_pending_follow_up(reg: Register) -> None:
    amended = meeting(reg, "meeting", "amend", "1", "--reason", "Feil henvisning",
                      "--set", "utfall_henvisninger=ingen", "--set", "utfall_samtykke_fastlege=")
    assert amended.exit_code == 0, amended.output
    assert [r["referral"] for r in _list(reg)] == [2, 2]


def test_followup_list_due_window(reg: Register) -> None:
    assert len(_list(reg, "--due", "0")) == 3  # due 2024-05-29, today is 2024-06-14
    nav = next(r["id"] for r in _list(reg) if r["code"] == "nav")
    assert meeting(reg, "followup", "record", str(nav), "--result", "not-yet").exit_code == 0
    assert [r["code"] for r in _list(reg, "--due", "0")] == ["fastlege", "fastlege"]
    assert len(_list(reg, "--due", "28")) == 3  # the new date is 2024-07-12
    assert meeting(reg, "followup", "list", "--due", "400").exit_code == ExitCode.INPUT


def test_innsyn_export_includes_the_follow_ups(reg: Register) -> None:
    out = reg.env.root / "innsyn.json"
    result = meeting(reg, "person", "export", "2", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(f["code"], f["due"]) for f in data["referral_followups"]] == [
        ("fastlege", "2024-05-29"), ("nav", "2024-05-29")]
