"""The unlocked vault: verification on every open, transactions, signed saves.

Opening checks, in this order and before any passphrase is tried: the file's shape and
checksums (``fileformat``), the admin chain from the vault id and the signed roster
(``roster``), the saving user's signature over the whole header, the case section
writer's signature, and the user's own signature over their credential. Only then does
Argon2id run. After decryption: the admin-only settings against the roster's digest,
the release ledger's guards, the log heads against the signed header, and this laptop's
memory of the vault (rollback, forks, pins, cut logs).
"""

from __future__ import annotations

import copy
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rusenhet import crypto, store
from rusenhet.crypto import DecryptionFailed, Identity
from rusenhet.errors import AccessDenied, AppError, InputError, VaultError
from rusenhet.roles import Role
from rusenhet.vault import keyslots, memory
from rusenhet.vault import roster as roster_mod
from rusenhet.vault.atomic import clean_temp_files, landed, write_atomically
from rusenhet.vault.fileformat import (
    LOGS,
    MAX_SECTION_BYTES,
    RECOVERY_HOLDER,
    VaultFile,
    assemble,
    parse,
    read_file,
)
from rusenhet.vault.integrity import (
    LEDGER_GUARDS,
    RACE_RETRIES,
    case_section_message,
    check_extends,
    log_head,
    read_checked,
    save_message,
    section_ad,
    settings_digest,
    verify_header,
)
from rusenhet.vault.keyslots import SectionKeys
from rusenhet.vault.lock import VaultLock
from rusenhet.vault.roster import Roster

T = TypeVar("T")


