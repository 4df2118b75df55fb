"""What the signatures of a vault file cover, and the checks that need no key
(DESIGN §2c): the admin chain and roster (``roster``), the saving user's signature over
the whole header, and the case section writer's signature; plus the contents checks run
after decryption (admin-signed settings, ledger guards, log heads)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from rusenhet import crypto
from rusenhet.errors import VaultError
from rusenhet.roles import CASE_ROLES, Role
from rusenhet.vault import memory
from rusenhet.vault import roster as roster_mod
from rusenhet.vault.fileformat import (
    FORMAT_VERSION,
    RECOVERY_HOLDER,
    VaultFile,
    ad,
    canonical,
    read_file,
)
from rusenhet.vault.roster import Roster

GENESIS = "0" * 64
LEDGER_GUARDS = ("release_ledger_no_update", "release_ledger_no_delete")


def section_ad(vault_id: str, name: str, counter: int) -> bytes:
    return ad(vault_id, "section", name, FORMAT_VERSION, counter)


def case_section_message(vault_id: str, section: dict[str, Any]) -> bytes:
    return ad(vault_id, "case-section", section["counter"], section["sha256"])


def save_message(header: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in header.items() if k != "save_sig"}
    return ad(header["vault_id"], "save") + canonical(unsigned)


def settings_digest(conn: sqlite3.Connection) -> str:
    """Digest of the admin-only unit settings (keys not starting with ``_``; those are
    written by counsellors, e.g. the unit's public signing key)."""
    rows = [[str(k), str(v)] for k, v in conn.execute(
        "SELECT key, value FROM settings WHERE key NOT LIKE '\\_%' ESCAPE '\\' ORDER BY key")]
    return crypto.sha256(canonical(rows)).hex()


def log_head(conn: sqlite3.Connection, table: str) -> list[Any]:
    row = conn.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()  # noqa: S608
    return [int(row[0]), str(row[1])] if row else [0, GENESIS]


def verify_header(header: dict[str, Any]) -> Roster:
    """Everything that needs no key: admin chain, roster, save and case signatures."""
    roster = roster_mod.verify(header)
    signer = roster.signing_key(header["saved_by"])
    if signer is None or not crypto.verify(signer, crypto.b64d(header["save_sig"]),
                                           save_message(header)):
        raise VaultError("vault.tampered")
    case = header["sections"]["case"]
    writer = roster.signing_key(case["by"])
    writer_role = Role.ADMIN if case["by"] == RECOVERY_HOLDER else (
        roster.members[case["by"]].role if case["by"] in roster.members else None)
    if writer is None or writer_role not in CASE_ROLES or not crypto.verify(
            writer, crypto.b64d(case["sig"]), case_section_message(header["vault_id"], case)):
        raise VaultError("vault.tampered")
    return roster


def check_extends(conn: sqlite3.Connection, log: str, remembered: list[Any] | None) -> None:
    """The log still holds the entry this laptop saw last, unchanged (nothing cut or
    rewritten since)."""
    if remembered and remembered[0] > 0:
        row = conn.execute(f"SELECT hash FROM {log} WHERE seq = ?",  # noqa: S608
                           (remembered[0],)).fetchone()
        if row is None or row[0] != remembered[1]:
            raise VaultError("audit.head_mismatch", seq=remembered[0])


# Re-reads before an unlocked read's older counter is called a rollback (~2.5 s in all):
# busy writers on a shared vault replace the file many times a second.
RACE_RETRIES = 20


def read_checked(path: Path, *, allow_older: bool) -> tuple[VaultFile, Roster]:
    """Read, verify the header (returning its roster) and check against this laptop's
    memory, before any KDF. We read without the lock, so another process may save and
    remember a higher counter between our read and our check: re-read before calling
    that a rollback."""
    for attempt in range(RACE_RETRIES):
        vf = read_file(path)
        try:
            roster = verify_header(vf.header)
            memory.check(vf.header, vf.digest, allow_older=allow_older)
            return vf, roster
        except VaultError as exc:
            if exc.key != "vault.rolled_back" or attempt == RACE_RETRIES - 1:
                raise
            time.sleep(0.05 * (1 + attempt % 4))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise VaultError("vault.tampered") from exc
    raise AssertionError("unreachable")  # pragma: no cover
