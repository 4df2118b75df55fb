"""Letters: the invitation (innkalling) to the person, and the confirmation of
attendance to the prosecuting authority, optionally signed with the unit's key.

The confirmation states only what the law allows the unit to pass on (helse- og
omsorgstjenesteloven § 3-9 c with straffeprosessloven § 69 / straffeloven § 37 j):
whether the person attended, on which date, the police reference and the unit. Never
answers, scores, risk level, advice or notes — the function that builds it does not
even read the meeting's result.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

from rusenhet import audit, clock, crypto, meetings, referrals, settings
from rusenhet.errors import InputError
from rusenhet.i18n import Translator
from rusenhet.people import MAJORITY_AGE, age_on
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


@dataclass(frozen=True, repr=False)
class Invitation:
    meeting_id: int
    name: str
    guardians: tuple[str, ...]
    at: datetime
    place: str | None
    unit_name: str
    unit_contact: str
    deadline: date


def invitation(vault: Vault, meeting_id: int | str) -> Invitation:
    referrals.require_access(vault)

    def read(v: Vault) -> Invitation:
        m = meetings.fetch(v, meeting_id)
        if m.state is not meetings.MeetingState.BOOKED or m.at is None:
            raise InputError("letter.not_booked", id=m.id, state=m.state.value)
        r = referrals.fetch(v, m.referral_number)
        minor = age_on(r.birth_date, m.at.date()) < MAJORITY_AGE
        audit.append(v, "letter.invite", str(m.id))
        values = settings.read_all(v)
        return Invitation(m.id, r.name, tuple(g.text() for g in r.guardians) if minor else (),
                          m.at, m.place, values["unit-name"], values["unit-contact"],
                          r.deadline)

    return vault.transact(read)


def render_invitation(inv: Invitation, lang: str, markdown: bool) -> str:
    t = Translator(lang)
    when = inv.at.strftime("%d.%m.%Y kl. %H:%M" if lang == "nb" else "%Y-%m-%d at %H:%M")
    title = t("letter.invite.title", unit=inv.unit_name)
    lines = [f"# {title}" if markdown else title, ""]
    lines.append(t("letter.invite.to", name=inv.name))
    for guardian in inv.guardians:
        lines.append(t("letter.invite.copy_to", name=guardian))
    lines += ["", t("letter.invite.when", when=when),
              t("letter.invite.where", place=inv.place or t("letter.invite.place_tbd")), ""]
    for key in ("what", "not", "confidential", "report", "rights"):
        lines += [t(f"letter.invite.{key}"), ""]
    lines.append(t("letter.invite.deadline", deadline=_day(inv.deadline, lang)))
    lines += ["", t("letter.invite.contact", unit=inv.unit_name, contact=inv.unit_contact
                    or "—")]
    return "\n".join(lines).rstrip() + "\n"


def _day(d: date, lang: str) -> str:
    return d.strftime("%d.%m.%Y" if lang == "nb" else "%Y-%m-%d")


# --------------------------------------------------------------------------- confirmation


@dataclass(frozen=True, repr=False)
class Confirmation:
    """Everything the notice to the prosecuting authority may say — and nothing else."""

    referral_number: int
    name: str
    birth_date: date
    police_reference: str | None
    authority: str
    attended: bool
    on: date
    unit_name: str
    kommunenummer: str
    issued: date


def confirmation(vault: Vault, number: int | str) -> Confirmation:
    """Attended (a meeting was held) or did not attend (no meeting held, and only after
    the deadline)."""
    referrals.require_access(vault)

    def read(v: Vault) -> Confirmation:
        r = referrals.fetch(v, number)
        held = meetings.held_meetings(v, r.number)
        today = clock.today(v)
        if held:
            attended, on = True, min(m.held_on or today for m in held)
        else:
            if r.deadline >= today:
                raise InputError("letter.no_meeting_yet", deadline=r.deadline)
            attended, on = False, r.deadline
        values = settings.read_all(v)
        audit.append(v, "confirm.issue", str(r.number))
        return Confirmation(r.number, r.name, r.birth_date, r.police_reference, r.authority,
                            attended, on, values["unit-name"], values["kommunenummer"], today)

    return vault.transact(read)


def confirmation_json(c: Confirmation) -> dict[str, object]:
    data = asdict(c)
    for key in ("birth_date", "on", "issued"):
        data[key] = getattr(c, key).isoformat()
    data["schema"] = "rusenhet.confirmation/1"
    return data


def render_confirmation(c: Confirmation, lang: str, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(confirmation_json(c), ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
    t = Translator(lang)
    title = t("letter.confirm.title")
    lines = [f"# {title}" if fmt == "markdown" else title, ""]
    lines.append(t("letter.confirm.to", authority=c.authority))
    lines.append(t("letter.confirm.reference", reference=c.police_reference or "—"))
    lines.append(t("letter.confirm.person", name=c.name, birth=_day(c.birth_date, lang)))
    lines.append("")
    key = "letter.confirm.attended" if c.attended else "letter.confirm.not_attended"
    lines.append(t(key, date=_day(c.on, lang)))
    lines += ["", t("letter.confirm.only_this"), "",
              t("letter.confirm.signed", unit=c.unit_name, kommune=c.kommunenummer,
                date=_day(c.issued, lang))]
    return "\n".join(lines).rstrip() + "\n"


def sign_document(vault: Vault, body: str) -> str:
    referrals.require_access(vault)
    return sign_text(_unit_private_key(vault), body)
