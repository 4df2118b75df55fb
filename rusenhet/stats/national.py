"""National aggregation: a unit's unsuppressed counts, encrypted to the aggregator; the
aggregator sums many units and suppresses once (DESIGN §5, national aggregation).

Why raw counts and not published tables: summing tables that were suppressed locally
is wrong twice over — the ``:`` cells are unknown, so the sums cannot be formed, and
filling them in from other tables would undo the protection. The export therefore
carries exact counts and is personal data (at these counts it is pseudonymised
microdata about health, GDPR art. 9): admin only, logged, encrypted to the
aggregator's X25519 public key, labelled with unit, period and export id. Persons cannot
be de-duplicated across units (their tokens are random per vault), so a person referred
in two municipalities is counted in both; the national tables say so.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rusenhet import audit, crypto, roles, settings
from rusenhet.errors import InputError
from rusenhet.people import AgeBands
from rusenhet.roles import Right
from rusenhet.stats import catalogue
from rusenhet.stats.disclosure import (
    Dimension,
    Group,
    Microdata,
    PriorRelease,
    PublishedTable,
    Release,
    Rules,
    SuppressionResult,
    TableSpec,
    suppress,
)
from rusenhet.vault import Vault

SCHEMA = "rusenhet.export/1"
ENVELOPE = "rusenhet.export-envelope/1"
CELL_FIELDS = ("month", "age", "sex", "legal_basis", "risk", "attendance", "outcome",
               "referral_made")

#: The national catalogue: (table, dimensions). Municipality with its county hierarchy;
#: monthly totals only here, never for a single unit.
NATIONAL_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("month", ("month",)),
    ("municipality", ("municipality",)),
    ("municipality-age", ("municipality", "age")),
    *catalogue.UNIT_TABLES,
)
#: Components (see stats.publish). Each keeps the municipality, so that the units' own
#: figures and an earlier national release (a sum over the units it had) can be stated
#: in it; a unit's own total is a figure of every component, so a total the unit hid is
#: hidden in all of them. The structural links (not attended ⇒ no risk, outcome none, no
#: referral made) tie the first three through attendance: given the attendance counts,
#: risk, outcome and referral made are independent margins, so the second and third are
#: audited with the first one's attendance figures as constraints (``ATTENDANCE_LINK``),
#: and every later component with its municipality totals.
NATIONAL_COMPONENTS: tuple[tuple[str, ...], ...] = (
    ("municipality", "age", "risk", "attendance"),
    ("municipality", "attendance", "outcome"), ("municipality", "attendance", "referral_made"),
    ("municipality", "month"), ("municipality", "sex"), ("municipality", "legal_basis"),
)
ATTENDANCE_LINK = frozenset({"municipality", "attendance"})
LINK_TABLE = "attendance-link"


# --------------------------------------------------------------------------- keys


def new_aggregator_key() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh X25519 key pair for the aggregator."""
    return crypto.new_x25519_pem_pair()


def _load_public(pem: str) -> bytes:
    try:
        return crypto.load_public_pem(pem, "x25519")
    except crypto.BadKey:
        raise InputError("national.bad_key") from None


def _load_private(pem: str) -> bytes:
    try:
        return crypto.load_x25519_private_pem(pem)
    except crypto.BadKey:
        raise InputError("national.bad_key") from None


# --------------------------------------------------------------------------- export


def _ad(meta: Mapping[str, Any]) -> bytes:
    return json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()


def export(vault: Vault, year: int, recipient_pem: str) -> tuple[str, dict[str, Any]]:
    """The encrypted export of ``year`` (returns the envelope text and its metadata)."""
    roles.require(vault.role, Right.STATS_EXPORT)
    if not 2000 <= year <= 2100:
        raise InputError("stats.bad_period", value=str(year), expected="YYYY")
    public = _load_public(recipient_pem)
    values = settings.read_all(vault)
    if not values["kommunenummer"]:
        raise InputError("national.no_kommunenummer")
    counts: dict[tuple[str, ...], int] = {}
    records = catalogue.person_records(vault, year)
    for r in records:
        key = tuple(r.as_cell()[f] for f in CELL_FIELDS)
        counts[key] = counts.get(key, 0) + 1
    releases = _published(vault, year, records)
    meta = {"schema": SCHEMA, "kommunenummer": values["kommunenummer"], "year": year,
            "export_id": secrets.token_hex(12),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "age_bands": values["age-bands"]}
    body = {"fields": list(CELL_FIELDS),
            "counts": [[*k, n] for k, n in sorted(counts.items())], "releases": releases}
    epk, ct = crypto.wrap_to(public, json.dumps(body, sort_keys=True).encode(), _ad(meta))
    envelope = {"format": ENVELOPE, "meta": meta, "epk": crypto.b64e(epk),
                "ct": crypto.b64e(ct)}
    vault.transact(lambda v: audit.append(v, "stats.export", str(year)))
    return json.dumps(envelope, indent=2) + "\n", meta


