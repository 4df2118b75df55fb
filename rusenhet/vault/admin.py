"""Changes to who holds which key: creating a vault, adding and removing users, roles,
rotation, passphrase changes, recovery and restore (DESIGN §2, §2c).

Callers check the role matrix (``rusenhet.users``); every function here runs inside
``Vault.transact`` (except ``create`` and ``restore_to``, which save themselves).

Rotation rule: whenever a key pair that could open a section stops being trusted — a
user removed or downgraded, a passphrase changed or reset, a recovery — every section
key that key pair could open is replaced in the same save, so an old copy of the file
plus the old passphrase reads nothing saved afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rusenhet import crypto, platform, store
from rusenhet.crypto import Identity
from rusenhet.errors import AccessDenied, InputError, VaultError
from rusenhet.roles import CASE_ROLES, Role
from rusenhet.vault import keyslots, memory
from rusenhet.vault import roster as roster_mod
from rusenhet.vault.core import Vault
from rusenhet.vault.fileformat import (
    FORMAT_VERSION,
    RECOVERY_HOLDER,
    VaultFile,
    ad,
    now,
    read_file,
)
from rusenhet.vault.integrity import GENESIS, settings_digest
from rusenhet.vault.keyslots import SectionKeys
from rusenhet.vault.lock import VaultLock


def _admin_key(v: Vault) -> bytes:
    if v.keys.admin is None or v.keys.case is None:
        raise AccessDenied("access.role", role=v.role.value, right="manage-users")
    return v.keys.admin


def _holders(v: Vault) -> list[tuple[str, Role, bytes]]:
    """Every holder of the in-memory header (verified at load, changed by us since)."""
    holders = [(m.name, m.role, m.x25519) for m in roster_mod.members(v.header).values()]
    holders.append((RECOVERY_HOLDER, Role.ADMIN, crypto.b64d(v.header["roster"]["recovery"])))
    return holders


def rewrap(v: Vault) -> None:
    """Wrap the current keys to every holder (public keys only) and re-sign the roster."""
    admin = _admin_key(v)
    roster_mod.fold_updates(v.header)
    v.header["slots"] = keyslots.wrap_slots(v.vault_id, _holders(v), v.keys)
    roster_mod.sign(v.header, admin)


def rotate_keys(v: Vault) -> None:
    """New section keys and a new admin signing key (signed by the old one, so laptops
    that pinned it follow the chain), wrapped to the current roster."""
    old_admin = _admin_key(v)
    new_admin = crypto.ed25519_generate()
    new_pub = crypto.ed25519_public(new_admin)
    roster = v.header["roster"]
    roster["admin_key_sigs"].append(crypto.b64e(crypto.sign(
        old_admin, ad(v.vault_id, "admin-key", new_pub.hex()))))
    roster["admin_keys"].append(crypto.b64e(new_pub))
    v.keys = SectionKeys.fresh(new_admin)
    rewrap(v)


def sign_settings(v: Vault) -> None:
    """An admin changed a unit setting: sign its new digest into the roster."""
    admin = _admin_key(v)
    v.header["roster"]["settings_sha256"] = settings_digest(v.stats_conn)
    roster_mod.sign(v.header, admin)


def invite(v: Vault, name: str, role: Role) -> None:
    admin = _admin_key(v)
    invites = [i for i in v.header["roster"]["invites"] if i["name"] != name]
    invites.append({"name": name, "role": role.value})
    v.header["roster"]["invites"] = sorted(invites, key=lambda i: i["name"])
    roster_mod.sign(v.header, admin)


def add_member(v: Vault, name: str, role: Role, x25519: bytes, ed25519: bytes,
               credential: dict[str, Any]) -> None:
    """Put ``name`` in the roster with these public keys and their own credential. If
    ``name`` already had keys (a reset through re-enrolment), rotate everything."""
    replaced = name in roster_mod.members(v.header)
    roster_mod.replace_user_keys(v.header, name, role, x25519, ed25519)
    v.header["credentials"][name] = credential
    if replaced:
        rotate_keys(v)
    else:
        rewrap(v)


def create_member_directly(v: Vault, name: str, role: Role, passphrase: str) -> None:
    """Demo vaults only: make the user's key pair here (the admin then knows it)."""
    if not v.demo:
        raise InputError("user.enrol_required", name=name)
    identity = Identity.generate()
    add_member(v, name, role, identity.x25519_public, identity.ed25519_public,
               keyslots.seal_credential(v.vault_id, name, identity, passphrase, demo=True))


def remove_member(v: Vault, name: str) -> None:
    roster_mod.remove_user(v.header, name)
    rotate_keys(v)


def set_role(v: Vault, name: str, role: Role) -> bool:
    """Change a role; returns True if keys were rotated (a downgrade)."""
    entry = next(u for u in v.header["roster"]["users"] if u["name"] == name)
    old = Role(entry["role"])
    entry["role"] = role.value
    downgrade = (old in CASE_ROLES and role not in CASE_ROLES) or \
        (old is Role.ADMIN and role is not Role.ADMIN)
    if downgrade:
        rotate_keys(v)
    else:
        rewrap(v)
    return downgrade


def new_recovery(v: Vault) -> str:
    """Create a new recovery key pair; returns the recovery key to show once."""
    _admin_key(v)
    secret, credential, public = keyslots.new_recovery(v.vault_id)
    v.header["recovery_credential"] = credential
    v.header["roster"]["recovery"] = crypto.b64e(public)
    rewrap(v)
    return secret


