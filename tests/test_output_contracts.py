"""Stable output: the JSON schema of every list/show command is pinned here (scripts
depend on it), and key screens are compared exactly (NO_COLOR, COLUMNS=100)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_meetings import LOW_RISK, answers_file
from test_referral_kit import TODAY, Register, synthetic

PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}


def run(reg: Register, *args: str, user: str = "ola") -> Result:
    return reg.env.run(list(args), passphrase=PASSES[user], user=user,
                       env={"RUSENHET_TODAY": TODAY})


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    r.add(extra=("--police-ref", "12345678"))  # 1: 24 years old, deadline 2024-07-01
    r.add(synthetic(date(2007, 9, 1), seed=5), name="Unge Person", extra=(
        "--guardian", "Kari Person, tlf. 912 34 567", "--yes"))  # 2: 16 years old
    r.add(synthetic(date(1980, 3, 4), seed=6), name="Voksen Person",
          received="2024-03-01", extra=("--deadline", "2024-05-01", "--yes"))  # 3: overdue
    unit.run(["unit", "set", "unit-contact", "tlf. 22 00 00 00"], passphrase=ADMIN_PASS,
             user="anne")
    assert run(r, "meeting", "book", "2", "--at", "2024-06-20 14:30", "--place",
               "Rådhuset, 2. etasje").exit_code == 0
    assert run(r, "meeting", "start", "1", "--answers",
               str(answers_file(unit, LOW_RISK))).exit_code == 0
    return r


SCHEMAS = {
    ("user", "list"): ({"rows"}, {"name", "role", "you"}),
    ("unit", "show"): ({"rows"}, {"key", "value", "description"}),
    ("script", "list"): ({"rows"}, {"id", "version", "title", "ages", "source", "sha256"}),
    ("stats", "month", "2024-06"): ({"stamp", "period", "dimensions", "notes", "rows"},
                                    {"referrals", "repeat_referrals", "meetings", "no_shows",
                                     "attendance_rate", "within_deadline", "median_days",
                                     "referrals_made", "contact_4w", "contact_12w"}),
}


@pytest.mark.parametrize("args", list(SCHEMAS))
def test_json_schemas_are_pinned(reg: Register, args: tuple[str, ...]) -> None:
    user = "anne" if args[0] in ("user", "unit") else "ola"
    out = run(reg, *args, "--json", user=user)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    top, row = SCHEMAS[args]
    assert set(data) == top
    assert data["rows"] and all(set(r) == row for r in data["rows"])


def test_meeting_show_json_schema(reg: Register) -> None:
    data = json.loads(run(reg, "meeting", "show", "1", "--json").stdout)  # 2 is only booked
    assert set(data) == {"id", "referral", "meeting", "state", "at", "place", "counsellor", "held_on",
                         "participants", "result", "reason", "history"}
    assert set(data["result"]) == {"script", "answers", "skipped", "scores", "bands", "risk",
                                   "modules", "outcome_codes", "referrals", "advice_codes",
                                   "follow_up_needs", "notes", "substances", "concerns",
                                   "notifications", "actions"}
    assert set(data["result"]["script"]) >= {"id", "version", "sha256", "modules"}


def test_audit_list_json_schema(reg: Register) -> None:
    data = json.loads(run(reg, "audit", "list", "--json", user="anne").stdout)
    assert set(data) == {"rows"}
    assert all(set(r) == {"log", "seq", "time", "user", "action", "record"}
               for r in data["rows"])


def test_agenda_json_schema(reg: Register) -> None:
    """The agenda's sections and item keys are pinned; its screens are in test_agenda.py."""
    data = json.loads(run(reg, "agenda", "--json").stdout)
    assert [s["section"] for s in data["sections"]] == [
        "today", "upcoming", "paused", "to_book", "follow_up", "onward", "confirm", "overdue"]
    items = [i for s in data["sections"] for i in s["items"]]
    assert items and all(set(i) == {"referral", "name", "counsellor", "age_band", "deadline",
                                     "days_left", "meeting", "at", "place", "script", "due",
                                     "detail"} for i in items)
    csv = run(reg, "--lang", "en", "agenda", "--format", "csv").stdout.splitlines()
    assert csv[0] == ("section,referral,meeting,name,at,place,counsellor,age_band,script,"
                      "deadline,days_left,due,detail")
    assert csv[1].startswith("upcoming,2,1,Unge Person,2024-06-20T14:30:00,")


PUBLISHED_START = """\
# Advisory unit for drug cases – published tables 2024-Q1

## Persons by age band

| Age band | Persons |
|---|---:|
| 0-15 | : |
| 16-17 | : |
| 0-17 | : |
| 18-24 | : |
| 25+ | : |
| 18+ | : |
| Total | : |

*':' = suppressed to protect individuals: figures with 1–4 persons, figures that differ from a total by 1–4 (or 0 for sensitive variables), and further figures until none of them can be narrowed to fewer than 3 possible values. Suppressed figures may be 0. '.' = cannot occur.*

## Persons by sex

| Sex | Persons |
|---|---:|
"""


def test_publication_markdown_exact(reg: Register) -> None:
    """Three persons in the quarter: the total (1..4) is suppressed in every table, and
    so is every figure that would give it away. (Which zeros stay published is the
    engine's choice of secondary suppressions; the layout around them is fixed.)"""
    out = reg.env.root / "pub.md"
    result = reg.env.run(["--lang", "en", "stats", "publish", "2024-Q1", "--out", str(out)],
                         passphrase=SUPERVISOR_PASS, user="siv",
                         env={"RUSENHET_TODAY": "2024-07-02"})
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(PUBLISHED_START), text[:900]
    sex_rows = text.split("## Persons by sex", 1)[1].split("\n\n", 2)[1].splitlines()[2:]
    assert [row.split(" | ")[0] for row in sex_rows] == ["| female", "| male", "| unknown",
                                                         "| Total"]
    assert sex_rows[-1] == "| Total | : |"
    assert all(row.endswith((" | : |", " | 0 |")) for row in sex_rows)
    assert text.count("*':' = suppressed to protect individuals") == 8
    for name in ("age band", "sex", "legal basis", "risk level", "outcome of the meeting",
                 "age band and risk level", "age band and attendance"):
        assert f"## Persons by {name}" in text