def _published(vault: Vault, year: int,
               records: Sequence[catalogue.PersonRecord]) -> list[dict[str, Any]]:
    """The unit's latest release of each period of ``year``; they travel with the export
    so that the national suppression takes them as constraints. A period whose data
    changed since must be revised first (the counts would contradict it)."""
    from rusenhet.stats.imported import is_imported
    from rusenhet.stats.ledger import ledger
    from rusenhet.stats.periods import parse_period
    from rusenhet.stats.publish import snapshot

    latest: dict[str, Any] = {}
    for entry in ledger(vault):
        if not is_imported(entry) and parse_period(entry.period).year == year:
            latest[entry.period] = entry
    for label, entry in latest.items():
        if snapshot(records, parse_period(label).months) != entry.snapshot:
            raise InputError("national.stale_release", period=label)
    return [{"period": label, "figures": dict(e.figures)} for label, e in latest.items()]


# --------------------------------------------------------------------------- combine


@dataclass(frozen=True)
class UnitExport:
    kommunenummer: str
    year: int
    export_id: str
    age_bands: str
    counts: tuple[tuple[tuple[str, ...], int], ...]
    #: the unit's own published releases of the year (period, figures)
    releases: tuple[Mapping[str, Any], ...] = ()

    def digest(self) -> str:
        """Equal counts, equal digest: tells a revision whether this unit changed."""
        return crypto.sha256(json.dumps(sorted(self.counts)).encode()).hex()[:32]


def open_export(text: str, private_pem: str, name: str) -> UnitExport:
    """Decrypt and validate one export; InputError naming the file for anything wrong."""
    try:
        envelope = json.loads(text)
        if envelope.get("format") != ENVELOPE:
            raise InputError("national.bad_format", file=name)
        meta = envelope["meta"]
        if meta.get("schema") != SCHEMA:
            raise InputError("national.bad_schema", file=name, schema=str(meta.get("schema")))
        plain = crypto.unwrap_with(_load_private(private_pem), crypto.b64d(envelope["epk"]),
                                   crypto.b64d(envelope["ct"]), _ad(meta))
        body = json.loads(plain)
        if body["fields"] != list(CELL_FIELDS):
            raise InputError("national.bad_schema", file=name, schema="fields")
        counts = []
        for row in body["counts"]:
            *codes, n = row
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InputError("national.negative", file=name)
            if len(codes) != len(CELL_FIELDS) or not all(isinstance(c, str) for c in codes):
                raise InputError("national.bad_format", file=name)
            counts.append((tuple(codes), n))
        kommune = str(meta["kommunenummer"])
        if len(kommune) != 4 or not kommune.isdigit():
            raise InputError("national.bad_format", file=name)
        releases = body.get("releases", [])
        if not isinstance(releases, list) or not all(
                isinstance(r, dict) and isinstance(r["period"], str)
                and isinstance(r["figures"], dict) for r in releases):
            raise InputError("national.bad_format", file=name)
        return UnitExport(kommune, int(meta["year"]), str(meta["export_id"]),
                          str(meta["age_bands"]), tuple(counts), tuple(releases))
    except crypto.DecryptionFailed:
        raise InputError("national.cannot_decrypt", file=name) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError("national.bad_format", file=name) from None


def check_exports(exports: Sequence[UnitExport]) -> None:
    ids = [e.export_id for e in exports]
    if len(set(ids)) != len(ids):
        raise InputError("national.duplicate")
    seen: set[tuple[str, int]] = set()
    for e in exports:
        if (e.kommunenummer, e.year) in seen:
            raise InputError("national.overlap", kommune=e.kommunenummer, year=e.year)
        seen.add((e.kommunenummer, e.year))
    if len({e.year for e in exports}) > 1:
        raise InputError("national.mixed_years")
    if len({e.age_bands for e in exports}) > 1:
        raise InputError("national.mixed_age_bands")


def municipality_dimension(kommuner: Sequence[str]) -> Dimension:
    """Municipalities grouped by county (the first two digits of the kommunenummer)."""
    leaves = tuple(sorted(set(kommuner)))
    counties: dict[str, list[str]] = {}
    for k in leaves:
        counties.setdefault(f"fylke-{k[:2]}", []).append(k)
    groups = tuple(Group(code, tuple(members)) for code, members in sorted(counties.items())
                   if len(members) > 1 and len(counties) > 1)
    return Dimension("municipality", leaves, groups)


