"""Shared helpers for the referral tests (this module holds no tests of its own).

Every ID number is synthetic (month + 80) and made from a seeded generator, or made
invalid on purpose; none is copied from a real person. "Today" is frozen with
RUSENHET_TODAY, the documented test and demo setting (demo-flagged vaults only).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result

from rusenhet import people
from rusenhet.errors import InputError
from rusenhet.vault import Vault

TODAY = "2024-06-14"
PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}


def synthetic(birth: date, seed: int = 1) -> str:
    return people.synthetic_id_number(birth, random.Random(seed))


def spaced(number: str) -> str:
    """How people type it: DDMMYY IIIKK."""
    return f"{number[:6]} {number[6:]}"


def number_failing_with(first9: str, key: str) -> str:
    """An 11-digit number starting with ``first9`` that fails with ``key``."""
    for checks in range(100):
        candidate = f"{first9}{checks:02d}"
        try:
            people.parse_id_number(candidate, allow_synthetic=True,
                                   today=date.fromisoformat(TODAY))
        except InputError as error:
            if error.key == key:
                return candidate
    raise AssertionError(f"no number {first9}.. fails with {key}")


ADULT_BIRTH = date(2000, 5, 17)
ADULT = synthetic(ADULT_BIRTH)


def add_args(number: str | None = ADULT, *, name: str = "Åse Bjørnstad",
             received: str = "2024-03-01", basis: str = "paatale",
             authority: str = "Oslo politidistrikt", deadline: str = "2024-07-01",
             extra: tuple[str, ...] = ()) -> list[str]:
    args = ["add", "--name", name, "--received", received, "--legal-basis", basis,
            "--authority", authority, "--deadline", deadline, *extra]
    return [*args, "--id-number", number] if number is not None else [*args, "--no-id-number"]


@dataclass
class Register:
    """The real CLI, as one of the unit fixture's users, with today frozen."""

    env: Env

    def run(self, *args: str, user: str = "ola", lang: str | None = None,
            env: dict[str, str] | None = None) -> Result:
        pre = ["--lang", lang] if lang else []
        return self.env.run([*pre, "referral", *args], passphrase=PASSES[user], user=user,
                            env={"RUSENHET_TODAY": TODAY, **(env or {})})

    def ok(self, *args: str, user: str = "ola", lang: str | None = None) -> Result:
        result = self.run(*args, user=user, lang=lang)
        assert result.exit_code == 0, result.output
        return result

    def add(self, *args: str, **kwargs: object) -> Result:
        return self.ok(*add_args(*args, **kwargs))  # type: ignore[arg-type]

    def vault_bytes(self) -> bytes:
        return self.env.vault.read_bytes()

    def open(self, user: str = "anne") -> Vault:
        """The vault in-process, as the real code opens it (to look inside)."""
        return Vault.open(self.env.vault, user, PASSES[user])

    @property
    def vault_path(self) -> Path:
        return self.env.vault
