"""What the national aggregator must remember (DESIGN §5b): its own releases and the
units' releases.

* **The national ledger** lives beside the aggregator's private key (``KEY.ledger``):
  a JSON list of entries, hash-chained and signed with an Ed25519 key derived from the
  aggregator's X25519 key, so only the key holder can add to it and any edit is found.
  A national year once published is frozen: publishing it again (a late unit) is a
  revision, audited against the recorded figures like a unit's revision, so national
  − national cannot give the late unit's tables away.
* **The units' own releases** travel inside their exports; the national suppression
  takes them as constraints (published figures fixed, suppressed figures protected),
  so national − units never isolates a cell that a unit suppressed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rusenhet import crypto
from rusenhet.errors import InputError, VaultError
from rusenhet.stats.disclosure import PriorFigure, PriorRelease

GENESIS = "0" * 64
_FIELDS = ("seq", "time", "year", "release_id", "units", "t", "p", "revision_of", "figures",
           "digests", "prev")


def ledger_path(key: Path) -> Path:
    return key.with_name(key.name + ".ledger")


def _signing_key(private_pem: str) -> bytes:
    return crypto.hkdf(crypto.load_x25519_private_pem(private_pem), "rusenhet national ledger")


def _digest(entry: Mapping[str, Any]) -> str:
    body = json.dumps([entry[f] for f in _FIELDS], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return crypto.sha256(body.encode()).hex()


def load(path: Path, private_pem: str) -> list[dict[str, Any]]:
    """The verified entries of the national ledger (none if it does not exist yet)."""
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        public = crypto.ed25519_public(_signing_key(private_pem))
        prev = GENESIS
        for seq, entry in enumerate(entries, start=1):
            digest = _digest(entry)
            if (entry["seq"] != seq or entry["prev"] != prev or entry["hash"] != digest
                    or not crypto.verify(public, crypto.b64d(entry["signature"]),
                                         digest.encode())):
                raise VaultError("national.ledger_broken", path=str(path), seq=seq)
            prev = digest
    except (ValueError, KeyError, TypeError):
        raise VaultError("national.ledger_broken", path=str(path), seq=0) from None
    result: list[dict[str, Any]] = entries
    return result


def new_entry(entries: Sequence[Mapping[str, Any]], private_pem: str,
              fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ledger with one more entry (the caller writes it atomically)."""
    entry = {**fields, "seq": len(entries) + 1,
             "prev": entries[-1]["hash"] if entries else GENESIS}
    entry["hash"] = _digest(entry)
    entry["signature"] = crypto.b64e(crypto.sign(_signing_key(private_pem),
                                                 entry["hash"].encode()))
    return [*map(dict, entries), entry]


def previous(entries: Sequence[Mapping[str, Any]], year: int,
             units: Sequence[str]) -> Mapping[str, Any] | None:
    """The newest national release of ``year``; a revision must keep all its units."""
    found = [e for e in entries if e["year"] == year]
    if not found:
        return None
    last = found[-1]
    missing = sorted(set(last["units"]) - set(units))
    if missing:
        raise InputError("national.units_dropped", kommune=", ".join(missing))
    return last


def unit_figures(kommune: str, releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A unit's published year figures, placed in its municipality (ledger JSON form).

    Only the year's own release is used: its figures are sums over the whole year, as
    the national tables are (a unit's quarter figures need the month, which the
    national municipality tables do not carry)."""
    out: dict[str, Any] = {}
    for release in releases:
        if "-" in str(release["period"]):
            continue
        for key, data in release["figures"].items():
            if key == "quarters":  # snapshot ids, not figures
                continue
            part = out.setdefault(key, {"published": [], "suppressed": []})
            part["published"] += [[{**p, "municipality": kommune}, v]
                                  for p, v in data["published"]]
            part["suppressed"] += [{**p, "municipality": kommune} for p in data["suppressed"]]
    return out


def over_units(release: PriorRelease, units: Sequence[str]) -> PriorRelease:
    """An earlier national release as figures over the units it had: a figure without a
    municipality is the sum over exactly those municipalities."""
    def spread(f: PriorFigure) -> PriorFigure:
        patterns = tuple(q for p in f.patterns for q in (
            [p] if "municipality" in p else [{**p, "municipality": k} for k in units]))
        return PriorFigure(patterns, f.value, f.label)

    return PriorRelease(release.name, tuple(map(spread, release.published)),
                        tuple(map(spread, release.suppressed)))
