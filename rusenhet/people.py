"""People: Norwegian ID numbers, birth dates, ages and age bands (DESIGN §3 and §5).

Pure domain code: no terminal and no I/O. Every error is an ``InputError`` whose key is
in ``rusenhet/locales/*/people.toml``; no error parameter ever carries an ID number.
Sex is never derived from an ID number (DESIGN §3): numbers issued from 2032 are
gender-neutral, so sex is stored as a separate optional field elsewhere.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Final, Literal

from rusenhet.errors import InputError

# --- Ages that matter in law (DESIGN §3) -------------------------------------------------

#: Straffeloven § 20: nobody under 15 can be punished, so nobody younger can receive a
#: waiver of prosecution or a sentence; a referral below this age is almost surely an error.
CRIMINAL_AGE: Final = 15
#: Pasient- og brukerrettighetsloven § 4-3: helserettslig myndighetsalder; below it the
#: parents (foresatte) are involved.
HEALTH_CONSENT_AGE: Final = 16
#: Vergemålsloven § 2: a person under 18 is a minor; the child welfare (barnevern) duty of
#: notification applies to under-18s.
MAJORITY_AGE: Final = 18

# --- ID numbers -------------------------------------------------------------------------


class IdKind(StrEnum):
    """What sort of Norwegian ID number it is (DESIGN §3)."""

    FNR = "fnr"  # fødselsnummer
    DNR = "dnr"  # D-number: first digit + 4 (day 41-71)
    HNR = "hnr"  # H-number: third digit + 4 (month 41-52)
    FH = "fh"  # FH-number: first digit 8 or 9, carries no birth date


_MASK: Final = "*" * 11
_K1_WEIGHTS: Final = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS: Final = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Skatteetaten, Folkeregisteret API documentation, "Nytt fødselsnummer fra 2032": for
# fødselsnumre and D-numbers issued from 1 January 2032 the weighted sum of the first ten
# digits (weights 3,7,6,1,8,9,4,5,2,1) may leave remainder 0, 1, 2 or 3 mod 11 (before:
# only 0). The change is announced for fødselsnumre and D-numbers only, not for the
# health sector's H- and FH-numbers, so those keep the old rule here.
_NEW_RULE_REMAINDERS: Final = (1, 2, 3)
_NEW_RULE_KINDS: Final = (IdKind.FNR, IdKind.DNR)
_D_DAY_OFFSET: Final = 40
_H_MONTH_OFFSET: Final = 40
# Skatteetaten's Tenor test data marks synthetic people with month + 80. NAV's Dolly uses
# month + 40, which cannot be told apart from an H-number, so it is read as one.
_SYNTHETIC_MONTH_OFFSET: Final = 80


@dataclass(frozen=True, repr=False)
class IdNumber:
    """A validated ID number. Its repr and str are masked so that the number never lands
    in a traceback, a log line or an f-string by accident; read ``value`` explicitly.

    ``birth_date`` is None when the number cannot tell it: FH-numbers carry none, and a
    number valid only under the 2032 rule (``new_rule``) was issued after 2032 when the
    individual number no longer tells the century (Skatteetaten, "Nytt fødselsnummer fra
    2032"), so the caller must ask for the birth date. A number that passes the old rule is
    read with the old century table; since a new number may by chance also pass the old
    rule, show the derived date for confirmation rather than trust it blindly.
    """

    value: str
    kind: IdKind
    synthetic: bool
    birth_date: date | None
    new_rule: bool

    def masked(self) -> str:
        return _MASK

    def __repr__(self) -> str:
        return f"IdNumber({_MASK})"

    def __str__(self) -> str:
        return _MASK


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(w * int(d) for w, d in zip(weights, digits, strict=True))


def _check_digits(first9: str, remainder: int = 0) -> str | None:
    """K1 and K2 for nine digits, or None when either would be 10 (such numbers are never
    issued). ``remainder`` 1-3 gives the extra K1 values of the 2032 rule."""
    k1 = (remainder - _weighted(first9, _K1_WEIGHTS)) % 11
    if k1 == 10:
        return None
    k2 = -_weighted(first9 + str(k1), _K2_WEIGHTS) % 11
    return None if k2 == 10 else f"{k1}{k2}"


def _century(individual: int, yy: int) -> int | None:
    """Century from the individual number (DESIGN §3; the same table as python-stdnum)."""
    if individual <= 499:
        return 1900
    if individual <= 749 and yy >= 54:
        return 1800
    if yy <= 39:
        return 2000
    if individual >= 900:
        return 1900
    return None


def _kind_of(digits: str) -> IdKind:
    """The kind as the first four digits announce it (a D-number's month is not read as an
    H-number's: no number is both, so such a month is an impossible date)."""
    day, month = int(digits[0:2]), int(digits[2:4])
    if day >= 80:
        return IdKind.FH
    if day >= _D_DAY_OFFSET:  # first digit 4-7; day 40 is then an impossible day 0
        return IdKind.DNR
    if _H_MONTH_OFFSET < month <= _H_MONTH_OFFSET + 12:
        return IdKind.HNR
    return IdKind.FNR


def _day_month(digits: str, kind: IdKind) -> tuple[bool, int, int]:
    """Synthetic flag and the real day and month of a number that is not an FH-number.

    Raises ``idnr.date`` when day and month are impossible in every century: 2000 + YY is
    a leap year exactly when some century makes YY a leap year, so 29 February passes here
    whenever it can; the exact date is checked once the century is known.
    """
    day, month = int(digits[0:2]), int(digits[2:4])
    day -= _D_DAY_OFFSET if kind is IdKind.DNR else 0
    month -= _H_MONTH_OFFSET if kind is IdKind.HNR else 0
    synthetic = month > _SYNTHETIC_MONTH_OFFSET
    month -= _SYNTHETIC_MONTH_OFFSET if synthetic else 0
    try:
        date(2000 + int(digits[4:6]), month, day)
    except ValueError:
        raise InputError("idnr.date") from None
    return synthetic, day, month


def parse_id_number(
    text: str,
    *,
    allow_synthetic: bool,
    require_synthetic: bool = False,
    today: date | None = None,
) -> IdNumber:
    """Validate a fødselsnummer, D-, H- or FH-number, old or 2032 rule (DESIGN §3).

    Spaces are ignored. Checks run in this order, and the first failure is raised:
    ``idnr.digits``, ``idnr.length``, ``idnr.check1``, ``idnr.check2``, ``idnr.date``,
    ``idnr.century``, ``idnr.future`` (birth date after ``today``, default the system
    date), then the policy: synthetic numbers (month + 80) only with ``allow_synthetic``
    (``idnr.synthetic_not_allowed``), and with ``require_synthetic`` (a demo vault) every
    other number is refused (``idnr.real_in_demo``).
    """
    if require_synthetic and not allow_synthetic:
        raise ValueError("require_synthetic=True needs allow_synthetic=True")
    digits = "".join(text.split())
    if not (digits.isascii() and digits.isdigit()) and digits:
        raise InputError("idnr.digits")
    if len(digits) != 11:
        raise InputError("idnr.length", count=len(digits))
    kind = _kind_of(digits)
    remainder = (_weighted(digits[:9], _K1_WEIGHTS) + int(digits[9])) % 11
    if remainder != 0 and (remainder not in _NEW_RULE_REMAINDERS or kind not in _NEW_RULE_KINDS):
        raise InputError("idnr.check1")
    # Both check digits are tested before the date, so a typo is reported as a typo.
    if (_weighted(digits[:10], _K2_WEIGHTS) + int(digits[10])) % 11 != 0:
        raise InputError("idnr.check2")
    synthetic, day, month = (False, 0, 0) if kind is IdKind.FH else _day_month(digits, kind)
    new_rule = remainder != 0
    birth: date | None = None
    if kind is not IdKind.FH and not new_rule:
        yy = int(digits[4:6])
        century = _century(int(digits[6:9]), yy)
        if century is None:
            raise InputError("idnr.century")
        try:
            birth = date(century + yy, month, day)
        except ValueError:  # 29 February in a year the century makes a common year
            raise InputError("idnr.date") from None
        if birth > (today or date.today()):
            raise InputError("idnr.future")
    if synthetic and not allow_synthetic:
        raise InputError("idnr.synthetic_not_allowed")
    if require_synthetic and not synthetic:
        raise InputError("idnr.real_in_demo")
    return IdNumber(digits, kind, synthetic, birth, new_rule)


def _individual_ranges(year: int) -> tuple[range, ...]:
    """Individual numbers that give ``year`` its century (inverse of ``_century``)."""
    if 1854 <= year <= 1899:
        return (range(500, 750),)
    if 1900 <= year <= 1939:
        return (range(500),)
    if 1940 <= year <= 1999:
        return (range(500), range(900, 1000))
    if 2000 <= year <= 2039:
        return (range(500, 1000),)
    raise ValueError("an ID number can only encode birth years 1854-2039")


def valid_id_number(
    birth: date,
    rng: random.Random,
    kind: IdKind = IdKind.FNR,
    *,
    synthetic: bool = False,
    k1_remainder: int = 0,
) -> str:
    """A random valid number for tests, made up from ``rng``, never copied from a real
    person; it may still equal someone's number by chance, so anything shown to people
    (demos, docs) uses ``synthetic_id_number``. ``k1_remainder`` 1-3 makes a number valid
    only under the 2032 rule. FH-numbers ignore ``birth``."""
    if k1_remainder != 0 and (
        k1_remainder not in _NEW_RULE_REMAINDERS or kind not in _NEW_RULE_KINDS
    ):
        raise ValueError("k1_remainder must be 0, or 1-3 for a fødselsnummer or D-number")
    if synthetic and kind in (IdKind.HNR, IdKind.FH):
        raise ValueError("synthetic numbers are fødselsnumre or D-numbers")
    day = birth.day + (_D_DAY_OFFSET if kind is IdKind.DNR else 0)
    month = birth.month + (_SYNTHETIC_MONTH_OFFSET if synthetic else 0)
    month += _H_MONTH_OFFSET if kind is IdKind.HNR else 0
    while True:  # about one in six candidates gives a check digit of 10; draw again
        if kind is IdKind.FH:
            first9 = str(rng.randint(8, 9)) + "".join(str(rng.randrange(10)) for _ in range(8))
        else:
            individual = rng.choice(rng.choice(_individual_ranges(birth.year)))
            first9 = f"{day:02d}{month:02d}{birth.year % 100:02d}{individual:03d}"
        checks = _check_digits(first9, k1_remainder)
        if checks is not None:
            return first9 + checks


def synthetic_id_number(birth: date, rng: random.Random) -> str:
    """A random synthetic fødselsnummer (month + 80, Skatteetaten's Tenor convention) for
    demos and tests: it can never belong to a real person."""
    return valid_id_number(birth, rng, synthetic=True)


# --- Dates and ages ---------------------------------------------------------------------

_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NB_DATE: Final = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def parse_date(text: str) -> date:
    """A date typed as ``YYYY-MM-DD`` or ``dd.mm.yyyy`` (DESIGN §1; ``1.3.2024`` too)."""
    value = text.strip()
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _NB_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise InputError("date.invalid")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InputError("date.invalid") from None


def age_on(birth: date, on: date) -> int:
    """Age in whole years on the day ``on``.

    Someone born on 29 February turns a year older on 1 March in common years: the age
    changes only once the calendar has passed the birthday, which never makes a person
    older than they are when an age limit (15, 16, 18) is checked. A deliberate choice.
    """
    if on < birth:
        raise InputError("person.birth_after_date")
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - before_birthday


# --- Age bands (DESIGN §5) --------------------------------------------------------------

CoarseBand = Literal["0-17", "18+"]
COARSE_MINOR: Final[CoarseBand] = "0-17"
COARSE_ADULT: Final[CoarseBand] = "18+"


def coarse_band(age: int) -> CoarseBand:
    """The top of the one nested age hierarchy: under 18 or 18 and over (DESIGN §5)."""
    if age < 0:
        raise ValueError("age must not be negative")
    return COARSE_MINOR if age < MAJORITY_AGE else COARSE_ADULT


@dataclass(frozen=True)
class AgeBands:
    """Age bands from their lower bounds; the default gives 0-15, 16-17, 18-24, 25+.

    DESIGN §5 allows one nested hierarchy only (two overlapping groupings would reveal a
    thin slice by subtraction), so 18 must be a bound: every band then lies inside one
    coarse band. Validation raises ``InputError``, since bounds come from unit settings.
    """

    lower_bounds: tuple[int, ...] = (0, 16, 18, 25)

    def __post_init__(self) -> None:
        bounds = self.lower_bounds
        if not bounds or bounds[0] != 0 or any(type(b) is not int for b in bounds):
            raise InputError("person.age_bands_format")
        if any(b >= c for b, c in pairwise(bounds)):
            raise InputError("person.age_bands_order")
        if MAJORITY_AGE not in bounds:
            raise InputError("person.age_bands_nesting")

    @classmethod
    def parse(cls, text: str) -> AgeBands:
        """From the unit setting form ``"16,18,25"``: whole numbers above 0, increasing."""
        parts = [part.strip() for part in text.split(",")]
        if not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
            raise InputError("person.age_bands_format")
        return cls((0, *(int(p) for p in parts)))

    def format(self) -> str:
        return ",".join(str(b) for b in self.lower_bounds[1:])

    @property
    def labels(self) -> tuple[str, ...]:
        pairs = pairwise(self.lower_bounds)
        labels = [f"{lo}-{nxt - 1}" if nxt - 1 > lo else str(lo) for lo, nxt in pairs]
        return (*labels, f"{self.lower_bounds[-1]}+")

    def band_for(self, age: int) -> str:
        if age < 0:
            raise ValueError("age must not be negative")
        index = sum(1 for b in self.lower_bounds if b <= age) - 1
        return self.labels[index]

    def hierarchy(self) -> Mapping[CoarseBand, tuple[str, ...]]:
        """Each coarse band with the bands nested inside it, in order."""
        split = self.lower_bounds.index(MAJORITY_AGE)
        return {COARSE_MINOR: self.labels[:split], COARSE_ADULT: self.labels[split:]}
