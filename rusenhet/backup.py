"""Backup, verification and restore of the vault file (issue: security and reliability).

A backup is the encrypted vault file itself, copied byte for byte and then opened to
prove that it is readable. ``restore`` re-saves a backup with a save counter above the
highest this machine has seen, so it becomes the newest state rather than a rollback.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from rusenhet import audit, files, roles
from rusenhet import vault as vault_mod
from rusenhet.errors import InputError, VaultError
from rusenhet.roles import Right
from rusenhet.vault import Vault, admin
from rusenhet.vault import memory as state


def backup(vault: Vault, out: Path, *, force: bool) -> int:
    """Copy the saved vault to ``out`` and prove the copy opens. Returns its counter."""
    roles.require(vault.role, Right.BACKUP)
    if out.resolve() == vault.path.resolve():
        raise InputError("backup.same_file")
    files.check_out_path(out, force=force, vault=vault.path, allow_vault_file=True)
    vault.transact(lambda v: audit.append(v, "vault.backup"))
    raw = vault.path.read_bytes()
    files.write_out(out, raw, force=force, vault=vault.path, allow_vault_file=True)
    copy = vault_mod.parse(out.read_bytes())
    if copy.raw != raw:
        raise VaultError("backup.verify_failed")
    # Decrypt the copy with our own keys, outside the rollback memory.
    Vault(out, vault.user, vault.identity, copy, remember=False).close()
    return copy.counter


@dataclass(frozen=True)
class VerifyReport:
    counter: int
    sections: tuple[str, ...]
    access_log: tuple[int, str] | None
    stats_log: tuple[int, str]


def _integrity(conn: sqlite3.Connection) -> None:
    row = conn.execute("PRAGMA integrity_check").fetchone()
    if row is None or row[0] != "ok":
        raise VaultError("vault.damaged")


def verify(vault: Vault) -> VerifyReport:
    """Header and both sections as far as the user's keys reach (opening already proved
    them), SQLite integrity_check, and the signed log chains."""
    roles.require(vault.role, Right.VERIFY)
    sections = ["stats"]
    _integrity(vault.stats_conn)
    access = None
    if vault.case_conn is not None:
        _integrity(vault.case_conn)
        sections.insert(0, "case")
        access = audit.verify(vault)
    stats_log = audit.verify(vault, stats_log=True)
    return VerifyReport(vault.counter, tuple(sections), access, stats_log)


def open_backup(path: Path, user: str, passphrase: str) -> Vault:
    return Vault.open(path, user, passphrase, remember=False)


def restore(current: Vault, backup_vault: Vault, *, force: bool) -> int:
    """Make ``backup_vault``'s state the vault at ``current.path``. Returns the new counter."""
    roles.require(current.role, Right.MANAGE_USERS)
    if backup_vault.vault_id != current.vault_id:
        raise InputError("restore.other_vault")
    if backup_vault.counter < current.counter and not force:
        raise InputError("restore.older", backup=backup_vault.counter, current=current.counter)
    audit.append(backup_vault, "vault.restore", str(backup_vault.counter))
    # Fresh keys: the backup's keys may be known to users removed since it was taken.
    admin.rotate_keys(backup_vault)
    admin.restore_to(backup_vault, current.path)
    return backup_vault.counter


def seen_counter(vault_id: str) -> int:
    return int(state.seen(vault_id).get("counter", -1))
