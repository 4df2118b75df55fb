"""Disclosure control for published count tables (DESIGN §5).

A pure engine: no terminal, no vault, no I/O. The caller hands over counts of distinct
persons per innermost cell and a *release* (the catalogue tables published together)
and gets back every figure as a value, ``:`` (suppressed) or ``.`` (structural zero),
the rule behind each suppression, and the audit intervals that justify it.

SSB's GaussSuppression (R package, SSBtools) is the reference algorithm; its parameter
names are quoted where this module does the same thing in a different way.

Model
=====
* **Dimensions** carry a nested (laminar) hierarchy of codes: leaves, groups and a
  total. Overlapping groupings are rejected (DESIGN §5: "never two overlapping age
  groupings").
* **Innermost cells** are the combinations of leaf codes of the dimensions used in the
  release; their counts are distinct persons (GaussSuppression's ``NContributorsRule``).
  Structural zeros are fixed to 0.
* A **figure** is a sum of innermost cells (cells, groups, margins, totals). Figures of
  different tables that cover the same cells are one figure, so linked tables share
  their margins automatically.
* Linked tables whose dimension sets are acyclic (a unit's one-way tables plus
  age × risk and age × attendance) are solved on one block of cells per table, tied
  by equations on their shared dimensions, instead of on the full cross-classification
  (see ``_Model._choose_cliques``); this is exact, and the full table is used whenever
  it would not be.

Rules (t = threshold, p = protection width)
===========================================
* *Primary*: a figure with 1..t persons (GaussSuppression ``maxN``; zeros are not
  primary, ``protectZeros = FALSE``).
* *Complement*: for every figure T containing figure C, if T − C is 1..t then C is
  suppressed, and the difference T − C becomes an audit target of its own (the idea of
  GaussSuppression's ``KDisclosurePrimary``). For sensitive dimensions also when
  T − C = 0 and T ≥ 1, provided T aggregates over a sensitive dimension ("all 16–17
  year olds were high risk"). One reading of the rule is ours: a *zero* C inside a
  total T that is itself primary (1..t) is not suppressed — T − 0 is T, already
  protected, and the difference target T − C is audited all the same. Suppressing such
  zeros only hid cells that published zeros around them pin to 0 anyway, which no
  further suppression short of the zero margins could then protect.
* *Prior*: figures suppressed in an earlier overlapping release are primary again;
  figures published earlier stay published (GaussSuppression ``forced``) and are fixed
  equality constraints of the audit (this is how month → quarter differencing is
  caught). A complement pair whose cell was published earlier hides the total instead.
* *Revision*: when a release replaces an earlier version of itself, the changes
  new − old of the figures published in the old version are sensitive. We model the
  old values as constants (an attacker knows them; the old microdata are not modelled):
  if a change is ±1..t the new figure is suppressed (rule ``revision``) and the
  difference ``figure − old value`` must pass the audit like a count (signed: an
  interval inside [−t, −1] fails too). Figures suppressed in the old version are
  primary again. The complement rule is not applied to the differences themselves.
* *Secondary*: further figures are suppressed until every suppressed figure passes the
  audit. Zeros are candidates (GaussSuppression ``secondaryZeros = TRUE``). A cheap
  pass first makes sure no suppressed figure is alone in a sum relation (that would
  give it away exactly); then the audit decides. For a failing target the candidates
  are the figures whose equations bind it: non-zero dual values of its LP, or the
  equations that pinned its cells in presolve. Cheapest first: inner cells before
  margins, non-zero before zero, small before large. As a last resort all inner
  cells of the tables involved are suppressed, then whole tables; that is reported in
  :attr:`SuppressionResult.last_resort`. Suppression only grows, so the loop ends.

Audit
=====
Unknowns: the innermost cells, non-negative, structural zeros fixed. Every published
figure (all tables of the release and every earlier overlapping release) is an equality
constraint. For each target (suppressed figure, complement difference, earlier
suppressed figure, revision difference) the minimum and maximum are found with
``scipy.optimize.linprog(method="highs")`` and rounded inward: ``ceil(low − 1e-9)``,
``floor(high + 1e-9)`` (values within HiGHS's 1e-7 feasibility tolerance of an integer
are first snapped to it). A target passes if its integer interval [lo, hi] is not
contained in [1, t] (nor in [−t, −1]) and ``hi − lo ≥ p``.

Every suppressed figure is a target, secondary ones included (DESIGN §5: "until every
suppressed cell passes the audit"). A secondary figure is never 1..t, so for it this
reduces to the width requirement.

Except for a *plain* release — a single one- or two-way table with a hierarchy in at
most one dimension and no earlier releases, whose constraint matrix is totally
unimodular (its figures split into two laminar families), so LP bounds are integral —
every pass is confirmed on integers: by an integer feasible solution that reaches the
needed values, or else with ``scipy.optimize.milp``.

How the solver calls are kept few without weakening the test:

* Presolve fixes every cell inside a published zero and every cell alone in a
  published figure.
* Every feasible solution seen (the true table first) is kept as a *witness*: the
  values a target takes in feasible solutions lie inside its interval, so when the
  witnesses already show a pass, no per-target solve is needed. Witnesses are made
  by "spread" solves that push many targets towards their pass goals at once.
  Suppression only grows, so witnesses stay valid in later rounds.
* Large releases (a dimension of many leaves, e.g. 357 municipalities) are spread
  block by block: one block of municipalities moves while the others keep their true
  values, and the changes found for disjoint blocks add up to one feasible solution.
* Witnesses that keep every insider's cells at ≥ 1 stay valid in every insider
  scenario.

An interval proved by witnesses is an inner bound, flagged ``exact=False``. It is never
shown in a published table, because it is built from the true counts;
``exact_intervals=True`` (the default) solves every final interval exactly, which is
cheap for a unit's release and slow for a national table.

Insider check (GaussSuppression's singleton handling): a person in the data knows
their own cell is at least 1. For the smallest suppressed figures we take a person in
it, raise the lower bound of their cells by one and require every *other* target to
still pass; a target that contains the insider's cell is judged on what it says about
the other persons in it (its interval minus one).

Rates and medians are out of scope here (DESIGN §5: the caller derives them from
published figures only).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SYMBOL_SUPPRESSED = ":"  # SSB's standard symbol for confidential figures (DESIGN §5)
SYMBOL_STRUCTURAL_ZERO = "."  # impossible by definition (DESIGN §5)
FOOTNOTE_KEY = "stats.footnote.suppression"

#: Values this close to an integer are that integer (HiGHS's default feasibility tolerance).
_SNAP = 1e-7
#: DESIGN §5: bounds are rounded inward as ceil(low − 1e-9) and floor(high + 1e-9).
_ROUND = 1e-9
#: Guard against releases whose cross-classification explodes.
_MAX_INNER_CELLS = 2_000_000
#: Witness solutions kept (the true table is always kept).
_POOL_SIZE = 400
#: Rounds of "spread" solves per audit pass (each moves many targets at once).
_SPREAD_ROUNDS = 12
#: Time limit (seconds) of one integer spread solve; the incumbent is used after it.
_SPREAD_TIME_LIMIT = 5.0
#: Below this many uncertified targets, auditing them one by one is cheaper.
_SPREAD_MIN_PENDING = 6
#: Blocks need a wide dimension (municipalities), not just many cells.
_BLOCK_MIN_LEAVES = 20
#: Free cells per block in the witness search of large releases.
_BLOCK_VARS = 150


# --------------------------------------------------------------------------- rules


class Status(StrEnum):
    """What a published table shows for a figure."""

    PUBLISHED = "published"
    SUPPRESSED = "suppressed"
    STRUCTURAL_ZERO = "structural_zero"


class Rule(StrEnum):
    """Why a figure is suppressed (the first reason found wins, in this order)."""

    PRIMARY = "primary"
    COMPLEMENT = "complement"
    PRIOR = "prior"
    REVISION = "revision"
    SECONDARY = "secondary"
    LAST_RESORT = "last_resort"


class TargetKind(StrEnum):
    """What an audit finding is about."""

    FIGURE = "figure"  # a suppressed figure of the release
    COMPLEMENT_DIFFERENCE = "complement_difference"  # total − cell of the complement rule
    PRIOR_FIGURE = "prior_figure"  # earlier suppressed figure that is not in this release
    REVISION_DIFFERENCE = "revision_difference"  # new value − old published value


@dataclass(frozen=True)
class Rules:
    """Disclosure-control parameters (DESIGN §5)."""

    #: threshold: 1..t persons is a disclosive count (GaussSuppression ``maxN``); never < 3
    t: int = 4
    #: protection width: every audit interval must be at least this wide
    p: int = 3
    #: number of insider scenarios (smallest suppressed figures first)
    insider_limit: int = 10
    #: zeros may be chosen as secondary suppressions (GaussSuppression ``secondaryZeros``)
    secondary_zeros: bool = True
    #: audit rounds before the last resort is taken
    max_rounds: int = 60

    def __post_init__(self) -> None:
        for name in ("t", "p", "insider_limit", "max_rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an integer")
        if self.t < 3:
            raise ValueError(f"threshold t must be at least 3 (DESIGN §5), got {self.t}")
        if self.p < 1:
            raise ValueError(f"protection width p must be at least 1, got {self.p}")
        if self.insider_limit < 0:
            raise ValueError("insider_limit must not be negative")
        if self.max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")

    def is_primary(self, count: int) -> bool:
        """1..t persons: suppressed by the primary rule."""
        return 1 <= count <= self.t

    def passes(self, lo: int | None, hi: int | None) -> bool:
        """The audit test on an integer interval (``None`` = unbounded)."""
        if lo is not None and hi is not None:
            if hi - lo < self.p:
                return False
            if lo >= 1 and hi <= self.t:
                return False
            if -self.t <= lo and hi <= -1:
                return False
        return True


@dataclass(frozen=True)
class Footnote:
    """Footnote parameters; the CLI renders ``key`` from its message catalogue."""

    t: int
    p: int
    key: str = FOOTNOTE_KEY

    def params(self) -> dict[str, int]:
        return {"t": self.t, "p": self.p}

    def text(self) -> str:
        """English fallback text."""
        return (
            f"{SYMBOL_SUPPRESSED} suppressed to protect individuals: figures with 1–{self.t} "
            f"persons, figures whose difference from a total is 1–{self.t} (or 0 for "
            "sensitive variables), and further figures needed so that none of them can be "
            f"narrowed to fewer than {self.p + 1} possible values. Suppressed figures may "
            f"be zero. {SYMBOL_STRUCTURAL_ZERO} structural zero (impossible by definition)."
        )


# ---------------------------------------------------------------------- dimensions


@dataclass(frozen=True)
class Group:
    """A group code made of leaf codes or other group codes of the same dimension."""

    code: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Dimension:
    """A categorical variable with a nested hierarchy of codes.

    ``groups`` must form a nested (laminar) hierarchy: two groups are either disjoint or
    one contains the other. Sensitive dimensions (risk level, outcome, legal basis,
    repeat referral) get the group-disclosure rule.
    """

    name: str
    leaves: tuple[str, ...]
    groups: tuple[Group, ...] = ()
    total: str = "Total"
    sensitive: bool = False
    _leafsets: Mapping[str, frozenset[int]] = field(init=False, repr=False, compare=False)
    _children: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a dimension needs a name")
        if not self.leaves:
            raise ValueError(f"dimension {self.name!r} has no leaf codes")
        all_codes = [*self.leaves, *(g.code for g in self.groups), self.total]
        if any(not c for c in all_codes):
            raise ValueError(f"dimension {self.name!r} has an empty code")
        if len(set(all_codes)) != len(all_codes):
            raise ValueError(f"dimension {self.name!r} has duplicate codes")
        leafsets: dict[str, frozenset[int]] = {
            leaf: frozenset({i}) for i, leaf in enumerate(self.leaves)
        }
        by_code = {g.code: g for g in self.groups}
        resolving: set[str] = set()

        def resolve(code: str) -> frozenset[int]:
            if code in leafsets:
                return leafsets[code]
            if code not in by_code:
                raise ValueError(f"dimension {self.name!r}: unknown member code {code!r}")
            if code in resolving:
                raise ValueError(f"dimension {self.name!r}: group {code!r} contains itself")
            resolving.add(code)
            members = by_code[code].members
            if not members:
                raise ValueError(f"dimension {self.name!r}: group {code!r} is empty")
            parts = [resolve(m) for m in members]
            union = frozenset().union(*parts)
            if sum(len(p) for p in parts) != len(union):
                raise ValueError(f"dimension {self.name!r}: members of {code!r} overlap")
            resolving.discard(code)
            leafsets[code] = union
            return union

        for group in self.groups:
            resolve(group.code)
        everything = frozenset(range(len(self.leaves)))
        # Two codes for the same leaves would be one figure under two names; the one
        # exception is a group spanning every leaf (a quarter over its own months),
        # which is the total under another name.
        seen: dict[frozenset[int], str] = {}
        for code, leaves in leafsets.items():
            if leaves in seen:
                raise ValueError(
                    f"dimension {self.name!r}: {code!r} covers the same codes as {seen[leaves]!r}"
                )
            seen[leaves] = code
        # DESIGN §5: never two overlapping groupings (their difference is a thin slice).
        for (a, sa), (b, sb) in itertools.combinations(leafsets.items(), 2):
            if sa & sb and not (sa <= sb or sb <= sa):
                raise ValueError(f"dimension {self.name!r}: groups {a!r} and {b!r} overlap")
        leafsets[self.total] = everything
        children: dict[str, tuple[str, ...]] = {code: () for code in self.leaves}
        for group in self.groups:
            children[group.code] = tuple(group.members)
        tops = [
            code
            for code, s in leafsets.items()
            if code != self.total
            and not any(s < other for c, other in leafsets.items() if c != self.total)
        ]
        children[self.total] = tuple(sorted(tops, key=lambda c: min(leafsets[c])))

        def post_order(code: str) -> Iterator[str]:
            for child in sorted(children[code], key=lambda c: min(leafsets[c])):
                yield from post_order(child)
            yield code

        object.__setattr__(self, "_leafsets", MappingProxyType(leafsets))
        object.__setattr__(self, "_children", MappingProxyType(children))
        object.__setattr__(self, "_order", tuple(post_order(self.total)))

    @property
    def codes(self) -> tuple[str, ...]:
        """All codes in display order: members before their group, the total last."""
        return self._order

    def has(self, code: str) -> bool:
        return code in self._leafsets

    def leaf_indices(self, code: str) -> tuple[int, ...]:
        """Positions in ``leaves`` of the leaves a code covers."""
        try:
            return tuple(sorted(self._leafsets[code]))
        except KeyError:
            raise ValueError(f"dimension {self.name!r} has no code {code!r}") from None

    def is_leaf(self, code: str) -> bool:
        return len(self._leafsets[code]) == 1 and code in self.leaves

    def children(self, code: str) -> tuple[str, ...]:
        """Codes that add up to ``code`` (empty for a leaf)."""
        return self._children[code]

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Codes that strictly contain ``code``."""
        own = self._leafsets[code]
        return tuple(c for c, s in self._leafsets.items() if own < s)


