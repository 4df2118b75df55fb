"""Who may do what (DESIGN §1, role matrix). Enforced in the domain layer, so that no
command can forget a check the CLI did not make."""

from __future__ import annotations

from enum import StrEnum

from rusenhet.errors import AccessDenied
from rusenhet.i18n import Label


class Role(StrEnum):
    ADMIN = "admin"
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"


class Right(StrEnum):
    MANAGE_USERS = "manage-users"  # init, user add/remove/role, rekey, restore, purge
    UNIT_SETTINGS = "unit-settings"
    AUDIT_LIST = "audit-list"
    OWN_PASSPHRASE = "own-passphrase"  # noqa: S105 - a right, not a secret
    CASES = "cases"  # referrals, meetings, agenda, confirmations, innsyn export
    STATS_OPERATIONAL = "stats-operational"
    STATS_PUBLISH = "stats-publish"
    STATS_EXPORT = "stats-export"
    BACKUP = "backup"
    VERIFY = "verify"


_ALL = frozenset(Right)
MATRIX: dict[Role, frozenset[Right]] = {
    Role.ADMIN: _ALL,
    Role.COUNSELLOR: frozenset({Right.OWN_PASSPHRASE, Right.CASES, Right.STATS_OPERATIONAL,
                                Right.VERIFY}),
    Role.SUPERVISOR: frozenset({Right.OWN_PASSPHRASE, Right.STATS_OPERATIONAL,
                                Right.STATS_PUBLISH, Right.VERIFY}),
}

#: Roles whose key slots include the case section key (DESIGN §2): a supervisor's
#: passphrase can never open the case section.
CASE_ROLES = frozenset({Role.ADMIN, Role.COUNSELLOR})


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        from rusenhet.errors import InputError

        raise InputError("user.role_unknown", role=value) from None


def allowed(role: Role, right: Right) -> bool:
    return right in MATRIX[role]


def require(role: Role, right: Right) -> None:
    if not allowed(role, right):
        raise AccessDenied("access.role", role=Label(f"role.{role.value}"),
                           right=Label(f"right.{right.value}"))
