"""Tests for rusenhet.people: ID numbers, dates, ages and age bands (DESIGN §3 and §5).

Every ID number here is either synthetic (month + 80) or drawn at random; none is copied
from a real person. The reference functions below are written from the text of DESIGN §3,
independently of the module, so that the module is not checked against itself.
"""

from __future__ import annotations

import calendar
import random
import re
import string
import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer as stdnum_fnr

from rusenhet import i18n
from rusenhet.errors import InputError
from rusenhet.people import (
    COARSE_ADULT,
    COARSE_MINOR,
    CRIMINAL_AGE,
    HEALTH_CONSENT_AGE,
    MAJORITY_AGE,
    AgeBands,
    IdKind,
    IdNumber,
    _check_digits,
    age_on,
    coarse_band,
    parse_date,
    parse_id_number,
    synthetic_id_number,
    valid_id_number,
)

PACKAGE = Path(__file__).resolve().parent.parent / "rusenhet"
TODAY = date(2026, 6, 1)  # a fixed "today" wherever the future check matters

# --- an independent reference for DESIGN §3 -----------------------------------------------

K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2]
K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
# (individual numbers, two-digit years, century) exactly as DESIGN §3 lists them
CENTURY_TABLE = [
    (range(0, 500), range(0, 100), 1900),
    (range(500, 750), range(54, 100), 1800),
    (range(500, 1000), range(0, 40), 2000),
    (range(900, 1000), range(40, 100), 1900),
]


def ref_k1(first9: str, new_constant: int = 11) -> int | None:
    """K1 = {11,12,13,14} − (weighted sum mod 11), taken mod 11 as a digit; 10 is invalid."""
    value = new_constant - sum(w * int(d) for w, d in zip(K1_WEIGHTS, first9, strict=True)) % 11
    value %= 11
    return None if value == 10 else value


def ref_k2(first10: str) -> int | None:
    value = 11 - sum(w * int(d) for w, d in zip(K2_WEIGHTS, first10, strict=True)) % 11
    value = 0 if value == 11 else value
    return None if value == 10 else value


def with_checks(first9: str, remainder: int = 0) -> str:
    k1 = ref_k1(first9, 11 + remainder)
    assert k1 is not None
    k2 = ref_k2(first9 + str(k1))
    assert k2 is not None
    return f"{first9}{k1}{k2}"


def reference(number: str, today: date) -> object:
    """DESIGN §3 read independently: an error key, or (kind, synthetic, new_rule, birth)."""
    dd, mm, yy, individual = (int(number[a:b]) for a, b in ((0, 2), (2, 4), (4, 6), (6, 9)))
    first = int(number[0])
    kind = "fh" if first >= 8 else "dnr" if first >= 4 else "hnr" if 41 <= mm <= 52 else "fnr"
    k1, k2 = int(number[9]), int(number[10])
    if k1 == ref_k1(number[:9]):
        new_rule = False
    elif kind in ("fnr", "dnr") and k1 in {ref_k1(number[:9], c) for c in (12, 13, 14)}:
        new_rule = True  # 2032 rule: announced for fødselsnumre and D-numbers
    else:
        return "idnr.check1"
    if k2 != ref_k2(number[:10]):
        return "idnr.check2"
    if kind == "fh":
        return ("fh", False, new_rule, None)
    day = dd - 40 if kind == "dnr" else dd
    month = mm - 40 if kind == "hnr" else mm
    synthetic = 81 <= month <= 92
    month = month - 80 if synthetic else month
    if not 1 <= month <= 12:
        return "idnr.date"
    longest = 29 if month == 2 and yy % 4 == 0 else calendar.monthrange(2001, month)[1]
    if not 1 <= day <= longest:
        return "idnr.date"
    if new_rule:
        return (kind, synthetic, True, None)
    centuries = [c for ii, years, c in CENTURY_TABLE if individual in ii and yy in years]
    if not centuries:
        return "idnr.century"
    year = centuries[0] + yy
    if month == 2 and day == 29 and not calendar.isleap(year):
        return "idnr.date"
    if date(year, month, day) > today:
        return "idnr.future"
    return (kind, synthetic, False, date(year, month, day))


