"""Who takes part, asked in a real pseudo-terminal without any flag (pexpect: every
prompt's text is awaited before keys are sent), with defaults by age; and the flags and
their bad values without a terminal."""

from __future__ import annotations

import json
import sys
from datetime import date

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_interactive_pty import DOWN, _spawn
from test_meetings import meeting
from test_referral_kit import TODAY, Register, synthetic

pty_only = pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")


def _participants(unit: Env) -> dict[str, object]:
    shown = unit.run(["meeting", "show", "1", "--json"], passphrase=COUNSELLOR_PASS,
                     user="ola", env={"RUSENHET_TODAY": TODAY})
    data: dict[str, object] = json.loads(shown.stdout)["participants"]
    return data


@pty_only
def test_participants_of_a_15_year_old_are_asked_with_foresatte_by_default(unit: Env) -> None:
    Register(unit).add(synthetic(date(2009, 1, 10), seed=3), name="Mia Testesen",
                       extra=("--guardian", "Anne Testesen, tlf. +47 00 00 00 01"))
    child = _spawn(unit, "meeting", "start", "1")
    child.expect("Hvem deltar i samtalen")
    child.expect("Deltar personen selv")
    child.send("\r")  # default: yes
    child.expect("Hvor mange foresatte deltar")
    child.expect("under 16 år er foresatte som hovedregel med")
    child.expect(r"» (\x1b\[[0-9;]*m)*1")  # one foresatt registered: the default
    child.send(DOWN + "\r")  # 2
    child.expect("Deltar en tolk")
    child.send("y")
    child.expect("Tolkens språk")
    child.sendline("arabisk")
    child.expect("Andre som deltar")
    child.sendline("miljøterapeut, lærer")
    child.expect("Spørsmål 1 av")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _participants(unit) == {"person": True, "guardians": 2,
                                   "interpreter_language": "arabisk",
                                   "others": ["miljøterapeut", "lærer"]}


@pty_only
def test_an_adult_is_not_asked_about_foresatte(unit: Env) -> None:
    Register(unit).add()  # 24 years old
    child = _spawn(unit, "--lang", "en", "meeting", "start", "1")
    child.expect("Does the person take part")
    child.send("\r")
    index = child.expect(["How many parents", "Does an interpreter take part"])
    assert index == 1
    child.send("\r")  # default: no interpreter
    child.expect("Others taking part")
    child.send("\r")
    child.expect("Question 1 of")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _participants(unit) == {"person": True, "guardians": 0,
                                   "interpreter_language": None, "others": []}


def test_without_a_terminal_participants_come_from_flags_or_defaults(unit: Env) -> None:
    reg = Register(unit)
    reg.add(synthetic(date(2009, 1, 10), seed=3), name="Mia Testesen",
            extra=("--guardian", "Anne Testesen, tlf. +47 00 00 00 01"))
    no_terminal = meeting(reg, "--lang", "en", "meeting", "start", "1")
    assert no_terminal.exit_code == 1 and "--answers" in no_terminal.stderr
    too_long = meeting(reg, "--lang", "en", "meeting", "start", "1", "--interpreter", "x" * 61,
                       "--answers", "missing.json")
    assert too_long.exit_code == 1 and "at most 60" in too_long.stderr
    nobody = meeting(reg, "--lang", "en", "meeting", "start", "1", "--without-person",
                     "--guardians", "0", "--answers", "missing.json")
    assert nobody.exit_code == 1 and "Someone must have taken part" in nobody.stderr


@pty_only
def test_a_guard_stops_finish_and_brings_the_counsellor_back(unit: Env) -> None:
    """A real interactive meeting: signs of overdose, no action recorded; "Finish" is
    refused with the reason and the counsellor is back at the question to record."""
    import re
    import time

    Register(unit).add()  # 24 years old
    child = _spawn(unit, "--lang", "en", "meeting", "start", "1")
    child.setwinsize(40, 220)  # the screening questions are long: keep each on one line
    for prompt in ("Does the person take part", "Does an interpreter take part",
                   "Others taking part"):
        child.expect(prompt)
        child.send("\r")
    refused = False
    for _ in range(120):
        index = child.expect([r"What was done straight away\?.*\(space selects",
                              r"\(arrow keys and Enter\)", r"\(space selects, Enter confirms\)",
                              r"Type :b to go back", "cannot be completed yet",
                              r"The meeting for referral 1 .* is completed"])
        if index == 0:
            if not refused:
                child.send("\r")  # leave it empty the first time
            else:
                child.send(" \r")  # 113
        elif index == 1:
            child.send("\r")
        elif index == 2:
            child.send(" \r")  # the first option (for "acute danger": overdose)
        elif index == 3:
            time.sleep(0.3)
            try:
                rest = child.read_nonblocking(8192, timeout=0.5)
            except pexpect.TIMEOUT:
                rest = ""
            bounds = re.search(r"integer (\d+)–(\d+)", rest)
            child.sendline(bounds.group(1) if bounds else
                           "2030-01-15" if "YYYY-MM-DD" in rest else "Note")
        elif index == 4:
            assert not refused
            refused = True
            child.expect("sik_akutt_tiltak")  # what to record, named
        else:
            break
    assert refused and index == 5
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(unit.run(["meeting", "show", "1", "--json"], passphrase=COUNSELLOR_PASS,
                                user="ola", env={"RUSENHET_TODAY": TODAY}).stdout)
    assert shown["result"]["concerns"] == ["overdose"]
    assert shown["result"]["actions"] == ["113"]
