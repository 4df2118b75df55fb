"""Users, roles and keys of a vault (DESIGN §2 "Users and keys", §2c).

An admin invites, approves, removes and re-roles users from their public keys alone,
without knowing anyone's passphrase; users make their own key pairs (``enrol``). Every
change that stops trusting a key pair — removal, downgrade, passphrase change or reset,
recovery — rotates the section keys that key pair could open, in the same save. The
role matrix is checked here, not only in the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rusenhet import audit, roles, settings
from rusenhet.errors import AccessDenied, InputError, VaultError
from rusenhet.passphrase import check_new_passphrase
from rusenhet.roles import Right, Role
from rusenhet.vault import RECOVERY_HOLDER, Vault, admin, create, enrolment
from rusenhet.vault.fileformat import read_file
from rusenhet.vault.integrity import verify_header

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


def add_user(vault: Vault, name: str, role: Role, passphrase: str) -> None:
    """Demo vaults only: create a user's key pair here. Real vaults use invite → enrol
    → approve, so that nobody but the user ever holds their private keys."""
    roles.require(vault.role, Right.MANAGE_USERS)
    check_name(name)
    if not vault.demo:
        raise InputError("user.enrol_required", name=name)
    check_new_passphrase(passphrase, name)

    def change(v: Vault) -> None:
        if any(u.name == name for u in list_users(v)):
            raise InputError("user.exists", name=name)
        admin.create_member_directly(v, name, role, passphrase)
        audit.append(v, "user.add", name)

    vault.transact(change)


def invite(vault: Vault, name: str, role: Role) -> None:
    roles.require(vault.role, Right.MANAGE_USERS)
    check_name(name)

    def change(v: Vault) -> None:
        if any(u.name == name for u in list_users(v)):
            raise InputError("user.exists", name=name)
        admin.invite(v, name, role)
        audit.append(v, "user.invite", name)

    vault.transact(change)


def enrol(path: Path, name: str, passphrase: str) -> tuple[str, enrolment.Request]:
    """On the user's own machine, with no access yet: key pairs and a request. The
    vault's signed roster must name ``name`` (an invitation, or an existing user who
    needs a reset)."""
    check_name(name)
    check_new_passphrase(passphrase, name)
    vf = read_file(path)
    try:
        roster = verify_header(vf.header)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise VaultError("vault.tampered") from exc
    if name not in roster.invites and name not in roster.members:
        raise InputError("enrol.not_invited", name=name)
    return enrolment.make_request(roster, name, passphrase)


def read_request(vault: Vault, text: str) -> enrolment.Request:
    return enrolment.parse_request(text, vault.roster)


def approve(vault: Vault, request_text: str, fingerprint: str) -> tuple[str, Role, bool]:
    """Add (or re-key) the user of an enrolment request after the admin compared the
    fingerprint. Returns (name, role, whether it was a reset that rotated the keys)."""
    roles.require(vault.role, Right.MANAGE_USERS)
    request = enrolment.parse_request(request_text, vault.roster)
    if enrolment.normalise_fingerprint(fingerprint) != request.fingerprint:
        raise InputError("enrol.fingerprint_mismatch")

    def change(v: Vault) -> tuple[str, Role, bool]:
        roster = v.roster
        existing = roster.members.get(request.name)
        role = existing.role if existing else roster.invites.get(request.name)
        if role is None:
            raise InputError("enrol.not_invited", name=request.name)
        admin.add_member(v, request.name, role, request.x25519, request.ed25519,
                         request.credential)
        audit.append(v, "user.reset" if existing else "user.add", request.name)
        return request.name, role, existing is not None

    return vault.transact(change)


def list_users(vault: Vault) -> list[UserInfo]:
    return [UserInfo(u["name"], Role(u["role"])) for u in vault.users()]


def list_invites(vault: Vault) -> list[UserInfo]:
    return [UserInfo(n, r) for n, r in sorted(vault.roster.invites.items())]


def _find(vault: Vault, name: str) -> UserInfo:
    for user in list_users(vault):
        if user.name == name:
            return user
    raise InputError("user.unknown", name=name)


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
        admin.remove_member(v, name)
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
        rotated = admin.set_role(v, name, role)
        audit.append(v, "user.role", name)
        return rotated

    return vault.transact(change)


def change_passphrase(vault: Vault, name: str, new_passphrase: str) -> bool:
    """Own passphrase: a new key pair and new section keys (an old copy of the file and
    the old passphrase read nothing saved afterwards). Someone else's: demo vaults only
    (a real vault resets through ``enrol`` + ``approve``); a new key pair, all keys
    rotated. Returns True for a reset of someone else."""
    check_new_passphrase(new_passphrase, name)
    if name == vault.user:
        roles.require(vault.role, Right.OWN_PASSPHRASE)

        def own(v: Vault) -> bool:
            admin.change_own_keys(v, new_passphrase)
            audit.append(v, "user.passwd", name, stats_log=v.case_conn is None)
            return False

        return vault.transact(own)
    if vault.role is not Role.ADMIN:
        raise AccessDenied("access.role", role=vault.role.value, right="manage-users")
    if not vault.demo:
        raise InputError("user.reset_needs_enrol", name=name)

    def reset(v: Vault) -> bool:
        user = _find(v, name)
        admin.create_member_directly(v, name, user.role, new_passphrase)
        audit.append(v, "user.reset", name)
        return True

    return vault.transact(reset)


def recover(vault: Vault, admin_name: str, new_passphrase: str) -> str:
    """With the recovery key: give ``admin_name`` (existing admin, or a new one) a new
    key pair and passphrase, rotate all keys, issue a new recovery key (returned)."""
    if vault.user != RECOVERY_HOLDER:
        raise AccessDenied("access.denied")
    check_name(admin_name)
    check_new_passphrase(new_passphrase, admin_name)

    def change(v: Vault) -> str:
        existing = next((u for u in list_users(v) if u.name == admin_name), None)
        if existing is not None and existing.role is not Role.ADMIN:
            raise InputError("user.recover_not_admin", name=admin_name)
        secret = admin.recover_admin(v, admin_name, new_passphrase)
        audit.append(v, "vault.recover", admin_name)
        return secret

    return vault.transact(change)


def rekey(vault: Vault) -> None:
    roles.require(vault.role, Right.MANAGE_USERS)

    def change(v: Vault) -> None:
        admin.rotate_keys(v)
        audit.append(v, "vault.rekey")

    vault.transact(change)
