"""Disclosure control (DESIGN §5): hand-computed tables, history, and invariants.

Every expected suppression pattern below is worked out by hand in the comments, with
t = 4 and p = 3 unless stated. The property tests re-audit results with an independent,
deliberately naive LP (no presolve, no witnesses, one linprog call per bound).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from rusenhet.stats.disclosure import (
    SYMBOL_STRUCTURAL_ZERO,
    SYMBOL_SUPPRESSED,
    Dimension,
    Group,
    Microdata,
    PriorFigure,
    PriorRelease,
    PublishedTable,
    Release,
    Rule,
    Rules,
    Status,
    SuppressionResult,
    TableSpec,
    TargetKind,
    audit,
    suppress,
)

AGE = Dimension(
    "age",
    ("0-15", "16-17", "18-24", "25+"),
    (Group("0-17", ("0-15", "16-17")), Group("18+", ("18-24", "25+"))),
)
RISK = Dimension("risk", ("low", "moderate", "high"), sensitive=True)


def one_way(dim: Dimension, counts: Mapping[str, int]) -> Release:
    md = Microdata((dim,), {(k,): v for k, v in counts.items()})
    return Release(md, (TableSpec(dim.name, (dim.name,)),))


def two_way(rows: Dimension, cols: Dimension, grid: Sequence[Sequence[int]]) -> Release:
    counts = {
        (r, c): grid[i][j] for i, r in enumerate(rows.leaves) for j, c in enumerate(cols.leaves)
    }
    md = Microdata((rows, cols), counts)
    return Release(md, (TableSpec("t", (rows.name, cols.name)),))


def shown(result: SuppressionResult, name: str | None = None) -> list[list[str]]:
    table = result.tables[0] if name is None else result.table(name)
    return table.rows()


# ------------------------------------------------------------------ independent audit


def naive_interval(
    cells: Sequence[tuple[str, ...]],
    equations: Sequence[tuple[frozenset[tuple[str, ...]], int]],
    target: frozenset[tuple[str, ...]],
    lower: Mapping[tuple[str, ...], int] | None = None,
) -> tuple[int, int | None]:
    """min/max of a sum of cells subject to the published equations, rounded inward."""
    index = {c: i for i, c in enumerate(cells)}
    a = np.zeros((len(equations), len(cells)))
    b = np.zeros(len(equations))
    for r, (members, value) in enumerate(equations):
        for c in members:
            a[r, index[c]] = 1
        b[r] = value
    obj = np.zeros(len(cells))
    for c in target:
        obj[index[c]] = 1
    lb = np.zeros(len(cells))
    for c, v in (lower or {}).items():
        lb[index[c]] = v
    bounds = list(zip(lb, [None] * len(cells), strict=True))
    eq = {"A_eq": a, "b_eq": b} if len(equations) else {}
    lo = linprog(obj, bounds=bounds, method="highs", **eq)
    hi = linprog(-obj, bounds=bounds, method="highs", **eq)
    assert lo.status == 0
    high = None if hi.status == 3 else math.floor(-hi.fun + 1e-6)
    return math.ceil(lo.fun - 1e-6), high


def passes(lo: int, hi: int | None, t: int = 4, p: int = 3) -> bool:
    if hi is None:
        return True
    return hi - lo >= p and not (lo >= 1 and hi <= t)


def figures_of(
    result: SuppressionResult, release: Release
) -> list[tuple[PublishedTable, tuple[str, ...], frozenset[tuple[str, ...]], Status, int]]:
    """Every figure of every table as (table, codes, inner cells, status, true value)."""
    md = release.microdata
    names = release.dimension_names
    dims = [md.dimension(n) for n in names]
    inner = list(itertools.product(*(d.leaves for d in dims)))
    counts = {c: 0 for c in inner}
    positions = [[d.name for d in md.dimensions].index(n) for n in names]
    for key, v in md.counts.items():
        counts[tuple(key[i] for i in positions)] += v
    out = []
    for table in result.tables:
        where = dict(table.where)
        for cell in table.cells:
            codes = dict(zip((d.name for d in table.dimensions), cell.codes, strict=True))
            codes.update(where)
            members = frozenset(
                c
                for c in inner
                if all(
                    c[i] in {d.leaves[j] for j in d.leaf_indices(codes.get(d.name, d.total))}
                    for i, d in enumerate(dims)
                )
            )
            out.append((table, cell.codes, members, cell.status, sum(counts[c] for c in members)))
    return out


def independent_audit(result: SuppressionResult, release: Release, t: int = 4, p: int = 3) -> None:
    """Every suppressed figure, and total − cell of every complement pair, passes."""
    figs = figures_of(result, release)
    dims = [release.microdata.dimension(n) for n in release.dimension_names]
    cells = list(itertools.product(*(d.leaves for d in dims)))
    equations = [(m, v) for _, _, m, s, v in figs if s is Status.PUBLISHED]
    for table, codes, members, status, value in figs:
        if status is Status.SUPPRESSED:
            lo, hi = naive_interval(cells, equations, members)
            assert passes(lo, hi, t, p), (table.name, codes, value, lo, hi)
        if status is Status.PUBLISHED:
            assert not 1 <= value <= t, (table.name, codes, value)
    # Complement rule: total − cell of 1..t (or 0 under a sensitive dimension) must
    # not be derivable, whichever of the two carries the suppression.
    checked: set[frozenset[tuple[str, ...]]] = set()
    for (tab_t, codes_t, big, _, v_t), (tab_c, codes_c, small, _, v_c) in itertools.product(
        figs, figs
    ):
        if tab_t is not tab_c or not small < big:
            continue
        sensitive = any(
            d.sensitive
            for d, a, b in zip(tab_t.dimensions, codes_t, codes_c, strict=True)
            if a != b
        )
        diff = v_t - v_c
        if 1 <= diff <= t or (diff == 0 and sensitive and v_t >= 1):
            rest = big - small
            if rest in checked:
                continue
            checked.add(rest)
            lo, hi = naive_interval(cells, equations, rest)
            assert passes(lo, hi, t, p), (tab_t.name, codes_t, codes_c, diff, lo, hi)
    for finding in result.audit.findings:
        assert finding.passes, finding


# --------------------------------------------------------------------------- rules


def test_threshold_below_three_raises() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        Rules(t=2)
    with pytest.raises(ValueError):
        Rules(p=0)
    assert Rules(t=3).t == 3


def test_pass_test() -> None:
    rules = Rules()
    assert not rules.passes(1, 4)  # inside [1, t]
    assert not rules.passes(0, 2)  # narrower than p
    assert rules.passes(0, 3)
    assert rules.passes(5, 8)
    assert not rules.passes(-4, -1)  # a revision difference of 1..t persons
    assert rules.passes(0, None)


def test_overlapping_groups_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Dimension("age", ("a", "b", "c"), (Group("ab", ("a", "b")), Group("bc", ("b", "c"))))
    with pytest.raises(ValueError, match="same codes"):
        Dimension("age", ("a", "b"), (Group("just-a", ("a",)),))
    # A group of every leaf is the total under another name (a quarter of its months).
    quarter = Dimension("period", ("m1", "m2"), (Group("Q1", ("m1", "m2")),))
    assert quarter.codes == ("m1", "m2", "Q1", "Total")


def test_dimension_display_order() -> None:
    assert AGE.codes == ("0-15", "16-17", "0-17", "18-24", "25+", "18+", "Total")
    assert AGE.children("Total") == ("0-17", "18+")
    assert AGE.ancestors("16-17") == ("0-17", "Total")


# ------------------------------------------------------------- hand-computed tables


def test_one_way_primary_and_secondary() -> None:
    # sex: f=12, m=9, u=2, total 23.
    # Primary: u=2 (1..4). Complement: 23-12=11, 23-9=14, 23-2=21: none.
    # u alone in total = f+m+u would be 23-12-9 = 2, so the sum relation needs a
    # second suppression: the cheapest inner cell is m=9 (f=12 is larger).
    # Audit: u + m = 11 → u ∈ [0, 11] and m ∈ [0, 11]: both pass.
    sex = Dimension("sex", ("f", "m", "u"))
    result = suppress(one_way(sex, {"f": 12, "m": 9, "u": 2}))
    assert shown(result) == [["sex", "n"], ["f", "12"], ["m", ":"], ["u", ":"], ["Total", "23"]]
    table = result.tables[0]
    assert table.cell("u").rule is Rule.PRIMARY
    assert table.cell("m").rule is Rule.SECONDARY
    assert (table.cell("u").interval.lo, table.cell("u").interval.hi) == (0, 11)
    assert (table.cell("m").interval.lo, table.cell("m").interval.hi) == (0, 11)
    assert result.ok and not result.last_resort


def test_one_way_complement_rule() -> None:
    # risk (sensitive): low=0, moderate=3, high=9, total 12.
    # Primary: moderate=3. Complement: total - high = 3 ∈ 1..4 → high suppressed, and
    # the difference (total - high = low + moderate = 3) becomes an audit target.
    # low=0 stays published: total - low = 12.
    # Audit: moderate + high = 12 → both ∈ [0, 12]; total - high ∈ [0, 12]. All pass.
    result = suppress(one_way(RISK, {"low": 0, "moderate": 3, "high": 9}))
    assert shown(result)[1:] == [["low", "0"], ["moderate", ":"], ["high", ":"], ["Total", "12"]]
    table = result.tables[0]
    assert table.cell("moderate").rule is Rule.PRIMARY
    assert table.cell("high").rule is Rule.COMPLEMENT
    diffs = [f for f in result.audit.findings if f.kind is TargetKind.COMPLEMENT_DIFFERENCE]
    assert [(f.value, f.lp.lo, f.lp.hi) for f in diffs] == [(3, 0, 12)]


def test_sensitive_group_disclosure_needs_a_zero_secondary() -> None:
    # risk (sensitive): low=0, moderate=0, high=7. "Everyone was high risk" is group
    # disclosure: total - high = 0 with total ≥ 1 → high suppressed (complement).
    # Secondary: high alone in total = low+moderate+high would be 7-0-0. The only
    # candidates are the zeros and the total; zeros come first (GaussSuppression's
    # secondaryZeros) and the total is a margin, so low (the first zero) is suppressed.
    # Audit: low + high = 7 → high ∈ [0, 7], low ∈ [0, 7]; total - high = low +
    # moderate ∈ [0, 7]. All pass, and the reader can no longer tell that all were high.
    result = suppress(one_way(RISK, {"low": 0, "moderate": 0, "high": 7}))
    assert shown(result)[1:] == [["low", ":"], ["moderate", "0"], ["high", ":"], ["Total", "7"]]
    table = result.tables[0]
    assert table.cell("high").rule is Rule.COMPLEMENT
    assert table.cell("low").rule is Rule.SECONDARY
    assert (table.cell("high").interval.lo, table.cell("high").interval.hi) == (0, 7)
    # Without zeros as candidates the total goes instead, but that is not enough: the
    # published zeros still say "nobody was low or moderate risk" (total - high =
    # low + moderate = 0 exactly), so the audit fails and the last resort hides all.
    strict = suppress(
        one_way(RISK, {"low": 0, "moderate": 0, "high": 7}), Rules(secondary_zeros=False)
    )
    assert strict.ok and strict.last_resort == ("risk",)
    assert [row[1] for row in shown(strict)[1:]] == [":", ":", ":", ":"]
    # Non-sensitive dimension: "all were aged 18-24" is not suppressed.
    plain = Dimension("band", ("a", "b", "c"))
    assert shown(suppress(one_way(plain, {"a": 0, "b": 0, "c": 7})))[1:] == [
        ["a", "0"],
        ["b", "0"],
        ["c", "7"],
        ["Total", "7"],
    ]


def test_two_way_primary_complement_secondary() -> None:
    # rows young/old × outcome a/b/c (not sensitive), no hierarchy:
    #            a    b    c  | Total
    #   young    1    6    7  |  14
    #   old      5    8    9  |  22
    #   Total    6   14   16  |  36
    # Primary: (young,a)=1. Complement: column a - (old,a) = 1 → (old,a); no other
    # total minus cell is 1..4 (e.g. 14-6=8, 14-7=7, 22-9=13, 16-9=7).
    # Secondary: row young would give (young,a) = 14-6-7, so the cheapest other inner
    # cell of the row, (young,b)=6, goes; likewise (old,b)=8 in row old.
    # Audit: the four cells form one cycle a+δ, b-δ / a-δ, b+δ with δ ∈ [-1, 5]:
    #   (young,a) ∈ [0,6], (old,a) ∈ [0,6], (young,b) ∈ [1,7], (old,b) ∈ [7,13].
    # Insider in (young,a) (δ ≥ 0): (old,a) ∈ [0,5], (young,b) ∈ [1,6] — still pass.
    young_old = Dimension("age", ("young", "old"))
    outcome = Dimension("outcome", ("a", "b", "c"))
    release = two_way(young_old, outcome, [[1, 6, 7], [5, 8, 9]])
    result = suppress(release)
    assert shown(result) == [
        ["age", "a", "b", "c", "Total"],
        ["young", ":", ":", "7", "14"],
        ["old", ":", ":", "9", "22"],
        ["Total", "6", "14", "16", "36"],
    ]
    table = result.tables[0]
    rules = {codes: table.cell(*codes).rule for codes in [("young", "a"), ("old", "a")]}
    assert rules == {("young", "a"): Rule.PRIMARY, ("old", "a"): Rule.COMPLEMENT}
    assert table.cell("young", "b").rule is Rule.SECONDARY
    intervals = {
        codes: (table.cell(*codes).interval.lo, table.cell(*codes).interval.hi)
        for codes in [("young", "a"), ("old", "a"), ("young", "b"), ("old", "b")]
    }
    assert intervals == {
        ("young", "a"): (0, 6),
        ("old", "a"): (0, 6),
        ("young", "b"): (1, 7),
        ("old", "b"): (7, 13),
    }
    assert result.audit.insider_scenarios == 4
    assert not result.audit.integer_checked  # plain two-way table: LP bounds are integral
    independent_audit(result, release)


def test_hierarchy_suppression_is_consistent() -> None:
    # age (with 0-17 and 18+ groups) × risk; hand checks on the structure only:
    # (0-15, moderate)=1 and the 0-15 row total 1 are primary; 16-17 total = 0-17 total
    # - 1 is complement; every published figure equals the sum of its inner cells.
    grid = [[0, 1, 0], [3, 6, 2], [8, 7, 5], [9, 6, 7]]
    release = two_way(AGE, RISK, grid)
    result = suppress(release)
    table = result.tables[0]
    assert table.cell("0-15", "moderate").rule is Rule.PRIMARY
    assert table.cell("0-15", "Total").rule is Rule.PRIMARY
    assert table.cell("16-17", "Total").rule is Rule.COMPLEMENT
    assert result.audit.integer_checked is False  # hierarchy in one dimension only
    independent_audit(result, release)


# ------------------------------------------------------------------------- insider


def insider_release() -> Release:
    #            c1   c2   c3   c4 | Total
    #   r1        1    2   10   10 |  23
    #   r2        7    1   10   10 |  28
    #   r3       10   10   10   10 |  40
    #   r4       10   10   10   10 |  40
    # Primary: (r1,c1)=1, (r1,c2)=2, (r2,c2)=1; no total minus cell is 1..4 because
    # every row and column has two cells of 10. Sum relations: row r2 has one
    # suppression, so its cheapest other cell (r2,c1)=7 is added. The block
    #   x=(r1,c1) y=(r1,c2) / u=(r2,c1) v=(r2,c2)
    # then moves as x+δ, y-δ, u-δ, v+δ with δ ∈ [-1, 2]:
    #   x ∈ [0,3], y ∈ [0,3], u ∈ [5,8], v ∈ [0,3] — every interval passes.
    # An insider in x knows δ ≥ 0, so v ∈ [1,3] (inside [1,4]), y ∈ [0,2] and
    # u ∈ [5,7] (narrower than p=3): the pattern fails the insider check.
    rows = Dimension("r", ("r1", "r2", "r3", "r4"))
    cols = Dimension("c", ("c1", "c2", "c3", "c4"))
    grid = [[1, 2, 10, 10], [7, 1, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10]]
    return two_way(rows, cols, grid)


def test_insider_check_adds_suppression() -> None:
    release = insider_release()
    block = [{"r": r, "c": c} for r in ("r1", "r2") for c in ("c1", "c2")]
    outsider = audit(release, block, Rules(insider_limit=0))
    assert outsider.ok
    by_label = {f.label: f for f in outsider.findings}
    assert (by_label["r=r2, c=c2"].lp.lo, by_label["r=r2, c=c2"].lp.hi) == (0, 3)
    assert (by_label["r=r2, c=c1"].lp.lo, by_label["r=r2, c=c1"].lp.hi) == (5, 8)
    insider = audit(release, block, Rules())
    assert not insider.ok
    failing = {f.label for f in insider.failures}
    assert failing == {"r=r1, c=c2", "r=r2, c=c1", "r=r2, c=c2"}
    assert {f.insider for f in insider.failures} == {"r=r1, c=c1"}
    v = next(f for f in insider.failures if f.label == "r=r2, c=c2")
    assert (v.lp.lo, v.lp.hi) == (1, 3)
    # Without the insider check the engine stops at the 2×2 block; with it, it goes on.
    assert len(suppress(release, Rules(insider_limit=0)).suppressed_patterns()) == 4
    result = suppress(release)
    assert result.ok
    assert len(result.suppressed_patterns()) > 4
    independent_audit(result, release)
    # Re-check the insider scenario independently on the final pattern.
    figs = figures_of(result, release)
    cells = list(itertools.product(("r1", "r2", "r3", "r4"), ("c1", "c2", "c3", "c4")))
    equations = [(m, v) for _, _, m, s, v in figs if s is Status.PUBLISHED]
    for _, codes, members, status, _ in figs:
        if status is Status.SUPPRESSED and members != frozenset({("r1", "c1")}):
            lo, hi = naive_interval(cells, equations, members, {("r1", "c1"): 1})
            if ("r1", "c1") in members:
                lo, hi = lo - 1, None if hi is None else hi - 1
            assert passes(lo, hi), (codes, lo, hi)


def test_last_resort_is_reported() -> None:
    # With a single audit round the insider failure above cannot be fixed by the
    # candidate search, so the last resort suppresses the table's inner cells.
    result = suppress(insider_release(), Rules(max_rounds=1))
    assert result.ok
    assert result.last_resort == ("t",)
    table = result.tables[0]
    assert all(c.status is Status.SUPPRESSED for c in table.cells if "Total" not in c.codes)


# ------------------------------------------------------------------------- history

PERIOD = Dimension("period", ("m1", "m2", "m3"), (Group("Q1", ("m1", "m2", "m3")),))


def month_data() -> Microdata:
    #          low  moderate  high | Total
    #   m1       5         2     6 |  13
    #   m2       6         5     7 |  18
    #   m3       7         6     5 |  18
    #   Q1      18        13    18 |  49
    grid = {"m1": (5, 2, 6), "m2": (6, 5, 7), "m3": (7, 6, 5)}
    counts = {(m, r): grid[m][i] for m in grid for i, r in enumerate(RISK.leaves)}
    return Microdata((PERIOD, RISK), counts)


def test_quarter_after_months_protects_suppressed_month() -> None:
    md = month_data()
    months = Release(
        md, tuple(TableSpec(m, ("risk",), (("period", m),)) for m in ("m1", "m2", "m3"))
    )
    # m1: moderate=2 is primary; it would be 13-5-6, so low (5, cheaper than high=6)
    # goes too. Complement: 13-5=8, 13-6=7 — none. m2 and m3 have nothing below 5.
    first = suppress(months)
    assert shown(first, "m1")[1:] == [
        ["low", ":"],
        ["moderate", ":"],
        ["high", "6"],
        ["Total", "13"],
    ]
    assert shown(first, "m2")[1:] == [
        ["low", "6"],
        ["moderate", "5"],
        ["high", "7"],
        ["Total", "18"],
    ]
    ledger = first.as_prior("months")

    quarter = Release(md, (TableSpec("Q1", ("risk",), (("period", "Q1"),)),))
    # On its own the quarter table has no small cell and is published in full ...
    alone = suppress(quarter)
    assert shown(alone)[1:] == [["low", "18"], ["moderate", "13"], ["high", "18"], ["Total", "49"]]
    # ... but then m1 moderate = 13 - 5 - 6 = 2 exactly (differencing attack):
    attacked = audit(quarter, [], priors=[ledger])
    assert not attacked.ok
    leaks = {(f.value, f.lp.lo, f.lp.hi) for f in attacked.failures}
    assert leaks == {(2, 2, 2), (5, 5, 5)}  # m1 moderate and m1 low
    # With the ledger, Q1 moderate (whose equation pins m1 moderate) is suppressed, and
    # low with it (moderate alone would be 49-18-18). m1 low + m1 moderate = 13-6 = 7,
    # Q1 low = m1 low + 13 and Q1 moderate = m1 moderate + 11, so m1 moderate ∈ [0,7].
    result = suppress(quarter, priors=[ledger])
    assert result.ok
    assert shown(result)[1:] == [["low", ":"], ["moderate", ":"], ["high", "18"], ["Total", "49"]]
    prior = [f for f in result.audit.findings if f.kind is TargetKind.PRIOR_FIGURE]
    assert sorted((f.value, f.lp.lo, f.lp.hi) for f in prior) == [(2, 0, 7), (5, 0, 7)]
    assert result.audit.integer_checked  # earlier releases: confirmed with milp


def test_prior_values_must_match_data() -> None:
    md = month_data()
    quarter = Release(md, (TableSpec("Q1", ("risk",), (("period", "Q1"),)),))
    wrong = PriorRelease("old", (PriorFigure.cell({"period": "m1", "risk": "high"}, 7),))
    with pytest.raises(ValueError, match="revision"):
        suppress(quarter, priors=[wrong])


def test_revision_differences_are_sensitive() -> None:
    # Old version: low 10, moderate 8, high 9, total 27 — all published.
    # New version: one more high-risk person. high and total change by +1, which
    # reveals the new person's risk level: both are suppressed (rule "revision").
    # The persons who changed are a table of their own (DESIGN §5b), so the complement
    # rule applies to the changes too: Δtotal − Δlow = 1 would say "the one changed
    # person is not low risk", so low and moderate are suppressed as well.
    old = PriorRelease(
        "v1",
        tuple(
            PriorFigure.cell({"risk": code} if code != "Total" else {}, value)
            for code, value in (("low", 10), ("moderate", 8), ("high", 9), ("Total", 27))
        ),
    )
    release = one_way(RISK, {"low": 10, "moderate": 8, "high": 10})
    result = suppress(release, revision_of=old)
    assert shown(result)[1:] == [["low", ":"], ["moderate", ":"], ["high", ":"], ["Total", ":"]]
    table = result.tables[0]
    assert {table.cell(c).rule for c in ("low", "moderate", "high")} == {Rule.REVISION}
    revisions = {f.label: (f.value, f.lp.lo) for f in result.audit.findings
                 if f.kind is TargetKind.REVISION_DIFFERENCE}
    assert sorted(v for v in revisions.values()) == [(0, -10), (0, -8), (1, -27), (1, -9)]
    assert all(f.passes for f in result.audit.findings)


# -------------------------------------------------------------------- linked tables


def test_linked_tables_share_margins() -> None:
    # age × risk and age × attendance in one release share the age margins: a margin
    # suppressed in one table is suppressed in the other, and the audit covers both
    # tables at once (the inner cells are age × risk × attendance).
    attendance = Dimension("attendance", ("yes", "no"))
    persons = []
    spec = {
        ("0-15", "moderate", "yes"): 1,
        ("16-17", "low", "yes"): 3,
        ("16-17", "moderate", "no"): 2,
        ("16-17", "high", "yes"): 4,
        ("18-24", "low", "yes"): 6,
        ("18-24", "moderate", "no"): 5,
        ("18-24", "high", "yes"): 6,
        ("25+", "low", "no"): 7,
        ("25+", "moderate", "yes"): 6,
        ("25+", "high", "yes"): 8,
    }
    for (a, r, att), n in spec.items():
        persons += [{"age": a, "risk": r, "attendance": att}] * n
    md = Microdata.from_persons((AGE, RISK, attendance), persons)
    release = Release(
        md,
        (TableSpec("age x risk", ("age", "risk")), TableSpec("age x att", ("age", "attendance"))),
    )
    result = suppress(release)
    assert result.ok
    assert result.audit.integer_checked  # linked tables: confirmed with milp
    risk_t, att_t = result.table("age x risk"), result.table("age x att")
    for code in AGE.codes:
        assert risk_t.cell(code, "Total").status is att_t.cell(code, "Total").status
        assert risk_t.cell(code, "Total").text == att_t.cell(code, "Total").text
    # 0-15 has one person: its margin is primary in both tables.
    assert risk_t.cell("0-15", "Total").rule is Rule.PRIMARY
    assert att_t.cell("0-15", "Total").text == SYMBOL_SUPPRESSED
    independent_audit(result, release)
    # Suppressing the two tables separately and publishing both is not safe in
    # general; the joint audit is what counts. Auditing the joint pattern with each
    # table's own pattern must at least agree on the shared margins.
    separate = [suppress(Release(md, (spec_,))) for spec_ in release.tables]
    assert all(r.ok for r in separate)


# ---------------------------------------------------------------------- structural


def test_structural_zero_rendered_as_dot() -> None:
    legal = Dimension("legal_basis", ("waiver", "condition", "voluntary"))
    counts = {
        ("0-15", "waiver"): 0,
        ("0-15", "voluntary"): 6,
        ("16-17", "waiver"): 5,
        ("16-17", "condition"): 6,
        ("16-17", "voluntary"): 7,
        ("18-24", "waiver"): 9,
        ("18-24", "condition"): 8,
        ("18-24", "voluntary"): 6,
        ("25+", "waiver"): 7,
        ("25+", "condition"): 9,
        ("25+", "voluntary"): 5,
    }
    # Under 15 nobody can get a prosecution-related condition (straffeloven § 20); we
    # treat 0-15 × condition as impossible for the sake of the example.
    md = Microdata((AGE, legal), counts, ({"age": "0-15", "legal_basis": "condition"},))
    release = Release(md, (TableSpec("age x legal", ("age", "legal_basis")),))
    result = suppress(release)
    table = result.tables[0]
    assert table.cell("0-15", "condition").status is Status.STRUCTURAL_ZERO
    assert table.cell("0-15", "condition").text == SYMBOL_STRUCTURAL_ZERO
    assert table.rows()[1][2] == SYMBOL_STRUCTURAL_ZERO
    assert result.ok
    with pytest.raises(ValueError, match="structural zero"):
        Microdata(
            (AGE, legal), {("0-15", "condition"): 1}, ({"age": "0-15", "legal_basis": "condition"},)
        )


def test_rendering_helpers_are_plain_data() -> None:
    result = suppress(one_way(RISK, {"low": 0, "moderate": 3, "high": 9}))
    table = result.tables[0]
    records = table.records()
    assert records[1] == {"risk": "moderate", "value": None, "symbol": ":", "status": "suppressed"}
    assert records[0]["value"] == 0
    assert table.footnote.params() == {"t": 4, "p": 3}
    assert "1–4" in table.footnote.text()


# --------------------------------------------------------------------- properties


@st.composite
def random_tables(draw: st.DrawFn) -> tuple[Release, bool]:
    n_rows = draw(st.integers(2, 4))
    n_cols = draw(st.integers(2, 3))
    groups: tuple[Group, ...] = ()
    if n_rows == 4 and draw(st.booleans()):
        groups = (Group("g1", ("r0", "r1")), Group("g2", ("r2", "r3")))
    rows = Dimension("row", tuple(f"r{i}" for i in range(n_rows)), groups)
    cols = Dimension("col", tuple(f"c{j}" for j in range(n_cols)), sensitive=draw(st.booleans()))
    grid = draw(
        st.lists(
            st.lists(st.integers(0, 12), min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return two_way(rows, cols, grid), bool(groups)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables())
def test_property_random_tables(case: tuple[Release, bool]) -> None:
    release, _ = case
    result = suppress(release)
    assert result.ok
    figs = figures_of(result, release)
    # No published figure, margins included, is 1..t.
    for _, codes, _, status, value in figs:
        if status is Status.PUBLISHED:
            assert not 1 <= value <= 4, codes
    # Published margins equal the sum of the inner values they contain.
    table = result.tables[0]
    rows, cols = table.dimensions
    inner = {(r, c): v for _, (r, c), _, _, v in figs if rows.is_leaf(r) and cols.is_leaf(c)}
    for cell in table.cells:
        if cell.status is Status.PUBLISHED:
            r, c = cell.codes
            rs = {rows.leaves[i] for i in rows.leaf_indices(r)}
            cs = {cols.leaves[j] for j in cols.leaf_indices(c)}
            assert cell.value == sum(v for (a, b), v in inner.items() if a in rs and b in cs)
            kids = [(k, c) for k in rows.children(r)] or [(r, k) for k in cols.children(c)]
            if kids and all(table.cell(*k).status is Status.PUBLISHED for k in kids):
                assert cell.value == sum(table.cell(*k).value or 0 for k in kids)
    # Every suppressed figure passes an independent audit.
    independent_audit(result, release)


ATTENDANCE = Dimension("attendance", ("yes", "no"))
SEX = Dimension("sex", ("female", "male", "unknown"))


@st.composite
def linked_releases(draw: st.DrawFn) -> Release:
    n = draw(st.integers(0, 40))
    people = draw(
        st.lists(
            st.tuples(
                st.sampled_from(AGE.leaves),
                st.sampled_from(RISK.leaves),
                st.sampled_from(ATTENDANCE.leaves),
                st.sampled_from(SEX.leaves),
            ),
            min_size=n,
            max_size=n,
        )
    )
    persons = [{"age": a, "risk": r, "attendance": t, "sex": s} for a, r, t, s in people]
    md = Microdata.from_persons((AGE, RISK, ATTENDANCE, SEX), persons)
    return Release(
        md,
        (
            TableSpec("age x risk", ("age", "risk")),
            TableSpec("age x att", ("age", "attendance")),
            TableSpec("sex", ("sex",)),
            TableSpec("risk", ("risk",)),
        ),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_releases())
def test_property_linked_releases(release: Release) -> None:
    # The engine works on one block of cells per table (linked by consistency
    # equations); the independent audit works on the full age × risk × attendance ×
    # sex table. Both must agree that every suppressed figure is protected.
    result = suppress(release)
    assert result.ok
    assert result.audit.integer_checked
    independent_audit(result, release)


def test_cyclic_tables_use_the_joint_table() -> None:
    # a×b, b×c and a×c form a cycle: margins that agree pairwise need not come from
    # any joint table, so the engine must audit on the full a × b × c table.
    a = Dimension("a", ("a1", "a2"))
    b = Dimension("b", ("b1", "b2"))
    c = Dimension("c", ("c1", "c2", "c3"))
    counts = {
        ("a1", "b1", "c1"): 3,
        ("a1", "b2", "c2"): 6,
        ("a2", "b1", "c2"): 7,
        ("a2", "b2", "c1"): 5,
        ("a2", "b2", "c3"): 2,
        ("a1", "b1", "c3"): 9,
    }
    release = Release(
        Microdata((a, b, c), counts),
        (TableSpec("ab", ("a", "b")), TableSpec("bc", ("b", "c")), TableSpec("ac", ("a", "c"))),
    )
    result = suppress(release)
    assert result.ok
    assert result.linear_system().matrix.shape[1] == 12  # the 2 × 2 × 3 joint cells
    independent_audit(result, release)
    # Not a plain table: every final interval is confirmed on integers. Compare with an
    # independent integer programme over the joint table.
    assert result.audit.integer_checked
    figs = figures_of(result, release)
    cells = list(itertools.product(a.leaves, b.leaves, c.leaves))
    index = {cell: i for i, cell in enumerate(cells)}
    published = [(m, v) for _, _, m, st_, v in figs if st_ is Status.PUBLISHED]
    matrix = np.zeros((len(published), len(cells)))
    for r, (members, _) in enumerate(published):
        for cell in members:
            matrix[r, index[cell]] = 1
    values = np.array([v for _, v in published], dtype=float)
    by_label = {f.label: f for f in result.audit.findings if f.kind is TargetKind.FIGURE}
    for table, codes, members, status, _ in figs:
        if status is not Status.SUPPRESSED:
            continue
        label = (
            ", ".join(
                f"{d.name}={code}"
                for d, code in zip(table.dimensions, codes, strict=True)
                if code != d.total
            )
            or "total"
        )
        objective = np.zeros(len(cells))
        for cell in members:
            objective[index[cell]] = 1
        bounds = []
        for sign in (1, -1):
            res = milp(
                sign * objective,
                integrality=np.ones(len(cells)),
                bounds=Bounds(0, np.inf),
                constraints=[LinearConstraint(matrix, values, values)],
            )
            bounds.append(None if res.status == 3 else round(sign * res.fun))
        finding = by_label[label]
        assert finding.integer is not None and finding.integer.exact
        assert (finding.integer.lo, finding.integer.hi) == tuple(bounds), label
    # The decomposable pair ab + bc needs only the 4 + 6 cells of its two tables,
    # tied by equations on their shared dimension b.
    chain = Release(release.microdata, release.tables[:2])
    chained = suppress(chain)
    assert chained.linear_system().matrix.shape[1] == 10
    assert "consistency" in chained.linear_system().labels
    assert chained.ok
    independent_audit(chained, chain)
