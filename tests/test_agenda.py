"""The agenda as the day's work: every section, with --json, and the screen at 80
columns in bokmål."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import COUNSELLOR_PASS, Env, Result
from test_interview_support import PolicyAsker, script
from test_meetings import LOW_RISK, answers_file
from test_referral_kit import TODAY, Register, synthetic

from rusenhet import meetings
from rusenhet.interview import Interview, MeetingContext
from rusenhet.interview.engine import Pause
from rusenhet.vault import Vault

FOLLOW_UP = {**LOW_RISK, "utfall_videre": "ny-samtale", "utfall_ny_samtale_dato": "2024-08-15"}

SCREEN_NB = """\
I dag (1)
Kl.    Henvisning   Sted    Skript
────────────────────────────────────────────
23.00  1 Anna Berg  Rom 2   ung-voksen-18-24

Samtaler på pause eller avbrutt – fortsett med «rusenhet meeting resume NR» (1)
Henvisning   Status
─────────────────────
3 Cato Dahl  på pause

Henvisninger uten time – sett opp time (1)
                        Dager
Henvisning  Frist       igjen
─────────────────────────────
2 Bo Aas    10.07.2024  26

Avtalt ny samtale – sett opp time (1)
            Avtalt
Henvisning  dato
──────────────────────
4 Dina Eng  15.08.2024

Bekreftelser som skal sendes til påtalemyndigheten (2)
Henvisning   Bekreft
──────────────────────
4 Dina Eng   møtt
5 Eirik Fos  ikke møtt

Over fristen uten samtale (1)
                         Dager
Henvisning   Frist       igjen
──────────────────────────────
5 Eirik Fos  01.05.2024  -44
"""


def run(reg: Register, *args: str) -> Result:
    return reg.env.run(list(args), passphrase=COUNSELLOR_PASS, user="ola",
                       env={"RUSENHET_TODAY": TODAY, "COLUMNS": "80"})


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    young = synthetic(date(2001, 2, 3), seed=11)  # 23: the 18–24 script
    for seed, name, deadline in ((11, "Anna Berg", "2024-07-01"), (12, "Bo Aas", "2024-07-10"),
                                 (13, "Cato Dahl", "2024-07-01"),
                                 (14, "Dina Eng", "2024-07-01"),
                                 (15, "Eirik Fos", "2024-05-01")):
        number = young if seed == 11 else synthetic(date(2001, 2, seed - 10), seed=seed)
        r.add(number, name=name, deadline=deadline, extra=("--yes",))
    # 1: an appointment tonight.
    assert run(r, "meeting", "book", "1", "--at", "14.06.2024 23.00",
               "--place", "Rom 2").exit_code == 0
    # 2: nothing yet (to book). 3: paused in the middle.
    v = Vault.open(r.env.vault, "ola", COUNSELLOR_PASS)
    s = script("ung-voksen-18-24")
    started = meetings.start(v, 3, s, meetings.Participants())
    Interview(s, MeetingContext(started.age), meetings.event_saver(v, started.meeting_id)).run(
        PolicyAsker({**LOW_RISK, "u24_hverdag": Pause()}))
    v.close()
    # 4: held, a new conversation agreed for 15.08.2024, no confirmation sent yet.
    assert run(r, "meeting", "start", "4", "--answers",
               str(answers_file(r.env, FOLLOW_UP))).exit_code == 0
    # 5: past the deadline with no meeting.
    return r


def test_every_section_of_the_day(reg: Register) -> None:
    data = json.loads(run(reg, "agenda", "--json").stdout)
    found = {s["section"]: [i["referral"] for i in s["items"]] for s in data["sections"]}
    assert found == {"today": [1], "upcoming": [], "paused": [3], "to_book": [2],
                     "follow_up": [4], "onward": [], "confirm": [4, 5], "overdue": [5]}
    follow_up = next(s for s in data["sections"] if s["section"] == "follow_up")["items"][0]
    assert follow_up["due"] == "2024-08-15"
    to_book = next(s for s in data["sections"] if s["section"] == "to_book")["items"][0]
    assert (to_book["deadline"], to_book["days_left"]) == ("2024-07-10", 26)
    # Booking the follow-up and sending the confirmation take 4 off the list.
    assert run(reg, "meeting", "book", "4", "--at", "15.08.2024 10.00", "--yes").exit_code == 0
    assert run(reg, "confirm", "issue", "4").exit_code == 0
    data = json.loads(run(reg, "agenda", "--json", "--days", "90").stdout)
    found = {s["section"]: [i["referral"] for i in s["items"]] for s in data["sections"]}
    assert found["follow_up"] == [] and found["confirm"] == [5]
    assert found["upcoming"] == [4]
    assert next(s for s in data["sections"] if s["section"] == "upcoming")["items"][0][
        "meeting"] == 2


def test_agenda_screen_at_80_columns_in_bokmal(reg: Register) -> None:
    shown = run(reg, "agenda", "--format", "table").stdout
    assert shown == SCREEN_NB
    for english in ("Agenda", "booket", "(60 d)"):
        assert english not in shown
