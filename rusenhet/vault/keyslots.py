"""Key slots and credentials (DESIGN §2 "Users and keys").

- A **slot** wraps one section key (or the admin signing key) to one holder's X25519
  public key: ephemeral X25519 + HKDF + AES-GCM, associated data = vault id, holder,
  role, purpose. Wrapping needs only public keys, so an admin adds and removes users
  without knowing anyone's passphrase.
- A **credential** is a user's own private keys sealed under an Argon2id key from their
  passphrase. The user signs it with their own signing key, so a changed salt, cost or
  sealed blob is reported as a changed file before any KDF runs (never as a wrong
  passphrase, and never at a cost someone else lowered).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rusenhet import crypto
from rusenhet.crypto import DecryptionFailed, Identity
from rusenhet.errors import AccessDenied, VaultError
from rusenhet.roles import CASE_ROLES, Role
from rusenhet.vault.fileformat import ad, canonical


@dataclass
class SectionKeys:
    case: bytes | None
    stats: bytes
    admin: bytes | None  # Ed25519 private key signing the roster; admins only

    def __repr__(self) -> str:
        return "SectionKeys(<secret>)"

    @staticmethod
    def fresh(admin: bytes | None) -> SectionKeys:
        return SectionKeys(crypto.random_key(), crypto.random_key(), admin)


def purposes_for(role: Role) -> list[str]:
    purposes = ["stats"]
    if role in CASE_ROLES:
        purposes.append("case")
    if role is Role.ADMIN:
        purposes.append("admin")
    return purposes


def _slot_ad(vault_id: str, holder: str, role: Role, purpose: str) -> bytes:
    return ad(vault_id, "slot", holder, role.value, purpose)


def wrap_slots(vault_id: str, holders: list[tuple[str, Role, bytes]], keys: SectionKeys,
               keep: list[dict[str, str]] | None = None) -> list[dict[str, str]]:
    """Slots for every holder (name, role, X25519 public key). For a key this user does
    not hold (a non-admin rotating what they can open), the existing slots in ``keep``
    stay as they are."""
    secrets = {"case": keys.case, "stats": keys.stats, "admin": keys.admin}
    slots = [s for s in keep or [] if secrets[s["purpose"]] is None]
    for name, role, public in holders:
        for purpose in purposes_for(role):
            secret = secrets[purpose]
            if secret is None:
                continue
            epk, ct = crypto.wrap_to(public, secret, _slot_ad(vault_id, name, role, purpose))
            slots.append({"holder": name, "purpose": purpose, "epk": crypto.b64e(epk),
                          "ct": crypto.b64e(ct)})
    return slots


def unwrap_slots(header: dict[str, Any], holder: str, role: Role,
                 x25519_private: bytes) -> SectionKeys:
    """The keys wrapped to ``holder``; every slot its role needs must be there."""
    keys: dict[str, bytes] = {}
    for slot in header["slots"]:
        if slot["holder"] != holder:
            continue
        try:
            keys[slot["purpose"]] = crypto.unwrap_with(
                x25519_private, crypto.b64d(slot["epk"]), crypto.b64d(slot["ct"]),
                _slot_ad(header["vault_id"], holder, role, slot["purpose"]))
        except (DecryptionFailed, ValueError) as exc:
            raise VaultError("vault.tampered") from exc
    if any(p not in keys for p in purposes_for(role)):
        raise VaultError("vault.tampered")
    return SectionKeys(keys.get("case"), keys["stats"], keys.get("admin"))


# --------------------------------------------------------------------------- credentials


def _credential_message(vault_id: str, name: str, cred: dict[str, Any]) -> bytes:
    return ad(vault_id, "credential-sig", name) + canonical(
        {"kdf": cred["kdf"], "sealed": cred["sealed"]})


def seal_credential(vault_id: str, name: str, identity: Identity, passphrase: str, *,
                    demo: bool) -> dict[str, Any]:
    """Seal ``identity`` under a key derived from ``passphrase`` with a fresh salt, and
    sign the result with the identity itself."""
    params = crypto.new_kdf_params(demo=demo)
    key = crypto.derive_passphrase_key(passphrase, params)
    sealed = crypto.seal(key, identity.to_bytes(), ad(vault_id, "credential", name))
    cred: dict[str, Any] = {"kdf": params.to_json(), "sealed": crypto.b64e(sealed)}
    cred["sig"] = crypto.b64e(identity.sign(_credential_message(vault_id, name, cred)))
    return cred


def check_credential(vault_id: str, name: str, cred: dict[str, Any], signer: bytes, *,
                     demo: bool) -> crypto.KdfParams:
    """Before any KDF: the credential must be signed by its owner's key from the signed
    roster and use parameters within bounds (demo cost only in a demo vault)."""
    if not crypto.verify(signer, crypto.b64d(cred["sig"]),
                         _credential_message(vault_id, name, cred)):
        raise VaultError("vault.credential_changed")
    kdf = cred["kdf"]
    salt = crypto.b64d(kdf["salt"])
    if not crypto.kdf_params_ok(kdf["m"], kdf["t"], kdf["p"], salt, demo=demo):
        raise VaultError("vault.kdf_params")
    return crypto.KdfParams(salt, kdf["m"], kdf["t"], kdf["p"])


def open_credential(vault_id: str, name: str, cred: dict[str, Any],
                    params: crypto.KdfParams, passphrase: str) -> Identity:
    key = crypto.derive_passphrase_key(passphrase, params)
    try:
        plain = crypto.unseal(key, crypto.b64d(cred["sealed"]),
                              ad(vault_id, "credential", name))
        return Identity.from_bytes(plain)
    except (DecryptionFailed, ValueError):
        raise AccessDenied("access.denied") from None


# --------------------------------------------------------------------------- recovery


def new_recovery(vault_id: str) -> tuple[str, dict[str, str], bytes]:
    """(recovery key to show once, sealed credential, X25519 public key). HKDF, not
    Argon2, derives its wrapping key: the recovery key itself has ~128 bits."""
    secret = crypto.new_recovery_secret()
    salt = os.urandom(crypto.SALT_BYTES)
    private = crypto.x25519_generate()
    sealed = crypto.seal(crypto.recovery_key_bytes(secret, salt), private,
                         ad(vault_id, "recovery"))
    return (secret, {"salt": crypto.b64e(salt), "sealed": crypto.b64e(sealed)},
            crypto.x25519_public(private))


def open_recovery(header: dict[str, Any], recovery_key: str) -> bytes:
    rc = header["recovery_credential"]
    try:
        key = crypto.recovery_key_bytes(recovery_key, crypto.b64d(rc["salt"]))
        return crypto.unseal(key, crypto.b64d(rc["sealed"]), ad(header["vault_id"], "recovery"))
    except (DecryptionFailed, ValueError):
        raise AccessDenied("access.recovery_denied") from None


