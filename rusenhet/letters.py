"""Letters: the invitation (innkalling) to the person, and the confirmation of
attendance to the prosecuting authority, optionally signed with the unit's key.

The confirmation states only what the law allows the unit to pass on (helse- og
omsorgstjenesteloven § 3-9 c with straffeprosessloven § 69 / straffeloven § 37 j):
whether the person attended, on which date, the police reference and the unit. Never
answers, scores, risk level, advice or notes — the function that builds it does not
even read the meeting's result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from rusenhet import audit, clock, crypto, meetings, referrals, settings
from rusenhet.errors import InputError
from rusenhet.people import MAJORITY_AGE, age_on
from rusenhet.referral_details import Guardian, LegalBasis, PostalAddress
from rusenhet.vault import Vault

SIGNATURE_BEGIN = "-----BEGIN RUSENHET SIGNATURE-----"
SIGNATURE_END = "-----END RUSENHET SIGNATURE-----"
_PUBLIC_KEY_SETTING = "_unit_public_key"


# --------------------------------------------------------------------------- unit key


def unit_public_key(vault: Vault) -> bytes:
    """The unit's Ed25519 public key; created (by a counsellor or admin) on first use.

    The private half lives in the case section, so only counsellors and admins can sign;
    the public half is in the stats section, so every role can print it."""
    row = vault.stats_conn.execute("SELECT value FROM settings WHERE key = ?",
                                   (_PUBLIC_KEY_SETTING,)).fetchone()
    if row is not None:
        return crypto.b64d(row[0])
    referrals.require_access(vault)

    def create(v: Vault) -> bytes:
        private = crypto.ed25519_generate()
        public = crypto.ed25519_public(private)
        assert v.case_conn is not None  # noqa: S101 - require_access guarantees it
        v.case_conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            ("unit_signing_key", crypto.b64e(private)))
        v.stats_conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                             (_PUBLIC_KEY_SETTING, crypto.b64e(public)))
        audit.append(v, "unit.key_created")
        return public

    return vault.transact(create)


def _unit_private_key(v: Vault) -> bytes:
    unit_public_key(v)
    assert v.case_conn is not None  # noqa: S101 - unit_public_key required access
    row = v.case_conn.execute("SELECT value FROM meta WHERE key = 'unit_signing_key'").fetchone()
    if row is None:
        raise InputError("letter.no_key")
    return crypto.b64d(row[0])


def key_fingerprint(public: bytes) -> str:
    return crypto.sha256(public).hex()[:16]


def sign_text(private: bytes, body: str) -> str:
    public = crypto.ed25519_public(private)
    signature = crypto.sign(private, body.encode("utf-8"))
    return (f"{body}{SIGNATURE_BEGIN}\nkey: {key_fingerprint(public)}\n"
            f"signature: {crypto.b64e(signature)}\n{SIGNATURE_END}\n")


def verify_text(text: str, public: bytes) -> str:
    """Return the signed body if the signature is valid; InputError otherwise."""
    marker = text.rfind(SIGNATURE_BEGIN)
    if marker < 0:
        raise InputError("letter.not_signed")
    body, block = text[:marker], text[marker:]
    fields = {}
    for line in block.splitlines()[1:]:
        if line == SIGNATURE_END:
            break
        key, _, value = line.partition(": ")
        fields[key] = value
    try:
        signature = crypto.b64d(fields.get("signature", ""))
    except ValueError:
        raise InputError("letter.bad_signature") from None
    if fields.get("key") != key_fingerprint(public) or \
            not crypto.verify(public, signature, body.encode("utf-8")):
        raise InputError("letter.bad_signature")
    return body


def public_key_from_pem(text: str) -> bytes:
    try:
        return crypto.load_public_pem(text, "ed25519")
    except crypto.BadKey:
        raise InputError("letter.bad_key") from None


# --------------------------------------------------------------------------- invitation

#: Script questions where a 16–17-year-old says whether the foresatte may be told about
#: the meeting. pasient- og brukerrettighetsloven § 3-4 second paragraph: the parents of
#: a 16–17-year-old are not informed when the young person, for reasons that should be
#: respected, does not want it. So after a «nei» no copy of a letter goes to them.
GUARDIAN_CONSENT_QUESTIONS = ("u17_foresatte",)
#: Helserettslig myndighetsalder (pasient- og brukerrettighetsloven § 4-3): below 16 the
#: foresatte act for the child, so the letter is addressed to them.
HEALTH_CONSENT_AGE = 16


@dataclass(frozen=True, repr=False)
class Unit:
    name: str
    kommunenummer: str
    address: str
    contact: str


@dataclass(frozen=True, repr=False)
class Invitation:
    referral_number: int
    meeting_number: int
    name: str
    address: PostalAddress | None
    age: int
    at: datetime
    place: str | None
    legal_basis: LegalBasis
    deadline: date
    to_guardians: tuple[Guardian, ...]  #: under 16: the letter is addressed to them
    copy_to: tuple[Guardian, ...]  #: 16–17 who did not say no: a copy goes to them
    counsellor: str
    unit: Unit
    issued: date

    @property
    def after_deadline(self) -> bool:
        return self.at.date() > self.deadline


def _unit(v: Vault) -> Unit:
    values = settings.read_all(v)
    return Unit(values["unit-name"], values["kommunenummer"], values["unit-address"],
                values["unit-contact"])


def said_no_to_guardians(v: Vault, number: int) -> bool:
    """Whether the person answered «nei» to informing the foresatte in a held meeting."""
    return any(m.result is not None and m.result.answers.get(q) is False
               for m in meetings.held_meetings(v, number) for q in GUARDIAN_CONSENT_QUESTIONS)


def invitation(vault: Vault, meeting_id: int | str, meeting_number: int = 1) -> Invitation:
    referrals.require_access(vault)

    def read(v: Vault) -> Invitation:
        m = meetings.fetch(v, meeting_id)
        if m.state is not meetings.MeetingState.BOOKED or m.at is None:
            raise InputError("letter.not_booked", id=m.id, state=m.state.value)
        r = referrals.fetch(v, m.referral_number)
        age = age_on(r.birth_date, m.at.date())
        to_guardians = r.guardians if age < HEALTH_CONSENT_AGE else ()
        copy_to = r.guardians if HEALTH_CONSENT_AGE <= age < MAJORITY_AGE and \
            not said_no_to_guardians(v, r.number) else ()
        audit.append(v, "letter.invite", str(m.id))
        return Invitation(r.number, meeting_number, r.name, r.address, age, m.at, m.place,
                          r.legal_basis, r.deadline, to_guardians, copy_to, m.counsellor,
                          _unit(v), clock.today(v))

    return vault.transact(read)


# --------------------------------------------------------------------------- confirmation


@dataclass(frozen=True, repr=False)
class Confirmation:
    """Everything the notice to the prosecuting authority may say — and nothing else."""

    referral_number: int
    name: str
    birth_date: date
    police_reference: str | None
    authority: str
    legal_basis: LegalBasis
    attended: bool
    on: date
    unit_name: str
    kommunenummer: str
    issued: date


def confirmation(vault: Vault, number: int | str) -> Confirmation:
    """Attended (a meeting was held), or did not attend — only after the deadline, with
    no meeting held and none booked or under way. Issuing it is recorded in the
    referral's history."""
    referrals.require_access(vault)

    def read(v: Vault) -> Confirmation:
        r = referrals.fetch(v, number)
        held = meetings.held_meetings(v, r.number)
        today = clock.today(v)
        if held:
            attended, on = True, min(m.held_on or today for m in held)
        else:
            pending = [m for m in meetings.of_referral(v, r.number)
                       if m.state in (meetings.MeetingState.BOOKED, *meetings.ACTIVE)]
            if pending:
                raise InputError("letter.meeting_pending", referral=r.number)
            if r.deadline >= today:
                raise InputError("letter.no_meeting_yet", deadline=r.deadline)
            attended, on = False, r.deadline
        values = settings.read_all(v)
        referrals.record_event(v, r.number, "confirm",
                               "attended" if attended else "not-attended")
        audit.append(v, "confirm.issue", str(r.number))
        return Confirmation(r.number, r.name, r.birth_date, r.police_reference, r.authority,
                            r.legal_basis, attended, on, values["unit-name"],
                            values["kommunenummer"], today)

    return vault.transact(read)


def confirmation_json(c: Confirmation) -> dict[str, object]:
    data = asdict(c)
    for key in ("birth_date", "on", "issued"):
        data[key] = getattr(c, key).isoformat()
    data["legal_basis"] = c.legal_basis.value
    data["schema"] = "rusenhet.confirmation/1"
    return data


def sign_document(vault: Vault, body: str) -> str:
    referrals.require_access(vault)
    return sign_text(_unit_private_key(vault), body)
