"""``referral add`` with no flags at all, in a real pseudo-terminal: every prompt is
waited for by its text before a key is sent, wrong answers are asked again, and the
choices accept the Norwegian words."""

from __future__ import annotations

import json
import sys
from datetime import date

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_interactive_pty import _spawn
from test_referral_kit import TODAY, synthetic

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")


def _answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect_exact(prompt)
    child.sendline(text)


def test_referral_add_without_flags_asks_for_everything_in_bokmal(unit: Env) -> None:
    minor = synthetic(date(2007, 1, 20), seed=7)  # 17 on TODAY: foresatte are asked for
    child = _spawn(unit, "referral", "add")
    _answer(child, "ID-nummer (fødselsnummer", minor)
    _answer(child, "Fullt navn", "Sindre Fjellheim")
    child.expect_exact("Fødselsdato")
    child.expect_exact("20.01.2007")  # derived from the number, shown for confirmation
    child.sendline("")
    _answer(child, "Kjønn (kvinne, mann eller ukjent)", "gutt")
    child.expect_exact("«gutt» er ikke et gyldig valg")  # asked again, not a crash
    _answer(child, "Kjønn (kvinne, mann eller ukjent)", "mann")
    _answer(child, "Postadresse", "Storgata 1, 46")
    child.expect_exact("Adresse: skriv «gateadresse, postnummer poststed»")
    _answer(child, "Postadresse", "Storgata 1, 4611 Kristiansand")
    child.expect_exact("Mottatt dato")
    child.expect_exact("14.06.2024")
    child.sendline("")
    _answer(child, "Grunnlag (påtaleunnlatelse eller betinget-dom)", "betinget dom")
    _answer(child, "Påtalemyndighet / politidistrikt", "Agder politidistrikt")
    _answer(child, "Politiets saksnummer", "")
    _answer(child, "Frist for oppmøte", "01.08.2024")
    _answer(child, "Telefon", "912 34 567")
    _answer(child, "Foresatt som «Navn, kontaktinformasjon»", "Kari Fjellheim, 913 45 678")
    _answer(child, "Foresatt som «Navn, kontaktinformasjon»", "")
    child.expect_exact("Ansvarlig veileder")
    child.sendline("")
    child.expect_exact("Henvisning 1 er registrert.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")

    shown = unit.run(["referral", "show", "1", "--json"], passphrase=COUNSELLOR_PASS,
                     user="ola", env={"RUSENHET_TODAY": TODAY})
    data = json.loads(shown.stdout)
    assert data["sex"] == "male"  # JSON keeps the code
    assert data["legal_basis"] == "betinget-dom"
    assert data["deadline"] == "2024-08-01"
    assert data["counsellor"] == "ola"
    assert data["address"] == "Storgata 1, 4611 Kristiansand"
    assert data["guardians"] == [{"name": "Kari Fjellheim", "contact": "913 45 678"}]


def test_referral_add_ctrl_c_at_a_prompt_saves_nothing(unit: Env) -> None:
    before = unit.vault.read_bytes()
    child = _spawn(unit, "referral", "add")
    _answer(child, "ID-nummer (fødselsnummer", "")
    child.expect_exact("Fullt navn")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert unit.vault.read_bytes() == before
