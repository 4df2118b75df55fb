"""The referral register's changes: register, correct, close, reopen, extend, assign,
record attendance — each with its history, its statistics fact and its access-log entry.

A referral (henvisning) starts every case: the prosecuting authority has made attendance
at a meeting with the unit a condition of a waiver of prosecution (straffeprosessloven
§ 69) or of a conditional sentence (straffeloven § 37 j). Every function here checks the
role matrix, then changes the vault in one transaction that also appends the access-log
entry and rewrites the referral's de-identified fact row in the stats section.

This module is also the one place other modules import the register from: the reading
side (:mod:`rusenhet.referral_records`) and the fields (:mod:`rusenhet.referral_details`)
are re-exported below.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from rusenhet import audit, clock, facts, people
from rusenhet.errors import InputError
from rusenhet.referral_details import (
    DETAIL_FIELDS,
    Details,
    Form,
    Guardian,
    LegalBasis,
    PostalAddress,
    Sex,
    check_counsellor,
    details_from,
    parse_deadline,
    parse_reason,
)
from rusenhet.referral_records import (
    Attendance,
    CloseReason,
    HistoryEntry,
    ListFilter,
    Referral,
    ReferralView,
    Status,
    age_bands,
    case_db,
    fetch,
    find,
    history,
    is_overdue,
    list_referrals,
    match_person,
    meeting_date,
    open_referrals,
    parse_number,
    person_referrals,
    pseudonym,
    referral_age_on,
    require_access,
    show,
)
from rusenhet.vault import Vault

__all__ = [
    "Added", "Attendance", "Caution", "CautionKind", "CloseReason", "Details", "Form",
    "Guardian", "HistoryEntry", "LegalBasis", "ListFilter", "Referral", "ReferralView", "Sex",
    "Status", "add", "age_bands", "assign", "cautions", "check", "close", "close_on",
    "details_from", "edit", "extend", "fetch", "find", "history", "is_overdue",
    "list_referrals", "mark_attendance", "meeting_date", "open_referrals",
    "parse_number", "pseudonym", "record_attendance", "referral_age_on", "register", "reopen",
    "require_access", "show",
]

class CautionKind(StrEnum):
    """Conditions that need explicit confirmation before a referral is saved."""

    OPEN_REFERRAL = "open-referral"  # the same person already has an open referral
    UNDER_CRIMINAL_AGE = "under-criminal-age"  # straffeloven § 20: nobody under 15
    DEADLINE_PAST = "deadline-past"
    # the same referral was saved minutes ago: most likely a retry of a command whose
    # outcome was unclear (issue 16); saving it again would make a duplicate
    RECENT_DUPLICATE = "recent-duplicate"


#: how far back a same-person, same-details referral counts as a probable retry
DUPLICATE_WINDOW_MINUTES = 15


@dataclass(frozen=True)
class Caution:
    kind: CautionKind
    params: dict[str, Any]

    @property
    def key(self) -> str:
        return f"referral.caution.{self.kind.value}"


# --------------------------------------------------------------------------- writing


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _record(v: Vault, referral: int, person: int, action: str, field: str | None = None,
            old: str | None = None, new: str | None = None, reason: str | None = None) -> None:
    case_db(v).execute(
        "INSERT INTO referral_history (referral_id, person_id, time, user, action, field, "
        "old_value, new_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (referral, person, clock.now(v).isoformat(), v.user, action, field, old, new, reason))


def _stored(field: str, value: object) -> str | None:
    """A field's value as kept in the history. ID numbers are not copied there: a
    mistyped number may be someone else's, and the number itself stays in one place."""
    if value is None or field == "id_number":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "; ".join(g.text() for g in value)
    return str(value)


def sync_fact(v: Vault, number: int) -> None:
    """Write the referral's de-identified fact row as it is now, and its meetings' rows
    (their age band and sex come from the same person)."""
    from rusenhet import meetings  # meetings builds on referrals, not the other way round

    meetings.resync_facts(v, number)
    r = fetch(v, number)
    facts.write(v, facts.ReferralFact(
        fact_id=r.fact_id, person_token=r.person_token,
        month_received=facts.month(r.received) or "",
        age_band=age_bands(v).band_for(referral_age_on(r, r.received)),
        sex=r.sex.value if r.sex else None, legal_basis=r.legal_basis.value,
        repeat_referral=int(r.repeat), status=r.status.value,
        month_closed=facts.month(r.closed_on),
        close_reason=r.close_reason.value if r.close_reason else None))


