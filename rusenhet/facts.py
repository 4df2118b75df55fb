"""De-identified referral facts in the stats section (DESIGN §2 and §5).

One row per referral, written at registration and rewritten at every later change. The
row holds the person's random token (so the statistics can count persons, not events),
months rather than dates, the age band rather than the age, and codes only: no referral
number, no ID number or keyed pseudonym, no name, no free text, no police district. Its
own id is random; only the case section knows which referral it belongs to.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from datetime import date

from rusenhet.vault import Vault


@dataclass(frozen=True)
class ReferralFact:
    fact_id: str
    person_token: str
    month_received: str
    age_band: str
    sex: str | None
    legal_basis: str
    repeat_referral: int
    status: str
    month_closed: str | None
    close_reason: str | None


#: The columns of the stats section's referral_fact table, in order (a test pins them).
FACT_COLUMNS = tuple(f.name for f in fields(ReferralFact))


def new_fact_id() -> str:
    """A random id (128 bits): not derived from the referral number or anything else."""
    return secrets.token_hex(16)


def codes_from_json(raw: str | None) -> tuple[str, ...]:
    """The JSON list of codes stored in a fact row (empty if missing or malformed)."""
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def month(day: date | None) -> str | None:
    """YYYY-MM: the finest time unit the stats section may hold."""
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def write(vault: Vault, fact: ReferralFact) -> None:
    """Insert or replace the fact row (call inside ``vault.transact``)."""
    placeholders = ", ".join("?" for _ in FACT_COLUMNS)
    vault.stats_conn.execute(
        f"INSERT OR REPLACE INTO referral_fact ({', '.join(FACT_COLUMNS)}) "  # noqa: S608
        f"VALUES ({placeholders})",
        # not dataclasses.astuple: it deep-copies, and this runs at every referral change
        tuple(getattr(fact, column) for column in FACT_COLUMNS))


def read_all(vault: Vault) -> list[ReferralFact]:
    """Every fact row, in the order of their random ids."""
    rows = vault.stats_conn.execute(
        f"SELECT {', '.join(FACT_COLUMNS)} FROM referral_fact ORDER BY fact_id"  # noqa: S608
    ).fetchall()
    return [ReferralFact(*row) for row in rows]