def change_own_keys(v: Vault, passphrase: str) -> None:
    """A user's own passphrase change: a new key pair, its credential, and new keys for
    every section the old key pair could open. Admins re-sign the roster; anyone else
    records a key update signed by their old signing key."""
    new = Identity.generate()
    name = v.user
    credential = keyslots.seal_credential(v.vault_id, name, new, passphrase, demo=v.demo)
    if v.role is Role.ADMIN:
        roster_mod.replace_user_keys(v.header, name, v.role, new.x25519_public,
                                     new.ed25519_public)
        v.header["credentials"][name] = credential
        v.use_identity(new)
        rotate_keys(v)
        return
    roster_mod.add_key_update(v.header, name, v.identity, new)
    v.header["credentials"][name] = credential
    v.use_identity(new)
    v.keys = SectionKeys(crypto.random_key() if v.keys.case else None, crypto.random_key(),
                         None)
    v.header["slots"] = keyslots.wrap_slots(v.vault_id, _holders(v), v.keys,
                                            keep=v.header["slots"])


def recover_admin(v: Vault, name: str, passphrase: str) -> str:
    """With the recovery key: ``name`` (an existing admin, or a new one) gets a new key
    pair made here, by the person recovering; all keys rotate and a new recovery key is
    issued (the old one has been used, and perhaps seen). Returns the new recovery key."""
    identity = Identity.generate()
    roster_mod.replace_user_keys(v.header, name, Role.ADMIN, identity.x25519_public,
                                 identity.ed25519_public)
    v.header["credentials"][name] = keyslots.seal_credential(
        v.vault_id, name, identity, passphrase, demo=v.demo)
    rotate_keys(v)
    return new_recovery(v)


def restore_to(v: Vault, target: Path) -> None:
    """Save this (backup) state as the vault at ``target``, with a save counter above
    both the target's and the highest this machine has seen. The backup's admin chain
    was checked against this machine's memory when it was opened; the target must be the
    same vault. Nothing is written unless both hold."""
    with VaultLock(target) as lock:
        highest = int(memory.seen(v.vault_id).get("counter", -1))
        try:
            current = read_file(target)
        except InputError:
            current = None
        if current is not None:
            if current.vault_id != v.vault_id:
                raise VaultError("vault.swapped")
            memory.check(current.header, current.digest, allow_older=True)
            highest = max(highest, current.counter)
        memory.check(v.header, "", allow_older=True)
        v.path = target
        v.header["counter"] = max(v.counter, highest)
        v._save(guard=lock.verify_held, restoring=True)


def create(path: Path, admin: str, passphrase: str, *, demo: bool, lang: str,
           settings: dict[str, str]) -> tuple[Vault, str]:
    """Create a new vault with its first admin; returns the vault and the recovery key.
    The vault id is derived from the first admin signing key (``roster``)."""
    if path.exists():
        raise InputError("vault.exists", path=str(path))
    if not path.parent.exists():
        platform.make_private_dir(path.parent)
    identity = Identity.generate()
    admin_key = crypto.ed25519_generate()
    root = crypto.ed25519_public(admin_key)
    vault_id = roster_mod.vault_id_for(root)
    case_conn = store.open_image(None, store.CASE_MIGRATIONS)
    case_conn.execute("INSERT INTO meta(key, value) VALUES ('pseudonym_key', ?)",
                      (crypto.random_key().hex(),))
    stats_conn = store.open_image(None, store.STATS_MIGRATIONS)
    for key, value in settings.items():
        stats_conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                           (key, value))
    header: dict[str, Any] = {
        "format": FORMAT_VERSION, "vault_id": vault_id, "counter": 0, "created": now(),
        "lang": lang,
        "roster": {"admin_keys": [crypto.b64e(root)], "admin_key_sigs": [], "users": [],
                   "former": [], "invites": [], "recovery": "", "demo": demo,
                   "settings_sha256": settings_digest(stats_conn), "version": 0},
        "roster_sig": "", "key_updates": [], "credentials": {}, "slots": [],
        "recovery_credential": {},
        "sections": {"case": {"counter": 0, "len": 0, "sha256": "", "by": "", "sig": ""},
                     "stats": {"counter": 0, "len": 0, "sha256": ""}},
        "log_heads": {"access_log": [0, GENESIS], "stats_log": [0, GENESIS]},
        "saved_by": "", "save_sig": "",
    }
    # Build the vault object around an in-memory state, then save it under the lock.
    vault = Vault.__new__(Vault)
    vault.path, vault.user, vault._identity = path, admin, identity
    vault.header, vault.role, vault.keys = header, Role.ADMIN, SectionKeys.fresh(admin_key)
    vault.case_conn, vault.stats_conn, vault.in_transaction = case_conn, stats_conn, False
    vault.warnings = []
    vault._baseline = {}
    vault._file = VaultFile(b"", header, b"", b"")
    header["credentials"][admin] = keyslots.seal_credential(vault_id, admin, identity,
                                                            passphrase, demo=demo)
    roster_mod.replace_user_keys(header, admin, Role.ADMIN, identity.x25519_public,
                                 identity.ed25519_public)
    recovery = new_recovery(vault)
    with VaultLock(path) as lock:
        if path.exists():
            raise InputError("vault.exists", path=str(path))
        vault._save(guard=lock.verify_held)
    return vault, recovery
