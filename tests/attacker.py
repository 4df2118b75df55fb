"""An independent disclosure attacker, written from the definitions in DESIGN §5 and §5b
and the README's attacker model — it imports nothing from ``rusenhet.stats``.

It reads published release files (the JSON that `stats publish` and `stats combine`
write) the way an outsider would, and sees **all of them together**: a unit's quarters,
years and revisions and the national releases that include the unit. It also knows:

* the bounds: every count is a whole number ≥ 0;
* the structural links, public knowledge: a person who did not attend has risk "not
  assessed", outcome "none" and no referral made;
* which releases were made from the same data (``Seen.versions``): a stronger attacker
  than a real one, who can only guess it;
* in an insider scenario, one person's own record (:meth:`Attacker.findings` with
  ``insider``): the audit then judges what the releases say about everybody else.

The unknowns are the persons of every (municipality, quarter, data version) block,
counted in a decomposition that is exact for these tables: (age, risk, attendance),
(attendance, outcome), (attendance, referral made), sex, legal basis and month, tied by
their totals per attendance status. Published tables only cut these sub-tables along
their own dimensions, and one-way margins that share only a total are jointly
feasible for any values, so the attacker's intervals are those of the full
cross-classification — for the LP and for whole numbers alike.

Findings (each a line of text saying which release and figure, and why):

* ``published``: a published figure of 1..t persons;
* ``interval``: a suppressed figure whose whole-number interval lies inside [1, t] or is
  narrower than p;
* ``complement``: total − suppressed figure inside [1, t] (for every total above it);
* ``slice``: the part of a figure that lies in one quarter or one municipality (e.g.
  year − Q1 − Q2 − Q3, or national − the other units) inside [1, t];
* ``revision``: new − old value of a figure in two versions of the same release
  inside [1, t] or [−t, −1];
* ``group``: all persons of a group known to be non-empty share one value of a
  sensitive dimension (risk, outcome, legal basis, attendance), in a release, a slice
  of it, or the difference between two versions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

AGE = ("0-15", "16-17", "18-24", "25+")
AGE_GROUPS = {"0-17": ("0-15", "16-17"), "18+": ("18-24", "25+")}
RISK = ("low", "moderate", "high", "not-assessed")
ATTENDANCE = ("attended", "not-attended")
OUTCOME = ("avsluttet", "ny-samtale", "henvist", "other", "none")
REFERRAL = ("yes", "no")
SEX = ("female", "male", "unknown")
LEGAL = ("paatale", "betinget-dom")
SENSITIVE = ("risk", "outcome", "legal_basis", "attendance")
TOTAL = "Total"
BIG = 10_000

#: Sub-tables of one block and their dimensions.
KINDS: dict[str, tuple[str, ...]] = {
    "A": ("age", "risk", "attendance"), "B": ("attendance", "outcome"),
    "C": ("attendance", "referral_made"), "S": ("sex",), "L": ("legal_basis",),
    "M": ("month",),
}
LEAVES: dict[str, tuple[str, ...]] = {"age": AGE, "risk": RISK, "attendance": ATTENDANCE,
                                      "outcome": OUTCOME, "referral_made": REFERRAL,
                                      "sex": SEX, "legal_basis": LEGAL}


@dataclass(frozen=True)
class Person:
    month: str
    age: str
    sex: str
    legal_basis: str
    risk: str
    attendance: str
    outcome: str
    referral_made: str
    municipality: str = ""
    version: int = 0

    @property
    def quarter(self) -> int:
        return (int(self.month[5:7]) - 1) // 3 + 1

    def value(self, dim: str) -> str:
        return str(getattr(self, dim))


def structural(cell: Mapping[str, str]) -> bool:
    """Possible under the public structural links?"""
    if cell.get("attendance") != "not-attended":
        return True
    return (cell.get("risk", "not-assessed") == "not-assessed"
            and cell.get("outcome", "none") == "none"
            and cell.get("referral_made", "no") == "no")


@dataclass(frozen=True)
class Seen:
    """One release file as the attacker has it."""

    data: Mapping[str, Any]
    municipality: str | None  # the publishing unit; None for a national release
    versions: Mapping[tuple[str, int], int] = field(default_factory=dict)
    name: str = ""


@dataclass
class _Target:
    label: str
    vec: dict[int, float]
    kind: str  # interval | unsigned | signed | group
    other: dict[int, float] | None = None  # group: the group's size


class Attacker:
    def __init__(self, t: int = 4, p: int = 3, year: int = 2024) -> None:
        self.t, self.p, self.year = t, p, year
        self.index: dict[tuple[Any, ...], int] = {}
        self.rows: list[tuple[dict[int, float], float]] = []
        self.targets: list[_Target] = []
        self.seen: list[Seen] = []
        self.blocks: set[tuple[str, int, int]] = set()

    # ------------------------------------------------------------------ variables

    def _block(self, muni: str, q: int, ver: int) -> None:
        key = (muni, q, ver)
        if key in self.blocks:
            return
        self.blocks.add(key)
        months = tuple(f"{self.year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))
        for kind, dims in KINDS.items():
            leaves = [months] if kind == "M" else [LEAVES[d] for d in dims]
            for combo in itertools.product(*leaves):
                if structural(dict(zip(dims, combo, strict=True))):
                    self.index[(muni, q, ver, kind, combo)] = len(self.index)
        total = self._cells(muni, q, ver, "A", {})
        for kind in "SLM":
            self._equal(total, self._cells(muni, q, ver, kind, {}))
        for att in ATTENDANCE:
            a = self._cells(muni, q, ver, "A", {"attendance": (att,)})
            for kind in "BC":
                self._equal(a, self._cells(muni, q, ver, kind, {"attendance": (att,)}))

    def _equal(self, a: dict[int, float], b: dict[int, float]) -> None:
        row = dict(a)
        for k, v in b.items():
            row[k] = row.get(k, 0.0) - v
        self.rows.append((row, 0.0))

    def _cells(self, muni: str, q: int, ver: int, kind: str,
               sel: Mapping[str, Sequence[str]]) -> dict[int, float]:
        dims = KINDS[kind]
        out: dict[int, float] = {}
        for key, i in self.index.items():
            if key[:4] != (muni, q, ver, kind):
                continue
            if all(key[4][dims.index(d)] in codes for d, codes in sel.items()):
                out[i] = 1.0
        return out

    # ------------------------------------------------------------------ reading

    def _leaves(self, dim: str, code: str) -> tuple[str, ...]:
        if dim == "age":
            return AGE if code == TOTAL else AGE_GROUPS.get(code, (code,))
        return LEAVES[dim] if code == TOTAL else (code,)

    def _ancestors(self, dim: str, code: str) -> list[str]:
        if code == TOTAL or dim in ("month",):
            return []
        if dim == "municipality":
            return [TOTAL]
        if dim == "age" and code in AGE:
            return [g for g, m in AGE_GROUPS.items() if code in m] + [TOTAL]
        return [TOTAL]

    def _figure(self, seen: Seen, dims: Sequence[str], codes: Mapping[str, str],
                quarters: Iterable[int] | None = None,
                munis: Iterable[str] | None = None) -> dict[int, float]:
        """The unknowns a published figure adds up (optionally only some quarters or
        municipalities of it: a slice)."""
        period = str(seen.data["period"])
        qs = [int(period[-1])] if "-Q" in period else [1, 2, 3, 4]
        month = codes.get("month", TOTAL)
        if month not in (TOTAL, str(self.year)):
            qs = [int(month[-1])] if "-Q" in month else [(int(month[5:7]) - 1) // 3 + 1]
        if quarters is not None:
            qs = [q for q in qs if q in set(quarters)]
        if seen.municipality is not None:
            all_munis = [seen.municipality]
        else:
            all_munis = sorted(self._national_munis(seen))
        muni = codes.get("municipality", TOTAL)
        ms = all_munis if muni == TOTAL else (
            [m for m in all_munis if m[:2] == muni[-2:]] if muni.startswith("fylke-")
            else [muni])
        if munis is not None:
            ms = [m for m in ms if m in set(munis)]
        rest = {d: c for d, c in codes.items() if d not in ("month", "municipality")}
        kind = "M" if "month" in dims else next(
            (k for k in "SLBCA" if rest and set(rest) <= set(KINDS[k])), "A")
        sel: dict[str, Sequence[str]] = {d: self._leaves(d, c) for d, c in rest.items()}
        if kind == "M" and month not in (TOTAL, str(self.year)) and "-Q" not in month:
            sel = {"month": (month,)}
        out: dict[int, float] = {}
        for m in ms:
            for q in qs:
                ver = seen.versions.get((m, q), 0)
                self._block(m, q, ver)
                out.update(self._cells(m, q, ver, kind, sel))
        return out

    @staticmethod
    def _national_munis(seen: Seen) -> set[str]:
        for table in seen.data["tables"]:
            if table["dimensions"] == ["municipality"]:
                return {str(c["municipality"]) for c in table["cells"]
                        if str(c["municipality"]).isdigit()}
        raise ValueError("a national release without a municipality table")

    def add(self, seen: Seen) -> None:
        """Read every figure of a release: published ones become equations."""
        name = seen.name or str(seen.data.get("release_id"))
        for table in seen.data["tables"]:
            dims = list(table["dimensions"])
            for cell in table["cells"]:
                codes = {d: str(cell[d]) for d in dims}
                vec = self._figure(seen, dims, codes)
                label = f"{name} {table['name']} {codes}"
                symbol = str(cell["symbol"])
                if symbol == ".":
                    self.rows.append((vec, 0.0))
                elif symbol != ":":
                    self.rows.append((vec, float(symbol)))
                    if 1 <= int(symbol) <= self.t:
                        self.targets.append(_Target(f"published {label} = {symbol}", {},
                                                    "always"))
        self.seen.append(seen)

    # ------------------------------------------------------------------ targets

    def _release_targets(self, seen: Seen) -> None:
        name = seen.name or str(seen.data.get("release_id"))
        period = str(seen.data["period"])
        quarters = [None] + ([] if "-Q" in period else [[1], [2], [3], [4]])
        munis: list[list[str] | None] = [None]
        if seen.municipality is None:
            munis += [[m] for m in sorted(self._national_munis(seen))]
        for table in seen.data["tables"]:
            dims = list(table["dimensions"])
            for cell in table["cells"]:
                codes = {d: str(cell[d]) for d in dims}
                label = f"{name} {table['name']} {codes}"
                vec = self._figure(seen, dims, codes)
                if cell["symbol"] == ":":
                    self.targets.append(_Target(f"interval {label}", vec, "interval"))
                    for total in self._totals(dims, codes):
                        diff = _minus(self._figure(seen, dims, total), vec)
                        self.targets.append(_Target(f"complement {label} in {total}", diff,
                                                    "unsigned"))
                for qs, ms in itertools.product(quarters, munis):
                    if qs is None and ms is None:
                        continue
                    sliced = self._figure(seen, dims, codes, qs, ms)
                    self.targets.append(_Target(f"slice {qs} {ms} of {label}", sliced,
                                                "unsigned"))
                for s in SENSITIVE:
                    if s in dims and codes[s] != TOTAL:
                        for qs, ms in itertools.product(quarters, munis):
                            group = self._figure(seen, dims, {**codes, s: TOTAL}, qs, ms)
                            part = self._figure(seen, dims, codes, qs, ms)
                            self.targets.append(_Target(
                                f"group {qs} {ms} {label}: all have {s}={codes[s]}",
                                _minus(group, part), "group", group))

    def _totals(self, dims: Sequence[str], codes: Mapping[str, str]) -> list[dict[str, str]]:
        options = [[codes[d], *self._ancestors(d, codes[d])] for d in dims]
        return [dict(zip(dims, combo, strict=True)) for combo in itertools.product(*options)
                if list(combo) != [codes[d] for d in dims]]

    def _revision_targets(self) -> None:
        """Two versions of the same release: new − old of every figure, and group
        disclosure on the persons who changed."""
        for old, new in itertools.combinations(self.seen, 2):
            if (old.data["period"], old.municipality) != (new.data["period"], new.municipality):
                continue
            if dict(old.versions) == dict(new.versions):
                continue
            for t_new in new.data["tables"]:
                dims = list(t_new["dimensions"])
                for cell in t_new["cells"]:
                    codes = {d: str(cell[d]) for d in dims}
                    diff = _minus(self._figure(new, dims, codes), self._figure(old, dims, codes))
                    label = f"{old.name}→{new.name} {t_new['name']} {codes}"
                    self.targets.append(_Target(f"revision {label}", diff, "signed"))
                    for s in SENSITIVE:
                        if s in dims and codes[s] != TOTAL:
                            whole = {**codes, s: TOTAL}
                            group = _minus(self._figure(new, dims, whole),
                                           self._figure(old, dims, whole))
                            part = diff
                            self.targets.append(_Target(
                                f"group revision {label}: all changed have {s}={codes[s]}",
                                _minus(group, part), "group", group))

    # ------------------------------------------------------------------ solving

    def findings(self, insider: Person | None = None, limit: int = 20) -> list[str]:
        """Every disclosure the releases allow (at most ``limit`` lines)."""
        self.targets = [t for t in self.targets if t.kind == "always"]
        for seen in self.seen:
            self._release_targets(seen)
        self._revision_targets()
        n = len(self.index)
        a = np.zeros((len(self.rows), n))
        b = np.zeros(len(self.rows))
        for r, (row, value) in enumerate(self.rows):
            for k, v in row.items():
                a[r, k] = v
            b[r] = value
        if insider is not None:
            b = b - a @ self._insider_vector(insider, n)
        solver = _Solver(csr_matrix(a), b, n)
        out: list[str] = []
        for target in self.targets:
            problem = self._judge(solver, target)
            if problem:
                out.append(problem if insider is None else f"insider {insider}: {problem}")
                if len(out) >= limit:
                    break
        return out

    def _insider_vector(self, person: Person, n: int) -> np.ndarray:
        """The insider's own cells in every version of their quarter seen."""
        x = np.zeros(n)
        for muni, q, ver in self.blocks:
            if (muni, q) != (person.municipality, person.quarter) or ver < person.version:
                continue
            for kind, dims in KINDS.items():
                combo = (person.month,) if kind == "M" else tuple(person.value(d) for d in dims)
                x[self.index[(muni, q, ver, kind, combo)]] = 1
        return x

    def _judge(self, solver: _Solver, target: _Target) -> str | None:
        t, p = self.t, self.p
        if target.kind == "always":
            return target.label
        if not target.vec:
            return None
        c = np.zeros(solver.n)
        for k, v in target.vec.items():
            c[k] = v
        if target.kind == "group":
            if solver.reach(c, above=0.5):
                return None
            g = np.zeros(solver.n)
            for k, v in (target.other or {}).items():
                g[k] = v
            return None if solver.reach(-g, above=-0.5) else target.label
        lo, hi = solver.interval(c, t, p, target.kind)
        if target.kind == "interval":
            bad = (lo >= 1 and hi <= t) or hi - lo < p
        elif target.kind == "unsigned":
            bad = lo >= 1 and hi <= t
        else:
            bad = (lo >= 1 and hi <= t) or (-t <= lo and hi <= -1)
        return f"{target.label}: [{lo}, {hi}]" if bad else None