def outcome(number: str, today: date) -> object:
    try:
        parsed = parse_id_number(number, allow_synthetic=True, today=today)
    except InputError as error:
        return error.key
    return (parsed.kind.value, parsed.synthetic, parsed.new_rule, parsed.birth_date)


def key_of(number: str, **kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        parse_id_number(number, **kwargs)  # type: ignore[arg-type]
    # Error parameters never carry the number (it is personal data).
    if number:
        assert number not in repr(caught.value.params)
        assert number not in str(caught.value)
    return caught.value.key


digit = st.integers(0, 9).map(str)
days = st.one_of(st.integers(1, 31), st.integers(41, 71), st.integers(80, 99), st.integers(0, 99))
months = st.one_of(st.integers(1, 12), st.integers(41, 52), st.integers(81, 92), st.integers(0, 99))


@st.composite
def crafted_numbers(draw: st.DrawFn) -> str:
    """Numbers that reach every branch: all kinds, both rules, bad K1, bad K2."""
    first9 = f"{draw(days):02d}{draw(months):02d}{draw(st.integers(0, 99)):02d}"
    first9 += f"{draw(st.integers(0, 999)):03d}"
    k1 = draw(st.one_of(st.integers(11, 14).map(lambda c: ref_k1(first9, c)), st.integers(0, 9)))
    assume(k1 is not None)
    k2 = draw(st.one_of(st.just(ref_k2(first9 + str(k1))), st.integers(0, 9)))
    assume(k2 is not None)
    return f"{first9}{k1}{k2}"


births = st.dates(date(1854, 1, 1), TODAY)


# --- ID numbers ---------------------------------------------------------------------------


@given(crafted_numbers())
@example("40410000085")  # day 40: a D-number's first digit with day 0, not an H-number
def test_matches_independent_reference(number: str) -> None:
    assert outcome(number, TODAY) == reference(number, TODAY)


@given(
    birth=births,
    kind=st.sampled_from(list(IdKind)),
    synthetic=st.booleans(),
    remainder=st.integers(0, 3),
    seed=st.integers(),
    position=st.integers(0, 10),
    change=st.integers(1, 9),
)
def test_every_single_digit_change_is_rejected(
    birth: date,
    kind: IdKind,
    synthetic: bool,
    remainder: int,
    seed: int,
    position: int,
    change: int,
) -> None:
    assume(not (synthetic and kind in (IdKind.HNR, IdKind.FH)))
    assume(remainder == 0 or kind in (IdKind.FNR, IdKind.DNR))
    number = valid_id_number(
        birth, random.Random(seed), kind, synthetic=synthetic, k1_remainder=remainder
    )
    parsed = parse_id_number(number, allow_synthetic=True, today=TODAY)
    assert (parsed.value, parsed.kind, parsed.synthetic) == (number, kind, synthetic)
    assert parsed.new_rule is (remainder != 0)
    derivable = kind is not IdKind.FH and remainder == 0
    assert parsed.birth_date == (birth if derivable else None)
    wrong = str((int(number[position]) + change) % 10)
    changed = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(InputError):
        parse_id_number(changed, allow_synthetic=True, today=TODAY)


@given(birth=st.dates(date(1854, 1, 1), date.today()), individual=st.integers(0, 999))
def test_agrees_with_stdnum_across_centuries(birth: date, individual: int) -> None:
    first9 = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{individual:03d}"
    k1 = stdnum_fnr.calc_check_digit1(first9)
    assume(k1 != "10")
    k2 = stdnum_fnr.calc_check_digit2(first9 + k1)
    assume(k2 != "10")
    number = first9 + k1 + k2
    stdnum_valid = stdnum_fnr.is_valid(number)
    try:
        ours = parse_id_number(number, allow_synthetic=False)
    except InputError as error:
        assert not stdnum_valid
        assert error.key in ("idnr.century", "idnr.future")
        return
    assert stdnum_valid
    assert ours.birth_date == stdnum_fnr.get_birth_date(number)
    assert (ours.kind, ours.new_rule, ours.synthetic) == (IdKind.FNR, False, False)
    if any(individual in r for r in ranges_for(birth.year)):
        assert ours.birth_date == birth


def ranges_for(year: int) -> list[range]:
    return [ii for ii, years, c in CENTURY_TABLE if c <= year < c + 100 and year % 100 in years]


@given(
    st.text(alphabet="0123", min_size=1, max_size=1),
    st.text(string.digits, min_size=1, max_size=1),
    st.sampled_from("0123"),
    st.text(string.digits, min_size=8, max_size=8),
)
def test_ordinary_numbers_agree_with_stdnum(d1: str, d2: str, m1: str, rest: str) -> None:
    """Any number with day < 40 and month < 40: stdnum knows these as well as we do."""
    first9 = d1 + d2 + m1 + rest[:6]
    k1 = ref_k1(first9)
    assume(k1 is not None)
    for number in (first9 + str(k1) + rest[6], first9 + rest[6:8]):
        ours = outcome(number, date.today())
        ours_old_rule_valid = isinstance(ours, tuple) and not ours[2]
        assert ours_old_rule_valid == stdnum_fnr.is_valid(number)


@given(birth=st.dates(date(1854, 1, 1), date.today()), seed=st.integers())
def test_d_and_h_numbers_agree_with_stdnum(birth: date, seed: int) -> None:
    for kind in (IdKind.DNR, IdKind.HNR):
        number = valid_id_number(birth, random.Random(seed), kind)
        parsed = parse_id_number(number, allow_synthetic=False)
        assert parsed.kind is kind
        assert stdnum_fnr.is_valid(number)
        assert parsed.birth_date == stdnum_fnr.get_birth_date(number) == birth


def test_d_and_h_numbers_are_offset_in_the_right_digit() -> None:
    rng = random.Random(1)
    d_number = valid_id_number(date(1990, 5, 17), rng, IdKind.DNR)
    h_number = valid_id_number(date(1990, 5, 17), rng, IdKind.HNR)
    assert d_number[:6] == "570590"
    assert h_number[:6] == "174590"
    synthetic_d = valid_id_number(date(1990, 5, 17), rng, IdKind.DNR, synthetic=True)
    parsed = parse_id_number(synthetic_d, allow_synthetic=True)
    assert (synthetic_d[:4], parsed.kind, parsed.synthetic) == ("5785", IdKind.DNR, True)


def test_fh_number_has_no_birth_date() -> None:
    number = valid_id_number(date(2000, 1, 1), random.Random(2), IdKind.FH)
    parsed = parse_id_number(number, allow_synthetic=False)
    assert number[0] in "89"
    assert (parsed.kind, parsed.birth_date, parsed.synthetic) == (IdKind.FH, None, False)


def test_the_2032_rule_matches_skatteetatens_worked_examples() -> None:
    # Skatteetaten, "Nytt fødselsnummer fra 2032": weighted sums 156 and 196, so
    # K1 = 11 - 2 = 9, K2 = 7; K1 = 11 - 9 = 2, K2 = 0; and with remainder 1, K1 = 3, K2 = 9.
    assert _check_digits("020132999") == "97"
    assert _check_digits("301082999") == "20"
    assert _check_digits("301082999", 1) == "39"


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_2032_rule_numbers_are_accepted_without_birth_date(remainder: int) -> None:
    number = craft("158305", range(100, 200), remainder)  # synthetic: 15 March 2005
    parsed = parse_id_number(number, allow_synthetic=True)
    assert parsed.new_rule
    assert parsed.birth_date is None
    assert parsed.synthetic
    assert parsed.kind is IdKind.FNR


@pytest.mark.parametrize("remainder", range(4, 11))
def test_k1_remainder_above_three_is_rejected(remainder: int) -> None:
    tried = 0
    for individual in range(100, 400):
        first9 = f"158305{individual}"
        k1 = (remainder - sum(w * int(d) for w, d in zip(K1_WEIGHTS, first9, strict=True))) % 11
        if k1 == 10 or ref_k2(first9 + str(k1)) is None:
            continue
        tried += 1
        number = f"{first9}{k1}{ref_k2(first9 + str(k1))}"
        assert key_of(number, allow_synthetic=True) == "idnr.check1"
    assert tried > 10


def craft(prefix: str, individuals: range, remainder: int = 0) -> str:
    """A number with the given first six digits, the first fitting individual number and
    check digits for ``remainder`` (K1 or K2 of 10 is never issued, so skip those)."""
    for individual in individuals:
        first9 = f"{prefix}{individual:03d}"
        k1 = ref_k1(first9, 11 + remainder)
        if k1 is not None and ref_k2(first9 + str(k1)) is not None:
            return with_checks(first9, remainder)
    raise AssertionError(prefix)


def test_old_rule_wins_when_both_rules_fit() -> None:
    """Remainder 0 is valid under both rules; it is read as old-rule with a derived date,
    and the century comes from the individual number alone (DESIGN §3)."""
    parsed = parse_id_number(craft("158305", range(500, 1000)), allow_synthetic=True)
    assert (parsed.new_rule, parsed.birth_date) == (False, date(2005, 3, 15))
    parsed = parse_id_number(craft("158305", range(500)), allow_synthetic=True)
    assert (parsed.new_rule, parsed.birth_date) == (False, date(1905, 3, 15))


def test_error_keys() -> None:
    good = craft("158305", range(600, 700))  # synthetic, 15 March 2005
    assert parse_id_number(good, allow_synthetic=True).birth_date == date(2005, 3, 15)
    bad_k2 = good[:10] + str((int(good[10]) + 1) % 10)
    low, high = range(100, 500), range(600, 750)
    cases = {
        "abcdefghijk": "idnr.digits",
        "1583-056001": "idnr.digits",
        "１" * 11: "idnr.digits",
        "": "idnr.length",
        "1583056": "idnr.length",
        good + "0": "idnr.length",
        bad_k2: "idnr.check2",
        craft("328190", low): "idnr.date",  # 32 January
        craft("008190", low): "idnr.date",  # day 0
        craft("298201", low): "idnr.date",  # 29 February 2001
        craft("298200", low): "idnr.date",  # 29 February 1900 (000-499: 1900s)
        craft("554385", low): "idnr.date",  # a D-number with an H-number's month
        craft("159345", high): "idnr.date",  # month 13
        craft("158345", high): "idnr.century",  # 500-749 with YY 40-53
        craft("158370", range(750, 900)): "idnr.century",  # 750-899 with YY 40-99
        craft("158326", high): "idnr.future",  # 2026, after "today" below
        craft("154385", low, 1): "idnr.check1",  # H-numbers keep the old rule
        craft("804385", low, 2): "idnr.check1",  # so do FH-numbers
    }
    for number, expected in cases.items():
        assert key_of(number, allow_synthetic=True, today=date(2025, 1, 1)) == expected, number
    leap = parse_id_number(craft("298200", high), allow_synthetic=True)
    assert leap.birth_date == date(2000, 2, 29)
    assert key_of(good, allow_synthetic=False) == "idnr.synthetic_not_allowed"
    real = valid_id_number(date(1990, 1, 1), random.Random(3))
    assert key_of(real, allow_synthetic=True, require_synthetic=True) == "idnr.real_in_demo"
    fh = valid_id_number(date(1990, 1, 1), random.Random(3), IdKind.FH)
    assert key_of(fh, allow_synthetic=True, require_synthetic=True) == "idnr.real_in_demo"
    assert parse_id_number(good, allow_synthetic=True, require_synthetic=True).synthetic
    with pytest.raises(ValueError):
        parse_id_number(good, allow_synthetic=False, require_synthetic=True)


def test_length_error_counts_digits_only() -> None:
    with pytest.raises(InputError) as caught:
        parse_id_number("158305 6001", allow_synthetic=True)
    assert caught.value.params == {"count": 10}


def test_spaces_are_ignored() -> None:
    number = synthetic_id_number(date(2001, 7, 4), random.Random(4))
    for typed in (f"{number[:6]} {number[6:]}", f" {number} ", f"{number[:6]}\u00a0{number[6:]}"):
        assert parse_id_number(typed, allow_synthetic=True).value == number


def test_repr_and_str_never_show_the_number() -> None:
    number = synthetic_id_number(date(2001, 7, 4), random.Random(5))
    parsed = parse_id_number(number, allow_synthetic=True)
    for shown in (repr(parsed), str(parsed), f"{parsed}", repr([parsed]), parsed.masked()):
        assert not re.search(r"[0-9]", shown), shown
    assert repr(parsed) == "IdNumber(***********)"
    assert parsed.masked() == "*" * 11
    assert parsed.value == number


def test_synthetic_generator() -> None:
    rng = random.Random(6)
    for birth in (date(1854, 1, 1), date(1899, 12, 31), date(1950, 6, 15), date(2039, 12, 31)):
        number = synthetic_id_number(birth, rng)
        parsed = parse_id_number(number, allow_synthetic=True, today=date(2040, 1, 1))
        assert int(number[2:4]) == birth.month + 80
        assert (parsed.synthetic, parsed.birth_date) == (True, birth)
    for year in (1853, 2040):
        with pytest.raises(ValueError):
            synthetic_id_number(date(year, 1, 1), rng)
    with pytest.raises(ValueError):
        valid_id_number(date(1990, 1, 1), rng, IdKind.HNR, synthetic=True)
    with pytest.raises(ValueError):
        valid_id_number(date(1990, 1, 1), rng, IdKind.HNR, k1_remainder=1)
    with pytest.raises(ValueError):
        valid_id_number(date(1990, 1, 1), rng, k1_remainder=4)


def test_id_number_is_frozen() -> None:
    parsed = parse_id_number(craft("158305", range(600, 700)), allow_synthetic=True)
    assert isinstance(parsed, IdNumber)
    with pytest.raises(AttributeError):
        parsed.value = "0"  # type: ignore[misc]


# --- dates and ages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("1.3.2024", date(2024, 3, 1)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("29.02.2000", date(2000, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-02-30",
        "2023-02-29",
        "29.02.1900",
        "31.04.2024",
        "2024-13-01",
        "01/03/2024",
        "2024-3-1",
        "01.03.24",
        "2024-03-01T00:00",
        "０１.０３.２０２４",
        "0000-01-01",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text)
    assert caught.value.key == "date.invalid"


