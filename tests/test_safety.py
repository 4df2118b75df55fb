"""No secrets in error output; no plaintext on disk; catalogues in step."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, files_containing

from rusenhet.errors import ExitCode
from rusenhet.i18n import catalogue


def _fail_fsync(*_: object) -> None:
    raise RuntimeError("disk on fire")


@pytest.mark.parametrize("debug", ["0", "1"])
def test_unexpected_exception_shows_no_passphrase_or_key(unit: Env, monkeypatch: pytest.MonkeyPatch,
                                                         debug: str) -> None:
    before = unit.vault.read_bytes()
    monkeypatch.setattr(os, "fsync", _fail_fsync)  # the OS failing, not our code
    result = unit.run(["unit", "set", "unit-name", "Nytt navn"], passphrase=ADMIN_PASS,
                      user="anne", env={"RUSENHET_DEBUG": debug})
    monkeypatch.undo()
    assert result.exit_code == ExitCode.INPUT
    assert ADMIN_PASS not in result.output
    assert "RuntimeError" in result.stderr
    if debug == "0":
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    else:
        assert "Traceback" in result.stderr  # the stack only: no local variables
        assert "passphrase =" not in result.stderr and "key =" not in result.stderr
    # Long hex/base64 runs would be key material: none may be printed.
    assert not re.search(r"[0-9a-f]{32}|[A-Za-z0-9+/]{40}", result.output)
    assert unit.vault.read_bytes() == before
    # No temp file left behind.
    assert [p.name for p in unit.vault.parent.iterdir()] == [unit.vault.name]


def test_ctrl_c_exits_130(unit: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "fsync", interrupt)
    before = unit.vault.read_bytes()
    result = unit.run(["unit", "set", "unit-name", "Nytt"], passphrase=ADMIN_PASS, user="anne")
    monkeypatch.undo()
    assert result.exit_code == ExitCode.CANCELLED
    assert unit.vault.read_bytes() == before


def test_no_secrets_or_plaintext_on_disk_after_round_trip(unit: Env) -> None:
    new = unit.write_secret("ola.new", "lilla hval svømmer i havet")
    assert unit.run(["user", "passwd", "--new-passphrase-file", str(new)],
                    passphrase=COUNSELLOR_PASS, user="ola").exit_code == 0
    assert unit.run(["unit", "set", "unit-name", "Hemmeligstad enhet"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    assert unit.run(["user", "remove", "siv"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    needles = [ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, "lilla hval svømmer i havet",
               "Hemmeligstad", "Testby rådgivende"]
    roots = [unit.vault.parent, unit.state, unit.tmp]
    assert files_containing(roots, needles) == []


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    nb, en = catalogue("nb"), catalogue("en")
    assert set(nb) == set(en), sorted(set(nb) ^ set(en))
    field = re.compile(r"\{(\w*)\}")
    for key in nb:
        assert set(field.findall(nb[key])) == set(field.findall(en[key])), key


def test_every_catalogue_file_parses() -> None:
    root = Path(__file__).parent.parent / "rusenhet" / "locales"
    files = sorted(root.glob("*/*.toml"))
    assert len(files) >= 6
    for path in files:
        tomllib.loads(path.read_text(encoding="utf-8"))


def test_domain_never_imports_the_terminal_layer() -> None:
    root = Path(__file__).parent.parent / "rusenhet"
    banned = re.compile(r"^\s*(import|from)\s+(typer|rich|questionary|click|prompt_toolkit)\b",
                        re.M)
    offenders = [p for p in root.rglob("*.py")
                 if "cli" not in p.relative_to(root).parts and banned.search(p.read_text())]
    assert offenders == []


def test_no_plaintext_anywhere_after_a_full_workflow(unit: Env) -> None:
    """init, users, referrals, meetings, statistics, backup, purge: the synthetic names,
    ID numbers and free-text answers never reach a file the tool writes (except a file
    named with --out, which this workflow does not create)."""
    import json as _json
    from datetime import date

    from test_meetings import LOW_RISK, answers_file
    from test_referral_kit import TODAY, Register, synthetic

    reg = Register(unit)
    minor = synthetic(date(2007, 9, 1), seed=11)
    adult = synthetic(date(2001, 4, 5), seed=12)
    reg.add(adult, name="Gulbrand Zakariassen", extra=("--phone", "+47 99 88 77 66"))
    reg.add(minor, name="Tiril Østenstad", extra=("--guardian", "Ragnfrid Østenstad, 41 22 33 44",
                                                   "--yes"))
    answers = {**LOW_RISK, "u24_hverdag": "Hemmelig hverdagsfortelling", "u24_mal": "Målsetning X"}
    file = answers_file(unit, answers)
    env = {"RUSENHET_TODAY": TODAY}
    assert unit.run(["meeting", "start", "1", "--answers", str(file)], passphrase=COUNSELLOR_PASS,
                    user="ola", env=env).exit_code == 0
    file.unlink()  # the test's own input file is not the tool's output
    for args, pw, user in ((["stats", "month", "2024-06"], SUPERVISOR_PASS, "siv"),
                           (["referral", "list", "--person", "Gulbrand"], COUNSELLOR_PASS, "ola"),
                           (["backup", "--out", str(unit.vault.parent / "backup.vault")],
                            ADMIN_PASS, "anne"),
                           (["referral", "close", "1", "--reason", "attended"], COUNSELLOR_PASS,
                            "ola")):
        result = unit.run(args, passphrase=pw, user=user, env=env)
        assert result.exit_code == 0, (args, result.output)
    purged = unit.run(["purge"], passphrase=ADMIN_PASS, user="anne",
                      env={"RUSENHET_TODAY": "2027-01-01"})
    assert purged.exit_code == 0, purged.output
    needles = ["Gulbrand", "Zakariassen", "Tiril", "Østenstad", "Ragnfrid", adult, minor,
               "99 88 77 66", "Hemmelig hverdagsfortelling", "Målsetning X"]
    roots = [unit.vault.parent, unit.state, unit.tmp]
    assert files_containing(roots, needles) == []
    # The state dir holds counters and public keys only.
    state = _json.loads((unit.state / "vaults.json").read_text(encoding="utf-8"))
    assert all(isinstance(k, str) for k in state)


def test_cli_start_up_does_not_import_heavy_modules() -> None:
    """--help and every command start fast: SciPy/NumPy (disclosure control), questionary,
    sqlite-utils, click (Typer has its own), PEM/SSH key code and the import are imported
    only by the commands that use them (the timing itself is measured in benchmarks/,
    not asserted here)."""
    import subprocess
    import sys

    code = ("import sys, rusenhet.cli.app; "
            "print(sorted(m for m in ('scipy', 'numpy', 'questionary', 'sqlite_utils', "
            "'zxcvbn', 'click', 'cryptography.hazmat.primitives.serialization.ssh', "
            "'rusenhet.referral_import') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_read_fails_closed_when_its_log_entry_cannot_be_saved(unit: Env,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from test_referral_kit import TODAY, Register

    Register(unit).add(name="Lukket Lesning")
    monkeypatch.setattr(os, "fsync", _fail_fsync)  # the disk refuses the log entry
    shown = unit.run(["referral", "show", "1"], passphrase=COUNSELLOR_PASS, user="ola",
                     env={"RUSENHET_TODAY": TODAY})
    monkeypatch.undo()
    assert shown.exit_code != 0
    assert "Lukket" not in shown.output