@dataclass(frozen=True)
class NationalRelease:
    year: int
    units: int
    persons: int
    tables: tuple[PublishedTable, ...]
    t: int
    p: int
    figures: Mapping[str, Any]  # every figure, for the national ledger
    kommuner: tuple[str, ...]
    digests: Mapping[str, str]  # per unit, to tell a later revision what changed


def combine(exports: Sequence[UnitExport], rules: Rules | None = None,
            earlier: Mapping[str, Any] | None = None) -> NationalRelease:
    """Sum the raw counts of every unit and suppress the national catalogue once, with
    the units' own releases as constraints and ``earlier`` (the recorded national
    release of the same year, from the national ledger) as the release it revises."""
    if not exports:
        raise InputError("national.none")
    check_exports(exports)
    rules = rules or Rules()
    year = exports[0].year
    bands = AgeBands.parse(exports[0].age_bands)
    base = {d.name: d for d in catalogue.dimensions(year, bands)}
    base["municipality"] = municipality_dimension([e.kommunenummer for e in exports])
    persons: list[dict[str, str]] = []
    for e in exports:
        for codes, n in e.counts:
            cell = dict(zip(CELL_FIELDS, codes, strict=True))
            for name, code in cell.items():
                if not base[name].has(code):
                    raise InputError("national.bad_code", file=e.kommunenummer, code=code)
            persons += [{**cell, "municipality": e.kommunenummer}] * n
    from rusenhet.stats import national_history
    from rusenhet.stats.ledger import prior_from_json, prior_to_json
    from rusenhet.stats.national_history import unit_figures

    digests = {e.kommunenummer: e.digest() for e in exports}
    unchanged = earlier is not None and all(
        digests.get(k) == d for k, d in earlier.get("digests", {}).items()) and bool(
        earlier.get("digests"))
    from rusenhet.stats.publish import run_linked

    def run(component: tuple[str, ...], extra: Sequence[PriorRelease]) -> SuppressionResult:
        dims = [base[n] for n in component]
        md = Microdata.from_persons(dims, [{n: p[n] for n in component} for p in persons],
                                    catalogue.structural_zeros(component))
        specs = tuple(TableSpec(name, d) for name, d in NATIONAL_TABLES if set(d) <=
                      set(component))
        if "attendance" in component and "age" not in component:
            # Attendance figures as the first component published or hid them (they are
            # its constraints here, so their status cannot change); not shown twice.
            specs += (TableSpec(LINK_TABLE, ("attendance",)),)
        found = [prior_from_json(f"unit {e.kommunenummer}",
                                 unit_figures(e.kommunenummer, e.releases), component)
                 for e in exports]
        priors = [f for f in found if f is not None]
        if "age" not in component and link:  # the first component's margins it shares
            priors.append(PriorRelease("linked", *(
                tuple(f for f in figs if set(f.patterns[0]) <= set(component))
                for figs in (link[-1].published, link[-1].suppressed))))
        revision_of = None
        if earlier is not None:
            # new − old is a table of persons (the late units' and any changes) ...
            revision_of = prior_from_json(str(earlier["release_id"]), earlier["figures"],
                                          component)
            if revision_of is not None and unchanged:
                # ... and while the units it had are unchanged, its figures are exact
                # sums over them.
                priors.append(national_history.over_units(revision_of, earlier["units"]))
        result = suppress(Release(md, specs), rules, priors=[*priors, *extra],
                          revision_of=revision_of, exact_intervals=False)
        if not result.ok:
            raise InputError("stats.audit_failed", component="+".join(component))
        if "age" in component:
            found_link = result.as_prior("attendance")
            link.append(PriorRelease("attendance", tuple(
                f for f in found_link.published if set(f.patterns[0]) <= ATTENDANCE_LINK),
                tuple(f for f in found_link.suppressed
                      if set(f.patterns[0]) <= ATTENDANCE_LINK)))
        return result

    link: list[PriorRelease] = []
    tables: list[PublishedTable] = []
    figures: dict[str, Any] = {}
    results = run_linked(NATIONAL_COMPONENTS, run, {"": {}})
    for component, result in zip(NATIONAL_COMPONENTS, results, strict=True):
        tables.extend(t for t in result.tables if t.name != LINK_TABLE)
        figures["+".join(component)] = prior_to_json(result.as_prior("+".join(component)))
    order = [name for name, _ in NATIONAL_TABLES]
    tables.sort(key=lambda t: order.index(t.name))
    return NationalRelease(year, len(exports), len(persons), tuple(tables), rules.t, rules.p,
                           figures, tuple(sorted(e.kommunenummer for e in exports)), digests)
