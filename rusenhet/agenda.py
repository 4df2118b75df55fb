"""The counsellor's day: what to do today and soon, as a list of sections.

Each section is one kind of work — appointments today and in the coming days, referrals
still without an appointment (with the days left to the deadline), meetings paused or
interrupted, follow-up meetings agreed in an outcome but not yet booked, confirmations
to send, and referrals past their deadline. Another section can be added by appending a
function to ``SECTIONS`` without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from rusenhet import audit, clock, followups, referrals
from rusenhet.errors import InputError
from rusenhet.followups import FollowUp
from rusenhet.meetings import ACTIVE, HELD, Meeting, MeetingState, all_meetings
from rusenhet.people import AgeBands, age_on
from rusenhet.referral_records import case_db
from rusenhet.referrals import Referral
from rusenhet.vault import Vault

#: The outcome code and date question for "a new conversation is agreed" (felles-utfall).
FOLLOW_UP_OUTCOME = "ny-samtale"
FOLLOW_UP_DATE_QUESTION = "utfall_ny_samtale_dato"


@dataclass(frozen=True)
class Entry:
    referral: int
    name: str
    counsellor: str
    age_band: str
    deadline: date
    days_left: int
    meeting: int | None = None  #: the meeting's number within the referral
    at: datetime | None = None
    place: str | None = None
    script: str | None = None
    due: date | None = None  #: an agreed date (follow-up), or the deadline passed
    detail: str | None = None  #: a code: the meeting state, or what to confirm


@dataclass(frozen=True)
class Section:
    key: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Day:
    """What the sections share, read once."""

    today: date
    end: date
    counsellor: str | None
    referrals: dict[int, Referral]
    meetings: list[Meeting]
    numbers: dict[int, int]  #: meeting id → number within its referral
    confirmed: set[int]  #: referrals whose confirmation was issued
    choose_script: Callable[[int], str | None]
    bands: AgeBands
    #: follow-ups of onward referrals made in meetings, due in the period
    onward: list[FollowUp] = field(default_factory=list)

    def mine(self, r: Referral) -> bool:
        return self.counsellor is None or r.counsellor == self.counsellor

    def entry(self, r: Referral, m: Meeting | None = None, **more: object) -> Entry:
        on = m.at.date() if m is not None and m.at is not None else self.today
        age = age_on(r.birth_date, max(on, r.birth_date))
        return Entry(r.number, r.name, m.counsellor if m else r.counsellor,
                     self.bands.band_for(age), r.deadline, (r.deadline - self.today).days,
                     meeting=self.numbers.get(m.id) if m else None,
                     at=m.at if m else None, place=m.place if m else None,
                     script=self.choose_script(age), **more)  # type: ignore[arg-type]

    def of(self, number: int) -> list[Meeting]:
        return [m for m in self.meetings if m.referral_number == number]


def _booked(day: Day, first: date, last: date) -> list[Entry]:
    found = []
    for m in sorted(day.meetings, key=lambda m: (m.at or datetime.max, m.id)):
        if m.state is MeetingState.BOOKED and m.at is not None and first <= m.at.date() <= last:
            r = day.referrals.get(m.referral_number)
            if r is not None and (day.counsellor is None or m.counsellor == day.counsellor):
                found.append(day.entry(r, m))
    return found


def today(day: Day) -> list[Entry]:
    return _booked(day, day.today, day.today)


def upcoming(day: Day) -> list[Entry]:
    return _booked(day, day.today + timedelta(days=1), day.end)


def _covered(day: Day, r: Referral) -> bool:
    return any(m.state in (MeetingState.BOOKED, *HELD, *ACTIVE) for m in day.of(r.number))


def to_book(day: Day) -> list[Entry]:
    """Open referrals with no appointment, no meeting held or under way, deadline ahead."""
    found = [day.entry(r) for r in day.referrals.values()
             if day.mine(r) and r.deadline >= day.today and not _covered(day, r)]
    return sorted(found, key=lambda e: (e.deadline, e.referral))


def paused(day: Day) -> list[Entry]:
    return [day.entry(day.referrals[m.referral_number], m, detail=m.state.value)
            for m in day.meetings if m.state in ACTIVE and m.referral_number in day.referrals
            and day.mine(day.referrals[m.referral_number])]


def follow_ups(day: Day) -> list[Entry]:
    """Held meetings whose outcome agreed a new conversation, with none booked since."""
    found = []
    for m in day.meetings:
        r = day.referrals.get(m.referral_number)
        if r is None or not day.mine(r) or m.state not in HELD or m.result is None:
            continue
        if FOLLOW_UP_OUTCOME not in m.result.outcome_codes:
            continue
        if any(later.id > m.id and later.state in (MeetingState.BOOKED, *HELD, *ACTIVE)
               for later in day.of(r.number)):
            continue
        agreed = m.result.answers.get(FOLLOW_UP_DATE_QUESTION)
        found.append(day.entry(r, None, due=agreed if isinstance(agreed, date) else None))
    return sorted(found, key=lambda e: (e.due or date.max, e.referral))


def confirmations(day: Day) -> list[Entry]:
    """Referrals whose confirmation can be sent and has not been: a meeting was held, or
    the deadline has passed with nothing held, booked or under way."""
    found = []
    for r in day.referrals.values():
        if not day.mine(r) or r.number in day.confirmed:
            continue
        held = [m for m in day.of(r.number) if m.state in HELD]
        if held:
            found.append(day.entry(r, detail="attended"))
        elif r.deadline < day.today and not _covered(day, r):
            found.append(day.entry(r, detail="not-attended"))
    return found


def overdue(day: Day) -> list[Entry]:
    return [day.entry(r, due=r.deadline) for r in day.referrals.values()
            if day.mine(r) and r.deadline < day.today and not _covered(day, r)]


def onward(day: Day) -> list[Entry]:
    """Referrals made in meetings (fastlege, TSB, NAV, …) whose follow-up is due, for
    open cases: did they lead to contact? (``rusenhet followup record``). A closed case
    has had its follow-up (the counsellor closes it when that is done)."""
    return [day.entry(day.referrals[f.referral_number], due=f.due, detail=f.code)
            for f in day.onward if f.referral_number in day.referrals
            and day.mine(day.referrals[f.referral_number])]


#: The sections in the order the counsellor meets them; append to add one.
SECTIONS: list[tuple[str, Callable[[Day], list[Entry]]]] = [
    ("today", today), ("upcoming", upcoming), ("paused", paused), ("to_book", to_book),
    ("follow_up", follow_ups), ("onward", onward), ("confirm", confirmations),
    ("overdue", overdue),
]


def day_of_work(vault: Vault, days: int, counsellor: str | None,
                choose_script: Callable[[int], str | None]) -> list[Section]:
    referrals.require_access(vault)
    if days < 0 or days > 366:
        raise InputError("meeting.bad_days")

    def read(v: Vault) -> list[Section]:
        now = clock.today(v)
        meetings = all_meetings(v)
        numbers: dict[int, int] = {}
        for m in meetings:
            numbers[m.id] = sum(1 for x in meetings
                                if x.referral_number == m.referral_number and x.id <= m.id)
        confirmed = {int(row[0]) for row in case_db(v).execute(
            "SELECT DISTINCT referral_id FROM referral_history WHERE action = 'confirm'")}
        due = followups.due(v, now, days, counsellor)
        day = Day(now, now + timedelta(days=days), counsellor,
                  {r.number: r for r in referrals.open_referrals(v)}, meetings, numbers,
                  confirmed, choose_script, referrals.age_bands(v), due)
        audit.append(v, "agenda.show")
        return [Section(key, build(day)) for key, build in SECTIONS]

    return vault.transact(read)
