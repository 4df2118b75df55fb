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
