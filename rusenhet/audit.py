"""The access log (Normen): who read or changed what, when — never personal data.

Each entry holds time, user, action and a record id, is chained to the previous entry's
hash and signed with the acting user's Ed25519 key, so no one (not even an admin) can
forge, edit or drop another user's entries without ``verify`` noticing. Actions of
users who cannot open the case section (supervisors) go to the same kind of log in the
stats section.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from rusenhet import crypto
from rusenhet.errors import VaultError
from rusenhet.vault import RECOVERY_HOLDER, Vault
from rusenhet.vault.integrity import GENESIS


@dataclass(frozen=True)
class LogEntry:
    seq: int
    time: str
    user: str
    action: str
    record_id: str | None
    prev_hash: str
    hash: str
    signature: str


def _entry_bytes(vault_id: str, table: str, seq: int, time: str, user: str, action: str,
                 record_id: str | None, prev_hash: str) -> bytes:
    return json.dumps([vault_id, table, seq, time, user, action, record_id, prev_hash],
                      separators=(",", ":"), ensure_ascii=False).encode()


def _table_for(vault: Vault) -> tuple[sqlite3.Connection, str]:
    if vault.case_conn is not None:
        return vault.case_conn, "access_log"
    return vault.stats_conn, "stats_log"


def append(vault: Vault, action: str, record_id: str | None = None, *,
           stats_log: bool = False) -> None:
    """Append a signed entry. Must run inside ``vault.transact`` so it is saved with the
    change (or, for reads, saved before the data is shown: fail closed)."""
    conn, table = (vault.stats_conn, "stats_log") if stats_log else _table_for(vault)
    row = conn.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()  # noqa: S608
    seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    message = _entry_bytes(vault.vault_id, table, seq, now, vault.user, action, record_id, prev)
    digest = crypto.sha256(message).hex()
    # The recovery holder has no signing key; its entries are signed with the admin key
    # it unwrapped (verify accepts the admin chain for "@recovery").
    signature = vault.sign_log(digest.encode())
    conn.execute(
        f"INSERT INTO {table} (seq, time, user, action, record_id, prev_hash, hash, signature)"  # noqa: S608
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, now, vault.user, action, record_id, prev, digest, crypto.b64e(signature)))


def entries(vault: Vault, *, stats_log: bool = False) -> list[LogEntry]:
    conn, table = (vault.stats_conn, "stats_log") if stats_log else _table_for(vault)
    rows = conn.execute(f"SELECT seq, time, user, action, record_id, prev_hash, hash, signature "  # noqa: S608
                        f"FROM {table} ORDER BY seq").fetchall()
    return [LogEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def signing_keys(vault: Vault) -> dict[str, list[tuple[bytes, str | None]]]:
    """Every Ed25519 key an entry may be signed with, by user name, each with the time
    after which it no longer signs (None: current). Former keys stay so that old entries
    of removed users and of users who changed their passphrase still verify; the admin
    key chain signs for the recovery holder."""
    roster = vault.roster
    keys: dict[str, list[tuple[bytes, str | None]]] = {
        name: [(m.ed25519, None)] for name, m in roster.members.items()}
    for name, former in roster.former.items():
        keys.setdefault(name, []).extend((key, until) for key, until in former)
    keys[RECOVERY_HOLDER] = [(k, None) for k in roster.admin_chain]
    return keys


def signed_by(keys: dict[str, list[tuple[bytes, str | None]]], user: str, time: str,
              signature: bytes, message: bytes) -> bool:
    """Signed by one of ``user``'s keys that was current at ``time``."""
    return any(crypto.verify(k, signature, message) for k, until in keys.get(user, [])
               if until is None or time <= until)


def verify(vault: Vault, *, stats_log: bool = False) -> tuple[int, str]:
    """Check the chain and every signature; return (entries, head hash).

    Raises VaultError naming the first bad entry."""
    _, table = (vault.stats_conn, "stats_log") if stats_log else _table_for(vault)
    keys = signing_keys(vault)
    prev = GENESIS
    expected_seq = 1
    for e in entries(vault, stats_log=stats_log):
        message = _entry_bytes(vault.vault_id, table, e.seq, e.time, e.user, e.action,
                               e.record_id, e.prev_hash)
        if e.seq != expected_seq or e.prev_hash != prev or \
                crypto.sha256(message).hex() != e.hash:
            raise VaultError("audit.chain_broken", seq=e.seq)
        sig = crypto.b64d(e.signature)
        if not signed_by(keys, e.user, e.time, sig, e.hash.encode()):
            raise VaultError("audit.bad_signature", seq=e.seq)
        prev = e.hash
        expected_seq += 1
    return expected_seq - 1, prev
