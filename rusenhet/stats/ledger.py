"""The release ledger (DESIGN §5): append-only, hash-chained and signed, in the stats
section (covered by the vault's rollback counter). Every entry records every published
value with its cell definition (patterns per catalogue component), the parameters, a
snapshot id of the data and the tool version — enough to audit later releases against
it and to show any recorded release again in any format.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rusenhet import audit, crypto
from rusenhet.errors import VaultError
from rusenhet.stats import catalogue
from rusenhet.stats.disclosure import (
    Dimension,
    Footnote,
    PriorFigure,
    PriorRelease,
    PublishedCell,
    PublishedTable,
    Status,
)
from rusenhet.stats.periods import parse_period
from rusenhet.vault import Vault

GENESIS = "0" * 64
#: the key of an entry's figures that holds a data snapshot id per quarter of its year
QUARTERS = "quarters"


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
        if not audit.signed_by(keys, r[2], r[1], crypto.b64d(r[13]), r[12].encode()):
            raise VaultError("stats.ledger_bad_signature", seq=r[0])
        prev = r[12]
    return len(rows), prev


def append(v: Vault, fields: Mapping[str, Any]) -> None:
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


def prior_to_json(prior: PriorRelease) -> dict[str, Any]:
    return {"published": [[dict(f.patterns[0]), f.value] for f in prior.published],
            "suppressed": [dict(f.patterns[0]) for f in prior.suppressed]}


def prior_from_json(name: str, figures: Mapping[str, Any],
                     component: Sequence[str]) -> PriorRelease | None:
    """The figures of a ledger entry that can be stated in ``component``: those whose
    pattern uses only its dimensions (from whichever component they were recorded in)."""
    dims = set(component)
    found: dict[tuple[tuple[str, str], ...], PriorFigure] = {}  # the total is in each
    for key, data in figures.items():
        if key == QUARTERS:
            continue
        for p, v in data["published"]:
            if set(p) <= dims:
                found.setdefault(tuple(sorted(p.items())), PriorFigure.cell(p, int(v)))
        for p in data["suppressed"]:
            if set(p) <= dims:
                found.setdefault(tuple(sorted(p.items())), PriorFigure.cell(p))
    if not found:
        return None
    return PriorRelease(name, tuple(f for f in found.values() if f.value is not None),
                        tuple(f for f in found.values() if f.value is None))


def recorded_tables(entry: LedgerEntry,
                    dims: Mapping[str, Dimension]) -> tuple[PublishedTable, ...]:
    """The tables of a recorded release, rebuilt from its ledger entry."""
    period = parse_period(entry.period)
    values: dict[tuple[tuple[str, str], ...], int | None] = {}
    for name, component in entry.figures.items():
        if name == QUARTERS:
            continue
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
            cell = tuple(sorted(pattern.items()))
            if cell not in values:
                cells.append(PublishedCell(codes, Status.STRUCTURAL_ZERO, None, None, None))
            else:
                value = values[cell]
                status = Status.SUPPRESSED if value is None else Status.PUBLISHED
                cells.append(PublishedCell(codes, status, value, None, None))
        tables.append(PublishedTable(spec.name, table_dims, spec.where, tuple(cells),
                                     footnote))
    return tuple(tables)
