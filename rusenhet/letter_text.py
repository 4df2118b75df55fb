"""The wording and layout of the letters a municipality sends.

A letter is built as a list of blocks (heading lines, paragraphs) so that the same
content becomes plain text, Markdown or PDF (rusenhet.letter_pdf). What a letter says
follows the law it rests on: the court sets the condition in a betinget dom (straffeloven
§ 37 j), the prosecuting authority in a påtaleunnlatelse (straffeprosessloven § 69). The
rules for minors are in README.md ("Letters and minors").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rusenhet import datetext
from rusenhet.i18n import Translator
from rusenhet.letters import Confirmation, Invitation, confirmation_json


@dataclass(frozen=True)
class Block:
    kind: str  #: "title", "lines" (kept as they are) or "para" (wrapped)
    text: str


def _lines(*lines: str | None) -> Block:
    return Block("lines", "\n".join(line for line in lines if line))


def invitation_blocks(inv: Invitation, lang: str) -> list[Block]:
    t = Translator(lang)
    unit = inv.unit
    basis = inv.legal_basis.value
    blocks = [_lines(unit.name, unit.address, unit.contact)]
    if inv.to_guardians:  # under 16: to the foresatte, at the child's address
        recipient = [t("letter.invite.to_guardians", name=inv.name),
                     *(g.name for g in inv.to_guardians)]
    else:
        recipient = [inv.name]
    if inv.address is not None:
        recipient += [inv.address.street, f"{inv.address.postnummer} {inv.address.poststed}"]
    blocks.append(_lines(*recipient))
    blocks.append(_lines(
        t("letter.invite.our_ref", ref=f"{inv.referral_number}/{inv.meeting_number}"),
        t("letter.invite.date", date=datetext.day(inv.issued, lang))))
    blocks.append(Block("title", t("letter.invite.title")))
    blocks.append(_lines(t("letter.invite.when", when=datetext.moment(inv.at, lang)),
                         t("letter.invite.where",
                           place=inv.place or t("letter.invite.place_tbd"))))
    if inv.to_guardians:
        blocks.append(Block("para", t("letter.invite.guardians_u16", name=inv.name)))
    for key in (f"why_{basis}", "what", "confidential", "report", f"absent_{basis}",
                "rights"):
        blocks.append(Block("para", t(f"letter.invite.{key}")))
    deadline = datetext.day(inv.deadline, lang, weekday=True)
    contact = t("letter.invite.contact", contact=unit.contact) if unit.contact \
        else t("letter.invite.no_contact", unit=unit.name)
    blocks.append(Block("para", f"{t('letter.invite.deadline', deadline=deadline)} {contact}"))
    blocks.append(_lines(t("letter.invite.greeting"), inv.counsellor, unit.name))
    if inv.copy_to:
        blocks.append(_lines(t("letter.invite.copy_to", names=", ".join(
            g.text() for g in inv.copy_to))))
    return blocks


def confirmation_blocks(c: Confirmation, lang: str) -> list[Block]:
    t = Translator(lang)
    basis = c.legal_basis.value
    return [
        _lines(t("letter.confirm.to", authority=c.authority)),
        _lines(t("letter.confirm.your_ref",
                 reference=c.police_reference or t("letter.confirm.no_reference")),
               t("letter.invite.our_ref", ref=str(c.referral_number)),
               t("letter.confirm.date", date=datetext.day(c.issued, lang))),
        Block("title", t("letter.confirm.title")),
        _lines(t("letter.confirm.person", name=c.name,
                 birth=datetext.day(c.birth_date, lang)),
               t(f"letter.confirm.basis_{basis}")),
        Block("para", t("letter.confirm.attended" if c.attended else
                        "letter.confirm.not_attended", date=datetext.day(c.on, lang))),
        Block("para", t("letter.confirm.only_this")),
        _lines(t("letter.confirm.signed", unit=c.unit_name, kommune=c.kommunenummer)),
    ]


def as_text(blocks: list[Block], markdown: bool) -> str:
    out = []
    for b in blocks:
        if b.kind == "title":
            out.append(f"# {b.text}" if markdown else b.text)
        elif b.kind == "lines" and markdown:
            out.append("  \n".join(b.text.split("\n")))  # Markdown hard line breaks
        else:
            out.append(b.text)
    return "\n\n".join(x for x in out if x).rstrip() + "\n"


def render_invitation(inv: Invitation, lang: str, markdown: bool) -> str:
    return as_text(invitation_blocks(inv, lang), markdown)


def render_confirmation(c: Confirmation, lang: str, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(confirmation_json(c), ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
    return as_text(confirmation_blocks(c, lang), fmt == "markdown")
