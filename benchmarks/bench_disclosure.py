"""Benchmark of the disclosure-control engine (DESIGN §5).

Run from the repository root:

    python benchmarks/bench_disclosure.py

Two synthetic workloads:

(a) a unit's yearly catalogue from ~50 persons — one-way tables of age band, sex,
    legal basis, risk level, outcome and referral made, plus age × risk and
    age × attendance, all suppressed together (linked tables);
(b) a national table municipality (357) × age band × risk level from ~5,000 persons,
    spread over municipalities roughly like the population (Zipf-like).

For each, the script times suppression (the whole loop, final audit included), an LP
audit of the resulting pattern, and the same audit with the integer (MILP) check, and
prints every time also as a multiple of a baseline measured in the same run: one
``linprog`` call on the same published-figure system. Targets: unit ≤ 2 s,
national ≤ 30 s. Exits with 1 if any result fails its own audit.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rusenhet.stats.disclosure import (
    Dimension,
    Group,
    Microdata,
    Release,
    SuppressionResult,
    TableSpec,
    audit,
    suppress,
)

T = TypeVar("T")

AGE = Dimension(
    "age_band",
    ("0-15", "16-17", "18-24", "25+"),
    (Group("0-17", ("0-15", "16-17")), Group("18+", ("18-24", "25+"))),
)
SEX = Dimension("sex", ("female", "male", "unknown"))
LEGAL = Dimension("legal_basis", ("waiver", "condition", "voluntary"), sensitive=True)
RISK = Dimension("risk", ("low", "moderate", "high"), sensitive=True)
OUTCOME = Dimension("outcome", ("no_action", "advice", "follow_up", "referred"), sensitive=True)
REFERRAL = Dimension("referral_made", ("yes", "no"))
ATTENDANCE = Dimension("attendance", ("attended", "not_attended"))
WEIGHTS = {
    "age_band": (3, 30, 50, 17),
    "sex": (30, 65, 5),
    "legal_basis": (60, 30, 10),
    "risk": (50, 35, 15),
    "outcome": (30, 40, 20, 10),
    "referral_made": (30, 70),
    "attendance": (85, 15),
}


def unit_release(seed: int, persons: int = 50) -> Release:
    rng = random.Random(seed)
    dims = (AGE, SEX, LEGAL, RISK, OUTCOME, REFERRAL, ATTENDANCE)
    people = [
        {d.name: rng.choices(d.leaves, WEIGHTS[d.name])[0] for d in dims} for _ in range(persons)
    ]
    tables = (
        *(TableSpec(d.name, (d.name,)) for d in dims[:6]),
        TableSpec("age x risk", ("age_band", "risk")),
        TableSpec("age x attendance", ("age_band", "attendance")),
    )
    return Release(Microdata.from_persons(dims, people), tables)


def national_release(seed: int, persons: int = 5000, municipalities: int = 357) -> Release:
    rng = random.Random(seed)
    codes = tuple(f"{i:04d}" for i in range(1, municipalities + 1))
    municipality = Dimension("municipality", codes, total="Norge")
    # Zipf-like sizes: the largest municipality gets ~15 %, the median a handful.
    weights = [1 / rank for rank in range(1, municipalities + 1)]
    people = [
        {
            "municipality": rng.choices(codes, weights)[0],
            "age_band": rng.choices(AGE.leaves, WEIGHTS["age_band"])[0],
            "risk": rng.choices(RISK.leaves, WEIGHTS["risk"])[0],
        }
        for _ in range(persons)
    ]
    md = Microdata.from_persons((municipality, AGE, RISK), people)
    return Release(md, (TableSpec("national", ("municipality", "age_band", "risk")),))


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def baseline(result: SuppressionResult, repeats: int = 5) -> float:
    """Median time of one linprog call (minimise the grand total) on the same system."""
    system = result.linear_system()
    n = system.matrix.shape[1]
    times = []
    for _ in range(repeats):
        _, seconds = timed(
            lambda: linprog(
                np.ones(n),
                A_eq=system.matrix,
                b_eq=system.values,
                bounds=(0, None),
                method="highs",
            )
        )
        times.append(seconds)
    return statistics.median(times)


def run(name: str, release: Release, target: float, exact: bool) -> bool:
    result, t_suppress = timed(lambda: suppress(release, exact_intervals=exact))
    patterns = result.suppressed_patterns()
    lp_report, t_lp = timed(
        lambda: audit(release, patterns, exact_intervals=exact, integer_check=False)
    )
    int_report, t_int = timed(
        lambda: audit(release, patterns, exact_intervals=exact, integer_check=True)
    )
    base = baseline(result)
    figures = sum(len(t.cells) for t in result.tables)
    print(f"\n{name}")
    print(
        f"  figures {figures}, suppressed {len(patterns)}, audit targets "
        f"{len(result.audit.findings)}, insider scenarios {result.audit.insider_scenarios}, "
        f"rounds {result.rounds}, last resort {list(result.last_resort) or 'none'}, "
        f"ok {result.ok and lp_report.ok and int_report.ok}"
    )
    print(f"  baseline: one linprog on the published system = {base * 1000:.1f} ms")
    rows = [
        ("suppression (whole loop)", t_suppress),
        ("LP audit", t_lp),
        ("LP + integer audit", t_int),
        ("  of which MILP solves", int_report.milp_seconds),
    ]
    for label, seconds in rows:
        print(f"  {label:<26} {seconds:7.2f} s  = {seconds / base:8.0f} × baseline")
    print(
        f"  solver calls: suppression {result.audit.lp_calls} LP / "
        f"{result.audit.milp_calls} MILP; integer audit {int_report.lp_calls} LP / "
        f"{int_report.milp_calls} MILP"
    )
    verdict = "within" if t_suppress <= target else "OVER"
    print(f"  target ≤ {target:.0f} s for suppression: {verdict}")
    return result.ok and lp_report.ok and int_report.ok


def main() -> int:
    ok = True
    unit_times = []
    for seed in range(1, 6):
        release = unit_release(seed)
        result, seconds = timed(lambda release=release: suppress(release))
        ok = ok and result.ok
        unit_times.append(seconds)
    print(
        "unit catalogue, 5 synthetic units of 50 persons: suppression "
        f"mean {statistics.mean(unit_times):.2f} s, max {max(unit_times):.2f} s"
    )
    ok = run("(a) unit yearly catalogue, 50 persons, 8 linked tables", unit_release(1), 2.0, True)
    ok = (
        run(
            "(b) national municipality × age band × risk, 5,000 persons",
            national_release(7),
            30.0,
            False,
        )
        and ok
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
