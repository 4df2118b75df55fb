"""Disclosure control across every release (issue 14): named regression tests for the
findings A–E and the quarter/year deadlock, through the real CLI and vaults, each
audited by the independent attacker in tests/attacker.py, who sees every release
together (README: "The attacker model")."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from attacker import Attacker, Person, Seen
from conftest import Env
from stats_world import Unit, new_unit, random_persons

from rusenhet.errors import ExitCode


def attack(seen: list[Seen], insiders: list[Person] | None = None) -> list[str]:
    """The attacker's findings over ``seen`` together, then as each insider."""
    found = _attacker(seen).findings()
    for person in insiders or []:
        found += _attacker(seen).findings(insider=person, limit=5)
    return found


def _attacker(seen: list[Seen]) -> Attacker:
    a = Attacker()
    for s in seen:
        a.add(s)
    return a


def person(month: str, age: str = "18-24", risk: str = "low", attended: bool = True,
           outcome: str = "avsluttet", made: str = "no", sex: str = "male",
           basis: str = "paatale") -> Person:
    if not attended:
        risk, outcome, made = "not-assessed", "none", "no"
    return Person(month, age, sex, basis, risk, "attended" if attended else "not-attended",
                  outcome, made)


def published(unit: Unit, *periods: str) -> list[Seen]:
    out = []
    for period in periods:
        result = unit.publish(period, f"{unit.kommune}-{period}-{len(unit.persons)}.json")
        assert result.exit_code == 0, result.output
        out.append(unit.seen(f"{unit.kommune}-{period}-{len(unit.persons)}.json"))
    return out


# --------------------------------------------------------------------------- E


def test_e_structural_links_and_attendance(env: Env) -> None:
    """E: "did not attend" means risk not assessed, outcome none and no referral made;
    the attacker assumes it, and attendance is sensitive (a published "all attended" or
    "none of the 25+ attended" is group disclosure)."""
    unit = new_unit(env, "4601")
    unit.add([person("2024-01", "16-17"), person("2024-01", "16-17", "high"),
              person("2024-02", "18-24", attended=False), person("2024-02", "18-24"),
              person("2024-03", "18-24", "moderate", outcome="ny-samtale"),
              person("2024-03", "25+", attended=False), person("2024-03", "25+", attended=False),
              person("2024-02", "18-24", "high", made="yes", outcome="henvist")])
    assert attack(published(unit, "2024-Q1")) == []


# --------------------------------------------------------------------------- C


def test_c_revision_difference_is_a_table_of_persons(env: Env) -> None:
    """C: two late Q1 referrals, both high risk; the revision of Q1 must not show what
    the added persons look like (new − old of every figure, and group disclosure on
    them)."""
    unit = new_unit(env, "4601")
    unit.add(random_persons(random.Random(11), 24, months=(1, 2, 3)))
    first = published(unit, "2024-Q1")
    unit.add([person("2024-03", "18-24", "high", outcome="ny-samtale"),
              person("2024-03", "18-24", "high", outcome="ny-samtale")])
    revised = published(unit, "2024-Q1")
    assert attack(first + revised) == []


# --------------------------------------------------------------------------- D


def test_d_complement_and_insider_span_the_history(env: Env) -> None:
    """D: year − quarters, and an insider who is a Q1 non-attender, over all releases."""
    unit = new_unit(env, "4601")
    rng = random.Random(5)
    unit.add(random_persons(rng, 40, attend=0.7))
    seen = published(unit, "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024")
    q1_absent = [p for p in unit.persons if p.quarter == 1 and p.attendance == "not-attended"]
    assert attack(seen, q1_absent[:2]) == []


# ------------------------------------------------------------------ deadlock, Q4, format


def test_quarter_and_year_revised_together_no_deadlock(env: Env) -> None:
    """A meeting held after Q1 and the year were published: the quarter and its year
    are revised as one joint release instead of each demanding the other first."""
    unit = new_unit(env, "4601")
    unit.add(random_persons(random.Random(8), 30, attend=0.6))
    seen = published(unit, "2024-Q1", "2024")
    absent = next(i for i, p in enumerate(unit.persons)
                  if p.quarter == 1 and p.attendance == "not-attended")
    unit.hold(absent, "moderate", "ny-samtale", "no")
    result = unit.publish("2024-Q1", "q1-revised.json")
    assert result.exit_code == 0, result.output
    seen.append(unit.seen("q1-revised.json"))
    year = unit.publish("2024", "year-revised.json")
    assert year.exit_code == 0, year.output
    seen.append(unit.seen("year-revised.json"))
    assert attack(seen) == []


def test_q4_after_the_year_is_suppressed_not_refused(env: Env) -> None:
    """Q1–Q3 and the year published: Q4's total is year − Q1 − Q2 − Q3 whatever Q4
    shows (it used to be refused: "audit failed"), and the year must not have made
    any part of Q4 a small count."""
    unit = new_unit(env, "4601")
    unit.add(random_persons(random.Random(2), 30, attend=0.7))
    seen = published(unit, "2024-Q1", "2024-Q2", "2024-Q3", "2024", "2024-Q4")
    assert attack(seen) == []


