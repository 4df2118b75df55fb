"""Choice values in the user's words: Norwegian and English words are accepted on the
command line, the vault and JSON keep the codes, and a bad word is a usage error."""

from __future__ import annotations

import json

from conftest import ADMIN_PASS, Env
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
    reg.ok(*add_args(basis="conditional-sentence", extra=("--sex", "woman")), lang="en")


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
