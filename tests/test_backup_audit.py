"""Backup, verify, restore and the signed access log, through the real CLI."""

from __future__ import annotations

import json
import stat

from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env

from rusenhet import vault as vault_mod
from rusenhet.errors import ExitCode


def test_backup_verify_restore_round_trip(unit: Env) -> None:
    out = unit.root / "backup.vault"
    made = unit.run(["backup", "--out", str(out)], passphrase=ADMIN_PASS, user="anne")
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = unit.run(["backup", "--out", str(out)], passphrase=ADMIN_PASS, user="anne")
    assert again.exit_code == ExitCode.INPUT  # no overwrite without --force
    checked = unit.run(["verify", str(out)], passphrase=COUNSELLOR_PASS, user="ola")
    assert checked.exit_code == 0, checked.output
    # Changes after the backup ...
    assert unit.run(["unit", "set", "unit-name", "Etter backup"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    before = unit.vault.read_bytes()
    older = unit.run(["restore", str(out)], passphrase=ADMIN_PASS, user="anne")
    assert older.exit_code == ExitCode.INPUT  # backup older than the vault
    assert unit.vault.read_bytes() == before
    restored = unit.run(["restore", str(out), "--force"], passphrase=ADMIN_PASS, user="anne")
    assert restored.exit_code == 0, restored.output
    # The restored state is the newest: everyone can open it, the later change is gone.
    shown = unit.run(["unit", "show", "--json"], passphrase=SUPERVISOR_PASS, user="siv")
    assert shown.exit_code == 0, shown.output
    values = {r["key"]: r["value"] for r in json.loads(shown.stdout)["rows"]}
    assert values["unit-name"] == "Testby rådgivende enhet"
    assert vault_mod.read_file(unit.vault).counter > vault_mod.parse(before).counter
    log = unit.run(["audit", "list", "--json"], passphrase=ADMIN_PASS, user="anne")
    actions = [r["action"] for r in json.loads(log.stdout)["rows"]]
    assert "vault.backup" in actions and "vault.restore" in actions
    assert unit.run(["audit", "verify"], passphrase=ADMIN_PASS, user="anne").exit_code == 0


def test_backup_and_restore_need_admin(unit: Env) -> None:
    out = unit.root / "b.vault"
    assert unit.run(["backup", "--out", str(out)], passphrase=COUNSELLOR_PASS,
                    user="ola").exit_code == ExitCode.ACCESS
    assert not out.exists()
    assert unit.run(["audit", "list"], passphrase=SUPERVISOR_PASS,
                    user="siv").exit_code == ExitCode.ACCESS


def test_verify_reports_damaged_backup(unit: Env) -> None:
    out = unit.root / "backup.vault"
    assert unit.run(["backup", "--out", str(out)], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    raw = bytearray(out.read_bytes())
    raw[-10] ^= 1
    out.write_bytes(bytes(raw))
    result = unit.run(["verify", str(out)], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == ExitCode.VAULT


def test_audit_log_is_signed_and_chained(unit: Env) -> None:
    log = unit.run(["audit", "list", "--json"], passphrase=ADMIN_PASS, user="anne")
    rows = json.loads(log.stdout)["rows"]
    assert [r["action"] for r in rows if r["log"] == "case"][:3] == ["vault.init", "user.add",
                                                                    "user.add"]
    # Forge an entry in memory and save it: verify names the first bad entry.
    from rusenhet.vault import Vault

    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    v.transact(lambda vv: vv.case_conn.execute(  # type: ignore[union-attr]
        "UPDATE access_log SET user='ola' WHERE seq=2"))
    bad = unit.run(["--lang", "en", "audit", "verify"], passphrase=ADMIN_PASS, user="anne")
    assert bad.exit_code == ExitCode.VAULT
    assert "entry 2" in bad.stderr


def test_dropped_log_entries_are_noticed_by_a_client_that_saw_them(unit: Env) -> None:
    assert unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    import pytest

    from rusenhet.errors import VaultError
    from rusenhet.vault import Vault

    before = unit.vault.read_bytes()
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    # Even through the tool's own save path, a change that cuts the log is not saved.
    with pytest.raises(VaultError) as info:
        v.transact(lambda vv: vv.case_conn.execute(  # type: ignore[union-attr]
            "DELETE FROM access_log WHERE seq = (SELECT max(seq) FROM access_log)"))
    assert info.value.key == "audit.head_mismatch"
    assert unit.vault.read_bytes() == before
