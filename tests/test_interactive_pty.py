"""The interactive meeting in a real pseudo-terminal (pexpect): questionary prompts,
Ctrl-C mid-interview (exit 130, answers kept), resume, and pause."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import time

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_referral_kit import TODAY, Register

DOWN = "\x1b[B"
# prompt_toolkit switches bracketed paste on when a prompt application starts drawing,
# after the terminal is in raw mode and its key handling is installed: the moment a
# prompt is ready for keys. Every test waits for it before it types or interrupts.
PROMPT_READY = re.escape("\x1b[?2004h")


def _prompt(child: pexpect.spawn, text: str) -> None:
    """Wait until the prompt showing ``text`` is drawn and reads keys."""
    child.expect(text)
    child.expect(PROMPT_READY)


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
    for prompt in ("Deltar personen selv", "Deltar en tolk", "Andre som deltar"):
        # participants: the defaults for an adult. prompt_toolkit draws this text itself,
        # after it switched bracketed paste on, so seeing it means the prompt is ready.
        child.expect(prompt)
        child.send("\r")
    _prompt(child, "Spørsmål 1 av")
    child.send("\r")  # Ja
    _prompt(child, "Spørsmål 2 av")
    child.send("\r")
    _prompt(child, "Spørsmål 3 av")
    child.sendintr()  # Ctrl-C in the middle of question 3
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")

    child = _spawn(unit, "meeting", "resume", "1")
    _prompt(child, "Spørsmål 3 av")  # continues where it stopped: two answers were kept
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
        if index == 0:  # (instructions are drawn by the prompt itself: it is ready)
            child.send("\r")
        elif index == 1:
            child.send(" ")
            child.send("\r")
        elif index == 2:
            child.expect(PROMPT_READY)  # the text prompt has started drawing
            time.sleep(0.3)  # let the prompt line with its hint arrive
            rest, child.buffer = child.buffer, ""
            with contextlib.suppress(pexpect.TIMEOUT):
                rest += child.read_nonblocking(8192, timeout=0.5)
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
def test_sigint_while_a_prompt_is_shown_is_never_lost(unit: Env) -> None:
    """A Ctrl-C that reaches the process as a signal (typed while the terminal was still
    in line mode, just before the prompt took it over, or sent with kill -INT) used to
    become prompt_toolkit's <sigint> key, which questionary ignores: the interview hung."""
    Register(unit).add()
    child = _spawn(unit, "meeting", "start", "1")
    for prompt in ("Deltar personen selv", "Deltar en tolk", "Andre som deltar"):
        child.expect(prompt)
        child.send("\r")
    _prompt(child, "Spørsmål 1 av")
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF, timeout=10)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
def test_checkbox_answer_is_repeated_in_bokmal(unit: Env) -> None:
    """questionary's own «done (N selections)» never reaches the screen."""
    import io

    Register(unit).add()
    child = _spawn(unit, "meeting", "start", "1")
    child.logfile_read = seen = io.StringIO()
    for prompt in ("Deltar personen selv", "Deltar en tolk", "Andre som deltar"):
        child.expect(prompt)  # participants: the defaults for an adult
        child.send("\r")
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
