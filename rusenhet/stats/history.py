"""What the releases of a year already say together, and what they must keep hidden
(DESIGN §5b: the attacker sees every release).

Two consequences of quarters and years being slices of the same persons:

* **Slices are tables of persons.** Once the year and some of its quarters are
  published, year − published quarters is the table of the persons of the remaining
  quarters. Every figure of that remainder (each unpublished quarter, and all of them
  together) with 1..t persons must pass the audit like a suppressed figure, so that
  publishing the year after Q1–Q3 cannot give Q4 away (nor Q1–Q3 after Q4).
* **What is already known is published.** A figure of a new release that earlier
  releases already determine exactly (Q4's total = year − Q1 − Q2 − Q3) cannot be
  protected by hiding it; it is published as a constant instead of being chosen as a
  suppression that no audit could ever pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from rusenhet.stats import catalogue
from rusenhet.stats.disclosure import Microdata, PriorFigure, PriorRelease, Rules
from rusenhet.stats.periods import Period, PeriodKind

Pattern = dict[str, str]


class _Cube:
    """The innermost cells of ``md`` (structural zeros left out) with their counts."""

    def __init__(self, md: Microdata) -> None:
        self.dims = md.dimensions
        cells = [c for c in itertools.product(*(range(len(d.leaves)) for d in self.dims))
                 if not self._structural(md, c)]
        self.index = np.array(cells, dtype=np.int64).reshape(len(cells), len(self.dims))
        counts = md.counts
        self.truth = np.array([counts.get(tuple(d.leaves[i] for d, i in
                                                zip(self.dims, c, strict=True)), 0)
                               for c in cells], dtype=np.int64)

    def _structural(self, md: Microdata, cell: tuple[int, ...]) -> bool:
        names = {d.name: d.leaves[i] for d, i in zip(self.dims, cell, strict=True)}
        for pattern in md.structural_zeros:
            if all(names[d] in {md.dimension(d).leaves[i] for i in
                                md.dimension(d).leaf_indices(c)} for d, c in pattern.items()):
                return True
        return False

    def mask(self, patterns: Sequence[Mapping[str, str]]) -> np.ndarray:
        out = np.zeros(len(self.truth), dtype=bool)
        for pattern in patterns:
            hit = np.ones(len(self.truth), dtype=bool)
            for j, d in enumerate(self.dims):
                if d.name in pattern:
                    hit &= np.isin(self.index[:, j], d.leaf_indices(pattern[d.name]))
            out |= hit
        return out


def quarter_slices(md: Microdata, period: Period, published: Sequence[str],
                   component: Sequence[str], rules: Rules) -> PriorRelease | None:
    """Figures of the unpublished remainder of a published year that hold 1..t persons,
    as audit targets (``published`` lists the periods of the year released so far,
    this one included)."""
    year = str(period.year)
    quarters = [q for q in range(1, 5) if f"{year}-Q{q}" not in published]
    if year not in published or not quarters or len(quarters) == 4:
        return None
    cube = _Cube(md)
    dims = {d.name: d for d in md.dimensions}
    groups = [[q] for q in quarters] + ([quarters] if len(quarters) > 1 else [])
    targets = []
    for spec in catalogue.unit_tables(Period(period.year, PeriodKind.YEAR, 0)):
        if not set(spec.dimensions) <= set(component):
            continue
        for combo in itertools.product(*(dims[n].codes for n in spec.dimensions)):
            base = {n: c for n, c in zip(spec.dimensions, combo, strict=True)
                    if c != dims[n].total}
            for group in groups:
                patterns = tuple({**base, "month": f"{year}-Q{q}"} for q in group)
                value = int(cube.truth[cube.mask(patterns)].sum())
                if rules.is_primary(value):
                    targets.append(PriorFigure(patterns))
    return PriorRelease("remainder of the year", suppressed=tuple(targets)) if targets else None


def derivable(md: Microdata, period: Period, component: Sequence[str],
              priors: Sequence[PriorRelease]) -> PriorRelease | None:
    """Figures of the new release that the earlier releases' published figures already
    determine exactly, with their values (to be published as constants)."""
    rows = [f for r in priors for f in r.published]
    if not rows:
        return None
    cube = _Cube(md)
    fixed = np.zeros(len(cube.truth), dtype=bool)
    masks = []
    for f in rows:
        m = cube.mask(f.patterns)
        masks.append(m)
        if f.value == 0:
            fixed |= m  # inside a published zero every cell is 0
    free = ~fixed
    a = np.array([m[free] for m in masks], dtype=float)
    dims = {d.name: d for d in md.dimensions}
    month = dims["month"]
    candidates = []
    for spec in catalogue.unit_tables(period):
        if not set(spec.dimensions) <= set(component):
            continue
        for combo in itertools.product(*(dims[n].codes for n in spec.dimensions)):
            pattern = {n: c for n, c in zip(spec.dimensions, combo, strict=True)
                       if c != dims[n].total}
            if period.label != month.total:
                pattern["month"] = period.label
            candidates.append(pattern)
    c = np.array([cube.mask((p,))[free] for p in candidates], dtype=float).T
    if not free.any():
        residual = np.zeros(len(candidates))
    else:  # c·x is determined when c lies in the row space of the published figures
        y, *_ = np.linalg.lstsq(a.T, c, rcond=None)
        residual = np.abs(a.T @ y - c).max(axis=0)
    known = tuple(PriorFigure.cell(p, int(cube.truth[cube.mask((p,))].sum()))
                  for p, r in zip(candidates, residual, strict=True) if r < 1e-6)
    return PriorRelease("already determined", published=known) if known else None


def agrees(md: Microdata, prior: PriorRelease) -> bool:
    """Do the data still give every published figure of ``prior`` its value?"""
    cube = _Cube(md)
    return all(int(cube.truth[cube.mask(f.patterns)].sum()) == f.value for f in prior.published)


def unchanged_remainder(year: PriorRelease, quarters: Mapping[int, PriorRelease],
                        unpublished: Sequence[int], label: str) -> PriorRelease | None:
    """An earlier year release whose data changed only in published quarters: its
    figures minus those quarters' earlier figures are the persons of the unpublished
    quarters, still the same — exact sums over them now (otherwise the revised
    releases together with the old ones would pin what they hide)."""
    def base(f: PriorFigure) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((k, v) for k, v in f.patterns[0].items() if k != "month"))

    parts = [{base(f): f.value for f in r.published} for r in quarters.values()]
    out = []
    for f in year.published:
        key = base(f)
        if f.value is None or any(key not in part for part in parts):
            continue
        rest = f.value - sum(int(part[key] or 0) for part in parts)
        out.append(PriorFigure(tuple({**dict(key), "month": f"{label}-Q{q}"}
                                     for q in unpublished), rest))
    return PriorRelease("unchanged quarters of the year", tuple(out)) if out else None
