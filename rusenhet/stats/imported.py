"""National releases imported into a unit's ledger (`stats import-release`).

A national release that includes the unit publishes some of the unit's own figures: its
municipality row (the unit's total, and by age band). Those are facts about the unit's
persons that an attacker has, so they go into the unit's release ledger (period
``national:YYYY``) and every later release of the unit is audited against them: as
fixed figures while the data still agree, and as the release a revision is measured
against once the data changed (a late referral).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rusenhet import __version__, audit, roles, settings
from rusenhet.errors import InputError
from rusenhet.roles import Right
from rusenhet.stats.ledger import LedgerEntry, append, ledger
from rusenhet.vault import Vault

PREFIX = "national:"
SCHEMA = "rusenhet.publication/1"
#: the unit catalogue's component that holds the age band (and the grand total)
AGE_COMPONENT = "age+risk+attendance+outcome+referral_made"


def is_imported(entry: LedgerEntry) -> bool:
    return entry.period.startswith(PREFIX)


def imported_for(vault: Vault, year: int) -> list[LedgerEntry]:
    return [e for e in ledger(vault) if e.period == f"{PREFIX}{year}"]


def _own_figures(data: Mapping[str, Any], kommune: str) -> dict[str, Any]:
    published: list[list[Any]] = []
    suppressed: list[dict[str, str]] = []
    for table in data["tables"]:
        dims = list(table["dimensions"])
        if dims not in (["municipality"], ["municipality", "age"]):
            continue
        for cell in table["cells"]:
            if str(cell["municipality"]) != kommune:
                continue
            pattern = {} if len(dims) == 1 or cell["age"] == "Total" else {
                "age": str(cell["age"])}
            if cell["symbol"] == ":":
                suppressed.append(pattern)
            elif cell["symbol"] != ".":
                published.append([pattern, int(cell["symbol"])])
    return {AGE_COMPONENT: {"published": published, "suppressed": suppressed}}


def import_release(vault: Vault, text: str, name: str) -> tuple[str, int]:
    """Record a national release file (JSON) in the unit's ledger; (release id, year)."""
    roles.require(vault.role, Right.STATS_PUBLISH)
    try:
        data = json.loads(text)
        if data.get("schema") != SCHEMA:
            raise InputError("national.bad_release", file=name)
        year = int(str(data["period"]))
        release_id = str(data["release_id"])
        kommune = settings.get(vault, "kommunenummer")
        figures = _own_figures(data, kommune)
        t, p = int(data["parameters"]["t"]), int(data["parameters"]["p"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError("national.bad_release", file=name) from None
    if not any(figures[AGE_COMPONENT].values()):
        raise InputError("national.not_included", file=name, kommune=kommune)
    if any(e.release_id == f"{release_id}@{kommune}" for e in ledger(vault)):
        raise InputError("national.already_imported", file=name)
    fields = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": vault.user,
              "release_id": f"{release_id}@{kommune}", "period": f"{PREFIX}{year}",
              "revision_of": None, "t": t, "p": p, "snapshot": secrets.token_hex(16),
              "tool_version": __version__, "figures": figures}

    def record(v: Vault) -> None:
        append(v, fields)
        audit.append(v, "stats.import_release", str(year), stats_log=True)

    vault.transact(record)
    return release_id, year
