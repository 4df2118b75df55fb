"""``referral add`` on a real terminal (a pty): prompts for what is missing, re-asks
after a bad answer, and asks before saving when a warning needs confirmation."""

from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest
from conftest import COUNSELLOR_PASS, Env
from test_referral_kit import ADULT, TODAY, Register, add_args

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def spawn(env: Env, *args: str) -> pexpect.spawn:
    child_env = dict(os.environ, NO_COLOR="1", COLUMNS="100", RUSENHET_TODAY=TODAY,
                     RUSENHET_PASSPHRASE=COUNSELLOR_PASS, RUSENHET_USER="ola")
    return pexpect.spawn(sys.executable, ["-m", "rusenhet", "--vault", str(env.vault),
                                          "referral", *args],
                         env=child_env, encoding="utf-8", timeout=15, dimensions=(40, 100))


def test_prompts_fill_in_what_is_missing(unit: Env) -> None:
    child = spawn(unit, "add", "--legal-basis", "paatale")
    child.expect("ID-nummer")
    child.sendline("12345")  # too short: told why, and asked again
    child.expect("11 sifre")
    child.expect("ID-nummer")
    child.sendline(ADULT)
    child.expect("Fullt navn")
    child.sendline("Pty Person")
    child.expect(r"Fødselsdato \[17\.05\.2000\]")  # derived, shown for confirmation
    child.sendline("")
    child.expect("Kjønn")
    child.sendline("female")
    child.expect("Postadresse")
    child.sendline("")
    child.expect(r"Mottatt dato \[14\.06\.2024\]")
    child.sendline("01.03.2024")
    child.expect("Påtalemyndighet")
    child.sendline("Oslo politidistrikt")
    child.expect("Politiets saksnummer")
    child.sendline("")
    child.expect("Frist for oppmøte")
    child.sendline("01.08.2024")
    child.expect("Telefon")
    child.sendline("912 34 567")
    child.expect(r"Ansvarlig veileder \[ola\]")
    child.sendline("")
    child.expect("Henvisning 1 er registrert")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(Register(unit).ok("show", "1", "--json").stdout)
    assert (shown["name"], shown["birth_date"], shown["sex"], shown["received"],
            shown["phone"], shown["police_reference"]) == (
        "Pty Person", "2000-05-17", "female", "2024-03-01", "912 34 567", None)


def test_warning_is_asked_and_declining_saves_nothing(unit: Env) -> None:
    reg = Register(unit)
    reg.add()
    before = reg.vault_bytes()
    complete = [*add_args(ADULT, received="2024-04-01"), "--birth-date", "2000-05-17",
                "--sex", "unknown", "--address", "", "--police-ref", "", "--phone", "",
                "--counsellor", "ola"]
    child = spawn(unit, *complete)
    child.expect("allerede en åpen henvisning: 1")
    child.expect(r"Vil du fortsette likevel\?")
    child.sendline("n")
    child.expect("ingenting ble lagret")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    # Only the log entry for having shown referral 1's existence was saved.
    assert reg.vault_bytes() != before
    assert [r["number"] for r in json.loads(reg.ok("list", "--json").stdout)["rows"]] == [1]
