"""Publishing benchmarks (not part of pytest): a unit's yearly release from its own
vault data, and the national yearly release from 357 synthetic unit exports (about
5,000 persons), through the same code as `stats publish` and `stats combine`.

    python benchmarks/bench_publish.py [--units 357] [--persons 5000]

Figures are printed as ratios against a baseline measured in the same run: one
`scipy.optimize.linprog` call on an audit-sized problem. Targets: a unit's yearly
release <= 2 s; the national release <= 30 s.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
from scipy.optimize import linprog

from rusenhet.people import AgeBands
from rusenhet.stats import catalogue, national
from rusenhet.stats.disclosure import Microdata, Release, Rules, suppress
from rusenhet.stats.periods import parse_period

RISKS = ("low", "moderate", "high", "not-assessed")


def person(rng: random.Random, year: int) -> dict[str, str]:
    attended = rng.random() < 0.8
    return {
        "month": f"{year}-{rng.randint(1, 12):02d}",
        "age": rng.choices(("0-15", "16-17", "18-24", "25+"), (1, 3, 4, 3))[0],
        "sex": rng.choice(("female", "male", "male", "unknown")),
        "legal_basis": rng.choice(("paatale", "paatale", "betinget-dom")),
        "risk": rng.choices(RISKS[:3], (5, 3, 1))[0] if attended else "not-assessed",
        "attendance": "attended" if attended else "not-attended",
        "outcome": rng.choice(("avsluttet", "ny-samtale", "henvist")) if attended else "none",
        "referral_made": rng.choice(("yes", "no")) if attended else "no",
    }


def baseline() -> float:
    """One LP of 400 variables and 60 equality constraints (an audit-sized problem)."""
    rng = np.random.default_rng(1)
    a = (rng.random((60, 400)) < 0.1).astype(float)
    x = rng.integers(0, 5, 400).astype(float)
    start = time.perf_counter()
    for _ in range(20):
        linprog(rng.standard_normal(400), A_eq=a, b_eq=a @ x, bounds=(0, None), method="highs")
    return (time.perf_counter() - start) / 20


def unit_release(rng: random.Random, persons: int, lp: float) -> None:
    bands = AgeBands()
    dims = {d.name: d for d in catalogue.dimensions(2025, bands)}
    people = [person(rng, 2025) for _ in range(persons)]
    start = time.perf_counter()
    from rusenhet.stats.publish import COMPONENTS

    suppressed = published = 0
    for component in COMPONENTS:
        names = ("month", *component)
        md = Microdata.from_persons([dims[n] for n in names],
                                    [{n: p[n] for n in names} for p in people],
                                    catalogue.structural_zeros(names))
        specs = tuple(t for t in catalogue.unit_tables(parse_period("2025"))
                      if set(t.dimensions) <= set(component))
        result = suppress(Release(md, specs), Rules())
        assert result.ok
        for table in result.tables:
            for cell in table.cells:
                suppressed += cell.text == ":"
                published += cell.text not in (":", ".")
    took = time.perf_counter() - start
    share = suppressed / max(1, published + suppressed)
    print(f"unit yearly release, {persons} persons: {took:.2f} s = {took / lp:.0f}x one LP "
          f"({published} published, {suppressed} suppressed cells = {share:.0%}); "
          "target <= 2 s")


def national_release(rng: random.Random, units: int, persons: int, lp: float) -> None:
    kommuner = sorted({f"{rng.randint(1, 56):02d}{rng.randint(1, 99):02d}"
                       for _ in range(units * 3)})[:units]
    exports = []
    for i, k in enumerate(kommuner):
        counts: dict[tuple[str, ...], int] = {}
        for _ in range(max(1, round(rng.expovariate(units / persons)))):
            one = person(rng, 2025)
            key = tuple(one[f] for f in national.CELL_FIELDS)
            counts[key] = counts.get(key, 0) + 1
        exports.append(national.UnitExport(k, 2025, f"x{i}", "16,18,25",
                                           tuple(counts.items())))
    start = time.perf_counter()
    release = national.combine(exports, Rules())
    took = time.perf_counter() - start
    cells = sum(len(t.cells) for t in release.tables)
    suppressed = sum(c.text == ":" for t in release.tables for c in t.cells)
    print(f"national yearly release, {len(exports)} units, {release.persons} persons: "
          f"{took:.1f} s = {took / lp:.0f}x one LP ({cells} cells, {suppressed} suppressed "
          f"= {suppressed / cells:.0%}); target <= 30 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=357)
    parser.add_argument("--persons", type=int, default=5000)
    args = parser.parse_args()
    lp = baseline()
    print(f"baseline: one linprog (400 variables, 60 constraints) = {lp * 1000:.1f} ms")
    rng = random.Random(2025)
    for n in (15, 50):
        unit_release(rng, n, lp)
    national_release(rng, args.units, args.persons, lp)


if __name__ == "__main__":
    main()