# --------------------------------------------------------------------------- input


def _freeze_pattern(
    pattern: Mapping[str, str], dims: Mapping[str, Dimension], what: str
) -> Mapping[str, str]:
    for name, code in pattern.items():
        if name not in dims:
            raise ValueError(f"{what}: unknown dimension {name!r}")
        if not dims[name].has(code):
            raise ValueError(f"{what}: dimension {name!r} has no code {code!r}")
    return MappingProxyType(dict(pattern))


@dataclass(frozen=True)
class Microdata:
    """Distinct persons per innermost cell.

    ``counts`` maps a tuple of leaf codes (one per dimension, in ``dimensions`` order)
    to the number of distinct persons; missing cells are 0. The caller guarantees that
    each person is in exactly one cell, so tables are additive. ``structural_zeros``
    are patterns (dimension name → code; group codes cover their leaves) of impossible
    cells.
    """

    dimensions: tuple[Dimension, ...]
    counts: Mapping[tuple[str, ...], int]
    structural_zeros: tuple[Mapping[str, str], ...] = ()

    def __post_init__(self) -> None:
        names = [d.name for d in self.dimensions]
        if not names:
            raise ValueError("microdata needs at least one dimension")
        if len(set(names)) != len(names):
            raise ValueError("duplicate dimension names")
        dims = {d.name: d for d in self.dimensions}
        leaves = [set(d.leaves) for d in self.dimensions]
        counts: dict[tuple[str, ...], int] = {}
        for key, n in self.counts.items():
            if len(key) != len(names) or any(
                c not in ls for c, ls in zip(key, leaves, strict=True)
            ):
                raise ValueError(f"{key!r} is not an innermost cell of {tuple(names)!r}")
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"count for {key!r} must be a non-negative integer")
            if n:
                counts[tuple(key)] = int(n)
        patterns = tuple(_freeze_pattern(p, dims, "structural zero") for p in self.structural_zeros)
        for key in counts:
            cell = dict(zip(names, key, strict=True))
            for pattern in patterns:
                if all(cell[d] in _leaf_codes(dims[d], c) for d, c in pattern.items()):
                    raise ValueError(f"cell {key!r} is a structural zero but has persons")
        object.__setattr__(self, "counts", MappingProxyType(counts))
        object.__setattr__(self, "structural_zeros", patterns)

    @classmethod
    def from_persons(
        cls,
        dimensions: Sequence[Dimension],
        persons: Iterable[Mapping[str, str]],
        structural_zeros: Sequence[Mapping[str, str]] = (),
    ) -> Microdata:
        """Count persons given as one mapping (dimension name → leaf code) each."""
        counts: dict[tuple[str, ...], int] = {}
        for person in persons:
            key = tuple(person[d.name] for d in dimensions)
            counts[key] = counts.get(key, 0) + 1
        return cls(tuple(dimensions), counts, tuple(structural_zeros))

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise ValueError(f"unknown dimension {name!r}")


def _leaf_codes(dim: Dimension, code: str) -> frozenset[str]:
    return frozenset(dim.leaves[i] for i in dim.leaf_indices(code))


@dataclass(frozen=True)
class TableSpec:
    """A catalogue table: its dimensions (one-way, two-way, …) and optional fixed codes.

    Every code of every hierarchy level of each dimension is published, margins and
    grand total included. ``where`` fixes other dimensions to one code, e.g.
    ``(("period", "2025-Q1"),)`` for a quarter table over month-level data.
    """

    name: str
    dimensions: tuple[str, ...]
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Release:
    """The tables published (and therefore suppressed) together: linked tables."""

    microdata: Microdata
    tables: tuple[TableSpec, ...]

    def __post_init__(self) -> None:
        if not self.tables:
            raise ValueError("a release needs at least one table")
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("duplicate table names in release")
        known = {d.name: d for d in self.microdata.dimensions}
        for table in self.tables:
            if not table.dimensions:
                raise ValueError(f"table {table.name!r} has no dimensions")
            if len(set(table.dimensions)) != len(table.dimensions):
                raise ValueError(f"table {table.name!r} repeats a dimension")
            for name in table.dimensions:
                if name not in known:
                    raise ValueError(f"table {table.name!r}: unknown dimension {name!r}")
            for name, code in table.where:
                if name not in known or name in table.dimensions:
                    raise ValueError(f"table {table.name!r}: bad where dimension {name!r}")
                if not known[name].has(code):
                    raise ValueError(f"table {table.name!r}: {name!r} has no code {code!r}")

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """Dimensions the release uses, in microdata order."""
        used = {n for t in self.tables for n in (*t.dimensions, *(w for w, _ in t.where))}
        return tuple(d.name for d in self.microdata.dimensions if d.name in used)


@dataclass(frozen=True)
class PriorFigure:
    """A figure of an earlier release: a union of cell patterns and its published value.

    A pattern maps dimension names to codes (leaf, group or total); a dimension left out
    means all of its codes. ``value`` is ``None`` for a figure that was suppressed.
    """

    patterns: tuple[Mapping[str, str], ...]
    value: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not self.patterns:
            raise ValueError("a prior figure needs at least one pattern")
        if self.value is not None and (isinstance(self.value, bool) or self.value < 0):
            raise ValueError("a prior figure's value must be a non-negative integer")
        object.__setattr__(
            self, "patterns", tuple(MappingProxyType(dict(p)) for p in self.patterns)
        )

    @classmethod
    def cell(
        cls, codes: Mapping[str, str], value: int | None = None, label: str = ""
    ) -> PriorFigure:
        """A figure given by one pattern."""
        return cls((codes,), value, label)


@dataclass(frozen=True)
class PriorRelease:
    """What an earlier release published and suppressed (from the release ledger)."""

    name: str
    published: tuple[PriorFigure, ...] = ()
    suppressed: tuple[PriorFigure, ...] = ()

    def __post_init__(self) -> None:
        if any(f.value is None for f in self.published):
            raise ValueError(f"prior release {self.name!r}: a published figure has no value")


# -------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Interval:
    """An integer audit interval; ``None`` means unbounded.

    ``exact`` intervals are solver optima — what an attacker can compute, so they may be
    shown. Inexact ones are inner bounds from feasible solutions (the true interval
    contains them); they are built from the true counts and must never be published.
    """

    lo: int | None
    hi: int | None
    exact: bool

    def __str__(self) -> str:
        lo = "-inf" if self.lo is None else str(self.lo)
        hi = "inf" if self.hi is None else str(self.hi)
        return f"[{lo}, {hi}]"


@dataclass(frozen=True)
class AuditFinding:
    """The audit of one target. Holds a true value: internal use only."""

    kind: TargetKind
    label: str
    value: int
    rule: Rule | None
    lp: Interval
    integer: Interval | None  # None when the release is plain (LP bounds are integral)
    passes: bool
    insider: str | None = None  # the insider's cell, for insider-scenario findings


@dataclass(frozen=True)
class AuditReport:
    """All base findings, failing insider findings, and solver statistics."""

    rules: Rules
    findings: tuple[AuditFinding, ...]
    insider_scenarios: int
    integer_checked: bool
    lp_calls: int = 0
    lp_seconds: float = 0.0
    milp_calls: int = 0
    milp_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.passes for f in self.findings)

    @property
    def failures(self) -> tuple[AuditFinding, ...]:
        return tuple(f for f in self.findings if not f.passes)


@dataclass(frozen=True)
class PublishedCell:
    """One figure of a published table."""

    codes: tuple[str, ...]  # one code per table dimension
    status: Status
    value: int | None  # only when published
    rule: Rule | None  # only when suppressed
    interval: Interval | None  # exact audit interval of a suppressed figure, if computed

    @property
    def text(self) -> str:
        if self.status is Status.SUPPRESSED:
            return SYMBOL_SUPPRESSED
        if self.status is Status.STRUCTURAL_ZERO:
            return SYMBOL_STRUCTURAL_ZERO
        return str(self.value)


@dataclass(frozen=True)
class PublishedTable:
    """A suppressed table as plain data; renderers live in ``rusenhet.cli``."""

    name: str
    dimensions: tuple[Dimension, ...]
    where: tuple[tuple[str, str], ...]
    cells: tuple[PublishedCell, ...]
    footnote: Footnote

    def cell(self, *codes: str) -> PublishedCell:
        for c in self.cells:
            if c.codes == codes:
                return c
        raise KeyError(codes)

    def rows(self, value_header: str = "n") -> list[list[str]]:
        """Header row, then one row per combination of all but the last dimension.

        A one-way table has the columns (dimension, ``value_header``); otherwise the
        last dimension's codes are the columns.
        """
        by_codes = {c.codes: c for c in self.cells}
        if len(self.dimensions) == 1:
            dim = self.dimensions[0]
            return [[dim.name, value_header]] + [
                [code, by_codes[(code,)].text] for code in dim.codes
            ]
        *row_dims, col_dim = self.dimensions
        out = [[d.name for d in row_dims] + list(col_dim.codes)]
        for prefix in itertools.product(*(d.codes for d in row_dims)):
            out.append(list(prefix) + [by_codes[(*prefix, code)].text for code in col_dim.codes])
        return out

    def records(self) -> list[dict[str, str | int | None]]:
        """One mapping per figure (for JSON and CSV renderers)."""
        out: list[dict[str, str | int | None]] = []
        for c in self.cells:
            rec: dict[str, str | int | None] = {
                d.name: code for d, code in zip(self.dimensions, c.codes, strict=True)
            }
            rec.update(value=c.value, symbol=c.text, status=str(c.status))
            out.append(rec)
        return out


