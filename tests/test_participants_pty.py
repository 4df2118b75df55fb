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
