"""Reading the referral register: the record types and the queries.

Every function that reads personal data checks the role matrix first (so a supervisor
learns nothing, not even whether a referral exists). :func:`show` and
:func:`list_referrals` append an access-log entry inside a vault transaction, saved
before the data is returned (fail closed). Functions that take ``v`` and say "no log"
are building blocks for other domain modules (meetings, agenda) that log their own
actions. Most callers import these through :mod:`rusenhet.referrals`.

People are shared between referrals: a repeat referral (normal, and important to know)
finds the earlier person through the keyed pseudonym of the ID number (HMAC-SHA256 under
the vault's pseudonym key), or, without a number, through the same name and birth date.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from functools import lru_cache

from rusenhet import audit, clock, crypto, people, roles, settings
from rusenhet.errors import AccessDenied, InputError
from rusenhet.people import AgeBands, IdNumber
from rusenhet.referral_details import (
    PERSON_FIELDS,
    Details,
    Guardian,
    LegalBasis,
    PostalAddress,
    Sex,
    name_key,
)
from rusenhet.roles import Right
from rusenhet.vault import Vault


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    ATTENDED = "attended"
    NOT_ATTENDED = "not-attended"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"


class Attendance(StrEnum):
    ATTENDED = "attended"
    NOT_ATTENDED = "not-attended"


@dataclass(frozen=True, repr=False)
class Referral(Details):
    """One referral with its person. ``number`` is the unit's own referral number."""

    number: int
    person_id: int
    status: Status
    close_reason: CloseReason | None
    closed_on: date | None
    attendance: Attendance | None
    attendance_date: date | None
    repeat: bool
    person_token: str
    fact_id: str

    def __repr__(self) -> str:
        return f"Referral(number={self.number})"

    @property
    def details(self) -> Details:
        return Details(**{f.name: getattr(self, f.name) for f in fields(Details)})


@dataclass(frozen=True)
class HistoryEntry:
    referral_number: int
    time: str  # ISO 8601, UTC
    user: str
    action: str  # add, edit, close, reopen, extend, assign, attendance
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


@dataclass(frozen=True, repr=False)
class ReferralView:
    """What ``referral show`` shows: the referral, its history and the numbers of the
    same person's other referrals."""

    referral: Referral
    history: tuple[HistoryEntry, ...]
    other_numbers: tuple[int, ...]


@dataclass(frozen=True)
class ListFilter:
    status: Status | None = Status.OPEN  # None: all
    counsellor: str | None = None
    overdue: bool = False
    person: str | None = None  # a name or an ID number


# --------------------------------------------------------------------------- helpers


def require_access(vault: Vault) -> None:
    """Exit 3 for a role without the right, before anything is looked up."""
    roles.require(vault.role, Right.CASES)


def case_db(v: Vault) -> sqlite3.Connection:
    """The case section, for a role that may handle cases (no log)."""
    require_access(v)
    conn = v.case_conn
    if conn is None:  # pragma: no cover - every role with Right.CASES opens the case section
        raise AccessDenied("access.case_section")
    return conn


def pseudonym(vault: Vault, id_number: str) -> str:
    """Keyed pseudonym of a normalised ID number (HMAC-SHA256 under the vault's pseudonym
    key, which lives only in the case section): finds a person again without keeping the
    number itself in any index, and cannot be recomputed without the vault's key."""
    return crypto.keyed_pseudonym(vault.pseudonym_key(),
                                  "".join(id_number.split()).encode("ascii"))


def parse_number(text: str | int) -> int:
    """The unit's referral number; an ID number typed by mistake is not echoed."""
    value = str(text).strip()
    if len(value) == 11 and value.isdigit():
        raise InputError("referral.number_is_id_number")
    if value[:1] in ("M", "m") and value[1:].isdigit():  # an old-style meeting id
        raise InputError("referral.number_is_meeting", value=value)
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise InputError("referral.unknown", number=value)
    return int(value)


def age_bands(vault: Vault) -> AgeBands:
    return _age_bands(settings.get(vault, "age-bands"))


@lru_cache(maxsize=16)
def _age_bands(text: str) -> AgeBands:
    """Parsed once per setting value (frozen): every fact row written needs the bands."""
    return AgeBands.parse(text)