@dataclass(frozen=True)
class LinearSystem:
    """Published figures as equations over the innermost cells (rows × cells)."""

    matrix: Any  # scipy.sparse.csr_array
    values: FloatArray
    labels: tuple[str, ...]


@dataclass(frozen=True)
class SuppressionResult:
    """Outcome of :func:`suppress`."""

    release: Release
    tables: tuple[PublishedTable, ...]
    rules: Rules
    audit: AuditReport
    last_resort: tuple[str, ...]
    rounds: int
    footnote: Footnote
    _patterns: tuple[tuple[Mapping[str, str], Status, int | None], ...] = field(
        repr=False, compare=False
    )
    _priors: tuple[PriorRelease, ...] = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Every target passed the audit; only then may the tables be published."""
        return self.audit.ok

    def table(self, name: str) -> PublishedTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def suppressed_patterns(self) -> tuple[Mapping[str, str], ...]:
        """Every suppressed figure as a pattern (dimensions at their total left out)."""
        return tuple(p for p, s, _ in self._patterns if s is Status.SUPPRESSED)

    def as_prior(self, name: str) -> PriorRelease:
        """This release as an earlier release for the next one (ledger entry)."""
        published = tuple(
            PriorFigure.cell(p, v) for p, s, v in self._patterns if s is Status.PUBLISHED
        )
        suppressed = tuple(
            PriorFigure.cell(p) for p, s, _ in self._patterns if s is Status.SUPPRESSED
        )
        return PriorRelease(name, published, suppressed)

    def linear_system(self) -> LinearSystem:
        """The equations the audit uses: published figures, earlier releases, and — for
        linked tables solved block by block — the equations tying the blocks together
        (labelled ``consistency``). Columns are the cells of those blocks."""
        model = _Model(self.release, self.rules, self._priors, None)
        suppressed = {model.figure_for_pattern(p) for p in self.suppressed_patterns()}
        published = model.published_fids(suppressed)
        a, b, labels = model.constraint_rows(published)
        return LinearSystem(a, b, labels)


# ------------------------------------------------------------------------ internals


@dataclass
class _Figure:
    fid: int
    coords: tuple[str, ...]  # canonical coordinates over the release dimensions
    cells: IntArray  # sorted variable indices (structural cells left out)
    value: int
    tables: list[int]
    level: int  # aggregated table dimensions (0 = inner cell of some table)
    label: str


@dataclass
class _Target:
    kind: TargetKind
    cells: IntArray
    offset: int
    value: int
    label: str
    fid: int | None = None  # the suppressed figure (FIGURE) or the cell (complement)
    total: int | None = None  # the total (COMPLEMENT_DIFFERENCE)


@dataclass
class _Eval:
    lp: Interval
    integer: Interval | None
    passes: bool
    binding: dict[int, float] | None = None  # figures binding a failing target


@dataclass
class _Stats:
    lp_calls: int = 0
    lp_seconds: float = 0.0
    milp_calls: int = 0
    milp_seconds: float = 0.0


def _snap(v: float) -> float:
    r = round(v)
    return float(r) if abs(v - r) < _SNAP else v


def _round_lo(v: float) -> int:
    return math.ceil(_snap(v) - _ROUND)


def _round_hi(v: float) -> int:
    return math.floor(_snap(v) + _ROUND)


def _round_lo_all(v: FloatArray) -> IntArray:
    r = np.round(v)
    snapped = np.where(np.abs(v - r) < _SNAP, r, v)
    return np.ceil(snapped - _ROUND).astype(np.int64)


def _round_hi_all(v: FloatArray) -> IntArray:
    r = np.round(v)
    snapped = np.where(np.abs(v - r) < _SNAP, r, v)
    return np.floor(snapped + _ROUND).astype(np.int64)


def _passes_all(rules: Rules, lo: IntArray, hi: IntArray) -> BoolArray:
    """:meth:`Rules.passes` for arrays of finite bounds."""
    inside_pos = (lo >= 1) & (hi <= rules.t)
    inside_neg = (lo >= -rules.t) & (hi <= -1)
    out: BoolArray = (hi - lo >= rules.p) & ~inside_pos & ~inside_neg
    return out


def _acyclic(edges: Sequence[frozenset[int]]) -> bool:
    """GYO reduction: is the hypergraph acyclic (decomposable)?"""
    work = [set(e) for e in edges]
    changed = True
    while changed and work:
        changed = False
        counts: dict[int, int] = {}
        for e in work:
            for v in e:
                counts[v] = counts.get(v, 0) + 1
        for e in work:
            lone = {v for v in e if counts[v] == 1}
            if lone:
                e -= lone
                changed = True
        kept: list[set[int]] = []
        for i, e in enumerate(work):
            if not e or any(e <= f and (e != f or j < i) for j, f in enumerate(work) if j != i):
                changed = True
                continue
            kept.append(e)
        work = kept
    return not work


def _csr(rows: Sequence[IntArray], n: int) -> Any:
    """0/1 sparse matrix with the given column sets as rows."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    if rows:
        indptr[1:] = np.cumsum([len(r) for r in rows])
        indices = np.concatenate(rows) if indptr[-1] else np.zeros(0, dtype=np.int64)
    else:
        indices = np.zeros(0, dtype=np.int64)
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_array((data, indices, indptr), shape=(len(rows), n))


