"""What every case command shares: the referral number argument, ``--meeting N``, the
referral form's options, script folders, and opening the vault for case work.

Kept apart from the command modules so that they import it and never each other
(issue 12: ``cli/referral.py`` and ``cli/referral_add.py`` imported one another).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rusenhet import referrals
from rusenhet.cli import choices, completion
from rusenhet.cli.common import H
from rusenhet.cli.context import AppContext
from rusenhet.referral_details import Form, LegalBasis
from rusenhet.vault import Vault

if TYPE_CHECKING:
    from rusenhet.interview.templates import ScriptLibrary
    from rusenhet.meeting_pick import Picked


class SexChoice(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


def _opt(flag: str, metavar: str, help_key: str) -> typer.models.OptionInfo:
    return typer.Option(flag, metavar=H(f"metavar.{metavar}"), help=H(help_key))  # type: ignore[no-any-return]


#: The one number a counsellor uses for a case (never the ID number, never a meeting id).
ReferralArg = Annotated[str, typer.Argument(metavar=H("metavar.referral"),
                                            help=H("help.opt.referral_number"),
                                            autocompletion=completion.referral_numbers)]
MeetingOpt = Annotated[str | None, typer.Option("--meeting", metavar="N",
                                                help=H("help.opt.meeting_number"))]
ScriptsOpt = Annotated[list[Path] | None, _opt("--scripts", "folder", "help.opt.scripts")]
ReasonOpt = Annotated[str, _opt("--reason", "text", "help.opt.referral_reason")]

# Options shared by ``referral add`` and ``referral edit`` (same names, same rules).
IdNumberOpt = Annotated[str | None, _opt("--id-number", "id_number", "help.opt.id_number")]
NoIdNumberOpt = Annotated[bool, typer.Option("--no-id-number", help=H("help.opt.no_id_number"))]
NameOpt = Annotated[str | None, _opt("--name", "name", "help.opt.person_name")]
BirthDateOpt = Annotated[str | None, _opt("--birth-date", "date", "help.opt.birth_date")]
SexOpt = Annotated[SexChoice | None, choices.option("sex", SexChoice, "--sex",
                                                     H("help.opt.sex"), H.lang)]
AddressOpt = Annotated[str | None, _opt("--address", "address", "help.opt.address")]
ReceivedOpt = Annotated[str | None, _opt("--received", "date", "help.opt.received")]
LegalBasisOpt = Annotated[LegalBasis | None, choices.option(
    "basis", LegalBasis, "--legal-basis", H("help.opt.legal_basis"), H.lang)]
AuthorityOpt = Annotated[str | None, _opt("--authority", "text", "help.opt.authority")]
PoliceRefOpt = Annotated[str | None, _opt("--police-ref", "text", "help.opt.police_ref")]
DeadlineOpt = Annotated[str | None, _opt("--deadline", "date", "help.opt.deadline")]
PhoneOpt = Annotated[str | None, _opt("--phone", "phone", "help.opt.phone")]
GuardianOpt = Annotated[list[str] | None, _opt("--guardian", "guardian", "help.opt.guardian")]
CounsellorOpt = Annotated[str | None, typer.Option(
    "--counsellor", metavar=H("metavar.user"), help=H("help.opt.counsellor"),
    autocompletion=completion.user_names)]


def open_for_cases(a: AppContext) -> Vault:
    """Open the vault and check the role before anything else is asked or looked up."""
    vault = a.open_vault()
    referrals.require_access(vault)
    return vault


def case_text(a: AppContext, referral: int, name: str, number: int = 1,
              count: int = 1) -> str:
    """«henvisning 12 (Åse Bjørnstad)», with «, samtale 2» when the referral has several."""
    text = a.t("meeting.case", referral=referral, name=name)
    return a.t("meeting.case_n", case=text, number=number) if count > 1 else text


def picked_text(a: AppContext, p: Picked) -> str:
    return case_text(a, p.referral, p.name, p.number, p.count)


def label(a: AppContext, group: str, value: object) -> str:
    """A code (status, legal basis, ...) in the user's language."""
    return "" if value is None else a.t(f"referral.{group}.{value}")


def script_dirs(option: list[Path] | None) -> list[Path]:
    """``--scripts DIR`` (repeatable), else ``RUSENHET_SCRIPTS`` (os.pathsep-separated)."""
    if option:
        return list(option)
    env = os.environ.get("RUSENHET_SCRIPTS", "")
    return [Path(p) for p in env.split(os.pathsep) if p.strip()]


def load_library(option: list[Path] | None) -> ScriptLibrary:
    from rusenhet.interview.templates import ScriptLibrary

    return ScriptLibrary.load(script_dirs(option))


def form_from_options(*, id_number: str | None, no_id_number: bool, name: str | None,
                      birth_date: str | None, sex: SexChoice | None, address: str | None,
                      received: str | None,
                      legal_basis: LegalBasis | None, authority: str | None,
                      police_ref: str | None, deadline: str | None, phone: str | None,
                      guardians: list[str] | None, counsellor: str | None) -> Form:
    if no_id_number and id_number is not None:
        raise typer.BadParameter(H("referral.id_number_conflict"), param_hint="--no-id-number")
    return Form(id_number="" if no_id_number else id_number, name=name, birth_date=birth_date,
                sex=None if sex is None else sex.value, address=address, received=received,
                legal_basis=None if legal_basis is None else legal_basis.value,
                authority=authority, police_reference=police_ref, deadline=deadline,
                phone=phone, guardians=None if guardians is None else tuple(guardians),
                counsellor=counsellor)
