"""Users, roles and keys of a vault (DESIGN §2 "Users and keys").

An admin adds, removes and re-roles users from their public keys alone, without
knowing anyone's passphrase. ``user remove`` and any role downgrade rotate the section
keys in the same save. The role matrix is checked here, not only in the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rusenhet import audit, roles, settings
from rusenhet.crypto import Identity
from rusenhet.errors import AccessDenied, InputError
from rusenhet.passphrase import check_new_passphrase
from rusenhet.roles import Right, Role
from rusenhet.vault import RECOVERY_HOLDER, Vault, create

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError("user.bad_name", name=name)
    return name


def init_vault(path: Path, admin: str, passphrase: str, *, unit_name: str, kommunenummer: str,
               lang: str, demo: bool) -> tuple[Vault, str]:
    """Create a vault and its first admin; returns (vault, recovery key)."""
    check_name(admin)
    check_new_passphrase(passphrase, admin)
    values = {"unit-name": settings.parse("unit-name", unit_name),
              "kommunenummer": settings.parse("kommunenummer", kommunenummer),
              "language": settings.parse("language", lang)}
    vault, recovery = create(path, admin, passphrase, demo=demo, lang=values["language"],
                             settings=values)
    vault.transact(lambda v: audit.append(v, "vault.init"))
    return vault, recovery


def list_users(vault: Vault) -> list[UserInfo]:
    return [UserInfo(u["name"], Role(u["role"])) for u in vault.users()]


def _find(vault: Vault, name: str) -> UserInfo:
    for user in list_users(vault):
        if user.name == name:
            return user
    raise InputError("user.unknown", name=name)


def add_user(vault: Vault, name: str, role: Role, passphrase: str) -> None:
    roles.require(vault.role, Right.MANAGE_USERS)
    check_name(name)
    check_new_passphrase(passphrase, name)

    def change(v: Vault) -> None:
        if any(u.name == name for u in list_users(v)):
            raise InputError("user.exists", name=name)
        identity = Identity.generate()
        v.set_credential(name, identity, passphrase)
        v.add_user_entry(name, role, identity)
        audit.append(v, "user.add", name)

    vault.transact(change)


def _admins(vault: Vault) -> list[str]:
    return [u.name for u in list_users(vault) if u.role is Role.ADMIN]


def remove_user(vault: Vault, name: str) -> None:
    roles.require(vault.role, Right.MANAGE_USERS)

    def change(v: Vault) -> None:
        user = _find(v, name)
        if user.role is Role.ADMIN and _admins(v) == [name]:
            raise InputError("user.last_admin")
        if name == v.user:
            raise InputError("user.remove_self")
        v.remove_user_entry(name)
        audit.append(v, "user.remove", name)

    vault.transact(change)


def set_role(vault: Vault, name: str, role: Role) -> bool:
    """Returns True if the keys were rotated (a downgrade)."""
    roles.require(vault.role, Right.MANAGE_USERS)

    def change(v: Vault) -> bool:
        user = _find(v, name)
        if user.role is Role.ADMIN and role is not Role.ADMIN and _admins(v) == [name]:
            raise InputError("user.last_admin")
        if name == v.user and role is not Role.ADMIN:
            raise InputError("user.demote_self")
        rotated = v.set_role_entry(name, role)
        audit.append(v, "user.role", name)
        return rotated

    return vault.transact(change)


def change_passphrase(vault: Vault, name: str, new_passphrase: str) -> bool:
    """Own passphrase: re-seal the same key pair under a fresh salt.

    Someone else's (admin only): give them a new key pair, wrap the keys to it and
    rotate nothing else — their old passphrase no longer opens this file (copies made
    before still do; see the README's threat model). Returns True for a reset."""
    check_new_passphrase(new_passphrase, name)
    if name == vault.user:
        roles.require(vault.role, Right.OWN_PASSPHRASE)

        def own(v: Vault) -> bool:
            v.set_credential(name, v.identity, new_passphrase)
            audit.append(v, "user.passwd", name, stats_log=v.case_conn is None)
            return False

        return vault.transact(own)
    if vault.role is not Role.ADMIN:
        raise AccessDenied("access.role", role=vault.role.value, right="manage-users")

    def reset(v: Vault) -> bool:
        user = _find(v, name)
        identity = Identity.generate()
        v.set_credential(name, identity, new_passphrase)
        v.add_user_entry(name, user.role, identity)
        audit.append(v, "user.reset", name)
        return True

    return vault.transact(reset)


def recover(vault: Vault, admin: str, new_passphrase: str) -> str:
    """With the recovery key: give ``admin`` (existing admin, or a new one) a new key
    pair and passphrase, then issue a new recovery key. Returns the new recovery key."""
    if vault.user != RECOVERY_HOLDER:
        raise AccessDenied("access.denied")
    check_name(admin)
    check_new_passphrase(new_passphrase, admin)

    def change(v: Vault) -> str:
        existing = next((u for u in list_users(v) if u.name == admin), None)
        if existing is not None and existing.role is not Role.ADMIN:
            raise InputError("user.recover_not_admin", name=admin)
        identity = Identity.generate()
        v.set_credential(admin, identity, new_passphrase)
        v.add_user_entry(admin, Role.ADMIN, identity)
        # The old recovery key has been used (and perhaps seen): replace it.
        secret = v.set_recovery()
        audit.append(v, "vault.recover", admin)
        return secret

    return vault.transact(change)


def rekey(vault: Vault) -> None:
    roles.require(vault.role, Right.MANAGE_USERS)

    def change(v: Vault) -> None:
        v.rotate_keys()
        audit.append(v, "vault.rekey")

    vault.transact(change)
