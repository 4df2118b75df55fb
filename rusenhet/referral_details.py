"""The fields of a referral and the rules each must meet (no storage here).

A referral (henvisning) starts every case: the prosecuting authority has made attendance
at a meeting with the unit a condition of a waiver of prosecution (straffeprosessloven
§ 69) or of a conditional sentence (straffeloven § 37 j). What the user typed arrives
as a :class:`Form` of strings; :func:`details_from` turns it into validated
:class:`Details`, raising ``InputError`` with a key that names the field and the rule.
The same per-field parsers serve the CLI's prompts, so a prompt and an option can never
apply different rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from rusenhet import clock, people
from rusenhet.errors import InputError
from rusenhet.people import IdNumber
from rusenhet.roles import CASE_ROLES, Role
from rusenhet.vault import Vault

T = TypeVar("T")


class LegalBasis(StrEnum):
    #: Straffeprosessloven § 69: waiver of prosecution (påtaleunnlatelse) with conditions.
    PAATALE = "paatale"
    #: Straffeloven § 37 j: conditional sentence with the condition to attend.
    BETINGET_DOM = "betinget-dom"


class Sex(StrEnum):
    """Recorded only when known; never derived from the ID number (DESIGN §3)."""

    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True)
class Guardian:
    """A foresatt of a person under 18: name and how to reach them."""

    name: str
    contact: str

    def text(self) -> str:
        return f"{self.name}, {self.contact}"


@dataclass(frozen=True)
class PostalAddress:
    """Where letters go: a street line and a Norwegian postnummer and poststed."""

    street: str
    postnummer: str
    poststed: str

    def text(self) -> str:
        return f"{self.street}, {self.postnummer} {self.poststed}"

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, repr=False)
class Details:
    """Everything about a referral that the counsellor types and may later correct."""

    id_number: IdNumber | None
    name: str
    birth_date: date
    sex: Sex | None
    address: PostalAddress | None
    received: date
    legal_basis: LegalBasis
    authority: str
    police_reference: str | None
    deadline: date
    phone: str | None
    guardians: tuple[Guardian, ...]
    counsellor: str

    def __repr__(self) -> str:  # personal data stays out of tracebacks and logs
        return f"{type(self).__name__}(<personal data>)"


#: Fields that belong to the person (shared by all of that person's referrals).
PERSON_FIELDS: Final = ("id_number", "name", "birth_date", "sex", "address")
#: Fields that belong to one referral.
REFERRAL_FIELDS: Final = ("received", "legal_basis", "authority", "police_reference",
                          "deadline", "phone", "guardians", "counsellor")
DETAIL_FIELDS: Final = PERSON_FIELDS + REFERRAL_FIELDS


@dataclass(frozen=True)
class Form:
    """What the user typed; None means "not given". For optional fields (sex, police
    reference, phone, guardians) and the ID number an empty value means "none"."""

    id_number: str | None = None
    name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    address: str | None = None
    received: str | None = None
    legal_basis: str | None = None
    authority: str | None = None
    police_reference: str | None = None
    deadline: str | None = None
    phone: str | None = None
    guardians: tuple[str, ...] | None = None
    counsellor: str | None = None


#: The command-line option for each field, for "missing --x" messages.
OPTIONS: Final = {"id_number": "--id-number", "name": "--name", "birth_date": "--birth-date",
                  "sex": "--sex", "address": "--address",
                  "received": "--received", "legal_basis": "--legal-basis",
                  "authority": "--authority", "police_reference": "--police-ref",
                  "deadline": "--deadline", "phone": "--phone", "guardians": "--guardian",
                  "counsellor": "--counsellor"}

# --------------------------------------------------------------------------- field rules

# C0/C1 controls and the bidirectional controls that can make a name display as
# another (U+202E RIGHT-TO-LEFT OVERRIDE and friends; Unicode TR #9).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]*")
_NAME_MAX, _AUTHORITY_MAX, _REFERENCE_MAX, _CONTACT_MAX, _REASON_MAX = 200, 100, 50, 200, 500


def _clean(text: str) -> str:
    """NFC (æ, ø and å arrive composed or decomposed), whitespace runs collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _text(text: str, key: str, maximum: int) -> str:
    value = _clean(text)
    if not value or len(value) > maximum or _CONTROL.search(value):
        raise InputError(key, max=maximum)
    return value