class Vault:
    """An unlocked vault: the decrypted sections in memory plus the user's keys.

    Every change goes through :meth:`transact`, which takes the lock, re-reads the file
    if someone else saved meanwhile, applies the change to the fresh state and saves."""

    def __init__(self, path: Path, user: str, identity: Identity, vf: VaultFile, *,
                 remember: bool = True) -> None:
        self.path = path
        self.user = user
        self._identity = identity
        self._file = vf
        self.header: dict[str, Any] = {}
        self.role = Role.SUPERVISOR
        self.keys = SectionKeys(None, b"", None)
        self.case_conn: sqlite3.Connection | None = None
        self.stats_conn: sqlite3.Connection = sqlite3.connect(":memory:")
        self.in_transaction = False
        #: (catalogue key, params) of things the user should hear about although the
        #: change was saved (e.g. the folder could not be synced)
        self.warnings: list[tuple[str, dict[str, Any]]] = []
        self._baseline: dict[str, tuple[int, bytes | None]] = {}
        self._load(vf, remember=remember)

    def __repr__(self) -> str:
        return f"Vault({self.path.name!r}, user={self.user!r})"

    # ---- properties

    @property
    def vault_id(self) -> str:
        return str(self.header["vault_id"])

    @property
    def demo(self) -> bool:
        return bool(self.header["roster"]["demo"])

    @property
    def counter(self) -> int:
        return int(self.header["counter"])

    @property
    def identity(self) -> Identity:
        return self._identity

    @property
    def roster(self) -> Roster:
        return roster_mod.verify(self.header)

    @property
    def can_open_case(self) -> bool:
        return self.case_conn is not None

    def users(self) -> list[dict[str, str]]:
        """Name and role of every user of the in-memory header (verified when loaded, and
        current inside a transaction that changed it)."""
        return [{"name": m.name, "role": m.role.value}
                for m in roster_mod.members(self.header).values()]

    def pseudonym_key(self) -> bytes:
        """Keyed pseudonym for repeat detection; lives only in the case section."""
        conn = self._case()
        row = conn.execute("SELECT value FROM meta WHERE key='pseudonym_key'").fetchone()
        if row is None:
            raise VaultError("vault.damaged")
        return bytes.fromhex(str(row[0]))

    def _case(self) -> sqlite3.Connection:
        if self.case_conn is None:
            raise AccessDenied("access.case_section")
        return self.case_conn

    # ---- opening

    @staticmethod
    def open(path: Path, user: str, passphrase: str, *, remember: bool = True) -> Vault:
        """Unlock ``path`` as ``user``. ``remember=False`` opens a backup copy: it is not
        recorded in this machine's memory, but its admin chain must still be one this
        machine has seen (or its continuation)."""
        vf, roster = read_checked(path, allow_older=not remember)
        h = vf.header
        try:
            member = roster.members.get(user)
            cred = h["credentials"].get(user)
            if member is None or cred is None:
                memory.record_failed_unlock(vf.vault_id, user)
                raise AccessDenied("access.invited" if user in roster.invites
                                   else "access.denied")
            params = keyslots.check_credential(vf.vault_id, user, cred, member.ed25519,
                                               demo=roster.demo)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise VaultError("vault.tampered") from exc
        try:
            identity = keyslots.open_credential(vf.vault_id, user, cred, params, passphrase)
        except AccessDenied:
            memory.record_failed_unlock(vf.vault_id, user)
            raise
        if not remember:
            return Vault(path, user, identity, vf, remember=False)
        return Vault._construct(path, user, identity, vf)

    @staticmethod
    def _construct(path: Path, user: str, identity: Identity, vf: VaultFile) -> Vault:
        """We read without the lock, so another process may replace the file and record
        its higher counter between our read and our check: re-read before calling that
        a rollback."""
        for attempt in range(RACE_RETRIES):
            try:
                return Vault(path, user, identity, vf)
            except VaultError as exc:
                if exc.key != "vault.rolled_back":
                    raise
                time.sleep(0.05 * (1 + attempt % 4))
                vf = read_file(path)
        return Vault(path, user, identity, vf)

    @staticmethod
    def open_with_recovery(path: Path, recovery_key: str) -> Vault:
        vf = read_file(path)
        try:
            verify_header(vf.header)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise VaultError("vault.tampered") from exc
        x = keyslots.open_recovery(vf.header, recovery_key)
        # The recovery holder has no signing key of its own; it signs with the admin key
        # it unwraps.
        return Vault._construct(path, RECOVERY_HOLDER, Identity(x, bytes(32)), vf)

    def _load(self, vf: VaultFile, *, remember: bool = True) -> None:
        """Verify and decrypt ``vf`` with our identity; replaces the in-memory state.
        Anything that is not exactly what we write is tampering (exit 4)."""
        try:
            self._load_checked(vf, remember=remember)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                sqlite3.DatabaseError) as exc:
            raise VaultError("vault.tampered") from exc

    def _load_checked(self, vf: VaultFile, *, remember: bool) -> None:
        h = vf.header
        roster = verify_header(h)
        seen = memory.check(h, vf.digest, allow_older=not remember)
        if self.user == RECOVERY_HOLDER:
            role = Role.ADMIN
            if roster.recovery != self._identity.x25519_public:
                raise AccessDenied("access.recovery_denied")
        else:
            member = roster.members.get(self.user)
            if member is None:
                raise AccessDenied("access.removed")
            role = member.role
            if (member.x25519 != self._identity.x25519_public
                    or member.ed25519 != self._identity.ed25519_public):
                # Our key pair is not the one in the signed roster (replaced since).
                raise AccessDenied("access.denied")
        keys = keyslots.unwrap_slots(h, self.user, role, self._identity.x25519)
        if keys.admin is not None and crypto.ed25519_public(keys.admin) != roster.admin_key:
            raise VaultError("vault.tampered")
        stats_conn = store.open_image(self._decrypt(vf, "stats", keys.stats),
                                      store.STATS_MIGRATIONS)
        case_conn = None
        if keys.case is not None:
            case_conn = store.open_image(self._decrypt(vf, "case", keys.case),
                                         store.CASE_MIGRATIONS)
        self._check_contents(h, roster, stats_conn, case_conn,
                             seen.get("heads", {}) if remember else {})
        if remember:
            memory.remember(h, vf.digest)
        self._file = vf
        self.header = copy.deepcopy(h)
        self.role = role
        self.keys = keys
        self.case_conn = case_conn
        self.stats_conn = stats_conn
        self._mark_saved()

    @staticmethod
    def _check_contents(h: dict[str, Any], roster: Roster, stats: sqlite3.Connection,
                        case: sqlite3.Connection | None, seen_heads: dict[str, Any]) -> None:
        """What the stats key alone could change must match what admins signed, and the
        logs must be the ones the savers signed and this laptop saw."""
        if settings_digest(stats) != roster.settings_sha256:
            raise VaultError("vault.tampered")
        guards = {r[0] for r in stats.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        if not guards.issuperset(LEDGER_GUARDS):
            raise VaultError("vault.tampered")
        for log, conn in (("stats_log", stats), ("access_log", case)):
            if conn is None:
                continue
            if log_head(conn, log) != h["log_heads"][log]:
                raise VaultError("vault.tampered")
            check_extends(conn, log, seen_heads.get(log))

    def _decrypt(self, vf: VaultFile, name: str, key: bytes) -> bytes:
        ct = vf.case_ct if name == "case" else vf.stats_ct
        counter = vf.header["sections"][name]["counter"]
        try:
            return crypto.unseal(crypto.hkdf(key, f"rusenhet/section/{name}"), ct,
                                 section_ad(vf.vault_id, name, counter))
        except DecryptionFailed:
            raise VaultError("vault.tampered") from None

    # ---- transactions

    def transact(self, change: Callable[[Vault], T]) -> T:
        """Apply ``change`` under the lock to the freshest state and save.

        ``change`` must be a function of the vault alone: if another process saved since
        we loaded, we re-read (keys stay in memory, no second KDF) and re-apply it. If it
        raises before the file is replaced, nothing is saved and the in-memory state is
        restored. Once the file is replaced the change is saved, whatever comes after."""
        if self.in_transaction:
            return change(self)
        with VaultLock(self.path) as lock:
            clean_temp_files(self.path)
            self._refresh_locked()
            backup = self._file
            saved = (copy.deepcopy(self.header), self.keys, self._identity)
            self.in_transaction = True
            try:
                result = change(self)
                self._save(guard=lock.verify_held)
            except BaseException:
                if self._file is backup:  # not replaced: roll the memory state back
                    self.header, self.keys, self._identity = saved
                    self._load(backup, remember=False)
                raise
            finally:
                self.in_transaction = False
        return result

    def _refresh_locked(self) -> None:
        """Called with the lock held: make sure we hold the newest saved state."""
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise VaultError("vault.vanished", path=str(self.path)) from exc
        if raw == self._file.raw:
            return  # unchanged since we loaded or saved it: nothing to parse or hash
        self._adopt(parse(raw))

    def refresh(self) -> None:
        """Re-read the file if another process saved since we loaded (no lock needed)."""
        current = read_file(self.path)
        if current.raw != self._file.raw:
            self._adopt(current)

    def _adopt(self, current: VaultFile) -> None:
        if current.vault_id != self.vault_id:
            raise VaultError("vault.swapped")
        if current.counter <= self.counter:
            raise VaultError("vault.rolled_back", seen=self.counter, found=current.counter)
        self._load(current)

    def use_identity(self, identity: Identity) -> None:
        """This user's key pair was replaced in the current transaction: sign the save
        (and everything after it) with the new one."""
        self._identity = identity

    def sign(self, message: bytes) -> bytes:
        """Sign as the acting user (the admin key for the recovery holder)."""
        if self.user == RECOVERY_HOLDER:
            if self.keys.admin is None:
                raise AccessDenied("access.denied")
            return crypto.sign(self.keys.admin, message)
        return self._identity.sign(message)

    def sign_log(self, digest: bytes) -> bytes:
        return self.sign(digest)

    def _save(self, *, guard: Callable[[], None], restoring: bool = False) -> None:
        """Encrypt both sections, sign and write; the file is replaced atomically.
        ``guard`` runs right before the replace (the lock is still ours);
        ``restoring`` a backup: its logs are legitimately shorter than those seen."""
        h = self.header
        h["counter"] = self.counter + 1
        vault_id = self.vault_id
        # Re-encrypt only a section that changed (or whose key changed): a read that
        # logs touches one section, and the other keeps its ciphertext and entry.
        if self.case_conn is not None and self._changed("case", self.case_conn,
                                                        self.keys.case):
            assert self.keys.case is not None  # noqa: S101 - case_conn implies the key
            case_ct = crypto.seal(crypto.hkdf(self.keys.case, "rusenhet/section/case"),
                                  store.image(self.case_conn),
                                  section_ad(vault_id, "case", h["counter"]))
            case = {"counter": h["counter"], "len": len(case_ct),
                    "sha256": crypto.sha256(case_ct).hex(), "by": self.user}
            case["sig"] = crypto.b64e(self.sign(case_section_message(vault_id, case)))
            h["sections"]["case"] = case
            h["log_heads"]["access_log"] = log_head(self.case_conn, "access_log")
        else:
            case_ct = self._file.case_ct  # unchanged, or a supervisor's save
        if self._changed("stats", self.stats_conn, self.keys.stats):
            stats_ct = crypto.seal(crypto.hkdf(self.keys.stats, "rusenhet/section/stats"),
                                   store.image(self.stats_conn),
                                   section_ad(vault_id, "stats", h["counter"]))
            h["sections"]["stats"] = {"counter": h["counter"], "len": len(stats_ct),
                                      "sha256": crypto.sha256(stats_ct).hex()}
        else:
            stats_ct = self._file.stats_ct
        if max(len(case_ct), len(stats_ct)) > MAX_SECTION_BYTES:
            raise InputError("vault.too_large")
        h["log_heads"]["stats_log"] = log_head(self.stats_conn, "stats_log")
        # Never save a log that no longer extends what this laptop saw (a change that
        # cut or rewrote entries, by whatever route it came in).
        seen_heads = {} if restoring else memory.seen(vault_id).get("heads", {})
        for log, conn in (("stats_log", self.stats_conn), ("access_log", self.case_conn)):
            if conn is not None:
                check_extends(conn, log, seen_heads.get(log))
        h["saved_by"] = self.user
        h["save_sig"] = crypto.b64e(self.sign(save_message(h)))
        raw = assemble(h, case_ct, stats_ct)
        try:
            write_atomically(self.path, raw, guard=guard)
        except BaseException as exc:
            if not landed(self.path, raw):
                raise
            # The new file is in place (the folder fsync failed, or Ctrl-C came after the
            # rename): the change is saved, so say so.
            self.warnings.append((exc.key, exc.params) if isinstance(exc, AppError)
                                 else ("save.not_durable", {"path": str(self.path),
                                                            "reason": type(exc).__name__}))
        # We just built these bytes from this header: no need to parse and re-hash them.
        self._file = VaultFile(raw, copy.deepcopy(h), case_ct, stats_ct)
        self._mark_saved()
        try:
            memory.remember(h, self._file.digest)
        except OSError:
            self.warnings.append(("memory.not_saved", {}))

    def _changed(self, name: str, conn: sqlite3.Connection, key: bytes | None) -> bool:
        return self._baseline.get(name) != (conn.total_changes, key)

    def _mark_saved(self) -> None:
        """What the file now holds: each section's change count and key."""
        self._baseline = {"stats": (self.stats_conn.total_changes, self.keys.stats)}
        if self.case_conn is not None:
            self._baseline["case"] = (self.case_conn.total_changes, self.keys.case)

    def set_language(self, lang: str) -> None:
        self.header["lang"] = lang

    def close(self) -> None:
        if self.case_conn is not None:
            self.case_conn.close()
        self.stats_conn.close()


__all__ = ["LOGS", "Vault", "settings_digest", "verify_header"]
