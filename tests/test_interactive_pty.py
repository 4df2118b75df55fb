"""The interactive meeting in a real pseudo-terminal (pexpect): questionary prompts,
Ctrl-C mid-interview (exit 130, answers kept), resume, and pause."""

from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_referral_kit import TODAY, Register

DOWN = "\x1b[B"


def _spawn(env: Env, *args: str) -> pexpect.spawn:
    full = dict(os.environ, RUSENHET_PASSPHRASE=COUNSELLOR_PASS, RUSENHET_USER="ola",
                RUSENHET_TODAY=TODAY, RUSENHET_VAULT=str(env.vault), TERM="xterm",
                COLUMNS="120", LINES="40")
    full.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "rusenhet", *args], env=full,
                         encoding="utf-8", timeout=30, dimensions=(40, 120))


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")
def test_interactive_meeting_ctrl_c_resume_and_pause(unit: Env) -> None:
    Register(unit).add()  # referral 1: 24 years old → the 18–24 script
    child = _spawn(unit, "meeting", "start", "1")
    child.expect("ung-voksen-18-24")
    child.expect("Spørsmål 1 av")
    child.send("\r")  # Ja
    child.expect("Spørsmål 2 av")
    child.send("\r")
    child.expect("Spørsmål 3 av")
    child.sendintr()  # Ctrl-C in the middle of question 3
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")

    child = _spawn(unit, "meeting", "resume", "1")
    child.expect("Spørsmål 3 av")  # continues where it stopped: two answers were kept
    # Ja → Nei → Tilbake → (separator) → Legg til notat → Pause
    for _ in range(4):
        child.send(DOWN)
    child.expect("» Pause")
    child.send("\r")
    child.expect("pause")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    shown = unit.run(["meeting", "show", "1", "--json"], passphrase=COUNSELLOR_PASS, user="ola",
                     env={"RUSENHET_TODAY": TODAY})
    data = json.loads(shown.stdout)
    assert data["state"] == "paused"