class _Model:
    """Figures, relations and rule inputs of one release, indexed for the solver."""

    def __init__(
        self,
        release: Release,
        rules: Rules,
        priors: Sequence[PriorRelease],
        revision_of: PriorRelease | None,
    ) -> None:
        self.release = release
        self.rules = rules
        md = release.microdata
        names = release.dimension_names
        self.dims: tuple[Dimension, ...] = tuple(md.dimension(n) for n in names)
        self.pos = {d.name: i for i, d in enumerate(self.dims)}
        self.shape = tuple(len(d.leaves) for d in self.dims)
        self.cliques = self._choose_cliques(priors, revision_of)
        largest = max(math.prod(self.shape[i] for i in q) for q in self.cliques)
        if largest > _MAX_INNER_CELLS:
            raise ValueError(f"release has {largest} innermost cells; split it into releases")
        md_names = [d.name for d in md.dimensions]
        keep = [md_names.index(n) for n in names]
        leaf_pos = [{c: i for i, c in enumerate(d.leaves)} for d in self.dims]
        persons: dict[tuple[int, ...], int] = {}
        for key, n in md.counts.items():
            idx = tuple(leaf_pos[j][key[k]] for j, k in enumerate(keep))
            persons[idx] = persons.get(idx, 0) + n
        #: release-level cells with persons in them (leaf position per dimension)
        self.persons = sorted(persons.items())
        # Variables: the possible (non-structural) cells of every clique, clique by clique.
        self.clique_map: list[IntArray] = []  # clique cell → variable, −1 if structural
        var_clique: list[IntArray] = []
        var_cell: list[IntArray] = []
        truth: list[FloatArray] = []
        start = 0
        for qi, q in enumerate(self.cliques):
            shape_q = tuple(self.shape[i] for i in q)
            counts = np.zeros(shape_q, dtype=np.int64)
            for idx, n in self.persons:
                counts[tuple(idx[i] for i in q)] += n
            live = np.flatnonzero(~self._structural(md, q).ravel())
            cmap = np.full(math.prod(shape_q), -1, dtype=np.int64)
            cmap[live] = start + np.arange(len(live), dtype=np.int64)
            self.clique_map.append(cmap)
            var_clique.append(np.full(len(live), qi, dtype=np.int64))
            var_cell.append(live.astype(np.int64))
            truth.append(counts.ravel()[live].astype(np.float64))
            start += len(live)
        self.n = start
        self.var_clique: IntArray = np.concatenate(var_clique)
        self.var_cell: IntArray = np.concatenate(var_cell)
        self.truth: FloatArray = np.concatenate(truth)
        self.consistency = self._consistency_rows()
        self._build_figures()
        self._build_relations()
        self._build_complements()
        self._build_history(priors, revision_of)
        self.plain = (
            len(release.tables) == 1
            and len(release.tables[0].dimensions) <= 2
            and sum(1 for name in release.tables[0].dimensions if self.dims[self.pos[name]].groups)
            <= 1
            and not self.prior_rows
            and not self.revision_targets
        )

    # -- construction ------------------------------------------------------------

    def _choose_cliques(
        self, priors: Sequence[PriorRelease], revision_of: PriorRelease | None
    ) -> list[tuple[int, ...]]:
        """The blocks of variables: one per maximal table, when that is exact.

        Linked tables such as a unit's one-way tables plus age × risk and age ×
        attendance would otherwise need the full cross-classification of every
        dimension (thousands of cells for 50 persons). When the tables' dimension sets
        form an acyclic (decomposable) hypergraph, margins that agree on the shared
        dimensions always come from some joint table of persons — integer and
        non-negative, by gluing the tables along their shared margins — so one block of
        cells per maximal table, plus equations that make every pair of blocks agree on
        their shared dimensions, has exactly the same feasible figures. Structural zeros
        and earlier figures must then lie within one block; otherwise, and for cyclic
        table sets, the full cross-classification is used.
        """
        everything = [tuple(range(len(self.dims)))]
        maximal: list[frozenset[int]] = []
        for table in self.release.tables:
            dims = frozenset(self.pos[n] for n in (*table.dimensions, *(w for w, _ in table.where)))
            if any(dims <= m for m in maximal):
                continue
            maximal = [m for m in maximal if not m <= dims] + [dims]
        if len(maximal) == 1:
            return everything
        if not _acyclic(maximal):
            return everything

        def fits(dims: set[int]) -> bool:
            return any(dims <= m for m in maximal)

        md = self.release.microdata
        for pattern in md.structural_zeros:
            used: set[int] = set()
            for name, code in pattern.items():
                dim = md.dimension(name)
                if len(dim.leaf_indices(code)) == len(dim.leaves):
                    continue
                if name not in self.pos:
                    return everything
                used.add(self.pos[name])
            if not fits(used):
                return everything
        history = [*priors, *([revision_of] if revision_of is not None else [])]
        for release in history:
            for fig in (*release.published, *release.suppressed):
                if not fits(self._pattern_dims(fig.patterns)):
                    return everything
        order = {
            m: min(i for i, t in enumerate(self.release.tables) if self._table_dims(t) <= m)
            for m in maximal
        }
        return [tuple(sorted(m)) for m in sorted(maximal, key=lambda m: order[m])]

    def _table_dims(self, table: TableSpec) -> frozenset[int]:
        return frozenset(self.pos[n] for n in (*table.dimensions, *(w for w, _ in table.where)))

    def _pattern_dims(self, patterns: Iterable[Mapping[str, str]]) -> set[int]:
        """Release dimensions the patterns restrict (codes narrower than the total)."""
        used: set[int] = set()
        for pattern in patterns:
            for name, code in pattern.items():
                if name not in self.pos:
                    dim = self.release.microdata.dimension(name)
                    if len(dim.leaf_indices(code)) != len(dim.leaves):
                        raise ValueError(f"dimension {name!r} is not used by this release")
                    continue
                dim = self.dims[self.pos[name]]
                if len(dim.leaf_indices(code)) != len(dim.leaves):
                    used.add(self.pos[name])
        return used

    def _clique_for(self, dims: set[int]) -> int:
        for q, clique in enumerate(self.cliques):
            if dims <= set(clique):
                return q
        raise ValueError("a figure spans tables that this release does not link")

    def _structural(self, md: Microdata, clique: tuple[int, ...]) -> BoolArray:
        """Cells of a clique that are impossible: every microdata cell under them is."""
        shape_q = tuple(self.shape[i] for i in clique)
        if not md.structural_zeros:
            return np.zeros(shape_q, dtype=bool)
        inside = [self.dims[i].name for i in clique]
        extra = sorted({n for p in md.structural_zeros for n in p} - set(inside))
        dims = [self.dims[i] for i in clique] + [md.dimension(n) for n in extra]
        mask = np.zeros(tuple(len(d.leaves) for d in dims), dtype=bool)
        for pattern in md.structural_zeros:
            index = [
                np.array(d.leaf_indices(pattern[d.name]))
                if d.name in pattern
                else np.arange(len(d.leaves))
                for d in dims
            ]
            mask[np.ix_(*index)] = True
        axes = tuple(range(len(clique), len(dims)))
        return np.asarray(mask.all(axis=axes), dtype=bool) if axes else mask

    def _vars_in(self, q: int, leaf_sets: Sequence[Sequence[int]]) -> IntArray:
        """Variables of clique ``q`` under the given leaves (one set per dimension)."""
        flat = np.zeros(1, dtype=np.int64)
        for i in self.cliques[q]:
            idx = np.asarray(leaf_sets[i], dtype=np.int64)
            flat = (flat[:, None] * self.shape[i] + idx[None, :]).ravel()
        v = self.clique_map[q][flat]
        out: IntArray = np.sort(v[v >= 0])
        return out

    def _coords_vars(self, coords: Sequence[str], q: int | None = None) -> IntArray:
        leaf_sets = [d.leaf_indices(c) for d, c in zip(self.dims, coords, strict=True)]
        if q is None:
            used = {i for i, ls in enumerate(leaf_sets) if len(ls) != self.shape[i]}
            q = self._clique_for(used)
        return self._vars_in(q, leaf_sets)

    def vars_for_patterns(self, patterns: Sequence[Mapping[str, str]]) -> IntArray:
        """Variables of a union of patterns (all in one clique)."""
        q = self._clique_for(self._pattern_dims(patterns))
        parts = []
        for pattern in patterns:
            sets = [d.leaf_indices(pattern.get(d.name, d.total)) for d in self.dims]
            parts.append(self._vars_in(q, sets))
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def vars_for_pattern(self, pattern: Mapping[str, str]) -> IntArray:
        return self.vars_for_patterns([pattern])

    def _consistency_rows(self) -> list[tuple[IntArray, IntArray]]:
        """Every pair of cliques agrees on the cells of their shared dimensions."""
        rows: list[tuple[IntArray, IntArray]] = []
        for q1, q2 in itertools.combinations(range(len(self.cliques)), 2):
            shared = sorted(set(self.cliques[q1]) & set(self.cliques[q2]))
            for combo in itertools.product(*(range(self.shape[i]) for i in shared)):
                sets: list[Sequence[int]] = [range(size) for size in self.shape]
                for i, leaf in zip(shared, combo, strict=True):
                    sets[i] = [leaf]
                plus, minus = self._vars_in(q1, sets), self._vars_in(q2, sets)
                if len(plus) or len(minus):
                    rows.append((plus, minus))
        return rows

    def person_vars(self, var: int) -> tuple[IntArray, str]:
        """The cells, one per clique, of a person in the cell of ``var``; and a label."""
        q = int(self.var_clique[var])
        clique = self.cliques[q]
        cell = np.unravel_index(int(self.var_cell[var]), tuple(self.shape[i] for i in clique))
        for idx, n in self.persons:
            if n and all(idx[i] == int(c) for i, c in zip(clique, cell, strict=True)):
                out = []
                for qq, cl in enumerate(self.cliques):
                    flat = np.ravel_multi_index(
                        tuple(idx[i] for i in cl), tuple(self.shape[i] for i in cl)
                    )
                    out.append(int(self.clique_map[qq][flat]))
                label = ", ".join(
                    f"{d.name}={d.leaves[i]}" for d, i in zip(self.dims, idx, strict=True)
                )
                return np.array(sorted(set(out)), dtype=np.int64), label
        raise ValueError("no person in this cell")

    def _label(self, coords: Sequence[str]) -> str:
        parts = [f"{d.name}={c}" for d, c in zip(self.dims, coords, strict=True) if c != d.total]
        return ", ".join(parts) or "total"

    def _build_figures(self) -> None:
        self.figures: list[_Figure] = []
        self.by_coords: dict[tuple[str, ...], int] = {}
        by_key: dict[bytes, int] = {}
        self.table_cells: list[list[tuple[tuple[str, ...], int]]] = []
        for ti, table in enumerate(self.release.tables):
            where = dict(table.where)
            axes: list[tuple[str, ...]] = []
            for d in self.dims:
                if d.name in table.dimensions:
                    axes.append(d.codes)
                else:
                    axes.append((where.get(d.name, d.total),))
            tdims = [self.pos[n] for n in table.dimensions]
            cells: list[tuple[tuple[str, ...], int]] = []
            for coords in itertools.product(*axes):
                level = sum(1 for i in tdims if not self.dims[i].is_leaf(coords[i]))
                fid = self.by_coords.get(coords)
                if fid is None:
                    v = self._coords_vars(coords)
                    key = v.tobytes()
                    fid = by_key.get(key)
                    if fid is None:
                        fid = len(self.figures)
                        by_key[key] = fid
                        self.figures.append(
                            _Figure(
                                fid,
                                coords,
                                v,
                                int(self.truth[v].sum()),
                                [],
                                level,
                                self._label(coords),
                            )
                        )
                    self.by_coords[coords] = fid
                fig = self.figures[fid]
                if ti not in fig.tables:
                    fig.tables.append(ti)
                fig.level = min(fig.level, level)
                table_codes = tuple(coords[i] for i in tdims)
                cells.append((table_codes, fid))
            self.table_cells.append(cells)
        self.structural = {f.fid for f in self.figures if len(f.cells) == 0}
        self.by_set = by_key

    def _build_relations(self) -> None:
        """Sum relations parent = Σ children along one table dimension."""
        seen: set[tuple[int, tuple[int, ...]]] = set()
        self.relations: list[tuple[int, tuple[int, ...]]] = []
        for table in self.release.tables:
            tdims = [self.pos[n] for n in table.dimensions]
            for coords, fid in self.by_coords.items():
                for i in tdims:
                    d = self.dims[i]
                    kids = d.children(coords[i])
                    if not kids:
                        continue
                    child_fids: list[int] = []
                    for k in kids:
                        cc = (*coords[:i], k, *coords[i + 1 :])
                        cf = self.by_coords.get(cc)
                        if cf is None:
                            break
                        if cf not in self.structural:
                            child_fids.append(cf)
                    else:
                        key = (fid, tuple(sorted(child_fids)))
                        if (
                            fid not in child_fids
                            and len(set(child_fids)) == len(child_fids)
                            and key not in seen
                        ):
                            seen.add(key)
                            self.relations.append(key)

    def _build_complements(self) -> None:
        """Pairs (total, cell) of the complement rule, with the triggering difference."""
        t = self.rules.t
        self.complements: dict[tuple[int, int], int] = {}
        for coords, cfid in self.by_coords.items():
            c = self.figures[cfid]
            if cfid in self.structural:
                continue
            options = [
                (code, *d.ancestors(code)) for d, code in zip(self.dims, coords, strict=True)
            ]
            for tcoords in itertools.product(*options):
                if tcoords == coords:
                    continue
                tfid = self.by_coords.get(tcoords)
                if tfid is None or tfid == cfid:
                    continue
                diff = self.figures[tfid].value - c.value
                sensitive = any(
                    d.sensitive
                    for d, a, b in zip(self.dims, tcoords, coords, strict=True)
                    if a != b
                )
                if 1 <= diff <= t or (diff == 0 and sensitive and self.figures[tfid].value >= 1):
                    self.complements[(tfid, cfid)] = diff

    def _build_history(
        self, priors: Sequence[PriorRelease], revision_of: PriorRelease | None
    ) -> None:
        self.prior_rows: list[tuple[IntArray, int, str]] = []
        self.forced: set[int] = set()
        self.prior_suppressed: set[int] = set()
        self.revision_suppressed: set[int] = set()
        self.prior_targets: list[_Target] = []
        self.revision_targets: list[_Target] = []
        t = self.rules.t

        def resolve(fig: PriorFigure) -> IntArray:
            return self.vars_for_patterns(fig.patterns)

        def label(release: PriorRelease, fig: PriorFigure) -> str:
            if fig.label:
                return f"{release.name}: {fig.label}"
            pats = [", ".join(f"{k}={v}" for k, v in p.items()) or "total" for p in fig.patterns]
            return f"{release.name}: " + " + ".join(pats)

        def add_suppressed(release: PriorRelease, fig: PriorFigure, into: set[int]) -> None:
            v = resolve(fig)
            fid = self.by_set.get(v.tobytes())
            if fid is not None:
                into.add(fid)
            elif len(v):
                value = int(self.truth[v].sum())
                self.prior_targets.append(
                    _Target(TargetKind.PRIOR_FIGURE, v, 0, value, label(release, fig))
                )

        for release in priors:
            for fig in release.published:
                v = resolve(fig)
                assert fig.value is not None  # noqa: S101 - checked by PriorRelease
                if int(self.truth[v].sum()) != fig.value:
                    raise ValueError(
                        f"{label(release, fig)}: published {fig.value} but the data say "
                        f"{int(self.truth[v].sum())}; audit a changed release as a revision"
                    )
                if len(v):
                    self.prior_rows.append((v, fig.value, label(release, fig)))
                fid = self.by_set.get(v.tobytes())
                if fid is not None:
                    self.forced.add(fid)
            for fig in release.suppressed:
                add_suppressed(release, fig, self.prior_suppressed)
        if revision_of is not None:
            for fig in revision_of.published:
                assert fig.value is not None  # noqa: S101 - checked by PriorRelease
                v = resolve(fig)
                delta = int(self.truth[v].sum()) - fig.value
                if 1 <= abs(delta) <= t:
                    fid = self.by_set.get(v.tobytes())
                    if fid is not None:
                        self.revision_suppressed.add(fid)
                    self.revision_targets.append(
                        _Target(
                            TargetKind.REVISION_DIFFERENCE,
                            v,
                            -fig.value,
                            delta,
                            label(revision_of, fig) + " (revision)",
                            fid,
                        )
                    )
            for fig in revision_of.suppressed:
                add_suppressed(revision_of, fig, self.prior_suppressed)
            self._revision_complements(revision_of)

    def _revision_complements(self, revision_of: PriorRelease) -> None:
        """The persons who changed are a table of their own (DESIGN §5b): the
        complement rule applies to new − old, so "both added persons were high risk"
        (Δtotal = Δhigh = 2) cannot be read off unchanged figures."""
        t = self.rules.t
        old: dict[int, int] = {}
        for fig in revision_of.published:
            fid = self.by_set.get(self.vars_for_patterns(fig.patterns).tobytes())
            if fid is not None and fig.value is not None:
                old[fid] = fig.value
        done = {tg.fid for tg in self.revision_targets}
        for coords, cfid in self.by_coords.items():
            if cfid not in old or cfid in self.structural:
                continue
            d_cell = self.figures[cfid].value - old[cfid]
            options = [(code, *d.ancestors(code)) for d, code in zip(self.dims, coords,
                                                                      strict=True)]
            for tcoords in itertools.product(*options):
                tfid = self.by_coords.get(tcoords)
                if tfid is None or tfid == cfid or tfid not in old:
                    continue
                d_total = self.figures[tfid].value - old[tfid]
                diff = d_total - d_cell
                sensitive = any(d.sensitive for d, a, b in zip(self.dims, tcoords, coords,
                                                               strict=True) if a != b)
                if not (1 <= diff <= t or (diff == 0 and sensitive and d_total >= 1)):
                    continue
                # As for the complement rule itself: a cell that is published anyway
                # (earlier, unchanged) cannot be hidden, so the total is hidden instead.
                hide = tfid if cfid in self.forced else cfid
                if hide in self.forced:
                    continue
                self.revision_suppressed.add(hide)
                if hide not in done:
                    done.add(hide)
                    f = self.figures[hide]
                    self.revision_targets.append(_Target(
                        TargetKind.REVISION_DIFFERENCE, f.cells, -old[hide],
                        f.value - old[hide],
                        f"{revision_of.name}: {f.label} (revision, complement)", hide))

    # -- queries -------------------------------------------------------------------

    def figure_for_pattern(self, pattern: Mapping[str, str]) -> int:
        v = self.vars_for_pattern(pattern)
        fid = self.by_set.get(v.tobytes())
        if fid is None:
            raise ValueError(f"{dict(pattern)!r} is not a figure of this release")
        return fid

    def published_fids(self, suppressed: Iterable[int]) -> list[int]:
        hidden = set(suppressed) | self.structural
        return [f.fid for f in self.figures if f.fid not in hidden]

    def difference(self, total: int, cell: int) -> IntArray:
        """Variables of total − cell, both taken in the cell's clique."""
        c = self.figures[cell]
        q = int(self.var_clique[c.cells[0]])
        big = self._coords_vars(self.figures[total].coords, q)
        out: IntArray = np.setdiff1d(big, c.cells).astype(np.int64)
        return out

    def constraint_rows(self, published: Sequence[int]) -> tuple[Any, FloatArray, tuple[str, ...]]:
        """Published figures, earlier published figures, then clique consistency."""
        rows = [self.figures[f].cells for f in published] + [r[0] for r in self.prior_rows]
        values = [float(self.figures[f].value) for f in published] + [
            float(r[1]) for r in self.prior_rows
        ]
        labels = tuple(self.figures[f].label for f in published) + tuple(
            r[2] for r in self.prior_rows
        )
        a = _csr(rows, self.n)
        if self.consistency:
            plus = _csr([r[0] for r in self.consistency], self.n)
            minus = _csr([r[1] for r in self.consistency], self.n)
            a = sp.csr_array(sp.vstack([a, plus - minus]))
            values += [0.0] * len(self.consistency)
            labels += ("consistency",) * len(self.consistency)
        return a, np.array(values, dtype=np.float64), labels

    def pattern_of(self, fid: int) -> Mapping[str, str]:
        coords = self.figures[fid].coords
        return MappingProxyType(
            {d.name: c for d, c in zip(self.dims, coords, strict=True) if c != d.total}
        )


