"""The foundation through the real CLI: init, users, roles, passphrases, settings."""

from __future__ import annotations

import json

from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env

from rusenhet.errors import ExitCode


def test_round_trip_users_roles_passwd_remove(env: Env) -> None:
    out = env.init()
    assert "anne" in out.stdout
    assert "-" in out.stdout.split("\n")[-3] or "    " in out.stdout  # recovery key shown
    env.add_user("ola", "counsellor", COUNSELLOR_PASS)
    env.add_user("siv", "supervisor", SUPERVISOR_PASS)
    env.add_user("per", "admin", "gul sol skinner på taket")
    listed = env.run(["user", "list", "--json"], passphrase=ADMIN_PASS, user="anne")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["rows"]
    assert {(r["name"], r["role"]) for r in rows} == {
        ("anne", "admin"), ("ola", "counsellor"), ("siv", "supervisor"), ("per", "admin")}
    # Every role can list users (and open its own sections).
    for user, pw in (("ola", COUNSELLOR_PASS), ("siv", SUPERVISOR_PASS)):
        assert env.run(["user", "list"], passphrase=pw, user=user).exit_code == 0
    # Own passphrase change: the old one stops working, the new one works.
    new = env.write_secret("ola.new", "lilla hval svømmer i havet")
    changed = env.run(["user", "passwd", "--new-passphrase-file", str(new)],
                      passphrase=COUNSELLOR_PASS, user="ola")
    assert changed.exit_code == 0, changed.output
    assert env.run(["user", "list"], passphrase=COUNSELLOR_PASS, user="ola").exit_code == 3
    assert env.run(["user", "list"], passphrase="lilla hval svømmer i havet",
                   user="ola").exit_code == 0
    # Remove: the user can no longer open the vault.
    removed = env.run(["user", "remove", "ola"], passphrase=ADMIN_PASS, user="anne")
    assert removed.exit_code == 0, removed.output
    gone = env.run(["user", "list"], passphrase="lilla hval svømmer i havet", user="ola")
    assert gone.exit_code == ExitCode.ACCESS


def test_admin_reset_of_another_users_passphrase(unit: Env) -> None:
    new = unit.write_secret("siv.reset", "oransje ugle jakter om natten")
    reset = unit.run(["user", "passwd", "siv", "--new-passphrase-file", str(new)],
                     passphrase=ADMIN_PASS, user="anne")
    assert reset.exit_code == 0, reset.output
    assert unit.run(["user", "list"], passphrase=SUPERVISOR_PASS, user="siv").exit_code == 3
    ok = unit.run(["user", "list"], passphrase="oransje ugle jakter om natten", user="siv")
    assert ok.exit_code == 0, ok.output
    # A counsellor cannot reset someone else's passphrase.
    denied = unit.run(["user", "passwd", "siv", "--new-passphrase-file", str(new)],
                      passphrase=COUNSELLOR_PASS, user="ola")
    assert denied.exit_code == ExitCode.ACCESS


def test_role_matrix_enforced(unit: Env) -> None:
    secret = unit.write_secret("x.pass", "svart katt på hvitt gjerde")
    for user, pw in (("ola", COUNSELLOR_PASS), ("siv", SUPERVISOR_PASS)):
        before = unit.vault.read_bytes()
        for args in (["user", "add", "xx", "--role", "counsellor", "--new-passphrase-file",
                      str(secret)], ["user", "remove", "anne"], ["user", "role", "anne",
                                                                 "supervisor"],
                     ["unit", "set", "unit-name", "Hacked"], ["rekey"]):
            result = unit.run(args, passphrase=pw, user=user)
            assert result.exit_code == ExitCode.ACCESS, (args, result.output)
            assert "Traceback" not in result.output
        assert unit.vault.read_bytes() == before


