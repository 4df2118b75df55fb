"""The publishable table catalogue and the person records behind it (DESIGN §5).

Only these tables are ever published, only for periods that have ended, yearly or
quarterly for a unit (monthly tables only at national level):

* one-way: age band, sex, legal basis, risk level, outcome, referral made;
* two-way: age band × risk level, age band × attendance.

One nested age hierarchy (under 18 = under 16 + 16–17; 18+ = 18–24 + 25+) and never two
overlapping groupings. "Referral made" has several values per meeting, so it is
published as persons with at least one referral made (yes/no), never as if the codes
summed to the total.

Counting persons, not events: each person in a year is one record, placed in the month
of their first referral received that year. Quarter and year tables of one year are
therefore slices of the same microdata (a month dimension with quarters as groups), so
an earlier release's figures are exact linear constraints for a later one — which is
what lets the audit see differencing attacks between month, quarter and year tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rusenhet.facts import codes_from_json
from rusenhet.people import AgeBands
from rusenhet.stats.disclosure import Dimension, Group, Microdata, TableSpec
from rusenhet.stats.periods import Period, PeriodKind
from rusenhet.vault import Vault

RISK_ORDER = ("low", "moderate", "high")
NOT_ASSESSED = "not-assessed"
OUTCOMES = ("avsluttet", "ny-samtale", "henvist", "other", "none")
NO_REFERRAL = "ingen"  # the scripts' code for "no referral made"

#: The unit catalogue: table name → dimensions.
UNIT_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("age", ("age",)),
    ("sex", ("sex",)),
    ("legal-basis", ("legal_basis",)),
    ("risk", ("risk",)),
    ("outcome", ("outcome",)),
    ("referral-made", ("referral_made",)),
    ("age-risk", ("age", "risk")),
    ("age-attendance", ("age", "attendance")),
)


#: Structural links, public knowledge (DESIGN §5b): a person who did not attend has no
#: risk assessed, outcome "none" and no referral made. The audit adds them as structural
#: zeros, so the dimensions they link are suppressed and audited as one component.
STRUCTURAL_ZEROS: tuple[dict[str, str], ...] = (
    *({"attendance": "not-attended", "risk": r} for r in RISK_ORDER),
    *({"attendance": "not-attended", "outcome": o} for o in OUTCOMES if o != "none"),
    {"attendance": "not-attended", "referral_made": "yes"},
)


def structural_zeros(names: Sequence[str]) -> tuple[dict[str, str], ...]:
    """The structural zeros among the dimensions ``names``."""
    return tuple(z for z in STRUCTURAL_ZEROS if set(z) <= set(names))


def month_dimension(year: int) -> Dimension:
    months = tuple(f"{year:04d}-{m:02d}" for m in range(1, 13))
    quarters = tuple(Group(f"{year:04d}-Q{q}", months[3 * q - 3:3 * q]) for q in range(1, 5))
    return Dimension("month", months, quarters, total=f"{year:04d}")


def age_dimension(bands: AgeBands) -> Dimension:
    hierarchy = bands.hierarchy()
    groups = tuple(Group(code, tuple(members)) for code, members in hierarchy.items()
                   if len(members) > 1)
    return Dimension("age", bands.labels, groups)


def dimensions(year: int, bands: AgeBands) -> tuple[Dimension, ...]:
    return (
        month_dimension(year),
        age_dimension(bands),
        Dimension("sex", ("female", "male", "unknown")),
        # DESIGN §5: sensitive dimensions get the group-disclosure rule.
        Dimension("legal_basis", ("paatale", "betinget-dom"), sensitive=True),
        Dimension("risk", (*RISK_ORDER, NOT_ASSESSED), sensitive=True),
        # "Did not attend" is itself sensitive (DESIGN §5b), and says more (below).
        Dimension("attendance", ("attended", "not-attended"), sensitive=True),
        Dimension("outcome", OUTCOMES, sensitive=True),
        Dimension("referral_made", ("yes", "no")),
    )


@dataclass(frozen=True)
class PersonRecord:
    month: str
    age: str
    sex: str
    legal_basis: str
    risk: str
    attendance: str
    outcome: str
    referral_made: str

    def as_cell(self) -> dict[str, str]:
        return {"month": self.month, "age": self.age, "sex": self.sex,
                "legal_basis": self.legal_basis, "risk": self.risk,
                "attendance": self.attendance, "outcome": self.outcome,
                "referral_made": self.referral_made}


def person_records(vault: Vault, year: int) -> list[PersonRecord]:
    """One record per person with a referral received in ``year`` (from fact rows only)."""
    prefix = f"{year:04d}-"
    refs = vault.stats_conn.execute(
        "SELECT fact_id, person_token, month_received, age_band, sex, legal_basis"
        " FROM referral_fact WHERE month_received LIKE ? ORDER BY month_received, fact_id",
        (prefix + "%",)).fetchall()
    held: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in vault.stats_conn.execute(
            "SELECT referral_fact_id, month, risk_level, outcome_codes, referral_codes"
            " FROM meeting_fact WHERE kind = 'held' ORDER BY month, fact_id"):
        held.setdefault(row[0], []).append((row[1], row[2] or NOT_ASSESSED, row[3] or "",
                                            row[4] or ""))
    by_person: dict[str, list[tuple[str, ...]]] = {}
    for fact_id, token, month, band, sex, basis in refs:
        by_person.setdefault(token, []).append((fact_id, month, band, sex or "unknown", basis))
    records = []
    for person_refs in by_person.values():
        _, month, band, sex, basis = person_refs[0]  # the first referral of the year
        meetings = [m for r in person_refs for m in held.get(r[0], [])]
        risks = [m[1] for m in meetings if m[1] in RISK_ORDER]
        risk = max(risks, key=RISK_ORDER.index) if risks else NOT_ASSESSED
        outcome = "none"
        if meetings:
            codes = codes_from_json(meetings[-1][2])
            outcome = codes[0] if codes and codes[0] in OUTCOMES else ("other" if codes
                                                                       else "none")
        made = any(c != NO_REFERRAL for m in meetings for c in codes_from_json(m[3]))
        records.append(PersonRecord(month, band, sex, basis, risk,
                                    "attended" if meetings else "not-attended", outcome,
                                    "yes" if made else "no"))
    return records


def microdata(vault: Vault, year: int, bands: AgeBands) -> Microdata:
    dims = dimensions(year, bands)
    return Microdata.from_persons(dims, [r.as_cell() for r in person_records(vault, year)])


def unit_tables(period: Period) -> tuple[TableSpec, ...]:
    where = (("month", period.label),)
    return tuple(TableSpec(name, dims, where) for name, dims in UNIT_TABLES)


def check_publishable_period(period: Period) -> None:
    from rusenhet.errors import InputError

    if period.kind is PeriodKind.MONTH:
        raise InputError("stats.publish_month")


def table_names() -> Sequence[str]:
    return [name for name, _ in UNIT_TABLES]


# --------------------------------------------------------------------------- substances

#: Substances published as tables of persons reporting them (the scripts' codes). «annet»,
#: «ingen» and «vil-ikke-svare» are not published: they say nothing about a substance.
PUBLISHED_SUBSTANCES = ("alkohol", "cannabis", "sentralstimulerende", "piller", "opioider")


def substance_catalogue(vault: Vault, period: Period, bands: AgeBands
                        ) -> tuple[tuple[Dimension, ...], list[dict[str, str]],
                                   tuple[TableSpec, ...]]:
    """Persons reporting each substance, by age band: dimensions, one cell per person,
    and one table ``substance-<code>`` (age band × yes/no) per substance.

    "Substances reported" has several values per person, so it is never one table that
    pretends to sum to the total: each substance is its own yes/no table with its own
    margins, and all of them share the age margin (and grand total) with the unit
    catalogue's age tables — audit them together with those. A person is placed as in
    :func:`person_records` (first referral received in the year) and counts as "yes" when
    any meeting held for their referrals that year recorded the substance; persons not
    met count as "no".
    """
    year = period.year
    prefix = f"{year:04d}-"
    refs = vault.stats_conn.execute(
        "SELECT fact_id, person_token, month_received, age_band FROM referral_fact"
        " WHERE month_received LIKE ? ORDER BY month_received, fact_id",
        (prefix + "%",)).fetchall()
    reported: dict[str, set[str]] = {}
    for fact_id, codes in vault.stats_conn.execute(
            "SELECT referral_fact_id, substance_codes FROM meeting_fact WHERE kind = 'held'"):
        reported.setdefault(fact_id, set()).update(codes_from_json(codes))
    first: dict[str, tuple[str, str]] = {}
    used: dict[str, set[str]] = {}
    for fact_id, token, month, band in refs:
        first.setdefault(token, (month, band))
        used.setdefault(token, set()).update(reported.get(fact_id, set()))
    cells = [{"month": month, "age": band,
              **{f"substance_{s}": "yes" if s in used[token] else "no"
                 for s in PUBLISHED_SUBSTANCES}}
             for token, (month, band) in first.items()]
    dims = (month_dimension(year), age_dimension(bands),
            *(Dimension(f"substance_{s}", ("yes", "no")) for s in PUBLISHED_SUBSTANCES))
    where = (("month", period.label),)
    specs = tuple(TableSpec(f"substance-{s}", ("age", f"substance_{s}"), where)
                  for s in PUBLISHED_SUBSTANCES)
    return dims, cells, specs
