"""The interactive meeting in a real pseudo-terminal (pexpect): questionary prompts,
Ctrl-C mid-interview (exit 130, answers kept), resume, and pause."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_referral_kit import TODAY, Register

DOWN = "\x1b[B"


def _spawn(env: Env, *args: str) -> pexpect.spawn:
    full = dict(os.environ, RUSENHET_PASSPHRASE=COUNSELLOR_PASS, RUSENHET_USER="ola",
                RUSENHET_TODAY=TODAY, RUSENHET_VAULT=str(env.vault), TERM="xterm",
                COLUMNS="120", LINES="40", PROMPT_TOOLKIT_NO_CPR="1")
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


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")
def test_demo_interactive_answers_one_interview_like_a_new_user(env: Env) -> None:
    """A new user takes the tour and answers its meeting: Enter on the first choice,
    space + Enter in lists, the lowest number in range, a date, short free text."""
    full = dict(os.environ, TERM="xterm", COLUMNS="120", LINES="40", PROMPT_TOOLKIT_NO_CPR="1")
    full.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "rusenhet", "--lang", "en", "demo",
                                           "--interactive"], env=full, encoding="utf-8",
                          timeout=30, dimensions=(40, 120))
    answered = 0
    while True:
        index = child.expect([r"\(arrow keys and Enter\)", r"\(space selects, Enter confirms\)",
                              r"Type :b to go back", "5. Try it yourself", pexpect.EOF])
        if index == 0:
            child.send("\r")
        elif index == 1:
            child.send(" ")
            child.send("\r")
        elif index == 2:
            time.sleep(0.5)  # let the prompt line with its hint arrive
            try:
                rest = child.read_nonblocking(8192, timeout=0.5)
            except pexpect.TIMEOUT:
                rest = ""
            bounds = re.search(r"integer (\d+)–(\d+)", rest)
            if bounds:
                child.sendline(bounds.group(1))
            elif "YYYY-MM-DD" in rest:
                child.sendline("2030-01-15")
            else:
                child.sendline("Demo answer")
        else:
            break
        answered += 1
        assert answered < 200
    assert index == 3, child.before
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert answered >= 20


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")
def test_checkbox_answer_is_repeated_in_bokmal(unit: Env) -> None:
    """questionary's own «done (N selections)» never reaches the screen."""
    import io

    Register(unit).add()
    child = _spawn(unit, "meeting", "start", "1")
    child.logfile_read = seen = io.StringIO()
    for _ in range(40):
        index = child.expect([r"\(piltaster og Enter\)", r"\(mellomrom velger, Enter bekrefter\)",
                              r"Skriv :b for tilbake", "valgt: "])
        if index == 3:
            break
        if index == 1:
            child.send(" " + DOWN + " ")  # tick two options: questionary says "done (2 ...)"
        child.send("Demo\r" if index == 2 else "\r")
    child.expect(r"[^\r\n]+")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert "valgt: " in seen.getvalue() and "selections" not in seen.getvalue()