def _sync_person_facts(v: Vault, person_id: int) -> None:
    """Person fields (birth date, sex) feed the facts of every referral of the person."""
    for number in person_referrals(v, person_id):
        sync_fact(v, number)


def cautions(v: Vault, d: Details) -> list[Caution]:
    """What needs confirming before ``d`` is saved (no log; see :func:`check`)."""
    found = []
    person = match_person(v, d)
    if person is not None and (numbers := person_referrals(v, int(person["id"]), Status.OPEN)):
        found.append(Caution(CautionKind.OPEN_REFERRAL,
                             {"numbers": ", ".join(str(n) for n in numbers)}))
    if person is not None and (recent := _recent_same_referral(v, int(person["id"]), d)):
        found.append(Caution(CautionKind.RECENT_DUPLICATE,
                             {"number": recent, "minutes": DUPLICATE_WINDOW_MINUTES}))
    age = referral_age_on(d, d.received)
    if age < people.CRIMINAL_AGE:
        found.append(Caution(CautionKind.UNDER_CRIMINAL_AGE,
                             {"age": age, "limit": people.CRIMINAL_AGE}))
    if d.deadline < clock.today(v):
        found.append(Caution(CautionKind.DEADLINE_PAST, {"deadline": d.deadline}))
    return found


def _recent_same_referral(v: Vault, person_id: int, d: Details) -> int | None:
    since = (clock.now(v) - timedelta(minutes=DUPLICATE_WINDOW_MINUTES)).isoformat()
    row = case_db(v).execute(
        "SELECT r.id FROM referral r JOIN referral_history h ON h.referral_id = r.id "
        "AND h.action = 'add' AND h.field IS NULL WHERE r.person_id = ? AND r.received = ? "
        "AND r.legal_basis = ? AND r.authority = ? AND r.deadline = ? AND h.time >= ? "
        "ORDER BY r.id DESC", (person_id, d.received.isoformat(), d.legal_basis.value,
                               d.authority, d.deadline.isoformat(), since)).fetchone()
    return int(row[0]) if row is not None else None


def check(vault: Vault, d: Details) -> list[Caution]:
    """Cautions for a new referral. Naming another open referral of the person reveals
    personal data, so that is logged (and saved) before it is returned."""
    require_access(vault)
    found = cautions(vault, d)
    revealed = [str(c.params["numbers"]) for c in found if c.kind is CautionKind.OPEN_REFERRAL]
    if revealed:
        record = revealed[0].replace(" ", "")
        vault.transact(lambda v: audit.append(v, "referral.check", record))
    return found


