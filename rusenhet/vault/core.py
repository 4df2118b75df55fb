"""The unlocked vault: keys, verification, transactions (DESIGN §2)."""

from __future__ import annotations

import copy
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rusenhet import crypto, platform, store
from rusenhet.crypto import DecryptionFailed, Identity
from rusenhet.errors import AccessDenied, InputError, VaultError
from rusenhet.roles import CASE_ROLES, Role
from rusenhet.vault import memory as state
from rusenhet.vault.atomic import clean_temp_files, write_atomically
from rusenhet.vault.fileformat import (
    FORMAT_VERSION,
    MAX_SECTION_BYTES,
    RECOVERY_HOLDER,
    SECTIONS,
    VaultFile,
    ad,
    assemble,
    canonical,
    now,
    parse,
    read_file,
)
from rusenhet.vault.lock import VaultLock

T = TypeVar("T")


@dataclass
class _Keys:
    case: bytes | None
    stats: bytes
    admin: bytes | None  # Ed25519 private key signing the roster; admins only

    def __repr__(self) -> str:
        return "_Keys(<secret>)"


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
        self._keys = _Keys(None, b"", None)
        self.case_conn: sqlite3.Connection | None = None
        self.stats_conn: sqlite3.Connection = sqlite3.connect(":memory:")
        self._load(vf, remember=remember)
        self.in_transaction = False

    def __repr__(self) -> str:
        return f"Vault({self.path.name!r}, user={self.user!r})"

    # ---- properties

    @property
    def vault_id(self) -> str:
        return str(self.header["vault_id"])

    @property
    def demo(self) -> bool:
        return bool(self.header["demo"])

    @property
    def counter(self) -> int:
        return int(self.header["counter"])

    @property
    def identity(self) -> Identity:
        return self._identity

    @property
    def can_open_case(self) -> bool:
        return self.case_conn is not None

    def users(self) -> list[dict[str, str]]:
        return [dict(u) for u in self.header["roster"]["users"]]

    def former_users(self) -> list[dict[str, str]]:
        return [dict(u) for u in self.header["roster"]["former"]]

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
        """Unlock ``path`` as ``user``. ``remember=False`` opens a backup copy without
        comparing it to (or recording it in) this machine's rollback memory."""
        vf = read_file(path)
        cred = vf.header["credentials"].get(user)
        if cred is None or user.startswith("@"):
            state.record_failed_unlock(vf.vault_id, user)
            raise AccessDenied("access.denied")
        params = _kdf_from_json(cred["kdf"], demo=vf.header["demo"])
        key = crypto.derive_passphrase_key(passphrase, params)
        try:
            blob = crypto.b64d(cred["sealed"])
            identity = Identity.from_bytes(crypto.unseal(key, blob, ad(vf.vault_id, "credential",
                                                                          user)))
        except (DecryptionFailed, ValueError):
            state.record_failed_unlock(vf.vault_id, user)
            raise AccessDenied("access.denied") from None
        if not remember:
            return Vault(path, user, identity, vf, remember=False)
        return Vault._construct(path, user, identity, vf)

    @staticmethod
    def _construct(path: Path, user: str, identity: Identity, vf: VaultFile) -> Vault:
        """Build the unlocked vault. We read without the lock, so another process may
        replace the file and record its higher counter between our read and our check:
        re-read before calling that a rollback."""
        for _ in range(5):
            try:
                return Vault(path, user, identity, vf)
            except VaultError as exc:
                if exc.key != "vault.rolled_back":
                    raise
                time.sleep(0.05)
                vf = read_file(path)
        return Vault(path, user, identity, vf)

    @staticmethod
    def open_with_recovery(path: Path, recovery_key: str) -> Vault:
        vf = read_file(path)
        rc = vf.header["recovery_credential"]
        try:
            salt = crypto.b64d(rc["salt"])
            key = crypto.recovery_key_bytes(recovery_key, salt)
            x = crypto.unseal(key, crypto.b64d(rc["sealed"]), ad(vf.vault_id, "recovery"))
        except (DecryptionFailed, ValueError, KeyError, TypeError):
            raise AccessDenied("access.recovery_denied") from None
        # The recovery holder has no signing key of its own; it signs nothing but the
        # roster, with the admin key it unwraps.
        return Vault._construct(path, RECOVERY_HOLDER, Identity(x, bytes(32)), vf)

    def _load(self, vf: VaultFile, *, remember: bool = True) -> None:
        """Verify and decrypt ``vf`` with our identity; replaces the in-memory state.

        Any header that does not have exactly the shape we write is damage or tampering
        (exit 4), never an internal error: the header is attacker-controlled input."""
        try:
            self._load_checked(vf, remember=remember)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise VaultError("vault.tampered") from exc

    def _load_checked(self, vf: VaultFile, *, remember: bool) -> None:
        h = vf.header
        roster = h["roster"]
        self._verify_roster(vf)
        if self.user == RECOVERY_HOLDER:
            role = Role.ADMIN
            if crypto.b64d(roster["recovery"]) != self._identity.x25519_public:
                raise AccessDenied("access.recovery_denied")
        else:
            entry = next((u for u in roster["users"] if u["name"] == self.user), None)
            if entry is None:
                raise AccessDenied("access.removed")
            role = Role(entry["role"])
            if (crypto.b64d(entry["x25519"]) != self._identity.x25519_public
                    or crypto.b64d(entry["ed25519"]) != self._identity.ed25519_public):
                # Our key pair is not the one in the signed roster (reset by an admin,
                # or a credential swapped in from an older file).
                raise AccessDenied("access.denied")
        keys = {}
        for slot in h["slots"]:
            if slot["holder"] != self.user:
                continue
            try:
                keys[slot["purpose"]] = crypto.unwrap_with(
                    self._identity.x25519, crypto.b64d(slot["epk"]), crypto.b64d(slot["ct"]),
                    ad(h["vault_id"], "slot", self.user, role.value, slot["purpose"]))
            except (DecryptionFailed, ValueError, KeyError) as exc:
                raise VaultError("vault.tampered") from exc
        if "stats" not in keys or (role in CASE_ROLES and "case" not in keys):
            raise VaultError("vault.tampered")
        if role is Role.ADMIN and "admin" not in keys:
            raise VaultError("vault.tampered")
        new_keys = _Keys(keys.get("case"), keys["stats"], keys.get("admin"))
        if new_keys.admin is not None and crypto.ed25519_public(new_keys.admin) != \
                crypto.b64d(roster["admin_keys"][-1]):
            raise VaultError("vault.tampered")
        stats_plain = self._decrypt_section(vf, "stats", new_keys.stats)
        case_conn = None
        if new_keys.case is not None:
            case_conn = store.open_image(self._decrypt_section(vf, "case", new_keys.case),
                                         store.CASE_MIGRATIONS)
        stats_conn = store.open_image(stats_plain, store.STATS_MIGRATIONS)
        if remember:
            state.check_and_remember(vf.vault_id, vf.counter, vf.digest,
                                     admin_keys=list(roster["admin_keys"]))
        self._file = vf
        self.header = copy.deepcopy(h)
        self.role = role
        self._keys = new_keys
        self.case_conn = case_conn
        self.stats_conn = stats_conn

    def _verify_roster(self, vf: VaultFile) -> None:
        h = vf.header
        roster = h["roster"]
        chain = [crypto.b64d(k) for k in roster["admin_keys"]]
        sigs = [crypto.b64d(s) for s in roster["admin_key_sigs"]]
        if not chain or len(sigs) != len(chain) - 1:
            raise VaultError("vault.tampered")
        for i in range(1, len(chain)):
            if not crypto.verify(chain[i - 1], sigs[i - 1], ad(h["vault_id"], "admin-key",
                                                                 chain[i].hex())):
                raise VaultError("vault.tampered")
        if not crypto.verify(chain[-1], crypto.b64d(h["roster_sig"]),
                             ad(h["vault_id"], "roster") + canonical(roster)):
            raise VaultError("vault.tampered")

    @staticmethod
    def _section_ad(h: dict[str, Any], name: str) -> bytes:
        """Associated data of a section.

        The case section binds its own save counter. The stats section, which every
        user re-encrypts at every save, binds the whole header (with its own digest
        blanked): counters, the case section's digest, the signed roster, credentials,
        key slots, flags. So no header field can be changed or rolled back without the
        stats key, and a supervisor cannot mix an old case section with a new header."""
        if name == "case":
            sec = h["sections"]["case"]
            return ad(h["vault_id"], "section", "case", FORMAT_VERSION, sec["counter"])
        bound = copy.deepcopy(h)
        bound["sections"]["stats"]["sha256"] = ""
        return ad(h["vault_id"], "section", "stats", FORMAT_VERSION,
                   crypto.sha256(canonical(bound)).hex())

    def _decrypt_section(self, vf: VaultFile, name: str, key: bytes) -> bytes:
        ct = vf.case_ct if name == "case" else vf.stats_ct
        try:
            return crypto.unseal(crypto.hkdf(key, f"rusenhet/section/{name}"), ct,
                                 self._section_ad(vf.header, name))
        except DecryptionFailed:
            raise VaultError("vault.tampered") from None

    # ---- transactions

    def transact(self, change: Callable[[Vault], T]) -> T:
        """Apply ``change`` under the lock to the freshest state and save.

        ``change`` must be a function of the vault alone: if another process saved since
        we loaded, we re-read (keys stay in memory, no second KDF) and re-apply it. If it
        raises, nothing is saved and the in-memory state is restored."""
        if self.in_transaction:
            return change(self)
        with VaultLock(self.path):
            clean_temp_files(self.path)
            self._refresh_locked()
            backup = self._file
            saved_header = copy.deepcopy(self.header)
            saved_keys = self._keys
            self.in_transaction = True
            try:
                result = change(self)
                self._save()
            except BaseException:
                self.header, self._keys = saved_header, saved_keys
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
        current = parse(raw)
        if current.vault_id != self.vault_id:
            raise VaultError("vault.swapped")
        if current.counter <= self.counter:
            raise VaultError("vault.rolled_back", seen=self.counter, found=current.counter)
        self._load(current)

    def refresh(self) -> None:
        """Re-read the file if another process saved since we loaded (no lock needed)."""
        current = read_file(self.path)
        if current.raw == self._file.raw:
            return
        if current.vault_id != self.vault_id:
            raise VaultError("vault.swapped")
        if current.counter <= self.counter:
            raise VaultError("vault.rolled_back", seen=self.counter, found=current.counter)
        self._load(current)

    def _save(self) -> None:
        h = self.header
        h["counter"] = self.counter + 1
        old = self._file
        if self._keys.case is not None and self.case_conn is not None:
            case_plain = store.image(self.case_conn)
            h["sections"]["case"]["counter"] = h["counter"]
            case_ct = crypto.seal(crypto.hkdf(self._keys.case, "rusenhet/section/case"),
                                  case_plain, self._section_ad(h, "case"))
        else:
            case_ct = old.case_ct  # a supervisor cannot and need not touch the case section
        h["sections"]["case"].update(len=len(case_ct), sha256=crypto.sha256(case_ct).hex())
        h["sections"]["stats"]["counter"] = h["counter"]
        stats_plain = store.image(self.stats_conn)
        # length is part of the header, so encrypt with a provisional length first: GCM
        # output length equals input length + 28, which is known in advance.
        h["sections"]["stats"].update(len=len(stats_plain) + crypto.NONCE_BYTES + 16,
                                      sha256="")
        stats_ad = self._section_ad(h, "stats")
        stats_ct = crypto.seal(crypto.hkdf(self._keys.stats, "rusenhet/section/stats"),
                               stats_plain, stats_ad)
        h["sections"]["stats"]["sha256"] = crypto.sha256(stats_ct).hex()
        if max(len(case_ct), len(stats_ct)) > MAX_SECTION_BYTES:
            raise InputError("vault.too_large")
        raw = assemble(h, case_ct, stats_ct)
        write_atomically(self.path, raw)
        # We just built these bytes from this header: no need to parse and re-hash them.
        vf = VaultFile(raw, copy.deepcopy(h), case_ct, stats_ct)
        state.check_and_remember(vf.vault_id, vf.counter, vf.digest,
                                 admin_keys=list(h["roster"]["admin_keys"]))
        self._file = vf

    # ---- roster and keys (admins only; callers check the role matrix)

    def _require_admin_key(self) -> bytes:
        if self._keys.admin is None or self._keys.case is None:
            raise AccessDenied("access.role", role=self.role.value, right="manage-users")
        return self._keys.admin

    def _sign_roster(self) -> None:
        admin = self._require_admin_key()
        self.header["roster_sig"] = crypto.b64e(crypto.sign(
            admin, ad(self.vault_id, "roster") + canonical(self.header["roster"])))

    def _rewrap_all(self) -> None:
        """Wrap the current keys to every holder (from public keys only) and re-sign."""
        self._require_admin_key()
        roster = self.header["roster"]
        slots: list[dict[str, str]] = []
        holders = [(u["name"], Role(u["role"]), crypto.b64d(u["x25519"]))
                   for u in roster["users"]]
        holders.append((RECOVERY_HOLDER, Role.ADMIN, crypto.b64d(roster["recovery"])))
        keys = {"case": self._keys.case, "stats": self._keys.stats, "admin": self._keys.admin}
        for name, role, pub in holders:
            purposes = ["stats"]
            if role in CASE_ROLES:
                purposes.append("case")
            if role is Role.ADMIN:
                purposes.append("admin")
            for purpose in purposes:
                secret = keys[purpose]
                assert secret is not None  # noqa: S101 - guaranteed by _require_admin_key
                epk, ct = crypto.wrap_to(pub, secret, ad(self.vault_id, "slot", name,
                                                          role.value, purpose))
                slots.append({"holder": name, "purpose": purpose, "epk": crypto.b64e(epk),
                              "ct": crypto.b64e(ct)})
        self.header["slots"] = slots
        self._sign_roster()

    def rotate_keys(self) -> None:
        """New section keys and a new admin signing key, wrapped to the current roster.

        Used by ``user remove``, role downgrades and ``rekey``: a removed user's old key
        pair then opens nothing in the new file. The new admin key is signed by the old
        one so clients that pinned the old key can follow the chain."""
        old_admin = self._require_admin_key()
        new_admin = crypto.ed25519_generate()
        new_pub = crypto.ed25519_public(new_admin)
        roster = self.header["roster"]
        roster["admin_key_sigs"].append(crypto.b64e(crypto.sign(
            old_admin, ad(self.vault_id, "admin-key", new_pub.hex()))))
        roster["admin_keys"].append(crypto.b64e(new_pub))
        self._keys = _Keys(crypto.random_key(), crypto.random_key(), new_admin)
        self._rewrap_all()

    def set_credential(self, name: str, identity: Identity, passphrase: str) -> None:
        """Seal ``identity`` under a key derived from ``passphrase`` with a fresh salt."""
        params = crypto.new_kdf_params(demo=self.demo)
        key = crypto.derive_passphrase_key(passphrase, params)
        sealed = crypto.seal(key, identity.to_bytes(), ad(self.vault_id, "credential", name))
        self.header["credentials"][name] = {"kdf": params.to_json(),
                                            "sealed": crypto.b64e(sealed)}

    def add_user_entry(self, name: str, role: Role, identity: Identity) -> None:
        roster = self.header["roster"]
        roster["users"] = [u for u in roster["users"] if u["name"] != name]
        roster["users"].append({"name": name, "role": role.value,
                                "x25519": crypto.b64e(identity.x25519_public),
                                "ed25519": crypto.b64e(identity.ed25519_public)})
        roster["users"].sort(key=lambda u: u["name"])
        self._rewrap_all()

    def remove_user_entry(self, name: str) -> None:
        roster = self.header["roster"]
        entry = next(u for u in roster["users"] if u["name"] == name)
        roster["users"] = [u for u in roster["users"] if u["name"] != name]
        # Keep the public signing key so the removed user's log entries still verify.
        roster["former"].append({"name": name, "ed25519": entry["ed25519"], "removed": now()})
        self.header["credentials"].pop(name, None)
        self.rotate_keys()

    def set_role_entry(self, name: str, role: Role) -> bool:
        """Change a role; returns True if keys were rotated (a downgrade)."""
        roster = self.header["roster"]
        entry = next(u for u in roster["users"] if u["name"] == name)
        old = Role(entry["role"])
        entry["role"] = role.value
        downgrade = (old in CASE_ROLES and role not in CASE_ROLES) or \
            (old is Role.ADMIN and role is not Role.ADMIN)
        if downgrade:
            self.rotate_keys()
        else:
            self._rewrap_all()
        return downgrade

    def set_recovery(self) -> str:
        """Create a new recovery key pair; returns the recovery key to show once."""
        self._require_admin_key()
        secret = crypto.new_recovery_secret()
        salt = os.urandom(crypto.SALT_BYTES)
        private = crypto.x25519_generate()
        sealed = crypto.seal(crypto.recovery_key_bytes(secret, salt), private,
                             ad(self.vault_id, "recovery"))
        self.header["recovery_credential"] = {"salt": crypto.b64e(salt),
                                              "sealed": crypto.b64e(sealed)}
        self.header["roster"]["recovery"] = crypto.b64e(crypto.x25519_public(private))
        self._rewrap_all()
        return secret

    def restore_to(self, target: Path) -> None:
        """Save this (backup) state as the vault at ``target``, with a save counter above
        both the target's and the highest this machine has seen, so every client
        accepts it as the newest state (DESIGN §2 "Rollback")."""
        with VaultLock(target):
            highest = int(state.seen(self.vault_id).get("counter", -1))
            try:
                current = read_file(target)
            except InputError:
                current = None
            if current is not None:
                if current.vault_id != self.vault_id:
                    raise VaultError("vault.swapped")
                highest = max(highest, current.counter)
            self.path = target
            self.header["counter"] = max(self.counter, highest)
            self._save()

    def sign_log(self, digest: bytes) -> bytes:
        """Sign an access-log entry with the acting user's key (the admin key for the
        recovery holder, which has no key of its own)."""
        if self.user == RECOVERY_HOLDER:
            return crypto.sign(self._require_admin_key(), digest)
        return self._identity.sign(digest)

    def set_language(self, lang: str) -> None:
        self.header["lang"] = lang

    def close(self) -> None:
        if self.case_conn is not None:
            self.case_conn.close()
        self.stats_conn.close()


