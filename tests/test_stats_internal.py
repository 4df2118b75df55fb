"""Internal operational statistics from the fact rows, through the real CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_meetings import LOW_RISK, answers_file
from test_referral_kit import TODAY, Register, synthetic

from rusenhet.errors import ExitCode

PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}


def run(reg: Register, *args: str, user: str = "siv") -> Result:
    return reg.env.run(list(args), passphrase=PASSES[user], user=user,
                       env={"RUSENHET_TODAY": TODAY})


@pytest.fixture
def reg(unit: Env) -> Register:
    """Three referrals received in June 2024, one in May; one meeting held in June, one
    no-show in June."""
    r = Register(unit)
    r.add(received="2024-06-03")  # 1: 24 years old, § 69
    r.add(synthetic(date(2007, 9, 1), seed=5), name="Unge Person", received="2024-06-05",
          basis="betinget-dom", extra=("--yes",))  # 2: 16
    r.add(synthetic(date(1990, 1, 2), seed=6), name="Voksen Person", received="2024-05-20",
          extra=("--yes",))  # 3: 34
    r.add(synthetic(date(2001, 2, 3), seed=7), name="Fjerde Person", received="2024-06-10",
          extra=("--yes",))  # 4: 23
    held = r.env.run(["meeting", "start", "1", "--held-on", "2024-06-12", "--answers",
                      str(answers_file(unit, LOW_RISK))], passphrase=COUNSELLOR_PASS, user="ola",
                     env={"RUSENHET_TODAY": TODAY})
    assert held.exit_code == 0, held.output
    booked = r.env.run(["meeting", "book", "3", "--at", "2024-06-14 23:00"],
                       passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    assert booked.exit_code == 0, booked.output
    ns = r.env.run(["meeting", "no-show", "3"], passphrase=COUNSELLOR_PASS, user="ola",
                   env={"RUSENHET_TODAY": TODAY})
    assert ns.exit_code == 0, ns.output
    return r


def test_month_totals(reg: Register) -> None:
    out = run(reg, "stats", "month", "2024-06", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["stamp"] == "INTERNT – ikke for publisering"
    total = data["rows"][-1]
    assert (total["referrals"], total["meetings"], total["no_shows"]) == (3, 1, 1)
    assert total["attendance_rate"] == 0.5 and total["within_deadline"] == 1.0
    assert total["median_days"] is None  # fewer than 10 persons
    may = json.loads(run(reg, "stats", "month", "2024-05", "--json").stdout)["rows"][-1]
    assert may["referrals"] == 1 and may["meetings"] == 0


def test_split_by_age_band_and_legal_basis(reg: Register) -> None:
    data = json.loads(run(reg, "stats", "quarter", "2024-Q2", "--by", "age-band", "--by",
                          "legal-basis", "--json").stdout)
    rows = {(r["age-band"], r["legal-basis"]): r for r in data["rows"][:-1]}
    assert rows[("18-24", "paatale")]["referrals"] == 2
    assert rows[("16-17", "betinget-dom")]["referrals"] == 1
    assert rows[("25+", "paatale")]["no_shows"] == 1
    assert sum(r["referrals"] for r in rows.values()) == data["rows"][-1]["referrals"] == 4


def test_meeting_only_dimensions_do_not_split_referrals(reg: Register) -> None:
    data = json.loads(run(reg, "stats", "month", "2024-06", "--by", "risk", "--json").stdout)
    assert all(r["referrals"] is None for r in data["rows"][:-1])
    assert data["rows"][-1]["referrals"] == 3
    assert any("cannot be split" in n or "kan ikke fordeles" in n for n in data["notes"])


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json"])
def test_every_format_is_stamped(reg: Register, fmt: str) -> None:
    out = run(reg, "--lang", "en", "stats", "year", "2024", "--format", fmt)
    assert out.exit_code == 0, out.output
    assert "INTERNAL – not for publication" in out.stdout


def test_year_has_a_monthly_chart(reg: Register) -> None:
    out = run(reg, "stats", "year", "2024")
    lines = [line for line in out.stdout.splitlines() if line.startswith("2024-06")]
    assert lines and "█" in lines[0] and lines[0].rstrip().endswith("1")


@pytest.mark.parametrize("args", [["stats", "month", "2024-13"], ["stats", "month", "2024"],
                                  ["stats", "quarter", "2024-Q5"],
                                  ["stats", "month", "2024-06", "--by", "name"],
                                  ["stats", "month", "2024-06", "--by", "sex", "--by", "risk",
                                   "--by", "script"]])
def test_bad_input(reg: Register, args: list[str]) -> None:
    out = run(reg, *args)
    assert out.exit_code == ExitCode.INPUT and "Traceback" not in out.output


def test_supervisor_use_is_logged_in_the_stats_section(reg: Register) -> None:
    assert run(reg, "stats", "month", "2024-06").exit_code == 0
    v = reg.open("siv")
    actions = [r[0] for r in v.stats_conn.execute("SELECT action FROM stats_log")]
    assert "stats.internal" in actions


def test_by_substance_counts_meetings_per_reported_substance(reg: Register) -> None:
    out = run(reg, "stats", "month", "2024-06", "--by", "substance", "--json")
    assert out.exit_code == 0, out.output
    rows = {r["substance"]: r for r in json.loads(out.stdout)["rows"][:-1]}
    # the held meeting reported cannabis; the no-show has no substance recorded
    assert rows["cannabis"]["meetings"] == 1 and rows["cannabis"]["no_shows"] == 0
    assert rows["none"]["meetings"] == 0 and rows["none"]["no_shows"] == 1
    assert rows["cannabis"]["referrals"] is None  # referrals carry no substance
    two = json.loads(run(reg, "stats", "month", "2024-06", "--by", "age-band", "--by",
                         "substance", "--json").stdout)["rows"]
    assert {(r["age-band"], r["substance"]): r["meetings"] for r in two[:-1]} == {
        ("18-24", "cannabis"): 1, ("25+", "none"): 0}
    table = run(reg, "stats", "month", "2024-06", "--by", "substance", "--format", "table")
    assert "Rusmiddel" in table.stdout and "cannabis" in table.stdout
    assert "INTERNT" in table.stdout


def test_fact_rows_carry_coded_substances_and_safety_codes_only(unit: Env) -> None:
    r = Register(unit)
    r.add(synthetic(date(2007, 1, 10), seed=5), name="Unge Person", extra=("--yes",))
    from test_guards import base_answers

    answers = {**base_answers(17), "u17_stoffer": ["alkohol", "cannabis"],
               "sik_akutt": ["overdose"], "sik_akutt_tiltak": ["legevakt"],
               "sik_barnevern": "barnevern", "sik_barnevern_melding": "barnevern"}
    held = unit.run(["meeting", "start", "1", "--answers", str(answers_file(unit, answers))],
                    passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    assert held.exit_code == 0, held.output
    v = r.open("siv")
    row = dict(v.stats_conn.execute("SELECT * FROM meeting_fact").fetchone())
    assert json.loads(row["substance_codes"]) == ["alkohol", "cannabis"]
    assert json.loads(row["concern_codes"]) == ["barnevern", "overdose"]
    assert json.loads(row["notification_codes"]) == ["barnevern"]
    assert json.loads(row["action_codes"]) == ["legevakt"]
    assert json.loads(row["score_bands"]) == {"crafft": "ingen"}
    assert row["risk_level"] == "low"  # the concern is not drug risk