class _Pool:
    """Feasible solutions seen so far, as witnesses of attainable target values."""

    def __init__(self, truth: FloatArray) -> None:
        self.cols: list[FloatArray] = [truth]
        self.integral: list[bool] = [True]
        self._matrix: FloatArray | None = None

    def add(self, x: FloatArray) -> None:
        rounded = np.round(x)
        integral = bool(np.all(np.abs(x - rounded) < _SNAP))
        self.cols.append(rounded if integral else x)
        self.integral.append(integral)
        if len(self.cols) > _POOL_SIZE:
            del self.cols[1]
            del self.integral[1]
        self._matrix = None

    def matrix(self) -> tuple[FloatArray, BoolArray]:
        if self._matrix is None:
            self._matrix = np.column_stack(self.cols)
        return self._matrix, np.array(self.integral, dtype=bool)


@dataclass
class _Reduced:
    """A presolved audit problem: free variables, remaining equations, fixed values."""

    free: IntArray
    fixed_values: FloatArray  # full length; meaningful where not free
    a: Any  # csr over free variables
    b: FloatArray
    fixer: IntArray  # full length: the equation that fixed each cell, −1 if free


def _presolve(a: Any, b: FloatArray, lb: FloatArray) -> _Reduced:
    """Fix cells inside published zeros and cells alone in a published figure.

    Valid for any tighter lower bounds as well, as long as the true table satisfies
    them: every fixing is implied by the equations and non-negativity.
    """
    n = a.shape[1]
    fixed = np.zeros(n, dtype=bool)
    val = np.zeros(n, dtype=np.float64)
    fixer = np.full(n, -1, dtype=np.int64)
    # Only sums with all coefficients +1 (figures) pin their cells at a zero; the
    # ±1 consistency equations between cliques do not.
    positive = np.asarray((a < 0).sum(axis=1)).ravel() == 0
    a_abs = abs(a)
    while True:
        freef = (~fixed).astype(np.float64)
        nfree = a_abs @ freef
        resid = b - a @ (val * fixed)
        lbsum = a @ (lb * freef)
        alive = nfree > 0.5
        at_lb = alive & positive & (resid - lbsum < 0.5)
        if at_lb.any():
            rows_at = np.flatnonzero(at_lb)
            by_col = sp.csc_array(a[rows_at])
            cols = (np.diff(by_col.indptr) > 0) & ~fixed
            for col in np.flatnonzero(cols):
                fixer[col] = rows_at[by_col.indices[by_col.indptr[col]]]
            val[cols] = lb[cols]
            fixed |= cols
            continue
        single = alive & (nfree < 1.5)
        if not single.any():
            break
        rows = np.flatnonzero(single)
        sub = sp.csr_array(a[rows].multiply(freef[None, :]))
        sub.eliminate_zeros()
        for k, r in enumerate(rows):
            j = int(sub.indices[sub.indptr[k]])
            if not fixed[j]:
                fixed[j] = True
                val[j] = resid[r] / float(sub.data[sub.indptr[k]])
                fixer[j] = r
    freef = (~fixed).astype(np.float64)
    nfree = a_abs @ freef
    resid = b - a @ (val * fixed)
    keep = np.flatnonzero(nfree > 0.5)
    free = np.flatnonzero(~fixed).astype(np.int64)
    reduced = sp.csr_array(a[keep][:, free]) if len(keep) else sp.csr_array((0, len(free)))
    return _Reduced(free, val, reduced, resid[keep].astype(np.float64), fixer)


@dataclass
class _Local:
    """One block of a large release: its cells and the equations that touch them."""

    cols: IntArray  # cells of the block
    rows: IntArray  # equations touching them
    a: Any  # csr, rows × cols
    a_out: Any  # csr, rows × cells outside the block
    inner_b: FloatArray  # right-hand sides with every outside cell at its true value
    outer_s: Any  # csr, rows × slacks: one slack per equation with outside cells
    outer_rows: IntArray  # which rows have a slack
    outside: IntArray  # the cells outside the block


@dataclass
class _Frame:
    """Targets over one system of published equations."""

    a: Any  # csr, published equations × cells
    b: FloatArray
    row_fids: Sequence[int | None]  # the release figure of each equation (None: earlier)
    red: _Reduced
    tmat: Any  # csr, targets × cells
    offsets: FloatArray
    const: FloatArray  # target value contributed by fixed cells, plus offset
    t_red: Any  # csr, targets × free cells
    rep: list[int]  # first target with the same cells and offset
    position: IntArray  # cell → column among free cells, −1 if fixed
    block_of: IntArray  # cell → block
    n_blocks: int
    home: IntArray  # target → block holding all its cells, −1 if several
    locals: dict[int, _Local] = field(default_factory=dict)


@dataclass
class _Solution:
    fun: float | None  # None: unbounded
    x: FloatArray | None
    duals: FloatArray | None