def _minus(a: Mapping[int, float], b: Mapping[int, float]) -> dict[int, float]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0.0) - v
    return {k: v for k, v in out.items() if v}


class _Solver:
    """Whole-number optimisation over the attacker's constraints (HiGHS through
    ``scipy.optimize.milp``), remembering every solution as a witness: a value a
    target takes in a feasible solution lies inside its interval, so many targets are
    settled without a solve of their own."""

    def __init__(self, a: Any, b: np.ndarray, n: int) -> None:
        self.n = n
        self.cons = LinearConstraint(a, b, b)
        self.witnesses: list[np.ndarray] = []
        rng = np.random.default_rng(7)
        for _ in range(12):
            self._solve(rng.standard_normal(n))

    def _solve(self, c: np.ndarray) -> float:
        # A generous upper bound keeps every problem bounded: a figure that reaches it
        # is one the releases do not bound at all.
        res = milp(c, constraints=self.cons, integrality=np.ones(self.n),
                   bounds=Bounds(0, BIG))
        if res.x is None:
            raise AssertionError(f"the attacker's model is infeasible: {res.message}")
        x = np.round(res.x)
        self.witnesses.append(x)
        return float(c @ x)

    def _seen_values(self, c: np.ndarray) -> np.ndarray:
        return np.array([c @ w for w in self.witnesses])

    def reach(self, c: np.ndarray, above: float) -> bool:
        """Is c·x > above for some feasible x?"""
        if (self._seen_values(c) > above).any():
            return True
        return -self._solve(-c) > above

    def interval(self, c: np.ndarray, t: int, p: int, kind: str) -> tuple[int, int]:
        seen = self._seen_values(c)
        lo, hi = float(seen.min()), float(seen.max())
        spans = hi - lo >= p if kind == "interval" else True
        safe = lo <= 0 <= hi if kind == "signed" else (lo <= 0 or hi >= t + 1)
        if spans and (safe or hi >= t + 1 or lo <= -t - 1):
            return round(lo), round(hi)
        low = self._solve(c)
        high = -self._solve(-c)
        return round(low), round(high)
