"""Publishing the catalogue tables with disclosure control, and the release ledger.

A release suppresses and audits all catalogue tables of one ended period together,
with every earlier release of the same year as fixed constraints (their published
figures) and primary suppressions (their suppressed figures), so month, quarter and year
tables cannot be subtracted from each other to reveal anyone (DESIGN §5).

The catalogue splits into components whose tables share nothing but the grand total
(age band with risk and attendance; sex; legal basis; outcome; referral made). Two
one-way margins with the same total are jointly feasible for any values, so a figure of
one component constrains no figure of another beyond that total — provided the total has
the same status everywhere (:func:`run_linked` makes sure of it). Auditing the
components one by one then gives the same intervals as auditing the full cross-
classification, at a fraction of the size.

The ledger is append-only and hash-chained, lives in the stats section (covered by the
vault's rollback counter) and records every published value with its cell definition,
the parameters, a snapshot id of the data and the tool version. A period already
published is frozen: publishing it again is a revision, audited with the old published
values as constants so that old-minus-new differences cannot reveal anyone. If the data
of an earlier, different period changed since it was published, that period must be
revised first.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rusenhet import __version__, audit, clock, crypto, roles, settings
from rusenhet.errors import InputError, VaultError
from rusenhet.people import AgeBands
from rusenhet.roles import Right
from rusenhet.stats import catalogue, history
from rusenhet.stats.disclosure import (
    Dimension,
    Footnote,
    Microdata,
    PriorFigure,
    PriorRelease,
    PublishedCell,
    PublishedTable,
    Release,
    Rules,
    Status,
    SuppressionResult,
    suppress,
)
from rusenhet.stats.periods import Period, parse_period
from rusenhet.vault import Vault

#: Components of the unit catalogue: dimensions tied by structural links are one.
COMPONENTS: tuple[tuple[str, ...], ...] = (
    ("age", "risk", "attendance", "outcome", "referral_made"), ("sex",), ("legal_basis",),
)
GENESIS = "0" * 64


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    time: str
    user: str
    release_id: str
    period: str
    revision_of: str | None
    t: int
    p: int
    snapshot: str
    tool_version: str
    figures: Mapping[str, Any]
    hash: str


@dataclass(frozen=True)
class Publication:
    release_id: str
    period: Period
    tables: tuple[PublishedTable, ...]
    t: int
    p: int
    revision_of: str | None
    persons: int


# --------------------------------------------------------------------------- ledger


def _entry_bytes(vault_id: str, seq: int, fields: Mapping[str, Any], prev: str) -> bytes:
    return json.dumps([vault_id, "release_ledger", seq, dict(fields), prev], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


_FIELDS = ("time", "user", "release_id", "period", "revision_of", "t", "p", "snapshot",
           "tool_version", "figures")


def ledger(vault: Vault) -> list[LedgerEntry]:
    rows = vault.stats_conn.execute(
        "SELECT seq, time, user, release_id, period, revision_of, t, p, snapshot,"
        " tool_version, figures, hash FROM release_ledger ORDER BY seq").fetchall()
    return [LedgerEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                        json.loads(r[10]), r[11]) for r in rows]


def verify_ledger(vault: Vault) -> tuple[int, str]:
    """Check the hash chain and signatures; return (entries, head)."""
    keys = audit.signing_keys(vault)
    prev = GENESIS
    rows = vault.stats_conn.execute(
        "SELECT seq, time, user, release_id, period, revision_of, t, p, snapshot,"
        " tool_version, figures, prev_hash, hash, signature FROM release_ledger ORDER BY seq"
    ).fetchall()
    for index, r in enumerate(rows, start=1):
        fields = dict(zip(_FIELDS, (r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                                    json.loads(r[10])), strict=True))
        digest = crypto.sha256(_entry_bytes(vault.vault_id, r[0], fields, r[11])).hex()
        if r[0] != index or r[11] != prev or digest != r[12]:
            raise VaultError("stats.ledger_broken", seq=r[0])
        if not any(crypto.verify(k, crypto.b64d(r[13]), r[12].encode())
                   for k in keys.get(r[2], [])):
            raise VaultError("stats.ledger_bad_signature", seq=r[0])
        prev = r[12]
    return len(rows), prev


def _append(v: Vault, fields: Mapping[str, Any]) -> None:
    row = v.stats_conn.execute(
        "SELECT seq, hash FROM release_ledger ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
    digest = crypto.sha256(_entry_bytes(v.vault_id, seq, fields, prev)).hex()
    v.stats_conn.execute(
        "INSERT INTO release_ledger (seq, time, user, release_id, period, revision_of, t, p,"
        " snapshot, tool_version, figures, prev_hash, hash, signature)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, fields["time"], fields["user"], fields["release_id"], fields["period"],
         fields["revision_of"], fields["t"], fields["p"], fields["snapshot"],
         fields["tool_version"], json.dumps(fields["figures"], sort_keys=True), prev, digest,
         crypto.b64e(v.sign_log(digest.encode()))))


# --------------------------------------------------------------------------- helpers


def _prior_to_json(prior: PriorRelease) -> dict[str, Any]:
    return {"published": [[dict(f.patterns[0]), f.value] for f in prior.published],
            "suppressed": [dict(f.patterns[0]) for f in prior.suppressed]}


def _prior_from_json(name: str, figures: Mapping[str, Any],
                     component: Sequence[str]) -> PriorRelease | None:
    """The figures of a ledger entry that lie inside ``component`` (entries made before
    components were merged keep their figures under the smaller components' keys)."""
    parts = [data for key, data in figures.items() if set(key.split("+")) <= set(component)]
    if not parts:
        return None
    return PriorRelease(
        name, tuple(PriorFigure.cell(p, int(v)) for d in parts for p, v in d["published"]),
        tuple(PriorFigure.cell(p) for d in parts for p in d["suppressed"]))


def _snapshot(records: Sequence[catalogue.PersonRecord], months: Sequence[str]) -> str:
    """A fingerprint of the de-identified data of ``months``: equal data, equal id."""
    cells = sorted(json.dumps(r.as_cell(), sort_keys=True) for r in records
                   if r.month in months)
    return crypto.sha256("\n".join(cells).encode()).hex()[:32]


def _total_suppressed(result: SuppressionResult) -> bool:
    table = result.tables[0]
    return table.cell(*(d.total for d in table.dimensions)).text == ":"


def run_linked(components: Sequence[tuple[str, ...]],
               run: Callable[[tuple[str, ...], Sequence[PriorRelease]], SuppressionResult],
               total_pattern: Mapping[str, str]) -> list[SuppressionResult]:
    """Suppress each component, keeping the grand total's status the same in all.

    Every component counts the same persons, so if one table published the total while
    another relied on hiding it, the second table's protection would be void ("all 9
    were not assessed" from a published 9 and published zeros). Components that
    published the total while another suppressed it are run again with the total as a
    primary suppression; when all publish it, each audit already had it as a published
    constraint of its own."""
    results = [run(c, ()) for c in components]
    hidden = [_total_suppressed(r) for r in results]
    if any(hidden) and not all(hidden):
        total = PriorRelease("grand-total", suppressed=(PriorFigure.cell(total_pattern),))
        results = [r if h else run(c, (total,))
                   for c, r, h in zip(components, results, hidden, strict=True)]
        if not all(_total_suppressed(r) for r in results):  # pragma: no cover - defensive
            raise InputError("stats.audit_failed", component="total")
    return results


def _rules(vault: Vault) -> Rules:
    values = settings.read_all(vault)
    return Rules(t=int(values["suppression-threshold"]), p=int(values["protection-width"]))


def recorded_tables(entry: LedgerEntry,
                    dims: Mapping[str, Dimension]) -> tuple[PublishedTable, ...]:
    """The tables of a recorded release, rebuilt from its ledger entry."""
    period = parse_period(entry.period)
    values: dict[tuple[tuple[str, str], ...], int | None] = {}
    for component in entry.figures.values():
        for pattern, value in component["published"]:
            values[tuple(sorted(pattern.items()))] = int(value)
        for pattern in component["suppressed"]:
            values[tuple(sorted(pattern.items()))] = None
    month = dims["month"]
    footnote = Footnote(entry.t, entry.p)
    tables = []
    for spec in catalogue.unit_tables(period):
        table_dims = tuple(dims[n] for n in spec.dimensions)
        cells = []
        for codes in itertools.product(*(d.codes for d in table_dims)):
            pattern = {d.name: c for d, c in zip(table_dims, codes, strict=True)
                       if c != d.total}
            if period.label != month.total:
                pattern["month"] = period.label
            key = tuple(sorted(pattern.items()))
            if key not in values:
                cells.append(PublishedCell(codes, Status.STRUCTURAL_ZERO, None, None, None))
            else:
                value = values[key]
                status = Status.SUPPRESSED if value is None else Status.PUBLISHED
                cells.append(PublishedCell(codes, status, value, None, None))
        tables.append(PublishedTable(spec.name, table_dims, spec.where, tuple(cells),
                                     footnote))
    return tuple(tables)


# --------------------------------------------------------------------------- publish


def publish(vault: Vault, period_text: str) -> Publication:
    """Suppress, audit and record one release of the unit catalogue."""
    roles.require(vault.role, Right.STATS_PUBLISH)
    period = parse_period(period_text)
    catalogue.check_publishable_period(period)
    if not period.ended(clock.today(vault)):
        raise InputError("stats.period_not_ended", period=period.label)
    rules = _rules(vault)
    bands = AgeBands.parse(settings.get(vault, "age-bands"))
    records = catalogue.person_records(vault, period.year)
    dims = {d.name: d for d in catalogue.dimensions(period.year, bands)}
    earlier = [e for e in ledger(vault) if parse_period(e.period).year == period.year]
    same = [e for e in earlier if e.period == period.label]
    revision = same[-1] if same else None
    persons = sum(1 for r in records if r.month in period.months)
    if (revision is not None and revision.snapshot == _snapshot(records, period.months)
            and (revision.t, revision.p) == (rules.t, rules.p)):
        # The same data under the same rules: the recorded release, shown again (in any
        # format), is not a revision and adds nothing to the ledger.
        return Publication(revision.release_id, period, recorded_tables(revision, dims),
                           revision.t, revision.p, revision.revision_of, persons)
    latest = {}
    for e in earlier:
        latest[e.period] = e  # the newest version of each earlier period
    for label, e in latest.items():
        if label == period.label:
            continue
        months = parse_period(label).months
        if _snapshot(records, months) != e.snapshot:
            raise InputError("stats.prior_data_changed", period=label)

    def run(component: tuple[str, ...], extra: Sequence[PriorRelease]) -> SuppressionResult:
        names = ("month", *component)
        md = Microdata.from_persons([dims[n] for n in names],
                                    [{n: r.as_cell()[n] for n in names} for r in records],
                                    catalogue.structural_zeros(names))
        specs = tuple(t for t in catalogue.unit_tables(period) if set(t.dimensions) <=
                      set(component))
        key = "+".join(component)
        found = [_prior_from_json(e.release_id, e.figures, component)
                 for label, e in latest.items() if label != period.label]
        found += [history.quarter_slices(md, period, [*latest, period.label], component,
                                         rules)]
        priors = [f for f in found if f is not None]
        known = history.derivable(md, period, component, priors)
        if known is not None:
            priors.append(known)
        revision_of = _prior_from_json(revision.release_id, revision.figures, component) \
            if revision is not None else None
        result = suppress(Release(md, specs), rules, priors=[*priors, *extra],
                          revision_of=revision_of)
        if not result.ok:
            raise InputError("stats.audit_failed", component=key)
        return result

    results = run_linked(COMPONENTS, run, {"month": period.label})
    tables: list[PublishedTable] = []
    figures: dict[str, Any] = {}
    for component, result in zip(COMPONENTS, results, strict=True):
        tables.extend(result.tables)
        key = "+".join(component)
        figures[key] = _prior_to_json(result.as_prior(key))
    release_id = secrets.token_hex(8)
    revision_id = revision.release_id if revision is not None else None
    fields = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": vault.user,
              "release_id": release_id, "period": period.label,
              "revision_of": revision_id,
              "t": rules.t, "p": rules.p, "snapshot": _snapshot(records, period.months),
              "tool_version": __version__, "figures": figures}

    def record(v: Vault) -> None:
        _append(v, fields)
        audit.append(v, "stats.publish", period.label, stats_log=True)

    vault.transact(record)
    order = [name for name, _ in catalogue.UNIT_TABLES]
    tables.sort(key=lambda t: order.index(t.name))
    return Publication(release_id, period, tuple(tables), rules.t, rules.p, revision_id,
                       persons)