@lru_cache(maxsize=4096)
def _stored_id_number(value: str) -> IdNumber:
    """A stored number as an IdNumber (frozen), parsed once per process: every read of a
    referral needs it, and a change reads the referral several times."""
    # Stored numbers were validated under the vault's policy when they were typed.
    return people.parse_id_number(value, allow_synthetic=True, today=date.max)


def referral_age_on(referral: Details, on_date: date) -> int:
    """The person's age in whole years on ``on_date`` (see people.age_on)."""
    return people.age_on(referral.birth_date, on_date)


def meeting_date(referral: Referral) -> date | None:
    """HOOK for the meetings issue: the date ages are shown "as of the meeting".

    There is no meeting table yet; the meetings module records a held meeting with
    :func:`mark_attendance`, whose date is used here. If it later keeps its own dates,
    change this one function (e.g. the first completed meeting of the referral)."""
    return referral.attendance_date


def is_overdue(referral: Referral, today: date) -> bool:
    return (referral.status is Status.OPEN and referral.deadline < today
            and referral.attendance is not Attendance.ATTENDED)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


# --------------------------------------------------------------------------- reading

_SELECT = """
SELECT r.id, r.received, r.legal_basis, r.authority, r.police_reference, r.deadline,
       r.phone, r.counsellor, r.status, r.close_reason, r.closed_on, r.attendance,
       r.attendance_date, r.repeat_referral, r.fact_id,
       p.id AS person_id, p.id_number, p.name, p.birth_date, p.sex, p.token,
       p.address_line, p.postnummer, p.poststed
FROM referral r JOIN person p ON p.id = r.person_id
"""


def _from_row(conn: sqlite3.Connection, row: sqlite3.Row) -> Referral:
    guardians = tuple(Guardian(g["name"], g["contact"]) for g in conn.execute(
        "SELECT name, contact FROM guardian WHERE referral_id = ? ORDER BY id", (row["id"],)))
    id_number: IdNumber | None = None
    if row["id_number"] is not None:
        id_number = _stored_id_number(row["id_number"])
    return Referral(
        id_number=id_number, name=row["name"], birth_date=date.fromisoformat(row["birth_date"]),
        sex=Sex(row["sex"]) if row["sex"] else None,
        address=PostalAddress(row["address_line"], row["postnummer"], row["poststed"])
        if row["postnummer"] else None, received=date.fromisoformat(row["received"]),
        legal_basis=LegalBasis(row["legal_basis"]), authority=row["authority"],
        police_reference=row["police_reference"], deadline=date.fromisoformat(row["deadline"]),
        phone=row["phone"], guardians=guardians, counsellor=row["counsellor"],
        number=int(row["id"]), person_id=int(row["person_id"]), status=Status(row["status"]),
        close_reason=CloseReason(row["close_reason"]) if row["close_reason"] else None,
        closed_on=_day(row["closed_on"]),
        attendance=Attendance(row["attendance"]) if row["attendance"] else None,
        attendance_date=_day(row["attendance_date"]), repeat=bool(row["repeat_referral"]),
        person_token=row["token"], fact_id=row["fact_id"])


def fetch(v: Vault, number: int | str) -> Referral:
    """One referral by its number (no log: the caller logs its own action)."""
    conn = case_db(v)
    row = conn.execute(_SELECT + " WHERE r.id = ?", (parse_number(number),)).fetchone()
    if row is None:
        raise InputError("referral.unknown", number=str(number).strip())
    return _from_row(conn, row)


def _person_ids(v: Vault, query: str) -> list[int]:
    """People matching an ID number (through its keyed pseudonym) or a name: case- and
    diacritics-insensitive, every word of the query the start of a word of the name, so
    "ase bjorn" finds Åse Bjørnstad and "elias vik" finds Elias Berntsen Vik."""
    conn = case_db(v)
    compact = "".join(query.split())
    if len(compact) == 11 and compact.isascii() and compact.isdigit():
        row = conn.execute("SELECT id FROM person WHERE id_pseudonym = ?",
                           (pseudonym(v, compact),)).fetchone()
        return [int(row["id"])] if row else []
    words = name_key(query).split()
    if not words:
        raise InputError("referral.bad_person_query")
    found = []
    for row in conn.execute("SELECT id, name FROM person ORDER BY id"):
        name_words = name_key(row["name"]).split()
        if all(any(n.startswith(w) for n in name_words) for w in words):
            found.append(int(row["id"]))
    return found