def _kdf_from_json(kdf: dict[str, Any], *, demo: bool) -> crypto.KdfParams:
    try:
        salt = crypto.b64d(kdf["salt"])
        m, t, p = int(kdf["m"]), int(kdf["t"]), int(kdf["p"])
    except (KeyError, ValueError, TypeError) as exc:
        raise VaultError("vault.damaged") from exc
    if not crypto.kdf_params_ok(m, t, p, salt, demo=demo):
        raise VaultError("vault.kdf_params")
    return crypto.KdfParams(salt, m, t, p)


def create(path: Path, admin: str, passphrase: str, *, demo: bool, lang: str,
           settings: dict[str, str]) -> tuple[Vault, str]:
    """Create a new vault with its first admin; returns the vault and the recovery key."""
    if path.exists():
        raise InputError("vault.exists", path=str(path))
    if not path.parent.exists():
        platform.make_private_dir(path.parent)
    vault_id = secrets.token_hex(16)
    identity = Identity.generate()
    admin_key = crypto.ed25519_generate()
    keys = _Keys(crypto.random_key(), crypto.random_key(), admin_key)
    header: dict[str, Any] = {
        "vault_id": vault_id, "format": FORMAT_VERSION, "counter": 0, "demo": demo,
        "created": now(), "lang": lang,
        "roster": {"users": [], "former": [], "recovery": "",
                   "admin_keys": [crypto.b64e(crypto.ed25519_public(admin_key))],
                   "admin_key_sigs": []},
        "roster_sig": "", "credentials": {}, "slots": [], "recovery_credential": {},
        "sections": {s: {"counter": 0, "len": 0, "sha256": ""} for s in SECTIONS},
    }
    case_conn = store.open_image(None, store.CASE_MIGRATIONS)
    case_conn.execute("INSERT INTO meta(key, value) VALUES ('pseudonym_key', ?)",
                      (crypto.random_key().hex(),))
    stats_conn = store.open_image(None, store.STATS_MIGRATIONS)
    for key, value in settings.items():
        stats_conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                           (key, value))
    # Build the vault object around an in-memory state, then save it under the lock.
    vault = Vault.__new__(Vault)
    vault.path, vault.user, vault._identity = path, admin, identity
    vault.header, vault.role, vault._keys = header, Role.ADMIN, keys
    vault.case_conn, vault.stats_conn, vault.in_transaction = case_conn, stats_conn, False
    vault._file = VaultFile(b"", header, b"", b"")
    recovery = vault.set_recovery()
    vault.set_credential(admin, identity, passphrase)
    vault.add_user_entry(admin, Role.ADMIN, identity)
    with VaultLock(path):
        if path.exists():
            raise InputError("vault.exists", path=str(path))
        vault._save()
    return vault, recovery
