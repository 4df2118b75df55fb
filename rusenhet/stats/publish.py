"""Publishing the catalogue tables with disclosure control (DESIGN §5, §5b).

A release suppresses and audits the catalogue tables of ended periods together, with
every earlier release of the same year as fixed constraints (their published figures)
and primary suppressions (their suppressed figures), so quarter and year tables cannot
be subtracted from each other to reveal anyone; the unpublished remainder of a published
year is audited as a table of persons, and figures the earlier releases already
determine are published as constants (:mod:`rusenhet.stats.history`).

The catalogue splits into components whose tables share nothing but the grand total:
the dimensions tied by structural links (age, risk, attendance, outcome, referral made:
"did not attend" implies the last three), sex, and legal basis. Two one-way margins with
the same total are jointly feasible for any values, so a figure of one component
constrains no figure of another beyond that total — provided the total has the same
status everywhere (:func:`run_linked` makes sure of it). Auditing the components one by
one then gives the same intervals as auditing the full cross-classification.

A period already published is frozen: publishing it again with the same data shows the
recorded release (in any format); with changed data it is a revision, audited with the
old published values as constants so that old-minus-new differences cannot reveal
anyone. Every published period of the year whose data changed is revised in the same
release (a quarter and its year together), so neither waits for the other.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rusenhet import __version__, audit, clock, crypto, roles, settings
from rusenhet.errors import InputError
from rusenhet.people import AgeBands
from rusenhet.roles import Right
from rusenhet.stats import catalogue, history, imported
from rusenhet.stats.disclosure import (
    Microdata,
    PriorFigure,
    PriorRelease,
    PublishedTable,
    Release,
    Rules,
    SuppressionResult,
    TableSpec,
    suppress,
)
from rusenhet.stats.ledger import (
    QUARTERS,
    LedgerEntry,
    append,
    ledger,
    prior_from_json,
    prior_to_json,
    recorded_tables,
    verify_ledger,
)
from rusenhet.stats.periods import Period, PeriodKind, parse_period
from rusenhet.vault import Vault

__all__ = ["COMPONENTS", "Publication", "ledger", "publish", "run_linked", "verify_ledger"]

#: Components of the unit catalogue: dimensions tied by structural links are one.
COMPONENTS: tuple[tuple[str, ...], ...] = (
    ("age", "risk", "attendance", "outcome", "referral_made"), ("sex",), ("legal_basis",),
)


@dataclass(frozen=True)
class Publication:
    release_id: str
    period: Period
    tables: tuple[PublishedTable, ...]
    t: int
    p: int
    revision_of: str | None
    persons: int
    #: periods revised in the same release (a quarter's year, or its quarters)
    co_revised: tuple[Publication, ...] = ()


def snapshot(records: Sequence[catalogue.PersonRecord], months: Sequence[str]) -> str:
    """A fingerprint of the de-identified data of ``months``: equal data, equal id."""
    cells = sorted(json.dumps(r.as_cell(), sort_keys=True) for r in records
                   if r.month in months)
    return crypto.sha256("\n".join(cells).encode()).hex()[:32]


def _hidden_totals(result: SuppressionResult) -> frozenset[str]:
    """The periods (``where`` month codes; "" for none) whose grand total is hidden."""
    return frozenset(dict(t.where).get("month", "") for t in result.tables
                     if t.cell(*(d.total for d in t.dimensions)).text == ":")


def run_linked(components: Sequence[tuple[str, ...]],
               run: Callable[[tuple[str, ...], Sequence[PriorRelease]], SuppressionResult],
               totals: Mapping[str, Mapping[str, str]]) -> list[SuppressionResult]:
    """Suppress each component, keeping each grand total's status the same in all.

    Every component counts the same persons, so if one table published the total while
    another relied on hiding it, the second table's protection would be void ("all 9
    were not assessed" from a published 9 and published zeros). Components that
    published a total another suppressed are run again with it as a primary
    suppression. ``totals`` maps a period code (as in the tables' ``where``) to the
    pattern of its grand total."""
    results = [run(c, ()) for c in components]
    for _ in range(len(totals) + 1):
        hidden = [_hidden_totals(r) for r in results]
        union = frozenset().union(*hidden)
        if all(h == union for h in hidden):
            return results
        total = PriorRelease("grand-total", suppressed=tuple(
            PriorFigure.cell(totals[k]) for k in sorted(union)))
        results = [r if h == union else run(c, (total,))
                   for c, r, h in zip(components, results, hidden, strict=True)]
    raise InputError("stats.audit_failed", component="total")  # pragma: no cover


def _rules(vault: Vault) -> Rules:
    values = settings.read_all(vault)
    return Rules(t=int(values["suppression-threshold"]), p=int(values["protection-width"]))


def _specs(periods: Sequence[Period], component: Sequence[str]) -> tuple[TableSpec, ...]:
    """The catalogue tables of every period of a (joint) release inside ``component``;
    table names carry the period when there are several."""
    out = []
    for period in periods:
        for spec in catalogue.unit_tables(period):
            if set(spec.dimensions) <= set(component):
                name = spec.name if len(periods) == 1 else f"{spec.name}@{period.label}"
                out.append(TableSpec(name, spec.dimensions, spec.where))
    return tuple(out)


def _merge(name: str, parts: Sequence[PriorRelease | None]) -> PriorRelease | None:
    found = [p for p in parts if p is not None]
    if not found:
        return None
    return PriorRelease(name, tuple(f for p in found for f in p.published),
                        tuple(f for p in found for f in p.suppressed))


def _split(prior: PriorRelease, label: str, year: str) -> dict[str, Any]:
    """The figures of one period of a joint release (the year's figures carry no month)."""
    def mine(f: PriorFigure) -> bool:
        return f.patterns[0].get("month", year) == label

    return prior_to_json(PriorRelease(prior.name, tuple(f for f in prior.published if mine(f)),
                                      tuple(f for f in prior.suppressed if mine(f))))


def _quarter_snapshots(records: Sequence[catalogue.PersonRecord], year: int) -> dict[str, str]:
    return {f"{year}-Q{q}": snapshot(records, Period(year, PeriodKind.QUARTER, q).months)
            for q in range(1, 5)}


def _remainder(year: LedgerEntry, latest: Mapping[str, LedgerEntry],
               component: Sequence[str],
               records: Sequence[catalogue.PersonRecord]) -> PriorRelease | None:
    """The earlier year release minus its earlier quarters, when the quarters nobody
    published are unchanged since (see :func:`history.unchanged_remainder`)."""
    label = str(parse_period(year.period).year)
    published = {q: latest[f"{label}-Q{q}"] for q in range(1, 5) if f"{label}-Q{q}" in latest}
    unpublished = [q for q in range(1, 5) if q not in published]
    before = year.figures.get(QUARTERS, {})
    now = _quarter_snapshots(records, int(label))
    if not unpublished or any(before.get(f"{label}-Q{q}") != now[f"{label}-Q{q}"]
                              for q in unpublished):
        return None
    old_year = prior_from_json(year.release_id, year.figures, component)
    quarters = {q: prior_from_json(e.release_id, e.figures, component)
                for q, e in published.items()}
    if old_year is None or any(v is None for v in quarters.values()):
        return None
    return history.unchanged_remainder(
        old_year, {q: v for q, v in quarters.items() if v is not None}, unpublished, label)


# --------------------------------------------------------------------------- publish


def publish(vault: Vault, period_text: str) -> Publication:
    """Suppress, audit and record one release of the unit catalogue (together with
    every published period of the year whose data changed since)."""
    roles.require(vault.role, Right.STATS_PUBLISH)
    period = parse_period(period_text)
    catalogue.check_publishable_period(period)
    if not period.ended(clock.today(vault)):
        raise InputError("stats.period_not_ended", period=period.label)
    rules = _rules(vault)
    bands = AgeBands.parse(settings.get(vault, "age-bands"))
    records = catalogue.person_records(vault, period.year)
    dims = {d.name: d for d in catalogue.dimensions(period.year, bands)}
    latest: dict[str, LedgerEntry] = {}
    for e in ledger(vault):
        if not imported.is_imported(e) and parse_period(e.period).year == period.year:
            latest[e.period] = e  # the newest version of each period
    national = imported.imported_for(vault, period.year)
    revision = latest.get(period.label)
    persons = sum(1 for r in records if r.month in period.months)
    if (revision is not None and revision.snapshot == snapshot(records, period.months)
            and (revision.t, revision.p) == (rules.t, rules.p)):
        # The same data under the same rules: the recorded release, shown again (in any
        # format), is not a revision and adds nothing to the ledger.
        return Publication(revision.release_id, period, recorded_tables(revision, dims),
                           revision.t, revision.p, revision.revision_of, persons)
    changed = [parse_period(label) for label, e in latest.items() if label != period.label
               and snapshot(records, parse_period(label).months) != e.snapshot]
    periods = [period, *sorted(changed)]
    joint = {p.label for p in periods}
    fixed = {label: e for label, e in latest.items() if label not in joint}

    def run(component: tuple[str, ...], extra: Sequence[PriorRelease]) -> SuppressionResult:
        names = ("month", *component)
        md = Microdata.from_persons([dims[n] for n in names],
                                    [{n: r.as_cell()[n] for n in names} for r in records],
                                    catalogue.structural_zeros(names))
        found = [prior_from_json(e.release_id, e.figures, names) for e in fixed.values()]
        found += [history.quarter_slices(md, period, [*latest, *joint], component, rules)]
        priors = [f for f in found if f is not None]
        revised = [prior_from_json(latest[p].release_id, latest[p].figures, names)
                   for p in joint if p in latest]
        year = latest.get(str(period.year))
        if year is not None and year.period in joint:
            remainder = _remainder(year, latest, names, records)
            if remainder is not None:
                priors.append(remainder)
        for e in national:  # fixed while the data agree; else what a revision is against
            prior = prior_from_json(e.release_id, e.figures, names)
            if prior is not None:
                (priors if history.agrees(md, prior) else revised).append(prior)
        for p in periods:
            known = history.derivable(md, p, component, priors)
            if known is not None:
                priors.append(known)
        revision_of = _merge("revised", revised)
        result = suppress(Release(md, _specs(periods, component)), rules,
                          priors=[*priors, *extra], revision_of=revision_of)
        if not result.ok:
            raise InputError("stats.audit_failed", component="+".join(component))
        return result

    results = run_linked(COMPONENTS, run, {p.label: {"month": p.label} for p in periods})
    now = datetime.now(UTC).isoformat(timespec="seconds")
    order = [name for name, _ in catalogue.UNIT_TABLES]
    entries = []
    for p in periods:
        old = latest.get(p.label)
        figures = {"+".join(c): _split(r.as_prior("+".join(c)), p.label, str(p.year))
                   for c, r in zip(COMPONENTS, results, strict=True)}
        fields = {"time": now, "user": vault.user, "release_id": secrets.token_hex(8),
                  "period": p.label, "revision_of": old.release_id if old else None,
                  "t": rules.t, "p": rules.p, "snapshot": snapshot(records, p.months),
                  "tool_version": __version__,
                  "figures": {**figures, QUARTERS: _quarter_snapshots(records, p.year)}}
        tables = [PublishedTable(t.name.split("@")[0], t.dimensions, t.where, t.cells,
                                 t.footnote) for r in results for t in r.tables
                  if dict(t.where).get("month") == p.label]
        tables.sort(key=lambda t: order.index(t.name))
        entries.append((fields, Publication(
            str(fields["release_id"]), p, tuple(tables), rules.t, rules.p,
            old.release_id if old else None,
            sum(1 for r in records if r.month in p.months))))

    def record(v: Vault) -> None:
        for fields, pub in entries:
            append(v, fields)
            audit.append(v, "stats.publish", pub.period.label, stats_log=True)

    vault.transact(record)
    first = entries[0][1]
    return Publication(first.release_id, first.period, first.tables, first.t, first.p,
                       first.revision_of, first.persons, tuple(e[1] for e in entries[1:]))
