"""Statistics periods: a month (``2024-06``), a quarter (``2024-Q2``) or a year
(``2024``). The stats section holds months only, so every period is a set of months."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rusenhet.errors import InputError


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PATTERNS = {
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-[Qq]([1-4])$"),
    PeriodKind.YEAR: re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: PeriodKind
    index: int  # month 1–12, quarter 1–4, or 0 for a year

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def month_numbers(self) -> tuple[int, ...]:
        if self.kind is PeriodKind.MONTH:
            return (self.index,)
        if self.kind is PeriodKind.QUARTER:
            return tuple(range(3 * self.index - 2, 3 * self.index + 1))
        return tuple(range(1, 13))

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(f"{self.year:04d}-{m:02d}" for m in self.month_numbers)

    @property
    def last_day(self) -> date:
        month = self.month_numbers[-1]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def ended(self, today: date) -> bool:
        return self.last_day < today

    def overlaps(self, other: Period) -> bool:
        return bool(set(self.months) & set(other.months))

    def sub_periods(self) -> tuple[Period, ...]:
        """The months of this period (used for monthly trend charts)."""
        return tuple(Period(self.year, PeriodKind.MONTH, m) for m in self.month_numbers)


def parse_period(text: str, kind: PeriodKind | None = None) -> Period:
    """Parse a period; ``kind`` restricts it (``stats month`` takes only months)."""
    value = text.strip()
    kinds = [kind] if kind is not None else list(PeriodKind)
    for k in kinds:
        match = _PATTERNS[k].fullmatch(value)
        if match:
            year = int(match.group(1))
            if not 2000 <= year <= 2100:
                break
            index = int(match.group(2)) if k is not PeriodKind.YEAR else 0
            return Period(year, k, index)
    raise InputError("stats.bad_period", value=text,
                     expected=", ".join(_example(k) for k in kinds))


def _example(kind: PeriodKind) -> str:
    return {PeriodKind.MONTH: "YYYY-MM", PeriodKind.QUARTER: "YYYY-Qn",
            PeriodKind.YEAR: "YYYY"}[kind]
