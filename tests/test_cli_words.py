"""Choice values in the user's words: Norwegian and English words are accepted on the
command line, the vault and JSON keep the codes, and a bad word is a usage error."""

from __future__ import annotations

import json

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, Env
from test_referral_kit import Register, add_args


def test_norwegian_words_for_choices_keep_codes_in_json(unit: Env) -> None:
    reg = Register(unit)
    reg.ok(*add_args(basis="betinget dom", extra=("--sex", "mann")))
    data = json.loads(reg.ok("show", "1", "--json").stdout)
    assert (data["sex"], data["legal_basis"]) == ("male", "betinget-dom")
    reg.ok("close", "1", "--reason", "møtt")
    data = json.loads(reg.ok("show", "1", "--json").stdout)
    assert data["close_reason"] == "attended"
    listed = json.loads(reg.ok("list", "--status", "alle", "--json").stdout)
    assert [r["number"] for r in listed["rows"]] == [1]
    # English words work in a Norwegian session too, and the other way round.
    reg.ok(*add_args(basis="conditional-sentence", extra=("--sex", "woman", "--yes")), lang="en")


def test_bad_choice_word_is_a_usage_error_in_bokmal(unit: Env) -> None:
    reg = Register(unit)
    before = reg.vault_bytes()
    result = reg.run(*add_args(extra=("--sex", "gutt")))
    assert result.exit_code == 2
    assert "«gutt» er ikke et gyldig valg. Velg ett av: kvinne, mann, ukjent." in result.stderr
    assert reg.vault_bytes() == before


def test_role_accepts_norwegian_words(unit: Env) -> None:
    secret = unit.write_secret("per.pass", "lilla hval svømmer ved kysten")
    result = unit.run(["user", "add", "per", "--role", "veileder", "--new-passphrase-file",
                       str(secret)], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == 0, result.output
    result = unit.run(["user", "role", "per", "fagleder"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == 0, result.output
    listed = json.loads(unit.run(["user", "list", "--json"], passphrase=ADMIN_PASS,
                                 user="anne").stdout)
    assert {"name": "per", "role": "supervisor"} in [
        {"name": r["name"], "role": r["role"]} for r in listed["rows"]]


def test_one_failed_login_is_singular_in_bokmal(unit: Env) -> None:
    unit.run(["user", "list"], passphrase="feil passordfrase her nå", user="ola")
    ok = unit.run(["user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert "1 mislykket påloggingsforsøk siden sist" in ok.stderr


def test_confirmation_prompt_takes_j_for_ja(unit: Env) -> None:
    """A warning at a terminal is confirmed with «j»; «kanskje» is asked again."""
    import os
    import sys

    import pexpect
    from test_referral_kit import TODAY

    env = dict(os.environ, RUSENHET_PASSPHRASE=COUNSELLOR_PASS, RUSENHET_USER="ola",
               RUSENHET_TODAY=TODAY, RUSENHET_VAULT=str(unit.vault), TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "rusenhet", "referral", *add_args(
        deadline="2024-06-01")], env=env, encoding="utf-8", timeout=30)
    for prompt in ("Fødselsdato", "Kjønn", "Postadresse", "Politiets saksnummer", "Telefon",
                   "Ansvarlig veileder"):
        child.expect_exact(prompt)  # on a terminal the rest of the form is asked too
        child.sendline("")
    child.expect_exact("Fristen (01.06.2024) har allerede gått ut.")
    child.expect_exact("Vil du fortsette likevel? [j/N]")
    child.sendline("kanskje")
    child.expect_exact("Svar j (ja) eller n (nei).")
    child.expect_exact("[j/N]")
    child.sendline("j")
    child.expect_exact("Henvisning 1 er registrert.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_completion_of_referral_numbers_user_names_and_script_ids(
        unit: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from rusenhet.cli import completion

    reg = Register(unit)
    for _ in range(2):
        reg.ok(*add_args(extra=("--yes",)))
    assert completion.referral_numbers("") == []  # no passphrase without a prompt: nothing
    monkeypatch.setenv("RUSENHET_PASSPHRASE", COUNSELLOR_PASS)
    monkeypatch.setenv("RUSENHET_USER", "ola")
    assert completion.referral_numbers("") == ["1", "2"]
    assert completion.referral_numbers("2") == ["2"]
    assert completion.user_names("s") == ["siv"]
    assert sorted(completion.script_ids("ung")) == ["ung-voksen-18-24", "ungdom-16-17"]
    monkeypatch.setenv("RUSENHET_USER", "siv")  # a supervisor cannot open the cases
    assert completion.referral_numbers("") == []


def test_access_denied_names_role_and_right_in_words(unit: Env) -> None:
    from conftest import SUPERVISOR_PASS

    denied = unit.run(["referral", "list"], passphrase=SUPERVISOR_PASS, user="siv")
    assert denied.exit_code == 3
    assert "Rollen din (fagleder) gir ikke tilgang til dette (saker: henvisninger" in \
        denied.stderr
    assert "supervisor" not in denied.stderr and "(cases)" not in denied.stderr