def parse_name(text: str) -> str:
    value = _text(text, "referral.bad_name", _NAME_MAX)
    if not any(ch.isalpha() for ch in value):
        raise InputError("referral.bad_name", max=_NAME_MAX)
    return value


def parse_authority(text: str) -> str:
    return _text(text, "referral.bad_authority", _AUTHORITY_MAX)


def parse_police_reference(text: str) -> str | None:
    return _text(text, "referral.bad_police_reference", _REFERENCE_MAX) if text.strip() else None


def parse_reason(text: str) -> str:
    """The reason for a correction, reopening or extension (kept in the history)."""
    return _text(text, "referral.bad_reason", _REASON_MAX)


_POSTAL = re.compile(r"(\d{4})\s+(\S.*)")


def parse_address(text: str) -> PostalAddress | None:
    """«Storgata 1, 4611 Kristiansand»: the street line, a comma, then a four-digit
    postnummer and the poststed. Empty means no address."""
    value = _clean(text)
    if not value:
        return None
    street, comma, place = value.rpartition(",")
    match = _POSTAL.fullmatch(place.strip())
    if not comma or not street.strip() or match is None or len(value) > _CONTACT_MAX \
            or _CONTROL.search(value):
        raise InputError("referral.bad_address")
    if not "0001" <= match.group(1) <= "9991":  # Posten's range; no register offline
        raise InputError("referral.bad_postnummer", postnummer=match.group(1))
    return PostalAddress(street.strip(), match.group(1), match.group(2).strip())


def parse_phone(text: str) -> str | None:
    """Norwegian or international; 5-15 digits (E.164 allows at most 15)."""
    value = _clean(text)
    if not value:
        return None
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.fullmatch(value) or not 5 <= digits <= 15:
        raise InputError("referral.bad_phone")
    return value


def parse_guardian(text: str) -> Guardian:
    """``"Name, contact"``: split at the first comma; both parts are required."""
    name, comma, contact = text.partition(",")
    if not comma or not name.strip() or not contact.strip():
        raise InputError("referral.bad_guardian")
    try:
        return Guardian(parse_name(name), _text(contact, "referral.bad_guardian", _CONTACT_MAX))
    except InputError:
        raise InputError("referral.bad_guardian") from None


def parse_sex(text: str) -> Sex | None:
    value = text.strip().lower()
    if value in ("", "unknown"):
        return None
    try:
        return Sex(value)
    except ValueError:
        raise InputError("referral.bad_sex") from None


def parse_legal_basis(text: str) -> LegalBasis:
    try:
        return LegalBasis(text.strip())
    except ValueError:
        raise InputError("referral.bad_legal_basis") from None


def parse_id(vault: Vault, text: str) -> IdNumber | None:
    """An ID number under the vault's policy, or None for an empty text (no number).

    A demo-flagged vault accepts only synthetic numbers (month + 80), and only a demo
    vault accepts them (DESIGN §2 and §3)."""
    if not text.strip():
        return None
    return people.parse_id_number(text, allow_synthetic=vault.demo, require_synthetic=vault.demo,
                                  today=clock.today(vault))


def _date(text: str, key: str) -> date:
    try:
        return people.parse_date(text)
    except InputError:
        raise InputError(key) from None


def parse_birth_date(vault: Vault, text: str) -> date:
    value = _date(text, "referral.bad_birth_date")
    if value > clock.today(vault):
        raise InputError("referral.birth_date_future")
    return value


def parse_received(vault: Vault, text: str) -> date:
    value = _date(text, "referral.bad_received")
    if value > clock.today(vault):
        raise InputError("referral.received_future")
    return value