@given(st.dates(date(1000, 1, 1)))
def test_parse_date_round_trips(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day:02d}.{day.month:02d}.{day.year}") == day


def ref_age(birth: date, on: date) -> int:
    """Count the birthdays passed; 29 February is celebrated on 1 March in common years."""
    age = 0
    while True:
        year = birth.year + age + 1
        try:
            birthday = birth.replace(year=year)
        except ValueError:
            birthday = date(year, 3, 1)
        if birthday > on:
            return age
        age += 1


@given(st.dates(date(1900, 1, 1), date(2100, 1, 1)), st.dates(date(1900, 1, 1), date(2100, 1, 1)))
def test_age_on_matches_reference(birth: date, on: date) -> None:
    assume(birth <= on)
    assert age_on(birth, on) == ref_age(birth, on)


def test_age_on_leap_day_birthday() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2025, 2, 28)) == 16
    assert age_on(born, date(2025, 3, 1)) == 17
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == MAJORITY_AGE
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20
    assert age_on(born, born) == 0


def test_age_on_refuses_birth_after_date() -> None:
    with pytest.raises(InputError) as caught:
        age_on(date(2020, 1, 2), date(2020, 1, 1))
    assert caught.value.key == "person.birth_after_date"


def test_legal_ages() -> None:
    assert (CRIMINAL_AGE, HEALTH_CONSENT_AGE, MAJORITY_AGE) == (15, 16, 18)