def test_last_admin_cannot_be_removed_or_downgraded(unit: Env) -> None:
    assert unit.run(["user", "remove", "anne"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 1
    res = unit.run(["user", "role", "anne", "counsellor"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == 1


def test_role_change_and_downgrade_rotates(unit: Env) -> None:
    up = unit.run(["user", "role", "siv", "counsellor"], passphrase=ADMIN_PASS, user="anne")
    assert up.exit_code == 0 and "rotated" not in up.stdout
    down = unit.run(["--lang", "en", "user", "role", "siv", "supervisor"], passphrase=ADMIN_PASS,
                    user="anne")
    assert down.exit_code == 0
    assert "keys were replaced" in down.stdout
    bad = unit.run(["user", "role", "siv", "boss"], passphrase=ADMIN_PASS, user="anne")
    assert bad.exit_code == ExitCode.USAGE


def test_wrong_passphrase_and_unknown_user_exit_3_file_unchanged(unit: Env) -> None:
    before = unit.vault.read_bytes()
    wrong = unit.run(["user", "list"], passphrase="feil passordfrase her nå", user="anne")
    assert wrong.exit_code == ExitCode.ACCESS
    assert wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.output
    unknown = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="ukjent")
    assert unknown.exit_code == ExitCode.ACCESS
    # Same message for both: do not reveal which user names exist.
    assert wrong.stderr == unknown.stderr
    assert unit.vault.read_bytes() == before


def test_failed_attempts_reported_at_next_login(unit: Env) -> None:
    unit.run(["user", "list"], passphrase="feil passordfrase her nå", user="ola")
    unit.run(["user", "list"], passphrase="feil passordfrase her nå", user="ola")
    ok = unit.run(["--lang", "en", "user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert "2 failed login attempts" in ok.stderr
    again = unit.run(["--lang", "en", "user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert "failed login" not in again.stderr


def test_missing_vault_hints_init(env: Env) -> None:
    result = env.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == ExitCode.INPUT
    assert "rusenhet init" in result.stderr
    assert not env.vault.exists()


def test_init_over_existing_vault_refused(env: Env) -> None:
    env.init()
    before = env.vault.read_bytes()
    secret = env.write_secret("again.pass", ADMIN_PASS)
    again = env.run(["--user", "bob", "init", "--unit-name", "X", "--kommunenummer", "0301",
                     "--new-passphrase-file", str(secret)])
    assert again.exit_code == ExitCode.INPUT
    assert env.vault.read_bytes() == before


def test_no_prompt_without_terminal(env: Env) -> None:
    env.init()
    result = env.run(["user", "list"], user="anne")
    assert result.exit_code == ExitCode.INPUT
    assert "--passphrase-file" in result.stderr
    missing = env.run(["--vault", str(env.root / "other.vault"), "--user", "bo", "init"])
    assert missing.exit_code == ExitCode.INPUT and "--unit-name" in missing.stderr


def test_passphrase_sources_and_nfc(env: Env) -> None:
    env.init()
    # The same passphrase typed decomposed (NFD: "å" as a + combining ring) still opens it.
    import unicodedata

    decomposed = unicodedata.normalize("NFD", ADMIN_PASS)
    assert decomposed != ADMIN_PASS
    assert env.run(["user", "list"], passphrase=decomposed, user="anne").exit_code == 0
    file = env.write_secret("anne.file", decomposed)
    assert env.run(["--passphrase-file", str(file), "user", "list"],
                   user="anne").exit_code == 0
    assert env.run(["user", "list"], user="anne",
                   env={"RUSENHET_PASSPHRASE_FILE": str(file)}).exit_code == 0


def test_weak_passphrases_refused(env: Env) -> None:
    for weak in ("kort", "passwordpassword", "anne anne anne", "Passord2024!", "Rosenborg1963",
                 "jegelskerdeg123"):
        secret = env.write_secret("weak.pass", weak)
        result = env.run(["--user", "anne", "init", "--unit-name", "X", "--kommunenummer",
                          "0301", "--new-passphrase-file", str(secret)])
        assert result.exit_code == ExitCode.INPUT, weak
        assert not env.vault.exists()


def test_unit_settings(unit: Env) -> None:
    shown = unit.run(["unit", "show", "--json"], passphrase=SUPERVISOR_PASS, user="siv")
    values = {r["key"]: r["value"] for r in json.loads(shown.stdout)["rows"]}
    assert values["suppression-threshold"] == "4" and values["retention-months"] == "24"
    assert values["age-bands"] == "16,18,25" and values["kommunenummer"] == "4601"
    for key, bad in (("suppression-threshold", "2"), ("kommunenummer", "46"),
                     ("age-bands", "18,16"), ("retention-months", "0"), ("language", "de"),
                     ("colour", "red")):
        before = unit.vault.read_bytes()
        result = unit.run(["unit", "set", key, bad], passphrase=ADMIN_PASS, user="anne")
        assert result.exit_code == ExitCode.INPUT, (key, bad)
        assert unit.vault.read_bytes() == before
    ok = unit.run(["unit", "set", "language", "en"], passphrase=ADMIN_PASS, user="anne")
    assert ok.exit_code == 0
    # The unit's language now applies to everyone unless --lang/RUSENHET_LANG says otherwise.
    english = unit.run(["user", "list", "--format", "table"], passphrase=COUNSELLOR_PASS,
                       user="ola")
    assert "Name" in english.stdout
    norsk = unit.run(["--lang", "nb", "user", "list", "--format", "table"],
                     passphrase=COUNSELLOR_PASS, user="ola")
    assert "Navn" in norsk.stdout


def test_recovery_key_sets_new_admin_passphrase(env: Env) -> None:
    out = env.init().stdout
    lines = out.splitlines()
    secret = next(line.strip() for line in lines if line.strip().count("-") == 7)
    key_file = env.write_secret("recovery.txt", secret)
    new = env.write_secret("anne.new", "fiolett frosk kvekker i dammen")
    result = env.run(["--user", "anne", "unlock-with-recovery", "--recovery-key-file",
                      str(key_file), "--new-passphrase-file", str(new)])
    assert result.exit_code == 0, result.output
    assert env.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 3
    assert env.run(["user", "list"], passphrase="fiolett frosk kvekker i dammen",
                   user="anne").exit_code == 0
    # The used recovery key is replaced by a new one.
    again = env.run(["--user", "anne", "unlock-with-recovery", "--recovery-key-file",
                     str(key_file), "--new-passphrase-file", str(new)])
    assert again.exit_code == ExitCode.ACCESS


def test_usage_errors_exit_2(env: Env) -> None:
    assert env.run(["--no-such-option"]).exit_code == ExitCode.USAGE
    assert env.run(["user", "list", "--format", "xml"]).exit_code == ExitCode.USAGE


def test_rekey_rotates_every_key_and_everyone_still_opens(unit: Env) -> None:
    from rusenhet import vault as vault_mod

    before = vault_mod.read_file(unit.vault).header
    result = unit.run(["rekey"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == 0, result.output
    after = vault_mod.read_file(unit.vault).header
    assert len(after["roster"]["admin_keys"]) == len(before["roster"]["admin_keys"]) + 1
    assert {s["ct"] for s in after["slots"]}.isdisjoint({s["ct"] for s in before["slots"]})
    for user, pw in (("anne", ADMIN_PASS), ("ola", COUNSELLOR_PASS), ("siv", SUPERVISOR_PASS)):
        assert unit.run(["user", "list"], passphrase=pw, user=user).exit_code == 0
