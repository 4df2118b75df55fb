"""Internal operational statistics: exact counts for the unit's own use.

Computed from the de-identified fact rows of the stats section only, so supervisors —
who cannot open the case section — see the same figures as everyone else, and no
identity is ever involved. At most two dimensions at a time plus the period; every
output carries the stamp "INTERNT – ikke for publisering" (DESIGN §5, internal tables).
Medians are shown only for groups of at least 10 persons.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rusenhet import audit, roles
from rusenhet.errors import InputError
from rusenhet.facts import codes_from_json
from rusenhet.roles import Right
from rusenhet.stats.periods import Period
from rusenhet.vault import Vault

#: Medians of days to meeting only for groups of at least this many persons.
MEDIAN_MIN_PERSONS = 10
UNKNOWN = "unknown"
NONE = "none"


class Dimension(StrEnum):
    AGE_BAND = "age-band"
    SEX = "sex"
    LEGAL_BASIS = "legal-basis"
    RISK = "risk"
    SCRIPT = "script"
    OUTCOME = "outcome"
    REFERRAL = "referral"
    #: substances reported in the meeting (several per meeting)
    SUBSTANCE = "substance"


#: Dimensions that referral facts carry; the others exist only for meetings.
REFERRAL_DIMENSIONS = frozenset({Dimension.AGE_BAND, Dimension.SEX, Dimension.LEGAL_BASIS})
#: Dimensions where one meeting may have several values (its rows do not add up).
MULTI_VALUED = frozenset({Dimension.OUTCOME, Dimension.REFERRAL, Dimension.SUBSTANCE})


@dataclass(frozen=True)
class ReferralRow:
    person: str
    month: str
    values: dict[Dimension, tuple[str, ...]]
    repeat: bool


@dataclass(frozen=True)
class MeetingRow:
    person: str
    month: str
    held: bool
    values: dict[Dimension, tuple[str, ...]]
    days: int
    within_deadline: bool
    #: referral code → follow-up status (pending, contact-4w, contact-12w, …)
    followups: dict[str, str] = field(default_factory=dict)


@dataclass
class Cell:
    referrals: int = 0
    repeat_referrals: int = 0
    meetings: int = 0
    no_shows: int = 0
    within_deadline: int = 0
    days: list[int] = field(default_factory=list)
    persons: set[str] = field(default_factory=set)
    #: referrals made in held meetings, and those with contact within 4 / 12 weeks
    referrals_made: int = 0
    contact_4w: int = 0
    contact_12w: int = 0

    @property
    def contact_4w_share(self) -> float | None:
        return None if self.referrals_made == 0 else self.contact_4w / self.referrals_made

    @property
    def contact_12w_share(self) -> float | None:
        return None if self.referrals_made == 0 else self.contact_12w / self.referrals_made

    @property
    def attendance_rate(self) -> float | None:
        total = self.meetings + self.no_shows
        return None if total == 0 else self.meetings / total

    @property
    def within_deadline_share(self) -> float | None:
        return None if self.meetings == 0 else self.within_deadline / self.meetings

    @property
    def median_days(self) -> float | None:
        if len(self.persons) < MEDIAN_MIN_PERSONS or not self.days:
            return None
        return float(statistics.median(self.days))


@dataclass(frozen=True)
class InternalTable:
    period: Period
    dimensions: tuple[Dimension, ...]
    rows: tuple[tuple[tuple[str, ...], Cell], ...]
    total: Cell
    #: True when a dimension exists only for meetings: referral counts are not split
    referrals_not_split: bool
    monthly: tuple[tuple[str, int, int], ...]  # (month, referrals, meetings held)


def _in_months(column: str, months: Sequence[str]) -> str:
    """A filter on the period's months, so only its rows are read and decoded (a large
    vault holds years of fact rows)."""
    return f" WHERE {column} IN ({', '.join('?' for _ in months)})"


def referral_rows(vault: Vault, months: Sequence[str]) -> list[ReferralRow]:
    where = _in_months("month_received", months)
    rows = vault.stats_conn.execute(
        "SELECT person_token, month_received, age_band, sex, legal_basis, repeat_referral"  # noqa: S608
        f" FROM referral_fact{where}", tuple(months)).fetchall()
    return [ReferralRow(r[0], r[1], {Dimension.AGE_BAND: (r[2],),
                                     Dimension.SEX: (r[3] or UNKNOWN,),
                                     Dimension.LEGAL_BASIS: (r[4],)}, bool(r[5]))
            for r in rows]


def meeting_rows(vault: Vault, months: Sequence[str]) -> list[MeetingRow]:
    where = _in_months("month", months)
    rows = vault.stats_conn.execute(
        "SELECT person_token, month, kind, age_band, sex, legal_basis, risk_level, script_id,"  # noqa: S608
        " outcome_codes, referral_codes, days_to_meeting, within_deadline, substance_codes,"
        f" followup_codes FROM meeting_fact{where}", tuple(months)).fetchall()
    out = []
    for r in rows:
        held = r[2] == "held"
        values = {Dimension.AGE_BAND: (r[3],), Dimension.SEX: (r[4] or UNKNOWN,),
                  Dimension.LEGAL_BASIS: (r[5],),
                  Dimension.RISK: (r[6] or NONE,), Dimension.SCRIPT: (r[7] or NONE,),
                  Dimension.OUTCOME: codes_from_json(r[8]) or (NONE,),
                  Dimension.REFERRAL: codes_from_json(r[9]) or (NONE,),
                  Dimension.SUBSTANCE: codes_from_json(r[12]) or (NONE,)}
        out.append(MeetingRow(r[0], r[1], held, values, int(r[10]), bool(r[11]),
                              _followups(r[13])))
    return out


def _followups(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _keys(values: dict[Dimension, tuple[str, ...]],
          dims: Sequence[Dimension]) -> Iterable[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [()]
    for d in dims:
        keys = [(*k, v) for k in keys for v in values[d]]
    return keys


def parse_dimensions(values: Sequence[str]) -> tuple[Dimension, ...]:
    dims = []
    for value in values:
        try:
            dims.append(Dimension(value))
        except ValueError:
            raise InputError("stats.bad_dimension", value=value,
                             allowed=", ".join(d.value for d in Dimension)) from None
    if len(dims) > 2:
        raise InputError("stats.too_many_dimensions")
    if len(set(dims)) != len(dims):
        raise InputError("stats.repeated_dimension")
    return tuple(dims)


def operational(vault: Vault, period: Period,
                dims: Sequence[Dimension] = ()) -> InternalTable:
    """Exact counts for one period, split by at most two dimensions."""
    roles.require(vault.role, Right.STATS_OPERATIONAL)
    months = set(period.months)
    cells: dict[tuple[str, ...], Cell] = defaultdict(Cell)
    total = Cell()
    split_referrals = all(d in REFERRAL_DIMENSIONS for d in dims)
    monthly = {m: [0, 0] for m in period.months}
    for r in referral_rows(vault, period.months):
        if r.month not in months:
            continue
        monthly[r.month][0] += 1
        targets = [total] + ([cells[k] for k in _keys(r.values, dims)] if split_referrals
                             else [])
        for cell in targets:
            cell.referrals += 1
            cell.repeat_referrals += int(r.repeat)
    for m in meeting_rows(vault, period.months):
        if m.month not in months:
            continue
        if m.held:
            monthly[m.month][1] += 1
        for cell in [total, *(cells[k] for k in _keys(m.values, dims))]:
            if m.held:
                cell.meetings += 1
                cell.within_deadline += int(m.within_deadline)
                cell.days.append(m.days)
                cell.persons.add(m.person)
                status = list(m.followups.values())
                cell.referrals_made += len(status)
                cell.contact_4w += status.count("contact-4w")
                cell.contact_12w += status.count("contact-4w") + status.count("contact-12w")
            else:
                cell.no_shows += 1
    vault.transact(lambda v: audit.append(v, "stats.internal", period.label, stats_log=True))
    rows = tuple(sorted(cells.items())) if dims else ()
    return InternalTable(period, tuple(dims), rows, total, not split_referrals,
                         tuple((k, v[0], v[1]) for k, v in monthly.items()))