# --- age bands ----------------------------------------------------------------------------


def test_default_age_bands_and_boundaries() -> None:
    bands = AgeBands()
    assert bands.labels == ("0-15", "16-17", "18-24", "25+")
    expected = {
        0: "0-15",
        15: "0-15",
        16: "16-17",
        17: "16-17",
        18: "18-24",
        24: "18-24",
        25: "25+",
        120: "25+",
    }
    for age, label in expected.items():
        assert bands.band_for(age) == label
    assert (coarse_band(17), coarse_band(18)) == (COARSE_MINOR, COARSE_ADULT) == ("0-17", "18+")
    assert bands.hierarchy() == {"0-17": ("0-15", "16-17"), "18+": ("18-24", "25+")}
    assert bands.format() == "16,18,25"
    with pytest.raises(ValueError):
        bands.band_for(-1)
    with pytest.raises(ValueError):
        coarse_band(-1)


def test_age_bands_parse_and_format() -> None:
    assert AgeBands.parse("16,18,25") == AgeBands()
    assert AgeBands.parse(" 16 , 18 ,25 ") == AgeBands()
    odd = AgeBands.parse("15,16,18,30")
    assert odd.labels == ("0-14", "15", "16-17", "18-29", "30+")
    assert odd.format() == "15,16,18,30"
    assert AgeBands.parse("18").labels == ("0-17", "18+")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "person.age_bands_format"),
        ("16,,18", "person.age_bands_format"),
        ("a,18", "person.age_bands_format"),
        ("-1,18", "person.age_bands_format"),
        ("0,18", "person.age_bands_format"),
        ("16.5,18", "person.age_bands_format"),
        ("１８", "person.age_bands_format"),
        ("18,16", "person.age_bands_order"),
        ("16,16,18", "person.age_bands_order"),
        ("16,20,25", "person.age_bands_nesting"),
    ],
)
def test_age_bands_rejects(text: str, key: str) -> None:
    with pytest.raises(InputError) as caught:
        AgeBands.parse(text)
    assert caught.value.key == key


