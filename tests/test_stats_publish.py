"""Published tables through the real CLI and vault: periods, roles, the ledger, releases
that overlap (quarter then year), revisions and frozen periods."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_referral_kit import Register, synthetic

from rusenhet.errors import ExitCode
from rusenhet.stats import catalogue
from rusenhet.stats.publish import verify_ledger

PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}
LATER = "2025-02-01"  # 2024 has ended


def run(reg: Register, *args: str, user: str = "siv", today: str = LATER) -> Result:
    return reg.env.run(list(args), passphrase=PASSES[user], user=user,
                       env={"RUSENHET_TODAY": today})


@pytest.fixture
def reg(unit: Env) -> Register:
    """Nine persons referred in 2024 (Q1 and Q2), three of them with a held meeting."""
    r = Register(unit)
    births = [date(1990 + i, 1 + i, 3) for i in range(9)]
    received = ["2024-01-10", "2024-02-11", "2024-03-12", "2024-04-02", "2024-04-20",
                "2024-05-05", "2024-05-25", "2024-06-01", "2024-06-10"]
    for i, (birth, day) in enumerate(zip(births, received, strict=True)):
        result = r.env.run(["referral", "add", "--id-number", synthetic(birth, seed=30 + i),
                            "--name", f"Person Nummer{i}", "--received", day,
                            "--legal-basis", "paatale", "--authority", "Oslo politidistrikt",
                            "--deadline", "2024-12-31", "--yes"],
                           passphrase=COUNSELLOR_PASS, user="ola",
                           env={"RUSENHET_TODAY": "2024-06-14"})
        assert result.exit_code == 0, result.output
    hold_meetings(r.env, {1: "low", 2: "high", 4: "moderate", 5: "low", 6: "high", 8: "low"})
    return r


def hold_meetings(env: Env, plan: dict[int, str], held_on: str = "2024-06-12",
                  today: str = "2024-06-14") -> None:
    """Held meetings answered in a given risk profile (the demo's answering policy,
    through the real engine, vault and fact rows)."""
    import os

    from rusenhet.demo import hold_meeting
    from rusenhet.interview import ScriptLibrary
    from rusenhet.vault import Vault

    os.environ["RUSENHET_TODAY"] = today
    try:
        vault = Vault.open(env.vault, "ola", COUNSELLOR_PASS)
        library = ScriptLibrary.load()
        for number, profile in plan.items():
            hold_meeting(vault, library, number, date.fromisoformat(held_on), profile)
    finally:
        del os.environ["RUSENHET_TODAY"]


def _publish(reg: Register, period: str, name: str, fmt: str = "json",
             user: str = "siv") -> Result:
    return run(reg, "stats", "publish", period, "--out", str(reg.env.root / name), "--format",
               fmt, user=user)


def _figures(reg: Register, name: str) -> dict[tuple[str, ...], str]:
    data = json.loads((reg.env.root / name).read_text(encoding="utf-8"))
    out = {}
    for table in data["tables"]:
        for cell in table["cells"]:
            key = (table["name"], *(str(cell[d]) for d in table["dimensions"]))
            out[key] = cell["symbol"]
    return out


def test_publish_year_small_counts_never_shown(reg: Register) -> None:
    result = _publish(reg, "2024", "year.json")
    assert result.exit_code == 0, result.output
    data = json.loads((reg.env.root / "year.json").read_text(encoding="utf-8"))
    assert data["parameters"] == {"t": 4, "p": 3}
    assert ":" in data["footnote"] and "1–4" in data["footnote"]
    for symbol in _figures(reg, "year.json").values():
        assert symbol in (":", ".") or not 1 <= int(symbol) <= 4
    # Every table counts the same persons: the grand total has one status everywhere.
    figures = _figures(reg, "year.json")
    totals = {figures[(t, "Total")] for t in ("age", "sex", "legal-basis", "risk", "outcome",
                                               "referral-made")}
    assert len(totals) == 1


def test_group_disclosure_hides_the_total_in_every_table(unit: Env) -> None:
    """Nobody assessed: the risk table hides its total ("all were not assessed" would
    be group disclosure on a sensitive dimension), and since every table counts the same
    persons, the total is hidden in all of them — a total published by the sex table
    would give the risk table's secret away (9 − 0 − 0 − 0)."""
    r = Register(unit)
    for i in range(9):
        r.env.run(["referral", "add", "--id-number", synthetic(date(1990 + i, 2, 3), seed=60 + i),
                   "--name", f"Uvurdert Nummer{i}", "--received", f"2024-0{1 + i % 6}-05",
                   "--legal-basis", "paatale", "--authority", "Oslo politidistrikt",
                   "--deadline", "2024-12-31", "--yes"], passphrase=COUNSELLOR_PASS, user="ola",
                  env={"RUSENHET_TODAY": "2024-06-14"})
    assert _publish(r, "2024", "year.json").exit_code == 0
    figures = _figures(r, "year.json")
    assert figures[("risk", "not-assessed")] == ":"
    totals = {figures[(t, "Total")] for t in ("age", "sex", "legal-basis", "risk", "outcome",
                                               "referral-made")}
    assert totals == {":"}


def test_only_ended_periods_and_no_months(reg: Register) -> None:
    assert _publish(reg, "2024-06", "m.json").exit_code == ExitCode.INPUT
    early = run(reg, "stats", "publish", "2024", "--out", str(reg.env.root / "e.json"),
                today="2024-12-31")
    assert early.exit_code == ExitCode.INPUT
    assert not (reg.env.root / "e.json").exists()
    bad = _publish(reg, "2024-Q7", "b.json")
    assert bad.exit_code == ExitCode.INPUT