class _Auditor:
    """Interval audit of a set of targets against a set of published equations."""

    def __init__(self, model: _Model, integer: bool, stats: _Stats) -> None:
        self.model = model
        self.rules = model.rules
        self.integer = integer
        self.stats = stats
        self.pool = _Pool(model.truth)

    # -- solver calls --------------------------------------------------------------

    def _solve(
        self,
        c: FloatArray,
        a: Any,
        b: FloatArray,
        lower: FloatArray,
        integer: bool,
        presolved: bool = False,
    ) -> _Solution:
        """min c·x subject to a x = b, x ≥ lower (on integers if asked).

        ``presolved`` systems skip HiGHS's own presolve, which costs more than it saves
        once :func:`_presolve` has run (measured: 27 ms instead of 89 ms per LP on the
        national table).
        """
        m = a.shape[0]
        t0 = time.perf_counter()
        if integer:
            res = milp(
                c,
                integrality=np.ones(len(c)),
                bounds=Bounds(lower, np.full(len(c), np.inf)),
                constraints=[LinearConstraint(a, b, b)] if m else [],
            )
            self.stats.milp_calls += 1
            self.stats.milp_seconds += time.perf_counter() - t0
        else:
            res = linprog(
                c,
                A_eq=a if m else None,
                b_eq=b if m else None,
                bounds=np.column_stack([lower, np.full(len(c), np.inf)]),
                method="highs",
                options={"presolve": not presolved},
            )
            self.stats.lp_calls += 1
            self.stats.lp_seconds += time.perf_counter() - t0
        if res.status == 3:
            return _Solution(None, None, None)
        if res.status != 0 or res.x is None:
            raise RuntimeError(f"solver failed: {res.message}")
        duals = None
        if not integer and m:
            duals = np.asarray(res.eqlin.marginals, dtype=np.float64)
        return _Solution(float(res.fun), np.asarray(res.x, dtype=np.float64), duals)

    # -- frames and blocks ------------------------------------------------------------

    def frame(
        self, a: Any, b: FloatArray, row_fids: Sequence[int | None], targets: Sequence[_Target]
    ) -> _Frame:
        """Presolve the published equations and express the targets over free cells."""
        n = self.model.n
        red = _presolve(a, b, np.zeros(n, dtype=np.float64))
        tmat = _csr([t.cells for t in targets], n)
        offsets = np.array([t.offset for t in targets], dtype=np.float64)
        fixed_mask = np.ones(n, dtype=bool)
        fixed_mask[red.free] = False
        const = tmat @ (red.fixed_values * fixed_mask) + offsets
        t_red = sp.csr_array(tmat[:, red.free])
        keys: dict[tuple[bytes, int], int] = {}
        rep = [keys.setdefault((t.cells.tobytes(), t.offset), k) for k, t in enumerate(targets)]
        position = np.full(n, -1, dtype=np.int64)
        position[red.free] = np.arange(len(red.free), dtype=np.int64)
        block_of, n_blocks = self._blocks(len(red.free))
        home = np.full(len(targets), -1, dtype=np.int64)
        for k, t in enumerate(targets):
            if len(t.cells):
                owners = block_of[t.cells]
                if (owners == owners[0]).all():
                    home[k] = owners[0]
        return _Frame(
            a,
            b,
            row_fids,
            red,
            tmat,
            offsets,
            np.asarray(const, dtype=np.float64),
            t_red,
            rep,
            position,
            block_of,
            n_blocks,
            home,
        )

    def _blocks(self, n_free: int) -> tuple[IntArray, int]:
        """Block number of every cell, for the work on large releases.

        Large releases are nearly block-angular: a national table's municipalities are
        tied together only by the national figures. Solving for one block of leaves of
        the widest dimension while every other cell keeps its true value gives a
        solution of the whole system (an inner bound); keeping the block's equations
        with one free slack for the outside cells of each gives a relaxation (an outer
        bound). And since each block's change of the true table is in the null space of
        the published equations and the blocks are disjoint, the changes found for all
        blocks add up to one feasible solution.
        """
        model = self.model
        widest = int(np.argmax(model.shape))
        if (
            len(model.cliques) > 1
            or n_free <= 2 * _BLOCK_VARS
            or model.shape[widest] < _BLOCK_MIN_LEAVES
        ):
            return np.zeros(model.n, dtype=np.int64), 1
        leaf = np.unravel_index(model.var_cell, model.shape)[widest]
        per_leaf = np.bincount(leaf, minlength=model.shape[widest])
        block_of_leaf = np.zeros(len(per_leaf), dtype=np.int64)
        block, size = 0, 0
        # A fixed shuffle mixes large and small leaves (municipalities) in each block.
        for lf in np.random.default_rng(len(per_leaf)).permutation(len(per_leaf)):
            block_of_leaf[lf] = block
            size += int(per_leaf[lf])
            if size >= _BLOCK_VARS:
                block, size = block + 1, 0
        out: IntArray = block_of_leaf[leaf].astype(np.int64)
        return out, int(out.max()) + 1

    def _local(self, frame: _Frame, block: int) -> _Local:
        if block not in frame.locals:
            cols = np.flatnonzero(frame.block_of == block).astype(np.int64)
            outside = np.flatnonzero(frame.block_of != block).astype(np.int64)
            a_cols = sp.csr_array(frame.a[:, cols])
            rows = np.flatnonzero(np.diff(a_cols.indptr) > 0).astype(np.int64)
            a = sp.csr_array(a_cols[rows])
            a_out = sp.csr_array(frame.a[rows][:, outside])
            inner_b = frame.b[rows] - a_out @ self.model.truth[outside]
            outer_rows = np.flatnonzero(np.diff(a_out.indptr) > 0).astype(np.int64)
            outer_s = sp.csr_array(
                (np.ones(len(outer_rows)), (outer_rows, np.arange(len(outer_rows)))),
                shape=(len(rows), len(outer_rows)),
            )
            frame.locals[block] = _Local(
                cols,
                rows,
                a,
                a_out,
                np.asarray(inner_b, dtype=np.float64),
                outer_s,
                outer_rows,
                outside,
            )
        return frame.locals[block]

    # -- the audit -----------------------------------------------------------------

    def evaluate(
        self,
        frame: _Frame,
        targets: Sequence[_Target],
        *,
        exact: bool,
        insider: IntArray | None = None,
        skip: BoolArray | None = None,
        safe: Sequence[int] = (),
    ) -> list[_Eval | None]:
        """Audit every target; ``None`` for skipped ones (the insider's own figure).

        ``safe`` cells are kept at ≥ 1 in a first witness search, so that those
        witnesses stay valid in the insider scenarios for these cells.
        """
        n = self.model.n
        count = len(targets)
        lb = np.zeros(n, dtype=np.float64)
        if insider is not None:
            # DESIGN §5: the insider raises their own cell's lower bound by one (one
            # cell per clique: the insider knows all of their own categories).
            lb[insider] = 1.0
        floor_ = np.asarray(frame.tmat @ lb + frame.offsets, dtype=np.float64)
        shift = np.zeros(count, dtype=np.int64)
        if insider is not None:
            shift = (np.asarray(frame.tmat[:, insider].sum(axis=1)).ravel() > 0).astype(np.int64)
        # Identical targets (same cells, offset and insider shift) are audited once.
        keys = np.asarray(frame.rep, dtype=np.int64) * 2 + shift
        active = np.ones(count, dtype=bool) if skip is None else ~skip
        _, first = np.unique(np.where(active, keys, -1), return_index=True)
        todo = np.sort(first[active[first]]).astype(np.int64)
        w = self._witness_bounds(frame, insider)
        rules = self.rules
        level = 2 if self.integer else 0

        def refresh(full: FloatArray) -> None:
            self.pool.add(full)
            vals = frame.tmat @ full + frame.offsets
            np.minimum(w[0], vals, out=w[0])
            np.maximum(w[1], vals, out=w[1])
            if self.pool.integral[-1]:
                np.minimum(w[2], vals, out=w[2])
                np.maximum(w[3], vals, out=w[3])

        def bounds(ks: IntArray) -> tuple[IntArray, IntArray]:
            return _round_lo_all(w[level][ks]), _round_hi_all(w[level + 1][ks])

        def certified(ks: IntArray) -> BoolArray:
            lo, hi = bounds(ks)
            return _passes_all(rules, lo - shift[ks], hi - shift[ks])

        ctx = _Context(frame, lb, floor_, shift, w, refresh, bounds, certified)
        if not exact and len(todo):
            if safe:
                lb_safe = lb.copy()
                lb_safe[np.asarray(safe, dtype=np.int64)] = 1.0
                self._spread_phase(ctx, todo, lb_safe)
            self._spread_phase(ctx, todo, lb)
        out: list[_Eval | None] = [None] * count
        done = certified(todo) if not exact and len(todo) else np.zeros(len(todo), dtype=bool)
        if done.any():
            # Passes shown by witnesses alone: inner bounds, never exact.
            ks = todo[done]
            lp_lo, lp_hi = _round_lo_all(w[0][ks]), _round_hi_all(w[1][ks])
            int_lo, int_hi = _round_lo_all(w[2][ks]), _round_hi_all(w[3][ks])
            for i, k in enumerate(ks.tolist()):
                lp = Interval(int(lp_lo[i]), int(lp_hi[i]), False)
                integer = Interval(int(int_lo[i]), int(int_hi[i]), False) if self.integer else None
                out[k] = _Eval(lp, integer, True)
        for k in todo[~done].tolist():
            out[k] = self._one(ctx, k, exact)
        evaluated = {int(keys[k]): out[k] for k in todo.tolist()}
        for k in np.flatnonzero(active).tolist():
            if out[k] is None:
                out[k] = evaluated[int(keys[k])]
        return out

    def _witness_bounds(
        self, frame: _Frame, insider: IntArray | None
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Lowest and highest value of every target over the (integral) witnesses."""
        x, integral = self.pool.matrix()
        valid = np.ones(x.shape[1], dtype=bool)
        if insider is not None:
            valid &= (x[insider] >= 1.0 - _SNAP).all(axis=0)
        vals = frame.tmat @ x[:, valid] + frame.offsets[:, None]
        ints = integral[valid]  # the true table is always valid and integral
        return (
            np.asarray(vals.min(axis=1), dtype=np.float64),
            np.asarray(vals.max(axis=1), dtype=np.float64),
            np.asarray(vals[:, ints].min(axis=1), dtype=np.float64),
            np.asarray(vals[:, ints].max(axis=1), dtype=np.float64),
        )

    # -- witness search ----------------------------------------------------------------

    def _spread_phase(self, ctx: _Context, todo: IntArray, lb: FloatArray) -> None:
        """Certify many targets with a few solves (see :meth:`_spread`): per block
        first, then over the whole system for what the blocks alone cannot show."""
        pending = todo[~ctx.certified(todo)]
        if ctx.frame.n_blocks > 1:
            pending = self._spread_rounds(ctx, pending, lb, blocks=True)
        self._spread_rounds(ctx, pending, lb, blocks=False)

    def _spread_rounds(
        self, ctx: _Context, pending: IntArray, lb: FloatArray, *, blocks: bool
    ) -> IntArray:
        rules = self.rules
        for _ in range(_SPREAD_ROUNDS):
            if len(pending) <= _SPREAD_MIN_PENDING:
                break
            before = len(pending)
            lo, _hi = ctx.bounds(pending)
            lowest = _round_lo_all(ctx.floor[pending])
            down = lo > lowest
            if down.any():
                self._spread_blocks(
                    ctx,
                    lb,
                    pending[down],
                    lo[down].astype(np.float64),
                    lowest[down].astype(np.float64),
                    up=False,
                    blocks=blocks,
                )
            pending = pending[~ctx.certified(pending)]
            if len(pending):
                lo, hi = ctx.bounds(pending)
                s = ctx.shift[pending]
                goal = np.where(
                    lo - s <= 0, lo + rules.p, np.maximum(rules.t + 1 + s, lo + rules.p)
                )
                goal = np.maximum(goal, hi + 1)
                self._spread_blocks(
                    ctx,
                    lb,
                    pending,
                    hi.astype(np.float64),
                    goal.astype(np.float64),
                    up=True,
                    blocks=blocks,
                )
            pending = pending[~ctx.certified(pending)]
            # Stop when a round certifies little: the rest are audited one by one.
            if len(pending) > 0.9 * before:
                break
        return pending

    def _spread_blocks(
        self,
        ctx: _Context,
        lb: FloatArray,
        ks: IntArray,
        start: FloatArray,
        goal: FloatArray,
        *,
        up: bool,
        blocks: bool,
    ) -> None:
        """One spread per block for its own targets, combined into one witness; then
        one spread over the whole system for the targets spanning several blocks."""
        frame = ctx.frame
        truth = self.model.truth
        karr = np.asarray(ks, dtype=np.int64)
        homes = frame.home[karr] if blocks else np.full(len(ks), -1)
        combined = truth.copy()
        moved = False
        for block in np.unique(homes[homes >= 0]):
            idx = np.flatnonzero(homes == block)
            loc = self._local(frame, int(block))
            t = sp.csr_array(frame.tmat[karr[idx]][:, loc.cols])
            x = self._spread(
                loc.a,
                loc.inner_b,
                t,
                frame.offsets[karr[idx]],
                lb[loc.cols],
                start[idx],
                goal[idx],
                up,
            )
            if x is not None:
                combined[loc.cols] = x
                moved = True
        if moved:
            ctx.refresh(combined)
        rest = np.flatnonzero(homes < 0)
        if len(rest):
            red = frame.red
            x = self._spread(
                red.a,
                red.b,
                frame.t_red[karr[rest]],
                frame.const[karr[rest]],
                lb[red.free],
                start[rest],
                goal[rest],
                up,
            )
            if x is not None:
                full = red.fixed_values.copy()
                full[red.free] = x
                ctx.refresh(full)

    def _spread(
        self,
        a: Any,
        b: FloatArray,
        t: Any,
        const: FloatArray,
        lb: FloatArray,
        start: FloatArray,
        goal: FloatArray,
        up: bool,
    ) -> FloatArray | None:
        """One solve that moves many targets from ``start`` towards ``goal`` at once.

        Maximises Σ y_k with y_k ≤ 1 and y_k ≤ progress_k (the fraction of the way from
        start to goal): a concave objective that rewards every target for reaching its
        goal and no more. Solved on integers when the audit is on integers, so that the
        solution is an integer witness.
        """
        n, k_count = t.shape[1], t.shape[0]
        if n == 0 or k_count == 0:
            return None
        gap = np.abs(goal - start)
        # up:   T x + c − start ≥ gap·y   →   gap·y − T x ≤ c − start
        # down: start − T x − c ≥ gap·y   →   gap·y + T x ≤ start − c
        a_ub = sp.hstack([-t if up else t, sp.diags_array(gap)], format="csr")
        b_ub = (const - start) if up else (start - const)
        m = a.shape[0]
        a_eq = sp.hstack([a, sp.csr_array((m, k_count))], format="csr")
        lower = np.concatenate([lb, np.full(k_count, -np.inf)])
        upper = np.concatenate([np.full(n, np.inf), np.ones(k_count)])
        cost = np.concatenate([np.zeros(n), -np.ones(k_count)])
        # The LP first: its vertex is often integral already, and then it is an
        # integer witness too. Only an audit on integers with a fractional vertex
        # needs the MILP.
        t0 = time.perf_counter()
        res = linprog(
            cost,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq if m else None,
            b_eq=b if m else None,
            bounds=np.column_stack([lower, upper]),
            method="highs",
        )
        self.stats.lp_calls += 1
        self.stats.lp_seconds += time.perf_counter() - t0
        if res.x is None:
            return None
        x = np.asarray(res.x[:n], dtype=np.float64)
        if not self.integer or np.all(np.abs(x - np.round(x)) < _SNAP):
            return x
        t0 = time.perf_counter()
        cons = [LinearConstraint(a_ub, -np.inf, b_ub)]
        if m:
            cons.append(LinearConstraint(a_eq, b, b))
        res = milp(
            cost,
            integrality=np.concatenate([np.ones(n), np.zeros(k_count)]),
            bounds=Bounds(lower, upper),
            constraints=cons,
            options={"time_limit": _SPREAD_TIME_LIMIT},
        )
        self.stats.milp_calls += 1
        self.stats.milp_seconds += time.perf_counter() - t0
        # Keep the LP vertex (a real witness) if the MILP finds nothing in time.
        return x if res.x is None else np.asarray(res.x[:n], dtype=np.float64)

    # -- one target ----------------------------------------------------------------------

    def _one(self, ctx: _Context, k: int, exact: bool) -> _Eval:
        """Audit one target: witnesses, then block bounds, then the whole system."""
        rules = self.rules
        frame = ctx.frame
        s = int(ctx.shift[k])
        w = ctx.w

        def passes(lo: int | None, hi: int | None) -> bool:
            return rules.passes(None if lo is None else lo - s, None if hi is None else hi - s)

        if frame.t_red.indptr[k] == frame.t_red.indptr[k + 1]:
            v = round(float(frame.const[k]))
            iv = Interval(v, v, True)
            ok = passes(v, v)
            binding: dict[int, float] | None = None
            if not ok:
                # Pinned by presolve: the equations that fixed its cells are the ones
                # to loosen (no solve needed to find them).
                cells = frame.tmat.indices[frame.tmat.indptr[k] : frame.tmat.indptr[k + 1]]
                binding = {}
                for r in frame.red.fixer[cells]:
                    fid = frame.row_fids[int(r)] if r >= 0 else None
                    if fid is not None:
                        binding[fid] = 1.0
            return _Eval(iv, iv if self.integer else None, ok, binding)
        lo_w, hi_w = _round_lo(w[0][k]), _round_hi(w[1][k])
        ilo_w, ihi_w = _round_lo(w[2][k]), _round_hi(w[3][k])
        if not exact:
            if self.integer and passes(ilo_w, ihi_w):
                return _Eval(Interval(lo_w, hi_w, False), Interval(ilo_w, ihi_w, False), True)
            if not self.integer and passes(lo_w, hi_w):
                return _Eval(Interval(lo_w, hi_w, False), None, True)
            if frame.n_blocks > 1 and frame.home[k] >= 0:
                decided = self._one_local(ctx, k, passes)
                if decided is not None:
                    return decided
        return self._one_global(ctx, k, exact, passes)

    def _one_local(self, ctx: _Context, k: int, passes: Any) -> _Eval | None:
        """Decide a target inside one block from that block alone, if possible.

        Inner bounds (everything outside at its true value) that pass prove a pass;
        outer bounds (outside cells replaced by free slacks) that fail prove a failure.
        """
        frame = ctx.frame
        loc = self._local(frame, int(frame.home[k]))
        c = frame.tmat[[k]][:, loc.cols].toarray().ravel()
        offset = float(frame.offsets[k])
        lb_in = ctx.lb[loc.cols]
        bounds: list[int | None] = []
        for sign in (1.0, -1.0):
            sol = self._solve(sign * c, loc.a, loc.inner_b, lb_in, self.integer)
            if sol.fun is None:
                bounds.append(None)
                continue
            assert sol.x is not None  # noqa: S101
            full = self.model.truth.copy()
            full[loc.cols] = sol.x
            ctx.refresh(full)
            value = sign * sol.fun + offset
            bounds.append(_round_lo(value) if sign > 0 else _round_hi(value))
        lo_in, hi_in = bounds
        if passes(lo_in, hi_in):
            inner = Interval(lo_in, hi_in, False)
            return _Eval(inner, inner if self.integer else None, True)
        # Outer bound: slacks stand for the outside cells of each equation.
        n_s = len(loc.outer_rows)
        a_out = sp.hstack([loc.a, loc.outer_s], format="csr")
        lb_s = (loc.a_out @ ctx.lb[loc.outside])[loc.outer_rows]
        lower = np.concatenate([lb_in, lb_s])
        b = frame.b[loc.rows]
        out_bounds: list[int | None] = []
        binding: dict[int, float] = {}
        for sign in (1.0, -1.0):
            sol = self._solve(np.concatenate([sign * c, np.zeros(n_s)]), a_out, b, lower, False)
            if sol.fun is None:
                out_bounds.append(None)
                continue
            value = sign * sol.fun + offset
            out_bounds.append(_round_lo(value) if sign > 0 else _round_hi(value))
            if sol.duals is not None:
                for r in np.flatnonzero(np.abs(sol.duals) > 1e-9):
                    fid = frame.row_fids[int(loc.rows[r])]
                    if fid is not None:
                        binding[fid] = max(binding.get(fid, 0.0), abs(float(sol.duals[r])))
        lo_out, hi_out = out_bounds
        if not passes(lo_out, hi_out):
            outer = Interval(lo_out, hi_out, False)
            return _Eval(outer, outer if self.integer else None, False, binding)
        return None

    def _one_global(self, ctx: _Context, k: int, exact: bool, passes: Any) -> _Eval:
        """Exact LP bounds over the whole system, then MILP confirmation."""
        frame = ctx.frame
        red = frame.red
        w = ctx.w
        lb_red = ctx.lb[red.free]
        c = frame.t_red[[k]].toarray().ravel()
        const = float(frame.const[k])

        def refresh(x: FloatArray) -> None:
            full = red.fixed_values.copy()
            full[red.free] = x
            ctx.refresh(full)

        lowest = _round_lo(float(ctx.floor[k]))
        # The minimum needs no solve when a witness already sits on the lowest
        # conceivable value.
        if _round_lo(w[0][k]) <= lowest:
            lp_lo = lowest
        else:
            sol = self._solve(c, red.a, red.b, lb_red, False, presolved=True)
            assert sol.fun is not None and sol.x is not None  # noqa: S101 - bounded below
            lp_lo = _round_lo(sol.fun + const)
            refresh(sol.x)
        sol = self._solve(-c, red.a, red.b, lb_red, False, presolved=True)
        lp_hi: int | None = None
        if sol.fun is not None and sol.x is not None:
            lp_hi = _round_hi(-sol.fun + const)
            refresh(sol.x)
        lp = Interval(lp_lo, lp_hi, True)
        lp_pass = passes(lp_lo, lp_hi)
        if not self.integer:
            return _Eval(lp, None, lp_pass)
        # Integer confirmation. Integer bounds lie inside the rounded LP bounds, so an
        # integer witness on an LP bound proves that side; an LP unbounded above means
        # the integer problem is too (rational data, feasible integer point).
        ilo = _round_lo(w[2][k])
        ihi: int | None = None if lp_hi is None else _round_hi(w[3][k])
        lo_exact = ilo == lp_lo
        hi_exact = lp_hi is None or ihi == lp_hi
        if not lp_pass:
            return _Eval(lp, Interval(ilo, ihi, lo_exact and hi_exact), False)
        if not exact and passes(ilo, ihi):
            return _Eval(lp, Interval(ilo, ihi, lo_exact and hi_exact), True)
        if not lo_exact:
            sol = self._solve(c, red.a, red.b, lb_red, True)
            assert sol.fun is not None and sol.x is not None  # noqa: S101
            ilo = _round_lo(sol.fun + const)
            refresh(sol.x)
        if not hi_exact:
            sol = self._solve(-c, red.a, red.b, lb_red, True)
            assert sol.fun is not None and sol.x is not None  # noqa: S101 - the LP was bounded
            ihi = _round_hi(-sol.fun + const)
            refresh(sol.x)
        return _Eval(lp, Interval(ilo, ihi, True), passes(ilo, ihi))

    # -- what to suppress next ---------------------------------------------------------

    def binding_figures(
        self, frame: _Frame, target: _Target, insider: IntArray | None
    ) -> dict[int, float]:
        """Published figures whose equations bind the target's optimum (non-zero duals)."""
        n = self.model.n
        lb = np.zeros(n, dtype=np.float64)
        if insider is not None:
            lb[insider] = 1.0
        c = np.zeros(n, dtype=np.float64)
        c[target.cells] = 1.0
        out: dict[int, float] = {}
        for sign in (1.0, -1.0):
            sol = self._solve(sign * c, frame.a, frame.b, lb, False)
            if sol.duals is None:
                continue
            for r in np.flatnonzero(np.abs(sol.duals) > 1e-9):
                fid = frame.row_fids[int(r)]
                if fid is not None:
                    out[fid] = max(out.get(fid, 0.0), abs(float(sol.duals[r])))
        return out


@dataclass
class _Context:
    """What one evaluation pass shares between its steps."""

    frame: _Frame
    lb: FloatArray  # lower bound of every cell (1 for the insider's cell)
    floor: FloatArray  # lowest conceivable value of every target
    shift: IntArray  # 1 where a target contains the insider's cell
    w: tuple[FloatArray, FloatArray, FloatArray, FloatArray]  # witness bounds
    refresh: Any  # add a full feasible solution to the witnesses
    bounds: Any  # targets → rounded witness intervals (arrays)
    certified: Any  # targets → pass on witnesses alone (array)


#: targets, their base evaluations, failing insider findings, insider scenarios
_AuditPass = tuple[list[_Target], list[_Eval], list[tuple["_Insider", int, _Eval]], int]


@dataclass
class _Insider:
    """A person who knows they are in the published data (DESIGN §5 insider check)."""

    cells: IntArray  # their cell in every clique
    label: str
    origin: int  # the target (their own suppressed figure) they were picked for


class _Engine:
    """The suppression loop: primary, complement, prior, secondary, last resort."""

    def __init__(
        self,
        model: _Model,
        integer: bool,
        stats: _Stats,
    ) -> None:
        self.model = model
        self.rules = model.rules
        self.auditor = _Auditor(model, integer, stats)
        self.integer = integer
        self.suppressed: dict[int, Rule] = {}
        self.last_resort: list[str] = []
        self.escalation = [0] * len(model.release.tables)
        self.rounds = 0
        self.frame: _Frame | None = None
        # The audit that ended the loop, with the pattern it audited.
        self.last: tuple[frozenset[int], _AuditPass] | None = None

    def _add(self, fid: int, rule: Rule) -> bool:
        if fid in self.suppressed or fid in self.model.structural:
            return False
        self.suppressed[fid] = rule
        return True

    def initial(self) -> None:
        m = self.model
        for f in m.figures:
            if f.fid not in m.structural and self.rules.is_primary(f.value):
                self._add(f.fid, Rule.PRIMARY)
        for total, cell in sorted(m.complements):
            if cell in m.forced:
                # A cell published in an earlier release cannot be hidden again; hiding
                # the total instead protects the same difference.
                self._add(total, Rule.COMPLEMENT)
            elif m.figures[cell].value == 0 and self.rules.is_primary(m.figures[total].value):
                # A zero inside a primary-suppressed total: total − 0 is the total
                # itself, already protected, and the difference stays an audit target.
                # Hiding the zero as well would only hide a cell that published zeros
                # around it usually pin to 0 anyway.
                continue
            else:
                self._add(cell, Rule.COMPLEMENT)
        for fid in sorted(m.prior_suppressed):
            self._add(fid, Rule.PRIOR)
        for fid in sorted(m.revision_suppressed):
            self._add(fid, Rule.REVISION)

    def set_pattern(self, suppressed: Mapping[int, Rule]) -> None:
        for fid, rule in suppressed.items():
            self._add(fid, rule)

    def _cost(self, fid: int) -> tuple[int, int, int]:
        """Cheapest first: inner cells before margins, then non-zero, then small counts."""
        f = self.model.figures[fid]
        return (f.level, 1 if f.value == 0 else 0, f.value)

    def _candidate(self, fid: int) -> bool:
        m = self.model
        if fid in self.suppressed or fid in m.structural or fid in m.forced:
            return False
        return self.rules.secondary_zeros or m.figures[fid].value > 0

    def relation_pass(self) -> None:
        """No suppressed figure may be the only unknown of a sum relation."""
        changed = True
        while changed:
            changed = False
            for parent, kids in self.model.relations:
                members = (parent, *kids)
                hidden = [f for f in members if f in self.suppressed]
                if len(hidden) != 1:
                    continue
                options = [f for f in members if self._candidate(f)]
                if options:
                    self._add(min(options, key=self._cost), Rule.SECONDARY)
                    changed = True

    def targets(self) -> list[_Target]:
        m = self.model
        out = [
            _Target(
                TargetKind.FIGURE,
                m.figures[fid].cells,
                0,
                m.figures[fid].value,
                m.figures[fid].label,
                fid,
            )
            for fid in sorted(self.suppressed)
        ]
        for (tot, cell), diff in sorted(m.complements.items()):
            cells = m.difference(tot, cell)
            out.append(
                _Target(
                    TargetKind.COMPLEMENT_DIFFERENCE,
                    cells.astype(np.int64),
                    0,
                    diff,
                    f"({m.figures[tot].label}) − ({m.figures[cell].label})",
                    cell,
                    tot,
                )
            )
        out.extend(m.prior_targets)
        out.extend(m.revision_targets)
        return out

    def system(self) -> tuple[Any, FloatArray, list[int | None]]:
        published = self.model.published_fids(self.suppressed)
        a, b, _ = self.model.constraint_rows(published)
        extra = len(self.model.prior_rows) + len(self.model.consistency)
        row_fids: list[int | None] = [*published, *([None] * extra)]
        return a, b, row_fids

    def insider_cells(self, targets: Sequence[_Target]) -> list[_Insider]:
        """Insiders: a person in each of the smallest suppressed figures."""
        m = self.model
        picks: list[_Insider] = []
        seen: set[tuple[int, ...]] = set()
        order = sorted(
            (k for k, t in enumerate(targets) if t.kind is TargetKind.FIGURE and t.value >= 1),
            key=lambda k: (targets[k].value, k),
        )
        for k in order:
            if len(picks) >= self.rules.insider_limit:
                break
            cells = targets[k].cells
            counts = m.truth[cells]
            occupied = cells[counts >= 1]
            if not len(occupied):
                continue
            var = int(occupied[np.argmin(m.truth[occupied])])
            cells_of_person, label = m.person_vars(var)
            key = tuple(cells_of_person.tolist())
            if key in seen:
                continue
            seen.add(key)
            picks.append(_Insider(cells_of_person, label, k))
        return picks

    def audit(self, *, exact: bool) -> _AuditPass:
        """Base audit of every target, then insider scenarios if the base passes."""
        if not exact and self.last is not None and self.last[0] == frozenset(self.suppressed):
            return self.last[1]
        targets = self.targets()
        a, b, row_fids = self.system()
        frame = self.auditor.frame(a, b, row_fids, targets)
        self.frame = frame
        insiders = self.insider_cells(targets)
        safe = sorted({int(v) for ins in insiders for v in ins.cells})
        base = self.auditor.evaluate(frame, targets, exact=exact, safe=safe)
        evals = [e for e in base if e is not None]
        scenario_failures: list[tuple[_Insider, int, _Eval]] = []
        if all(e.passes for e in evals):
            for insider in insiders:
                if (frame.position[insider.cells] < 0).all():
                    continue  # the cells' values are public already; nothing to learn
                reps = np.asarray(frame.rep, dtype=np.int64)
                skip = reps == reps[insider.origin]  # the insider's own figure and copies
                res = self.auditor.evaluate(
                    frame, targets, exact=False, insider=insider.cells, skip=skip
                )
                for k, e in enumerate(res):
                    if e is not None and not e.passes:
                        scenario_failures.append((insider, k, e))
                if scenario_failures:
                    break
        result = (targets, evals, scenario_failures, len(insiders))
        if not exact:
            self.last = (frozenset(self.suppressed), result)
        return result

    def run(self) -> None:
        self.relation_pass()
        for _ in range(self.rules.max_rounds):
            self.rounds += 1
            targets, evals, scenario, _ = self.audit(exact=False)
            failing: list[tuple[_Target, IntArray | None, _Eval]] = [
                (t, None, e) for t, e in zip(targets, evals, strict=True) if not e.passes
            ]
            failing += [(targets[k], ins.cells, e) for ins, k, e in scenario]
            if not failing:
                return
            if not self._secondary(failing) and not self._escalate([t for t, _, _ in failing]):
                return
            self.relation_pass()
        # Out of rounds: the last resort, as long as it changes anything.
        while True:
            targets, evals, scenario, _ = self.audit(exact=False)
            failing_t = [t for t, e in zip(targets, evals, strict=True) if not e.passes]
            failing_t += [targets[k] for _, k, _ in scenario]
            if not failing_t or not self._escalate(failing_t):
                return
            self.rounds += 1

    def _secondary(self, failing: Sequence[tuple[_Target, IntArray | None, _Eval]]) -> bool:
        """For each failing target, suppress the cheapest figure that binds it."""
        frame = self.frame
        assert frame is not None  # noqa: S101 - set by the audit that found the failures
        picked: set[int] = set()
        for target, insider, evaluation in failing:
            binding = evaluation.binding
            if not binding:
                binding = self.auditor.binding_figures(frame, target, insider)
            options = [f for f in binding if self._candidate(f)]
            if not options:
                continue
            if picked & set(options):
                continue  # a figure picked this round already loosens this target
            best = min(options, key=lambda f: (*self._cost(f), -binding[f]))
            picked.add(best)
        for fid in picked:
            self._add(fid, Rule.SECONDARY)
        return bool(picked)

    def _escalate(self, failing: Sequence[_Target]) -> bool:
        """Last resort: all inner cells of the tables involved, then whole tables."""
        m = self.model
        tables: set[int] = set()
        for target in failing:
            cells = set(target.cells.tolist())
            for fid in (target.fid, target.total):
                if fid is not None:
                    tables.update(m.figures[fid].tables)
            if target.kind in (TargetKind.PRIOR_FIGURE, TargetKind.REVISION_DIFFERENCE):
                for f in m.figures:
                    if f.level == 0 and cells & set(f.cells.tolist()):
                        tables.update(f.tables)
        changed = False
        while not changed and any(self.escalation[ti] < 2 for ti in tables):
            for ti in sorted(tables):
                if self.escalation[ti] >= 2:
                    continue
                self.escalation[ti] += 1
                name = m.release.tables[ti].name
                if name not in self.last_resort:
                    self.last_resort.append(name)
                whole = self.escalation[ti] == 2
                tdims = [m.pos[n] for n in m.release.tables[ti].dimensions]
                for coords, fid in m.table_cells[ti]:
                    inner = all(m.dims[i].is_leaf(c) for i, c in zip(tdims, coords, strict=True))
                    if (whole or inner) and fid not in m.forced:
                        changed = self._add(fid, Rule.LAST_RESORT) or changed
        return changed


def _report(
    engine: _Engine,
    targets: Sequence[_Target],
    evals: Sequence[_Eval],
    scenario: Sequence[tuple[_Insider, int, _Eval]],
    stats: _Stats,
    n_scenarios: int,
) -> AuditReport:
    findings: list[AuditFinding] = []
    for t, e in zip(targets, evals, strict=True):
        rule = (
            engine.suppressed.get(t.fid)
            if t.kind is TargetKind.FIGURE and t.fid is not None
            else None
        )
        if t.kind is TargetKind.COMPLEMENT_DIFFERENCE:
            rule = Rule.COMPLEMENT
        findings.append(AuditFinding(t.kind, t.label, t.value, rule, e.lp, e.integer, e.passes))
    for insider, k, e in scenario:
        t = targets[k]
        findings.append(
            AuditFinding(t.kind, t.label, t.value, None, e.lp, e.integer, e.passes, insider.label)
        )
    return AuditReport(
        engine.rules,
        tuple(findings),
        n_scenarios,
        engine.integer,
        stats.lp_calls,
        stats.lp_seconds,
        stats.milp_calls,
        stats.milp_seconds,
    )


def _final_audit(engine: _Engine, exact: bool, stats: _Stats) -> tuple[AuditReport, list[_Target]]:
    targets, evals, scenario, n_insiders = engine.audit(exact=exact)
    n_scen = n_insiders if all(e.passes for e in evals) else 0
    return _report(engine, targets, evals, scenario, stats, n_scen), targets


def _use_integer(model: _Model, integer_check: bool | None) -> bool:
    return (not model.plain) if integer_check is None else integer_check


def suppress(
    release: Release,
    rules: Rules | None = None,
    *,
    priors: Sequence[PriorRelease] = (),
    revision_of: PriorRelease | None = None,
    exact_intervals: bool = True,
    integer_check: bool | None = None,
) -> SuppressionResult:
    """Suppress a release and audit the result (DESIGN §5).

    ``priors`` are earlier overlapping releases over the same data (their published
    figures become constraints, their suppressed figures are primary again);
    ``revision_of`` is the earlier version of this very release (see the module
    docstring for how revisions are audited). ``exact_intervals`` computes solver
    optima for every final interval (set it to ``False`` for large national tables:
    passes are then proved by feasible solutions where possible, and only exact
    intervals appear in :attr:`PublishedCell.interval`). ``integer_check`` defaults to
    "unless the release is a plain one- or two-way table".

    Raises ``ValueError`` for inconsistent input (an earlier published value that the
    data contradict, a pattern naming an unknown code, an oversized release).

    Check :attr:`SuppressionResult.ok` before publishing anything.
    """
    rules = rules or Rules()
    model = _Model(release, rules, priors, revision_of)
    stats = _Stats()
    integer = _use_integer(model, integer_check)
    engine = _Engine(model, integer, stats)
    engine.initial()
    engine.run()
    report, targets = _final_audit(engine, exact_intervals, stats)
    return _result(engine, report, targets, priors)


def audit(
    release: Release,
    suppressed: Iterable[Mapping[str, str]],
    rules: Rules | None = None,
    *,
    priors: Sequence[PriorRelease] = (),
    revision_of: PriorRelease | None = None,
    exact_intervals: bool = True,
    integer_check: bool | None = None,
) -> AuditReport:
    """Audit a given suppression pattern without changing it.

    ``suppressed`` lists the suppressed figures as patterns (dimension → code,
    dimensions at their total left out), e.g. from
    :meth:`SuppressionResult.suppressed_patterns`. Complement differences, earlier
    suppressed figures and revision differences are audited as in :func:`suppress`.
    """
    rules = rules or Rules()
    model = _Model(release, rules, priors, revision_of)
    stats = _Stats()
    engine = _Engine(model, _use_integer(model, integer_check), stats)
    rule_of: dict[int, Rule] = {}
    for pattern in suppressed:
        fid = model.figure_for_pattern(pattern)
        if fid in model.structural:
            continue
        rule_of[fid] = (
            Rule.PRIMARY if rules.is_primary(model.figures[fid].value) else Rule.SECONDARY
        )
    engine.set_pattern(rule_of)
    return _final_audit(engine, exact_intervals, stats)[0]


def _result(
    engine: _Engine,
    report: AuditReport,
    targets: Sequence[_Target],
    priors: Sequence[PriorRelease],
) -> SuppressionResult:
    m = engine.model
    footnote = Footnote(engine.rules.t, engine.rules.p)
    intervals: dict[int, Interval] = {}
    for finding, target in zip(report.findings, targets, strict=False):
        if target.kind is TargetKind.FIGURE and target.fid is not None:
            shown = finding.integer if finding.integer is not None else finding.lp
            if shown.exact:
                intervals[target.fid] = shown
            elif finding.lp.exact:
                intervals[target.fid] = finding.lp
    tables: list[PublishedTable] = []
    for ti, spec in enumerate(m.release.tables):
        cells: list[PublishedCell] = []
        for codes, fid in m.table_cells[ti]:
            if fid in m.structural:
                cells.append(PublishedCell(codes, Status.STRUCTURAL_ZERO, None, None, None))
            elif fid in engine.suppressed:
                cells.append(
                    PublishedCell(
                        codes,
                        Status.SUPPRESSED,
                        None,
                        engine.suppressed[fid],
                        intervals.get(fid),
                    )
                )
            else:
                cells.append(
                    PublishedCell(codes, Status.PUBLISHED, m.figures[fid].value, None, None)
                )
        dims = tuple(m.release.microdata.dimension(n) for n in spec.dimensions)
        tables.append(PublishedTable(spec.name, dims, spec.where, tuple(cells), footnote))
    patterns: list[tuple[Mapping[str, str], Status, int | None]] = []
    for f in m.figures:
        if f.fid in m.structural:
            continue
        if f.fid in engine.suppressed:
            patterns.append((m.pattern_of(f.fid), Status.SUPPRESSED, None))
        else:
            patterns.append((m.pattern_of(f.fid), Status.PUBLISHED, f.value))
    return SuppressionResult(
        m.release,
        tuple(tables),
        engine.rules,
        report,
        tuple(engine.last_resort),
        engine.rounds,
        footnote,
        tuple(patterns),
        tuple(priors),
    )
