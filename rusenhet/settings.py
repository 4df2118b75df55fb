"""Unit settings, kept inside the vault's stats section so that every laptop of a unit
applies the same rules (DESIGN §1), and so that supervisors — who can open only the
stats section — read the same thresholds and age bands as everyone else."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rusenhet import audit, roles
from rusenhet.errors import InputError, VaultError
from rusenhet.i18n import normalise_language
from rusenhet.vault import Vault, admin


def _text(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise InputError("unit.bad_text")
    return value


def _optional_text(value: str) -> str:
    value = value.strip()
    if len(value) > 200:
        raise InputError("unit.bad_text")
    return value


def _kommunenummer(value: str) -> str:
    # Kommunenummer: four digits (SSB's classification of municipalities, KLASS 131).
    value = value.strip()
    if not re.fullmatch(r"\d{4}", value):
        raise InputError("unit.bad_kommunenummer")
    return value


def _language(value: str) -> str:
    lang = normalise_language(value)
    if lang is None:
        raise InputError("unit.bad_language")
    return lang


def _age_bands(value: str) -> str:
    # One nested hierarchy only (DESIGN §5), so 18 must be one of the bounds.
    from rusenhet.people import AgeBands

    return AgeBands.parse(value).format()


def _int_range(lo: int, hi: int, key: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            number = int(value.strip())
        except ValueError:
            raise InputError(key, min=lo, max=hi) from None
        if not lo <= number <= hi:
            raise InputError(key, min=lo, max=hi)
        return str(number)

    return parse


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    parse: Callable[[str], str]


SETTINGS: dict[str, Setting] = {s.key: s for s in [
    Setting("unit-name", "", _text),
    Setting("kommunenummer", "", _kommunenummer),
    # Shown in letters: how the person reaches the unit (phone, e-mail, address).
    Setting("unit-contact", "", _optional_text),
    # The unit's postal address, printed at the top of letters (issue 12).
    Setting("unit-address", "", _optional_text),
    Setting("language", "nb", _language),
    # Lower bounds of the age bands after the first: 16,18,25 → 0-15, 16-17, 18-24, 25+.
    Setting("age-bands", "16,18,25", _age_bands),
    # 24 months after closing: a conditional waiver's probation period is usually up to
    # two years (straffeprosessloven § 69 with § 70), DESIGN §3.
    Setting("retention-months", "24", _int_range(1, 120, "unit.bad_retention")),
    # Disclosure control threshold t: default 4, never below 3 (DESIGN §5).
    Setting("suppression-threshold", "4", _int_range(3, 20, "unit.bad_threshold")),
    Setting("protection-width", "3", _int_range(1, 20, "unit.bad_protection")),
]}


def parse(key: str, value: str) -> str:
    setting = SETTINGS.get(key)
    if setting is None:
        raise InputError("unit.unknown_key", key=key, keys=", ".join(SETTINGS))
    return setting.parse(value)


def read_all(vault: Vault) -> dict[str, str]:
    """Every setting, validated on every read: the digest of the stored values is signed
    by an admin (checked when the vault opens), and a value outside its bounds is
    tampering (exit 4), never clamped."""
    stored = {str(r[0]): str(r[1]) for r in
              vault.stats_conn.execute("SELECT key, value FROM settings")}
    values = {}
    for key, setting in SETTINGS.items():
        if key not in stored:
            values[key] = setting.default
            continue
        try:
            values[key] = setting.parse(stored[key])
        except InputError:
            raise VaultError("vault.tampered") from None
    return values


def get(vault: Vault, key: str) -> str:
    # One row, not read_all: this runs for every fact row written (the age bands).
    row = vault.stats_conn.execute("SELECT value FROM settings WHERE key = ?",
                                   (key,)).fetchone()
    return str(row[0]) if row is not None else SETTINGS[key].default


def set_value(vault: Vault, key: str, value: str) -> str:
    roles.require(vault.role, roles.Right.UNIT_SETTINGS)
    parsed = parse(key, value)

    def change(v: Vault) -> None:
        v.stats_conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                             (key, parsed))
        if key == "language":
            v.set_language(parsed)
        admin.sign_settings(v)
        if key == "age-bands" and v.case_conn is not None:
            resync_all_facts(v)
        audit.append(v, "unit.set", key)

    vault.transact(change)
    return parsed


def resync_all_facts(v: Vault) -> None:
    """Every fact row carries an age band; recompute them all under the new bands (the
    referral facts and, through them, the meeting facts)."""
    from rusenhet import referrals

    for row in v.case_conn.execute("SELECT id FROM referral").fetchall() if v.case_conn else []:
        referrals.sync_fact(v, int(row[0]))
