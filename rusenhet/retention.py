"""Retention: identifying data of a closed case is deleted after the unit's retention
period, and only the de-identified fact rows stay.

Default 24 months after closing: a conditional waiver of prosecution usually carries a
probation period of up to two years (straffeprosessloven § 69 with § 70), during which a
new referral of the same person must be recognised as a repeat. What goes: the person
(name, ID number, keyed pseudonym, birth date), contact details, foresatte, the
referral rows, meetings with their answers and notes, histories. What stays: the stats
section's fact rows (random tokens, months, bands, codes) and the access log (record ids
only). ``secure_delete`` and ``VACUUM`` make sure nothing survives in free pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rusenhet import audit, clock, roles, settings
from rusenhet.errors import InputError
from rusenhet.roles import Right
from rusenhet.vault import Vault


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    # The last valid day of the target month when ``day`` does not exist there.
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(d, 31))
        except ValueError:
            continue
    raise InputError("retention.bad_date")


_PURGE_STATEMENTS = (
    "DELETE FROM meeting_event WHERE meeting_id IN (SELECT id FROM meeting"
    " WHERE referral_id IN (SELECT id FROM temp.purge_referral))",
    "DELETE FROM meeting_history WHERE meeting_id IN (SELECT id FROM meeting"
    " WHERE referral_id IN (SELECT id FROM temp.purge_referral))",
    "DELETE FROM referral_followup WHERE meeting_id IN (SELECT id FROM meeting"
    " WHERE referral_id IN (SELECT id FROM temp.purge_referral))",
    "DELETE FROM meeting WHERE referral_id IN (SELECT id FROM temp.purge_referral)",
    "DELETE FROM guardian WHERE referral_id IN (SELECT id FROM temp.purge_referral)",
    "DELETE FROM referral_history WHERE referral_id IN (SELECT id FROM temp.purge_referral)",
    # Collect the people first, then delete their referrals, then the people themselves.
    "CREATE TEMP TABLE purge_person AS SELECT DISTINCT person_id AS id FROM referral"
    " WHERE id IN (SELECT id FROM temp.purge_referral)",
    "DELETE FROM referral WHERE id IN (SELECT id FROM temp.purge_referral)",
    "DELETE FROM person WHERE id IN (SELECT id FROM temp.purge_person)",
    "DROP TABLE temp.purge_person",
)


@dataclass(frozen=True)
class PurgePlan:
    cutoff: date
    referrals: tuple[int, ...]
    people: int
    meetings: int


def plan(vault: Vault) -> PurgePlan:
    roles.require(vault.role, Right.MANAGE_USERS)
    conn = vault.case_conn
    assert conn is not None  # noqa: S101 - admins open the case section
    months = int(settings.get(vault, "retention-months"))
    cutoff = _months_before(clock.today(vault), months)
    # A person's data goes only when every one of their referrals is closed and past the
    # cutoff: an open case keeps the person (and repeat detection) alive.
    rows = conn.execute(
        "SELECT r.id, r.person_id FROM referral r WHERE r.person_id IN ("
        " SELECT person_id FROM referral GROUP BY person_id"
        " HAVING sum(status = 'open') = 0 AND max(closed_on) < ?) ORDER BY r.id",
        (cutoff.isoformat(),)).fetchall()
    numbers = tuple(int(r[0]) for r in rows)
    people = len({int(r[1]) for r in rows})
    count = sum(int(conn.execute("SELECT count(*) FROM meeting WHERE referral_id = ?",
                                 (n,)).fetchone()[0]) for n in numbers)
    return PurgePlan(cutoff, numbers, people, count)


def purge(vault: Vault) -> PurgePlan:
    roles.require(vault.role, Right.MANAGE_USERS)

    def change(v: Vault) -> PurgePlan:
        p = plan(v)
        conn = v.case_conn
        assert conn is not None  # noqa: S101 - admins open the case section
        if p.referrals:
            # The ids go into a temporary table so every statement below is static SQL.
            conn.execute("CREATE TEMP TABLE purge_referral (id INTEGER PRIMARY KEY)")
            conn.executemany("INSERT INTO purge_referral (id) VALUES (?)",
                             [(n,) for n in p.referrals])
            for sql in _PURGE_STATEMENTS:
                conn.execute(sql)
            conn.execute("DROP TABLE temp.purge_referral")
        audit.append(v, "vault.purge", str(len(p.referrals)))
        # Rebuild the image so no deleted page keeps old bytes (secure_delete zeroes
        # cells; VACUUM drops the free pages altogether).
        conn.execute("VACUUM")
        return p

    return vault.transact(change)