def test_same_period_in_another_format_is_not_a_revision(env: Env) -> None:
    unit = new_unit(env, "4601")
    unit.add(random_persons(random.Random(2), 20))
    assert unit.publish("2024", "y.json").exit_code == 0
    again = unit.publish("2024", "y.md", fmt="markdown")
    assert again.exit_code == 0, again.output
    listed = json.loads(unit.run("stats", "releases", "--json").stdout)
    assert [e["period"] for e in listed["rows"]] == ["2024"]
    assert all(e["revision_of"] is None for e in listed["rows"])
    figures = json.loads((env.root / "y.json").read_text(encoding="utf-8"))
    total = next(c["symbol"] for t in figures["tables"] if t["name"] == "sex"
                 for c in t["cells"] if c["sex"] == "Total")
    assert f"| I alt | {total} |" in (env.root / "y.md").read_text(encoding="utf-8")
    assert unit.publish("2024", "y2.json").exit_code == 0
    assert (env.root / "y2.json").read_text() == (env.root / "y.json").read_text()
    # Any recorded release, by its id, in any format.
    written = unit.run("stats", "releases", "--release", listed["rows"][0]["release"],
                       "--out", str(env.root / "y3.json"), "--format", "json")
    assert written.exit_code == 0, written.output
    assert (env.root / "y3.json").read_text() == (env.root / "y.json").read_text()
    unknown = unit.run("stats", "releases", "--release", "nope", "--out",
                       str(env.root / "y4.json"))
    assert unknown.exit_code == ExitCode.INPUT and not (env.root / "y4.json").exists()


# --------------------------------------------------------------------------- A, B


def _units(env: Env, sizes: tuple[int, ...]) -> list[Unit]:
    units = []
    for i, n in enumerate(sizes):
        unit = new_unit(env, f"46{i + 1:02d}")
        unit.add(random_persons(random.Random(100 + i), n))
        units.append(unit)
    return units


def _export(env: Env, unit: Unit, key: Path) -> Path:
    out = env.root / f"export-{unit.kommune}-{len(unit.persons)}.json"
    result = unit.run("stats", "export", "2024", "--recipient-key", f"{key}.pub", "--out",
                      str(out), user="anne")
    assert result.exit_code == 0, result.output
    return out


def _combine(env: Env, key: Path, exports: list[Path], units: list[Unit], name: str) -> Seen:
    out = env.root / name
    result = env.run(["stats", "combine", *map(str, exports), "--key", str(key), "--publish",
                      "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    versions = {k: v for u in units for k, v in u.seen_versions().items()}
    return Seen(json.loads(out.read_text(encoding="utf-8")), None, versions, name)


@pytest.fixture
def aggregator(env: Env) -> Path:
    key = env.root / "agg" / "aggregator.pem"
    key.parent.mkdir()
    assert env.run(["stats", "aggregator-key", "--out", str(key)]).exit_code == 0
    return key


def test_a_national_release_with_the_units_own_releases(env: Env, aggregator: Path) -> None:
    """A: seven units publish their year, then the national release: national − the
    units' published figures must not isolate any unit's suppressed cell."""
    units = _units(env, (6, 9, 12, 16, 20, 28, 45))
    seen = [s for u in units for s in published(u, "2024")]
    exports = [_export(env, u, aggregator) for u in units]
    seen.append(_combine(env, aggregator, exports, units, "national.json"))
    assert attack(seen) == []


def test_b_national_published_twice(env: Env, aggregator: Path) -> None:
    """B: 6 units combined and published, then 7: the late unit's tables must not come
    out by subtraction (a national period is frozen; the second is an audited revision)."""
    units = _units(env, (8, 10, 12, 14, 18, 22, 6))
    exports = [_export(env, u, aggregator) for u in units]
    first = _combine(env, aggregator, exports[:6], units[:6], "national-6.json")
    second = _combine(env, aggregator, exports, units, "national-7.json")
    assert attack([first, second]) == []


def test_b_national_ledger_refuses_a_tampered_history(env: Env, aggregator: Path) -> None:
    units = _units(env, (8, 10))
    exports = [_export(env, u, aggregator) for u in units]
    _combine(env, aggregator, exports[:1], units[:1], "n1.json")
    ledgers = [p for p in aggregator.parent.iterdir() if "ledger" in p.name]
    assert len(ledgers) == 1
    text = ledgers[0].read_text(encoding="utf-8")
    ledgers[0].write_text(text.replace('"t": 4', '"t": 3'), encoding="utf-8")
    result = env.run(["stats", "combine", *map(str, exports), "--key", str(aggregator),
                      "--publish", "--out", str(env.root / "n2.json")])
    assert result.exit_code == ExitCode.VAULT


def test_a_unit_release_after_an_imported_national_release(env: Env, aggregator: Path) -> None:
    """A national release imported with `stats import-release` is in the unit's ledger,
    and the unit's later revision is audited against it."""
    units = _units(env, (9, 14))
    seen = [s for u in units for s in published(u, "2024")]
    exports = [_export(env, u, aggregator) for u in units]
    national = _combine(env, aggregator, exports, units, "national.json")
    seen.append(national)
    unit = units[0]
    imported = unit.run("stats", "import-release", str(env.root / "national.json"))
    assert imported.exit_code == 0, imported.output
    again = unit.run("stats", "import-release", str(env.root / "national.json"))
    assert again.exit_code == ExitCode.INPUT
    listed = json.loads(unit.run("stats", "releases", "--json").stdout)["rows"]
    assert [e["period"] for e in listed] == ["2024", "national:2024"]
    unit.add([person("2024-05", "16-17", "high", outcome="ny-samtale")])
    seen += published(unit, "2024")
    assert attack(seen) == []