def find(v: Vault, flt: ListFilter) -> list[Referral]:
    """Referrals matching ``flt``, by number (no log)."""
    conn = case_db(v)
    clauses, params = [], []
    if flt.status is not None:
        clauses.append("r.status = ?")
        params.append(flt.status.value)
    if flt.counsellor is not None:
        clauses.append("r.counsellor = ?")
        params.append(flt.counsellor.strip())
    if flt.person is not None:
        ids = _person_ids(v, flt.person)
        clauses.append(f"r.person_id IN ({', '.join('?' for _ in ids)})")
        params += [str(i) for i in ids]
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(_SELECT + where + " ORDER BY r.id", params).fetchall()
    found = [_from_row(conn, row) for row in rows]
    if flt.overdue:
        today = clock.today(v)
        found = [r for r in found if is_overdue(r, today)]
    return found


def open_referrals(v: Vault) -> list[Referral]:
    """All open referrals, by number (no log)."""
    return find(v, ListFilter(status=Status.OPEN))


def history(v: Vault, referral: Referral) -> list[HistoryEntry]:
    """The referral's own events, and corrections of its person made from any of the
    person's referrals (no log)."""
    conn = case_db(v)
    marks = ", ".join("?" for _ in PERSON_FIELDS)
    rows = conn.execute(
        "SELECT referral_id, time, user, action, field, old_value, new_value, reason "  # noqa: S608
        "FROM referral_history WHERE referral_id = ? OR (person_id = ? AND field IN "
        f"({marks})) ORDER BY id", (referral.number, referral.person_id, *PERSON_FIELDS))
    return [HistoryEntry(int(r[0]), *r[1:]) for r in rows]


def _other_numbers(v: Vault, referral: Referral) -> tuple[int, ...]:
    rows = case_db(v).execute("SELECT id FROM referral WHERE person_id = ? AND id != ? "
                              "ORDER BY id", (referral.person_id, referral.number))
    return tuple(int(r[0]) for r in rows)


def show(vault: Vault, number: int | str) -> ReferralView:
    """One referral with its history; the access is logged and saved first."""
    require_access(vault)

    def read(v: Vault) -> ReferralView:
        referral = fetch(v, number)
        audit.append(v, "referral.show", str(referral.number))
        return ReferralView(referral, tuple(history(v, referral)), _other_numbers(v, referral))

    return vault.transact(read)


def list_referrals(vault: Vault, flt: ListFilter) -> list[Referral]:
    """The register, filtered; the access is logged and saved first. A person search is
    logged as such, without the name or number searched for."""
    require_access(vault)

    def read(v: Vault) -> list[Referral]:
        found = find(v, flt)
        audit.append(v, "referral.search" if flt.person is not None else "referral.list")
        return found

    return vault.transact(read)


def match_person(v: Vault, d: Details) -> sqlite3.Row | None:
    """The person row ``d`` is about, if the person is registered already (no log)."""
    conn = case_db(v)
    if d.id_number is not None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM person WHERE id_pseudonym = ?",
            (pseudonym(v, d.id_number.value),)).fetchone()
        return row
    key = name_key(d.name)
    rows = conn.execute("SELECT * FROM person WHERE id_number IS NULL AND birth_date = ? "
                        "ORDER BY id", (d.birth_date.isoformat(),))
    return next((r for r in rows if name_key(r["name"]) == key), None)


def person_referrals(v: Vault, person_id: int, status: Status | None = None) -> list[int]:
    """Numbers of the person's referrals (no log)."""
    sql = "SELECT id FROM referral WHERE person_id = ?"
    params: list[object] = [person_id]
    if status is not None:
        sql += " AND status = ?"
        params.append(status.value)
    return [int(r[0]) for r in case_db(v).execute(sql + " ORDER BY id", params)]