def parse_deadline(text: str) -> date:
    return _date(text, "referral.bad_deadline")


def check_counsellor(vault: Vault, name: str) -> str:
    """The responsible counsellor must be a user who may handle cases."""
    name = name.strip()
    entry = next((u for u in vault.users() if u["name"] == name), None)
    if entry is None:
        raise InputError("referral.counsellor_unknown", name=name)
    if Role(entry["role"]) not in CASE_ROLES:
        raise InputError("referral.counsellor_role", name=name)
    return name


# --------------------------------------------------------------------------- the whole form


def birth_date_for(id_number: IdNumber | None, given: date | None) -> date | None:
    """The birth date from the number where it tells one; a given date must agree.

    A number issued under the 2032 rule (and an FH-number) does not tell the birth date,
    so it must be given (Skatteetaten, "Nytt fødselsnummer fra 2032")."""
    derived = id_number.birth_date if id_number is not None else None
    if derived is not None and given is not None and derived != given:
        raise InputError("referral.birth_date_mismatch")
    return derived or given


def details_from(vault: Vault, form: Form, base: Details | None = None) -> Details:
    """Validate ``form`` (on top of ``base`` for a correction) field by field, in a fixed
    order, then across fields; the first failure is raised."""

    def pick(field: str, parse: Callable[[str], T], current: T) -> T:
        raw = getattr(form, field)
        if raw is not None:
            return parse(raw)
        if base is None:
            raise InputError("input.missing_option", option=OPTIONS[field])
        return current

    def optional(field: str, parse: Callable[[str], T | None], current: T | None) -> T | None:
        raw = getattr(form, field)
        return parse(raw) if raw is not None else current

    id_number = optional("id_number", lambda t: parse_id(vault, t),
                         base.id_number if base else None)
    name = pick("name", parse_name, base.name if base else "")
    given_birth = (parse_birth_date(vault, form.birth_date) if form.birth_date is not None
                   else None)
    if form.id_number is not None or given_birth is not None or base is None:
        birth = birth_date_for(id_number, given_birth) or (base.birth_date if base else None)
    else:
        birth = base.birth_date
    if birth is None:
        raise InputError("referral.birth_date_needed")
    sex = optional("sex", parse_sex, base.sex if base else None)
    address = optional("address", parse_address, base.address if base else None)
    # The received date defaults to today when a referral is registered.
    received = (parse_received(vault, form.received) if form.received is not None
                else base.received if base else clock.today(vault))
    legal_basis = pick("legal_basis", parse_legal_basis,
                       base.legal_basis if base else LegalBasis.PAATALE)
    authority = pick("authority", parse_authority, base.authority if base else "")
    police_reference = optional("police_reference", parse_police_reference,
                                base.police_reference if base else None)
    deadline = pick("deadline", parse_deadline, base.deadline if base else date.min)
    phone = optional("phone", parse_phone, base.phone if base else None)
    guardians = (tuple(parse_guardian(g) for g in form.guardians if g.strip())
                 if form.guardians is not None else (base.guardians if base else ()))
    # The responsible counsellor defaults to the user registering the referral.
    counsellor = (check_counsellor(vault, form.counsellor) if form.counsellor is not None
                  else base.counsellor if base else check_counsellor(vault, vault.user))
    if birth > received:
        raise InputError("referral.born_after_received")
    if deadline < received:
        raise InputError("referral.deadline_before_received")
    if guardians and people.age_on(birth, received) >= people.MAJORITY_AGE:
        # Data minimisation: foresatte are recorded only for a person under 18.
        raise InputError("referral.guardians_adult")
    return Details(id_number, name, birth, sex, address, received, legal_basis, authority,
                   police_reference, deadline, phone, guardians, counsellor)


def name_key(name: str) -> str:
    """A name for matching: case-insensitive and diacritics-insensitive (Bjørn = bjorn,
    Ålesund = alesund); hyphens count as spaces."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    table = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d",
                           "ł": "l", "þ": "th", "-": " "})
    return " ".join(stripped.translate(table).split())
