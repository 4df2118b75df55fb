"""Generated histories (hypothesis): random units, random orders of quarter, year and
revised releases, late referrals and meetings held after publication — every release
through the real CLI, all of them audited together by the independent attacker.

A couple of examples run by default; `pytest -m slow` runs many more, with national
releases of several units. Open (issue 14): the slow runs still find (1) an insider
whose own record changed between two versions of a release — the attacker subtracts
the insider only from the versions with their current record, which may be the
attacker's modelling rather than the engine; (2) tiny units (4 persons) whose quarter
releases are not yet constraints of the national suppression (only year releases
travel in the exports)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from attacker import Seen
from conftest import Env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stats_world import Unit, new_unit, random_persons
from test_disclosure_history import attack

_COUNTER = itertools.count()
ACTIONS = ("quarter", "year", "late", "meeting")


def _history(env: Env, data: st.DataObject, kommune: str = "4601",
             steps: int = 5) -> tuple[Unit, list[Seen]]:
    seed = data.draw(st.integers(0, 10_000), label="seed")
    size = data.draw(st.integers(4, 30), label="persons")
    unit = new_unit(env, kommune, folder=f"unit-{next(_COUNTER)}")
    rng = random.Random(seed)
    unit.add(random_persons(rng, size, attend=rng.choice((0.5, 0.8))))
    seen: list[Seen] = []
    for step in range(steps):
        action = data.draw(st.sampled_from(ACTIONS), label=f"step {step}")
        if action in ("quarter", "year"):
            period = "2024" if action == "year" else f"2024-Q{rng.randint(1, 4)}"
            name = f"{unit.kommune}-{period}-{next(_COUNTER)}.json"
            result = unit.publish(period, name)
            assert result.exit_code == 0, (period, result.output)
            seen.append(unit.seen(name))
        elif action == "late":
            q = rng.randint(1, 4)
            unit.add(random_persons(rng, rng.randint(1, 3), months=range(3 * q - 2, 3 * q + 1)))
        else:
            absent = [i for i, p in enumerate(unit.persons) if p.attendance == "not-attended"]
            if absent:
                unit.hold(rng.choice(absent), rng.choice(("low", "high")), "ny-samtale", "no")
    return unit, seen


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_unit_histories(env: Env, data: st.DataObject) -> None:
    unit, seen = _history(env, data)
    insiders = [p for p in unit.persons if p.version == min(q.version for q in unit.persons)]
    assert attack(seen, insiders[:1]) == []


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_many_unit_histories(env: Env, data: st.DataObject) -> None:
    unit, seen = _history(env, data, steps=7)
    assert attack(seen, unit.persons[:2]) == []


@pytest.mark.slow
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_national_histories(env: Env, data: st.DataObject) -> None:
    """Several units with their own histories, then national releases (a late unit
    published as a revision), all audited together."""
    key = env.root / f"agg-{next(_COUNTER)}" / "aggregator.pem"
    key.parent.mkdir()
    assert env.run(["stats", "aggregator-key", "--out", str(key)]).exit_code == 0
    count = data.draw(st.integers(2, 4), label="units")
    units, seen = [], []
    for i in range(count):
        unit, history = _history(env, data, kommune=f"46{i + 1:02d}", steps=3)
        units.append(unit)
        seen += history
    late = data.draw(st.booleans(), label="late unit")
    rounds = [units[:-1], units] if late else [units]
    for r, members in enumerate(rounds):
        exports = []
        for unit in members:
            name = f"{unit.kommune}-year-{next(_COUNTER)}.json"
            assert unit.publish("2024", name).exit_code == 0
            seen.append(unit.seen(name))
            out = env.root / f"export-{unit.kommune}-{r}-{next(_COUNTER)}.json"
            assert unit.run("stats", "export", "2024", "--recipient-key", f"{key}.pub",
                            "--out", str(out), user="anne").exit_code == 0
            exports.append(out)
        national = Path(env.root / f"national-{r}-{next(_COUNTER)}.json")
        result = env.run(["stats", "combine", *map(str, exports), "--key", str(key),
                          "--publish", "--out", str(national), "--format", "json"])
        assert result.exit_code == 0, result.output
        versions = {k: v for u in members for k, v in u.seen_versions().items()}
        seen.append(Seen(json.loads(national.read_text(encoding="utf-8")), None, versions,
                         national.name))
    assert attack(seen) == []
