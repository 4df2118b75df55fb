"""Follow-up of onward referrals: did the referral made in a meeting lead to contact?

Every referral made in a completed meeting (fastlege, TSB, NAV, bolig, …) gets a
follow-up date, four weeks after the meeting. The counsellor records what happened —
contact established, not yet (a new date four weeks on), declined, unknown — and the
statistics show the share of referrals with contact established within 4 and 12 weeks
(the reform's evaluation asks whether the advisory meeting leads anywhere). The fact row
gets one code per referral code (e.g. ``contact-4w``), never a date or free text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rusenhet import audit, clock, referrals
from rusenhet.errors import InputError
from rusenhet.referral_records import case_db
from rusenhet.vault import Vault

#: When a referral made is first followed up, and again after "not yet".
FOLLOW_UP_AFTER = timedelta(weeks=4)
#: The windows the statistics report: contact within 4 and within 12 weeks.
WINDOWS = (4, 12)
NO_REFERRAL = "ingen"


class Result(StrEnum):
    CONTACT = "contact"
    NOT_YET = "not-yet"
    DECLINED = "declined"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FollowUp:
    id: int
    meeting_id: int
    referral_number: int
    name: str
    counsellor: str
    code: str
    made_on: date
    due: date
    result: Result | None
    result_on: date | None

    @property
    def open(self) -> bool:
        return self.result in (None, Result.NOT_YET)


def _conn(v: Vault) -> sqlite3.Connection:
    return case_db(v)


def sync(v: Vault, meeting_id: int, held: date, codes: Sequence[str]) -> None:
    """Give every referral made a follow-up (inside ``vault.transact``). After an
    amendment, follow-ups of referrals no longer made go unless a result was recorded."""
    conn = _conn(v)
    wanted = [c for c in dict.fromkeys(codes) if c != NO_REFERRAL]
    existing = {r["code"]: r["result"] for r in conn.execute(
        "SELECT code, result FROM referral_followup WHERE meeting_id = ?", (meeting_id,))}
    for code in wanted:
        if code not in existing:
            conn.execute(
                "INSERT INTO referral_followup (meeting_id, code, made_on, due)"
                " VALUES (?, ?, ?, ?)",
                (meeting_id, code, held.isoformat(), (held + FOLLOW_UP_AFTER).isoformat()))
    for code, result in existing.items():
        if code not in wanted and result is None:
            conn.execute("DELETE FROM referral_followup WHERE meeting_id = ? AND code = ?",
                         (meeting_id, code))


def fact_codes(v: Vault, meeting_id: int) -> dict[str, str]:
    """Referral code → follow-up status for the fact row: ``pending``, ``contact-4w``,
    ``contact-12w``, ``contact-later``, ``not-yet``, ``declined`` or ``unknown``."""
    out: dict[str, str] = {}
    for r in _conn(v).execute("SELECT code, made_on, result, result_on FROM referral_followup"
                              " WHERE meeting_id = ? ORDER BY code", (meeting_id,)):
        result = r["result"]
        if result is None:
            out[r["code"]] = "pending"
        elif result == Result.CONTACT:
            weeks = (date.fromisoformat(r["result_on"]) - date.fromisoformat(r["made_on"])).days
            within = next((w for w in WINDOWS if weeks <= 7 * w), None)
            out[r["code"]] = f"contact-{within}w" if within else "contact-later"
        else:
            out[r["code"]] = str(result)
    return out


_SELECT = ("SELECT f.id, f.meeting_id, f.code, f.made_on, f.due, f.result, f.result_on,"
           " m.referral_id, m.counsellor FROM referral_followup f"
           " JOIN meeting m ON m.id = f.meeting_id")


def _from_row(v: Vault, r: sqlite3.Row) -> FollowUp:
    ref = referrals.fetch(v, int(r["referral_id"]))
    return FollowUp(int(r["id"]), int(r["meeting_id"]), ref.number, ref.name,
                    str(r["counsellor"]), str(r["code"]), date.fromisoformat(r["made_on"]),
                    date.fromisoformat(r["due"]), Result(r["result"]) if r["result"] else None,
                    date.fromisoformat(r["result_on"]) if r["result_on"] else None)


def due(v: Vault, today: date, days: int = 0, counsellor: str | None = None) -> list[FollowUp]:
    """Open follow-ups due by ``today + days`` (for the agenda; inside a transaction, the
    caller logs the read)."""
    end = (today + timedelta(days=days)).isoformat()
    rows = _conn(v).execute(f"{_SELECT} WHERE (f.result IS NULL OR f.result = ?)"
                            " AND f.due <= ? ORDER BY f.due, f.id",
                            (Result.NOT_YET.value, end)).fetchall()
    items = [_from_row(v, r) for r in rows]
    return [f for f in items if counsellor is None or f.counsellor == counsellor]


def listing(vault: Vault, *, open_only: bool, days: int | None,
            counsellor: str | None) -> list[FollowUp]:
    """Follow-ups (all, or open ones due within ``days``); the read is logged first."""
    referrals.require_access(vault)
    if days is not None and not 0 <= days <= 366:
        raise InputError("meeting.bad_days")

    def read(v: Vault) -> list[FollowUp]:
        audit.append(v, "followup.list")
        if days is not None:
            return due(v, clock.today(v), days, counsellor)
        items = [_from_row(v, r) for r in _conn(v).execute(f"{_SELECT} ORDER BY f.due, f.id")]
        return [f for f in items if (f.open or not open_only)
                and (counsellor is None or f.counsellor == counsellor)]

    return vault.transact(read)


def record(vault: Vault, followup_id: int, result: Result, on: date | None) -> FollowUp:
    """Record what happened; "not yet" keeps the follow-up open with a new date. The
    meeting's fact row is rewritten with the new status code."""
    from rusenhet import meetings  # meetings writes fact rows and imports this module

    referrals.require_access(vault)

    def change(v: Vault) -> FollowUp:
        row = _conn(v).execute(f"{_SELECT} WHERE f.id = ?", (followup_id,)).fetchone()
        if row is None:
            raise InputError("followup.unknown", id=followup_id)
        f = _from_row(v, row)
        day = on or clock.today(v)
        if day < f.made_on or day > clock.today(v):
            raise InputError("followup.bad_date", made=f.made_on.isoformat())
        new_due = day + FOLLOW_UP_AFTER if result is Result.NOT_YET else f.due
        _conn(v).execute(
            "UPDATE referral_followup SET result = ?, result_on = ?, due = ?, recorded_by = ?"
            " WHERE id = ?", (result.value, day.isoformat(), new_due.isoformat(), v.user, f.id))
        meetings.resync_facts(v, f.referral_number)
        audit.append(v, "followup.record", str(f.id))
        return FollowUp(f.id, f.meeting_id, f.referral_number, f.name, f.counsellor, f.code,
                        f.made_on, new_due, result, day)

    return vault.transact(change)
