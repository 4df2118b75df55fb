"""Today's date and the time of recorded events, with one test and demo setting.

``RUSENHET_TODAY=YYYY-MM-DD`` fixes "today" — for deadlines, ages, the overdue filter and
the dates of history entries (recorded as noon UTC that day) — so that exact-output tests
and demos give the same screens on any day. It is a test and demo setting only: a vault
that is not demo-flagged refuses it (exit 1) rather than record invented dates in real
case files. The access log always records the real time.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

from rusenhet.errors import InputError
from rusenhet.vault import Vault

ENV_TODAY = "RUSENHET_TODAY"


def _override(vault: Vault) -> date | None:
    value = os.environ.get(ENV_TODAY, "").strip()
    if not value:
        return None
    if not vault.demo:
        raise InputError("clock.today_not_demo", variable=ENV_TODAY)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("clock.today_invalid", variable=ENV_TODAY) from None


def today(vault: Vault) -> date:
    """The local date, or ``RUSENHET_TODAY`` in a demo-flagged vault."""
    return _override(vault) or date.today()


def now(vault: Vault) -> datetime:
    """A UTC timestamp (whole seconds) for history entries."""
    fixed = _override(vault)
    if fixed is not None:
        return datetime.combine(fixed, time(12, 0), tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)
