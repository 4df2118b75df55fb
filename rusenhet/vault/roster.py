"""The signed user table (DESIGN §2c): who holds which key, anchored in the vault id.

Every user holds the stats key, so nothing a supervisor must not change may rest on it.
Instead:

- the **vault id** is derived from the first admin signing key (``admin_keys[0]``), as
  age and SSH name keys by their hash, and every key slot and credential binds the vault
  id in its associated data. Replacing the admin chain changes the id and breaks every
  slot and credential, on any laptop, with no memory needed;
- the **admin chain**: each later admin key is signed by the one before it; the roster
  (users, roles, public keys, invitations, the demo flag, the digest of the admin-only
  settings) is signed by the newest admin key;
- a **key update**: a user who changes their own passphrase gets new key pairs; the
  change is signed by their previous signing key, so a user needs no admin for it and
  nobody else can make it. The next roster an admin signs folds it in;
- **former keys** stay listed with the time they were replaced, so old log entries
  still verify and nothing newer is accepted under them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rusenhet import crypto
from rusenhet.errors import VaultError
from rusenhet.roles import Role
from rusenhet.vault.fileformat import RECOVERY_HOLDER, ad, canonical, now


def vault_id_for(root_admin_public: bytes) -> str:
    """The vault id names its root admin key: a file whose chain starts anywhere else is
    another vault, whatever its header claims."""
    return crypto.sha256(b"rusenhet/vault-id/v2|" + root_admin_public).hex()[:32]


def fingerprint(vault_id: str, name: str, x25519: bytes, ed25519: bytes) -> str:
    """A short number the user reads out and the admin compares before approving
    (as Signal's safety numbers): 30 digits in six groups, about 100 bits."""
    digest = crypto.sha256(ad(vault_id, "fingerprint", name) + x25519 + ed25519)
    number = int.from_bytes(digest[:13], "big") % 10**30
    digits = f"{number:030d}"
    return " ".join(digits[i:i + 5] for i in range(0, 30, 5))


@dataclass(frozen=True)
class Member:
    name: str
    role: Role
    x25519: bytes
    ed25519: bytes


@dataclass(frozen=True)
class Roster:
    """The verified, effective user table of one file."""

    vault_id: str
    admin_chain: tuple[bytes, ...]
    members: dict[str, Member]
    invites: dict[str, Role]
    recovery: bytes
    demo: bool
    settings_sha256: str
    version: int
    #: earlier signing keys by user name, each with the time it was replaced
    former: dict[str, list[tuple[bytes, str]]] = field(default_factory=dict)

    @property
    def admin_key(self) -> bytes:
        return self.admin_chain[-1]

    def signing_key(self, name: str) -> bytes | None:
        """The key a save, a case section or a credential of ``name`` must verify with:
        the admin key for the recovery holder, which has no key of its own."""
        if name == RECOVERY_HOLDER:
            return self.admin_key
        member = self.members.get(name)
        return member.ed25519 if member else None


def _tampered() -> VaultError:
    return VaultError("vault.tampered")


def verify(header: dict[str, Any]) -> Roster:
    """Verify the admin chain from the vault id, the roster signature and every key
    update. Runs before any KDF; raises VaultError (exit 4) on anything unproven."""
    roster = header["roster"]
    vault_id = header["vault_id"]
    chain = tuple(crypto.b64d(k) for k in roster["admin_keys"])
    sigs = [crypto.b64d(s) for s in roster["admin_key_sigs"]]
    if not chain or len(sigs) != len(chain) - 1 or vault_id_for(chain[0]) != vault_id:
        raise _tampered()
    for i in range(1, len(chain)):
        if not crypto.verify(chain[i - 1], sigs[i - 1],
                             ad(vault_id, "admin-key", chain[i].hex())):
            raise _tampered()
    if not crypto.verify(chain[-1], crypto.b64d(header["roster_sig"]),
                         ad(vault_id, "roster") + canonical(roster)):
        raise _tampered()
    members = {u["name"]: Member(u["name"], Role(u["role"]), crypto.b64d(u["x25519"]),
                                 crypto.b64d(u["ed25519"])) for u in roster["users"]}
    if len(members) != len(roster["users"]):
        raise _tampered()
    former: dict[str, list[tuple[bytes, str]]] = {}
    for f in roster["former"]:
        former.setdefault(f["name"], []).append((crypto.b64d(f["ed25519"]), f["until"]))
    for update in header["key_updates"]:
        member = members.get(update["name"])
        if member is None or crypto.b64d(update["prev"]) != member.ed25519 or \
                not crypto.verify(member.ed25519, crypto.b64d(update["sig"]),
                                  _update_message(vault_id, update)):
            raise _tampered()
        former.setdefault(member.name, []).append((member.ed25519, update["time"]))
        members[member.name] = Member(member.name, member.role, crypto.b64d(update["x25519"]),
                                      crypto.b64d(update["ed25519"]))
    invites = {i["name"]: Role(i["role"]) for i in roster["invites"]}
    return Roster(vault_id, chain, members, invites, crypto.b64d(roster["recovery"]),
                  roster["demo"], roster["settings_sha256"], roster["version"], former)


def members(header: dict[str, Any]) -> dict[str, Member]:
    """The effective users of an in-memory header that was verified when it was loaded
    and may have been changed by this process since (key updates applied)."""
    result = {u["name"]: Member(u["name"], Role(u["role"]), crypto.b64d(u["x25519"]),
                                crypto.b64d(u["ed25519"])) for u in header["roster"]["users"]}
    for update in header["key_updates"]:
        old = result.get(update["name"])
        if old is not None:
            result[old.name] = Member(old.name, old.role, crypto.b64d(update["x25519"]),
                                      crypto.b64d(update["ed25519"]))
    return result


def _update_message(vault_id: str, update: dict[str, Any]) -> bytes:
    return ad(vault_id, "key-update", update["name"], update["prev"], update["x25519"],
              update["ed25519"], update["time"])


def add_key_update(header: dict[str, Any], name: str, old: crypto.Identity,
                   new: crypto.Identity) -> None:
    """Record that ``name`` replaced key pair ``old`` with ``new``, signed by ``old``."""
    update = {"name": name, "prev": crypto.b64e(old.ed25519_public),
              "x25519": crypto.b64e(new.x25519_public),
              "ed25519": crypto.b64e(new.ed25519_public), "time": now()}
    update["sig"] = crypto.b64e(old.sign(_update_message(header["vault_id"], update)))
    header["key_updates"].append(update)


def fold_updates(header: dict[str, Any]) -> None:
    """Move verified key updates into the users (the caller signs the roster)."""
    roster = header["roster"]
    users = {u["name"]: u for u in roster["users"]}
    for update in header["key_updates"]:
        entry = users.get(update["name"])
        if entry is None:
            continue
        roster["former"].append({"name": update["name"], "ed25519": entry["ed25519"],
                                 "until": update["time"]})
        entry.update(x25519=update["x25519"], ed25519=update["ed25519"])
    header["key_updates"] = []


def sign(header: dict[str, Any], admin_private: bytes) -> None:
    """Fold key updates, bump the version and sign with the admin key (which must be the
    newest of the chain)."""
    roster = header["roster"]
    if crypto.b64e(crypto.ed25519_public(admin_private)) != roster["admin_keys"][-1]:
        raise _tampered()
    fold_updates(header)
    roster["version"] += 1
    header["roster_sig"] = crypto.b64e(crypto.sign(
        admin_private, ad(header["vault_id"], "roster") + canonical(roster)))


def replace_user_keys(header: dict[str, Any], name: str, role: Role, x25519: bytes,
                      ed25519: bytes) -> None:
    """Put ``name`` into the roster with these public keys (the caller re-signs). A
    replaced signing key moves to ``former`` so old log entries still verify."""
    roster = header["roster"]
    for u in roster["users"]:
        if u["name"] == name and u["ed25519"] != crypto.b64e(ed25519):
            roster["former"].append({"name": name, "ed25519": u["ed25519"], "until": now()})
    roster["users"] = [u for u in roster["users"] if u["name"] != name]
    roster["users"].append({"name": name, "role": role.value, "x25519": crypto.b64e(x25519),
                            "ed25519": crypto.b64e(ed25519)})
    roster["users"].sort(key=lambda u: u["name"])
    roster["invites"] = [i for i in roster["invites"] if i["name"] != name]


def remove_user(header: dict[str, Any], name: str) -> None:
    fold_updates(header)
    roster = header["roster"]
    for u in roster["users"]:
        if u["name"] == name:
            roster["former"].append({"name": name, "ed25519": u["ed25519"], "until": now()})
    roster["users"] = [u for u in roster["users"] if u["name"] != name]
    header["credentials"].pop(name, None)