def test_roles(reg: Register) -> None:
    assert _publish(reg, "2024", "c.json", user="ola").exit_code == ExitCode.ACCESS
    assert _publish(reg, "2024", "a.json", user="anne").exit_code == 0


def test_quarter_then_year_keeps_published_cells_and_ledger_chains(reg: Register) -> None:
    assert _publish(reg, "2024-Q1", "q1.json").exit_code == 0
    assert _publish(reg, "2024-Q2", "q2.json").exit_code == 0
    year = _publish(reg, "2024", "year.json")
    assert year.exit_code == 0, year.output
    q1, q2, y = (_figures(reg, n) for n in ("q1.json", "q2.json", "year.json"))
    # Q1 has 3 persons: suppressed. If Q2 (6) was published, publishing the year's 9
    # would give Q1 = 9 − 6 away, so the audit, which sees the earlier releases, must
    # have suppressed the year's total.
    assert q1[("sex", "Total")] == ":"
    for table in ("age", "sex", "legal-basis", "risk", "outcome", "referral-made"):
        # Q1 = year − Q2: never both published while Q1 is hidden.
        assert ":" in (q2[(table, "Total")], y[(table, "Total")]), table
    # Every figure published in both a quarter and the year is consistent.
    for value in q2.values():
        assert value in (":", ".") or not 1 <= int(value) <= 4
    listed = run(reg, "stats", "releases", "--json")
    data = json.loads(listed.stdout)
    assert [e["period"] for e in data["rows"]] == ["2024-Q1", "2024-Q2", "2024"]
    v = reg.open("siv")
    assert verify_ledger(v)[0] == 3
    # Append-only: the ledger refuses updates even from inside the vault.
    import sqlite3

    with pytest.raises(sqlite3.DatabaseError):
        v.stats_conn.execute("UPDATE release_ledger SET period = 'x'")


def test_changed_data_of_a_published_period_is_revised_with_the_next_release(
        reg: Register) -> None:
    assert _publish(reg, "2024-Q1", "q1.json").exit_code == 0
    # A late registration in Q1 ...
    late = reg.env.run(["referral", "add", "--id-number", synthetic(date(2000, 7, 7), seed=99),
                        "--name", "Sen Registrering", "--received", "2024-03-30",
                        "--legal-basis", "paatale", "--authority", "Oslo politidistrikt",
                        "--deadline", "2024-12-31", "--yes"], passphrase=COUNSELLOR_PASS,
                       user="ola", env={"RUSENHET_TODAY": "2024-06-14"})
    assert late.exit_code == 0, late.output
    # ... and the year is published: Q1 is revised in the same release.
    year = run(reg, "--lang", "en", "stats", "publish", "2024", "--out",
               str(reg.env.root / "y.json"))
    assert year.exit_code == 0, year.output
    assert "2024-Q1" in year.stdout and "revised in the same release" in year.stdout
    listed = json.loads(run(reg, "stats", "releases", "--json").stdout)["rows"]
    assert [(e["period"], e["revision_of"] is not None) for e in listed] == [
        ("2024-Q1", False), ("2024", False), ("2024-Q1", True)]
    # The revised Q1, written out again, is the recorded revision (no new entry).
    again = _publish(reg, "2024-Q1", "q1b.json")
    assert again.exit_code == 0, again.output
    assert len(json.loads(run(reg, "stats", "releases", "--json").stdout)["rows"]) == 3


def test_tampered_ledger_is_detected(reg: Register) -> None:
    assert _publish(reg, "2024", "y.json").exit_code == 0
    v = reg.open("siv")
    v.stats_conn.execute("DROP TRIGGER release_ledger_no_update")
    v.transact(lambda vv: vv.stats_conn.execute(
        "UPDATE release_ledger SET t = 3 WHERE seq = 1"))
    listed = run(reg, "stats", "releases")
    assert listed.exit_code == ExitCode.VAULT


@pytest.mark.parametrize("fmt", ["markdown", "csv", "json"])
def test_every_format_has_the_footnote(reg: Register, fmt: str) -> None:
    assert _publish(reg, "2024", f"out.{fmt}", fmt=fmt).exit_code == 0
    text = (reg.env.root / f"out.{fmt}").read_text(encoding="utf-8")
    assert re.search(r"1–4", text)
    assert "Nummer" not in text  # no name can ever reach a published table


def test_person_records_count_persons_not_referrals(reg: Register) -> None:
    # A second referral of the same person in 2024 does not add a person.
    again = reg.env.run(["referral", "add", "--id-number", synthetic(date(1990, 1, 3), seed=30),
                         "--name", "Person Nummer0", "--received", "2024-06-12",
                         "--legal-basis", "betinget-dom", "--authority", "Oslo politidistrikt",
                         "--deadline", "2024-12-31", "--yes"], passphrase=COUNSELLOR_PASS,
                        user="ola", env={"RUSENHET_TODAY": "2024-06-14"})
    assert again.exit_code == 0, again.output
    v = reg.open("siv")
    records = catalogue.person_records(v, 2024)
    assert len(records) == 9
    first = [r for r in records if r.month == "2024-01"]
    assert len(first) == 1 and first[0].legal_basis == "paatale"


def test_a_held_meeting_sets_attendance_and_risk(unit: Env) -> None:
    from test_meetings import LOW_RISK, answers_file

    r = Register(unit)
    r.add()  # 24 years old on 2024-06-14: the 18–24 script fits LOW_RISK
    held = unit.run(["meeting", "start", "1", "--answers", str(answers_file(unit, LOW_RISK))],
                    passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": "2024-06-14"})
    assert held.exit_code == 0, held.output
    (record,) = catalogue.person_records(r.open("siv"), 2024)
    assert (record.attendance, record.risk, record.referral_made) == ("attended", "low", "yes")
    assert record.outcome == "avsluttet"
