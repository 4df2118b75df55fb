"""Persons reporting each substance by age band: one yes/no table per substance, counted
by persons (not meetings), suppressed by the disclosure engine and checked by an
independent LP attacker who sees all substance tables together."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from conftest import COUNSELLOR_PASS, Env
from scipy.optimize import linprog
from test_guards import base_answers
from test_meetings import answers_file
from test_referral_kit import TODAY, Register, synthetic

from rusenhet.people import AgeBands
from rusenhet.stats import catalogue
from rusenhet.stats.disclosure import Microdata, Release, Rules, Status, suppress
from rusenhet.stats.periods import parse_period

#: (birth, substances reported in the meeting, or None when no meeting was held)
PEOPLE: list[tuple[date, list[str] | None]] = [
    (date(2000, 3, 1), ["cannabis"]),
    (date(2001, 4, 2), ["cannabis", "alkohol"]),
    (date(2002, 5, 3), ["cannabis"]),
    (date(2003, 6, 4), ["ingen"]),
    (date(2004, 1, 5), ["vil-ikke-svare"]),
    (date(2000, 8, 6), ["sentralstimulerende", "cannabis"]),
    (date(2001, 9, 7), None),
    (date(1980, 2, 8), None),
]


def _hold(env: Env, number: int, substances: list[str]) -> None:
    answers = {**base_answers(24), "u24_stoffer": substances}
    result = env.run(["meeting", "start", str(number), "--held-on", "2024-06-12", "--answers",
                      str(answers_file(env, answers, f"a{number}.json"))],
                     passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    assert result.exit_code == 0, result.output


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    for i, (birth, substances) in enumerate(PEOPLE, start=1):
        r.add(synthetic(birth, seed=40 + i), name=f"Person Nummer{i}", received="2024-06-01")
        if substances is not None:
            _hold(unit, i, substances)
    # Person 1 again: a second referral and meeting in the same year, other substances.
    r.add(synthetic(PEOPLE[0][0], seed=41), name="Person Nummer1", received="2024-06-03",
          extra=("--yes",))
    _hold(unit, len(PEOPLE) + 1, ["alkohol", "cannabis"])
    return r


def _catalogue(reg: Register) -> tuple[tuple[object, ...], list[dict[str, str]], tuple[object, ...]]:
    v = reg.open("siv")
    return catalogue.substance_catalogue(v, parse_period("2024"), AgeBands.parse("16,18,25"))


def test_each_person_counts_once_per_substance(reg: Register) -> None:
    _, cells, specs = _catalogue(reg)
    assert len(cells) == len(PEOPLE)  # persons, not referrals or meetings
    yes = {s: sum(c[f"substance_{s}"] == "yes" for c in cells)
           for s in catalogue.PUBLISHED_SUBSTANCES}
    assert yes == {"alkohol": 2, "cannabis": 4, "sentralstimulerende": 1, "piller": 0,
                   "opioider": 0}
    assert [s.name for s in specs] == [f"substance-{s}" for s in catalogue.PUBLISHED_SUBSTANCES]
    assert {c["age"] for c in cells} == {"18-24", "25+"}


def test_substance_tables_pass_an_independent_lp_attacker(reg: Register) -> None:
    dims, cells, specs = _catalogue(reg)
    rules = Rules(t=4, p=3)
    md = Microdata.from_persons(dims, cells)  # type: ignore[arg-type]
    result = suppress(Release(md, specs), rules)  # type: ignore[arg-type]
    assert result.ok
    # The attacker's unknowns: persons per (age leaf, yes/no per substance).
    age = next(d for d in dims if d.name == "age")  # type: ignore[attr-defined]
    names = [f"substance_{s}" for s in catalogue.PUBLISHED_SUBSTANCES]
    keys = list(itertools.product(age.leaves, *(("yes", "no") for _ in names)))
    published, hidden = [], []
    for table in result.tables:
        for cell in table.cells:
            pattern = dict(zip((d.name for d in table.dimensions), cell.codes, strict=True))
            row = [1.0 if _matches(k, pattern, age, names) else 0.0 for k in keys]
            if cell.status is Status.PUBLISHED:
                assert cell.value is not None
                assert not 1 <= cell.value <= rules.t, pattern
                published.append((row, cell.value))
            elif cell.status is Status.SUPPRESSED:
                hidden.append((row, pattern))
    assert published and hidden  # the attacker has something to work with, and a target
    a_eq = np.array([r for r, _ in published])
    b_eq = np.array([v for _, v in published], dtype=float)
    for row, pattern in hidden:
        bounds = []
        for sign in (1, -1):
            res = linprog(sign * np.array(row), A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                          method="highs")
            assert res.status in (0, 3)
            bounds.append(None if res.status == 3 else round(sign * res.fun))
        assert rules.passes(bounds[0], bounds[1]), (pattern, bounds)


def _matches(key: tuple[str, ...], pattern: dict[str, str], age: object,
             names: list[str]) -> bool:
    ages = {age.leaves[i] for i in age.leaf_indices(pattern["age"])}  # type: ignore[attr-defined]
    if key[0] not in ages:
        return False
    for name, code in pattern.items():
        if name in names and code in ("yes", "no") and key[1 + names.index(name)] != code:
            return False
    return True