def _write_person(v: Vault, person_id: int | None, d: Details) -> int:
    a = d.address
    values = (d.id_number.value if d.id_number else None,
              pseudonym(v, d.id_number.value) if d.id_number else None,
              d.name, d.birth_date.isoformat(), d.sex.value if d.sex else None,
              a.street if a else None, a.postnummer if a else None, a.poststed if a else None)
    conn = case_db(v)
    if person_id is None:
        # The stats token is random (128 bits), not derived from the ID number, so it
        # cannot be brute-forced back to a person (DESIGN §5).
        cur = conn.execute("INSERT INTO person (id_number, id_pseudonym, name, birth_date, sex, "
                           "address_line, postnummer, poststed, token) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, secrets.token_hex(16)))
        return int(cur.lastrowid or 0)
    conn.execute("UPDATE person SET id_number = ?, id_pseudonym = ?, name = ?, birth_date = ?, "
                 "sex = ?, address_line = ?, postnummer = ?, poststed = ? WHERE id = ?",
                 (*values, person_id))
    return person_id


def record_event(v: Vault, number: int, action: str, value: str | None = None) -> None:
    """An entry in the referral's history for something done with it (e.g. a
    confirmation issued); called inside the caller's transaction."""
    r = fetch(v, number)
    _record(v, r.number, r.person_id, action, None, None, value)


def _write_guardians(v: Vault, number: int, guardians: Sequence[Guardian]) -> None:
    conn = case_db(v)
    conn.execute("DELETE FROM guardian WHERE referral_id = ?", (number,))
    conn.executemany("INSERT INTO guardian (referral_id, name, contact) VALUES (?, ?, ?)",
                     [(number, g.name, g.contact) for g in guardians])


def _record_changes(v: Vault, number: int, person_id: int, action: str, old: Details,
                    new: Details, names: Sequence[str], reason: str | None) -> None:
    for name in names:
        _record(v, number, person_id, action, name, _stored(name, getattr(old, name)),
                _stored(name, getattr(new, name)), reason)


@dataclass(frozen=True)
class Added:
    number: int
    earlier: tuple[int, ...]  # the same person's earlier referrals (a repeat referral)


def register(v: Vault, d: Details, *, accept: Collection[CautionKind] = (),
             action: str = "add") -> Added:
    """Register a referral inside ``vault.transact`` without an access-log entry: the
    building block of :func:`add` and of the import, which logs once for a whole file.
    Cautions not in ``accept`` stop it; ``action`` names the event in the history."""
    if set(CautionKind) - set(accept) and any(c.kind not in accept for c in cautions(v, d)):
        raise InputError("referral.unconfirmed")
    match = match_person(v, d)
    person = d
    if match is not None and d.sex is None and match["sex"]:
        person = replace(d, sex=Sex(match["sex"]))  # a known sex is not forgotten
    if match is not None and d.address is None and match["postnummer"]:
        person = replace(person, address=PostalAddress(
            match["address_line"], match["postnummer"], match["poststed"]))
    person_id = _write_person(v, int(match["id"]) if match else None, person)
    earlier = tuple(person_referrals(v, person_id))
    cur = case_db(v).execute(
        "INSERT INTO referral (person_id, received, legal_basis, authority, police_reference,"
        " deadline, phone, counsellor, status, repeat_referral, fact_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
        (person_id, d.received.isoformat(), d.legal_basis.value, d.authority,
         d.police_reference, d.deadline.isoformat(), d.phone, d.counsellor,
         int(bool(earlier)), facts.new_fact_id()))
    number = int(cur.lastrowid or 0)
    _write_guardians(v, number, d.guardians)
    _record(v, number, person_id, action)
    if match is not None:
        # A repeat referral may bring a newer name (or, for a number that does not
        # tell it, a birth date): the person's other referrals show the change.
        for field in ("name", "birth_date", "sex"):
            new_value = _stored(field, getattr(person, field))
            if match[field] != new_value:
                _record(v, number, person_id, action, field, match[field], new_value)
    _sync_person_facts(v, person_id)
    return Added(number, earlier)


def add(vault: Vault, d: Details, *, accept: Collection[CautionKind] = ()) -> Added:
    """Register a referral. Cautions not in ``accept`` stop it (nothing is saved)."""
    require_access(vault)

    def change(v: Vault) -> Added:
        added = register(v, d, accept=accept)
        audit.append(v, "referral.add", str(added.number))
        return added

    return vault.transact(change)


def edit(vault: Vault, number: int | str, form: Form, reason: str) -> tuple[str, ...]:
    """Correct any fields (the person's right to rectification); the old and new values
    and the reason are kept in the history. Returns the names of the changed fields."""
    require_access(vault)
    why = parse_reason(reason)

    def change(v: Vault) -> tuple[str, ...]:
        old = fetch(v, number)
        new = details_from(v, form, base=old.details)
        changed = tuple(f for f in DETAIL_FIELDS if getattr(new, f) != getattr(old, f))
        if not changed:
            raise InputError("referral.nothing_changed")
        if new.id_number is not None and "id_number" in changed:
            other = case_db(v).execute(
                "SELECT id FROM person WHERE id_pseudonym = ? AND id != ?",
                (pseudonym(v, new.id_number.value), old.person_id)).fetchone()
            if other is not None:
                raise InputError("referral.id_number_other_person")
        _write_person(v, old.person_id, new)
        case_db(v).execute(
            "UPDATE referral SET received = ?, legal_basis = ?, authority = ?, "
            "police_reference = ?, deadline = ?, phone = ?, counsellor = ? WHERE id = ?",
            (new.received.isoformat(), new.legal_basis.value, new.authority,
             new.police_reference, new.deadline.isoformat(), new.phone, new.counsellor,
             old.number))
        if "guardians" in changed:
            _write_guardians(v, old.number, new.guardians)
        _record_changes(v, old.number, old.person_id, "edit", old, new, changed, why)
        _sync_person_facts(v, old.person_id)
        audit.append(v, "referral.edit", str(old.number))
        return changed

    return vault.transact(change)


def _set_state(v: Vault, r: Referral, action: str, *, status: Status,
               close_reason: CloseReason | None, closed_on: date | None,
               reason: str | None) -> None:
    case_db(v).execute("UPDATE referral SET status = ?, close_reason = ?, closed_on = ? "
                       "WHERE id = ?", (status.value, close_reason and close_reason.value,
                                        _iso(closed_on), r.number))
    _record(v, r.number, r.person_id, action, "status",
            r.close_reason.value if r.close_reason else r.status.value,
            close_reason.value if close_reason else status.value, reason)
    sync_fact(v, r.number)


def close_on(v: Vault, number: int | str, reason: CloseReason, on: date) -> int:
    """Close a referral as of ``on`` inside ``vault.transact`` (no log: the building
    block of :func:`close` and of the import). Returns the referral number."""
    r = fetch(v, number)
    if r.status is Status.CLOSED:
        raise InputError("referral.already_closed", number=r.number)
    if on < r.received or on > clock.today(v):
        raise InputError("referral.bad_closed_date")
    _set_state(v, r, "close", status=Status.CLOSED, close_reason=reason, closed_on=on,
               reason=None)
    return r.number


def close(vault: Vault, number: int | str, reason: CloseReason) -> None:
    require_access(vault)

    def change(v: Vault) -> None:
        closed = close_on(v, number, reason, clock.today(v))
        audit.append(v, "referral.close", str(closed))

    vault.transact(change)


def reopen(vault: Vault, number: int | str, reason: str) -> None:
    require_access(vault)
    why = parse_reason(reason)

    def change(v: Vault) -> None:
        r = fetch(v, number)
        if r.status is Status.OPEN:
            raise InputError("referral.not_closed", number=r.number)
        _set_state(v, r, "reopen", status=Status.OPEN, close_reason=None, closed_on=None,
                   reason=why)
        audit.append(v, "referral.reopen", str(r.number))

    vault.transact(change)


def extend(vault: Vault, number: int | str, deadline: str, reason: str) -> date:
    """The prosecuting authority has extended the deadline for attendance."""
    require_access(vault)
    new_deadline = parse_deadline(deadline)
    why = parse_reason(reason)

    def change(v: Vault) -> date:
        r = fetch(v, number)
        if r.status is Status.CLOSED:
            raise InputError("referral.closed_no_extend", number=r.number)
        if new_deadline <= r.deadline:
            raise InputError("referral.extend_not_later")
        case_db(v).execute("UPDATE referral SET deadline = ? WHERE id = ?",
                           (new_deadline.isoformat(), r.number))
        _record(v, r.number, r.person_id, "extend", "deadline", r.deadline.isoformat(),
                new_deadline.isoformat(), why)
        sync_fact(v, r.number)
        audit.append(v, "referral.extend", str(r.number))
        return new_deadline

    return vault.transact(change)


def assign(vault: Vault, number: int | str, counsellor: str) -> None:
    require_access(vault)

    def change(v: Vault) -> None:
        r = fetch(v, number)
        name = check_counsellor(v, counsellor)
        if name == r.counsellor:
            raise InputError("referral.already_assigned", number=r.number, name=name)
        case_db(v).execute("UPDATE referral SET counsellor = ? WHERE id = ?", (name, r.number))
        _record(v, r.number, r.person_id, "assign", "counsellor", r.counsellor, name)
        audit.append(v, "referral.assign", str(r.number))

    vault.transact(change)


def mark_attendance(vault: Vault, number: int | str, attended: bool, on: date) -> None:
    """Record whether the person attended the meeting, and its date (for the meetings
    module: completing a meeting marks the referral as attended; the counsellor closes
    the referral, since a follow-up conversation may be agreed — DESIGN §1)."""
    require_access(vault)

    def change(v: Vault) -> None:
        recorded = record_attendance(v, number, attended, on)
        audit.append(v, "referral.attendance", str(recorded))

    vault.transact(change)


def record_attendance(v: Vault, number: int | str, attended: bool, on: date) -> int:
    """:func:`mark_attendance` inside ``vault.transact`` without its log entry (for the
    meetings module and the import, which log their own action). Returns the number."""
    value = Attendance.ATTENDED if attended else Attendance.NOT_ATTENDED
    r = fetch(v, number)
    if on < r.received or on > clock.today(v):
        raise InputError("referral.bad_attendance_date")
    case_db(v).execute("UPDATE referral SET attendance = ?, attendance_date = ? WHERE id = ?",
                       (value.value, on.isoformat(), r.number))
    _record(v, r.number, r.person_id, "attendance", "attendance",
            r.attendance.value if r.attendance else None, value.value)
    sync_fact(v, r.number)
    return r.number