def test_age_bands_constructor_validates() -> None:
    with pytest.raises(InputError):
        AgeBands((1, 18))
    with pytest.raises(InputError):
        AgeBands((0, 18, 18))


@given(st.sets(st.integers(1, 99), max_size=6), st.integers(0, 130))
def test_fine_bands_nest_inside_coarse_bands(bounds: set[int], age: int) -> None:
    bands = AgeBands((0, *sorted(bounds | {MAJORITY_AGE})))
    assert bands.band_for(age) in bands.hierarchy()[coarse_band(age)]
    assert AgeBands.parse(bands.format()) == bands


# --- message catalogues -------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def flat(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for section, table in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for key, text in table.items():
            out[f"{section}.{key}"] = text
    return out


def test_catalogues_cover_every_key_in_both_languages() -> None:
    nb = flat(PACKAGE / "locales" / "nb" / "people.toml")
    en = flat(PACKAGE / "locales" / "en" / "people.toml")
    assert nb.keys() == en.keys()
    for key in nb:
        assert placeholders(nb[key]) == placeholders(en[key]), key
        assert "\n" not in nb[key] and "\n" not in en[key]
    source = (PACKAGE / "people.py").read_text(encoding="utf-8")
    used = set(re.findall(r'InputError\("([a-z0-9_.]+)"', source))
    assert used == nb.keys()


def test_people_keys_are_in_the_loaded_catalogues() -> None:
    """Through the real loader, so that no other catalogue file shadows or breaks them."""
    used = flat(PACKAGE / "locales" / "en" / "people.toml")
    for lang in i18n.LANGUAGES:
        loaded = i18n.catalogue(lang)
        own = flat(PACKAGE / "locales" / lang / "people.toml")
        assert {key: loaded.get(key) for key in used} == own
