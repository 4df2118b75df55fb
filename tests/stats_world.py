"""Statistics scenarios for the disclosure tests: units whose de-identified fact rows are
written straight into a real vault (the rows the case code writes when a referral is
registered or a meeting held), and releases made through the real CLI.

Writing fact rows instead of driving ``referral add`` and ``meeting start`` keeps a
scenario of forty persons under a second; the rows are exactly those the case code
writes (same table, same columns, same code lists), and `stats publish` reads nothing
else. Each person's data version per quarter is tracked so that the independent attacker
(tests/attacker.py) knows which releases were made from the same data.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from attacker import AGE, RISK, Person, Seen
from conftest import ADMIN_PASS, SUPERVISOR_PASS, Env, Result

from rusenhet.vault import Vault

TODAY = "2025-03-01"  # every period of 2024 has ended


@dataclass
class Unit:
    """One unit's vault and what the test has put into it."""

    env: Env
    vault: Path
    kommune: str
    persons: list[Person] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (person token, fact id)
    version: dict[int, int] = field(default_factory=dict)  # quarter -> data version

    def run(self, *args: str, user: str = "siv", today: str = TODAY) -> Result:
        self.env.vault = self.vault
        return self.env.run(list(args), passphrase={"siv": SUPERVISOR_PASS,
                                                    "anne": ADMIN_PASS}[user], user=user,
                            env={"RUSENHET_TODAY": today})

    def add(self, persons: list[Person]) -> None:
        """Register persons (fact rows as `referral add` and `meeting start` write them)."""
        vault = Vault.open(self.vault, "anne", ADMIN_PASS)

        def write(v: Vault) -> None:
            for p in persons:
                token, fact = secrets.token_hex(16), secrets.token_hex(16)
                v.stats_conn.execute(
                    "INSERT INTO referral_fact (fact_id, person_token, month_received,"
                    " age_band, sex, legal_basis, repeat_referral, status) VALUES"
                    " (?, ?, ?, ?, ?, ?, 0, 'open')",
                    (fact, token, p.month, p.age, p.sex, p.legal_basis))
                self.tokens.append((token, fact))
                if p.attendance == "attended":
                    _meeting(v, token, fact, p)

        vault.transact(write)
        for q in {p.quarter for p in persons}:
            self.version[q] = self.version.get(q, 0) + 1
        for p in persons:
            self.persons.append(replace(p, municipality=self.kommune,
                                        version=self.version[p.quarter]))

    def hold(self, index: int, risk: str, outcome: str, referral_made: str) -> None:
        """A meeting held later for person ``index`` (who had not attended)."""
        old = self.persons[index]
        new = replace(old, attendance="attended", risk=risk, outcome=outcome,
                      referral_made=referral_made)
        token, fact = self.tokens[index]
        vault = Vault.open(self.vault, "anne", ADMIN_PASS)
        vault.transact(lambda v: _meeting(v, token, fact, new))
        self.version[old.quarter] = self.version.get(old.quarter, 0) + 1
        self.persons[index] = replace(new, version=self.version[old.quarter])

    def publish(self, period: str, name: str, fmt: str = "json") -> Result:
        return self.run("stats", "publish", period, "--out", str(self.env.root / name),
                        "--format", fmt)

    def seen(self, name: str) -> Seen:
        """The release file ``name`` as the attacker sees it, with the data versions it
        was made from."""
        data = _load(self.env.root / name)
        return Seen(data, self.kommune, self.seen_versions(), name)

    def seen_versions(self) -> dict[tuple[str, int], int]:
        return {(self.kommune, q): v for q, v in self.version.items()}



def _meeting(v: Vault, token: str, fact: str, p: Person) -> None:
    v.stats_conn.execute(
        "INSERT INTO meeting_fact (fact_id, person_token, referral_fact_id, month, age_band,"
        " sex, legal_basis, kind, risk_level, outcome_codes, referral_codes,"
        " days_to_meeting, within_deadline, repeat_referral) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, 5, 1, 0)",
        (secrets.token_hex(16), token, fact, p.month, p.age, p.sex, p.legal_basis,
         None if p.risk == "not-assessed" else p.risk,
         json.dumps([] if p.outcome == "none" else [p.outcome]),
         json.dumps(["tverrfaglig"] if p.referral_made == "yes" else ["ingen"])))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def new_unit(env: Env, kommune: str, folder: str = "") -> Unit:
    """A fresh vault with an admin (anne) and a supervisor (siv)."""
    path = env.root / (folder or f"unit-{kommune}") / "unit.vault"
    path.parent.mkdir(parents=True, exist_ok=True)
    env.vault = path
    env.init(kommune=kommune)
    env.add_user("siv", "supervisor", SUPERVISOR_PASS)
    return Unit(env, path, kommune)


def random_persons(rng: random.Random, n: int, year: int = 2024,
                   months: Sequence[int] = tuple(range(1, 13)),
                   attend: float = 0.75) -> list[Person]:
    """Persons with the proportions of a unit's year (mostly 16–24, most attend)."""
    out = []
    for _ in range(n):
        attended = rng.random() < attend
        out.append(Person(
            month=f"{year:04d}-{rng.choice(list(months)):02d}",
            age=rng.choices(AGE, (1, 3, 4, 3))[0],
            sex=rng.choice(("female", "male", "male")),
            legal_basis=rng.choice(("paatale", "paatale", "betinget-dom")),
            risk=rng.choices(RISK[:3], (5, 3, 2))[0] if attended else "not-assessed",
            attendance="attended" if attended else "not-attended",
            outcome=rng.choice(("avsluttet", "ny-samtale", "henvist")) if attended else "none",
            referral_made=rng.choice(("yes", "no")) if attended else "no"))
    return out
