"""``rusenhet referral add``: options, or prompts for what is missing on a terminal.

Without a terminal nothing is asked: a missing required option is exit 1 naming it, and
warnings that need confirmation need ``--yes``. Every prompt is checked with the same
domain rule as its option, and asked again until it passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any

import typer

from rusenhet import clock, people, platform, referrals
from rusenhet.cli import choices
from rusenhet.cli.cases import (
    AddressOpt,
    AuthorityOpt,
    BirthDateOpt,
    CounsellorOpt,
    DeadlineOpt,
    GuardianOpt,
    IdNumberOpt,
    LegalBasisOpt,
    NameOpt,
    NoIdNumberOpt,
    PhoneOpt,
    PoliceRefOpt,
    ReceivedOpt,
    SexChoice,
    SexOpt,
    form_from_options,
    open_for_cases,
)
from rusenhet.cli.common import H, app_context, confirm_cautions, example
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import JsonOpt, display_value
from rusenhet.errors import AppError, InputError
from rusenhet.referral_details import (
    Form,
    LegalBasis,
    birth_date_for,
    details_from,
    parse_address,
    parse_authority,
    parse_birth_date,
    parse_deadline,
    parse_guardian,
    parse_id,
    parse_name,
    parse_phone,
    parse_police_reference,
    parse_received,
)
from rusenhet.vault import Vault


class Prompter:
    """Asks for one field at a time on the terminal, re-asking until the rule passes."""

    def __init__(self, a: AppContext) -> None:
        self.a = a
        self.terminal = platform.stdin_is_terminal()

    def ask(self, prompt_key: str, check: Callable[[str], Any], option: str, *,
            default: str | None = None) -> str:
        if not self.terminal:
            raise InputError("input.missing_option", option=option)

        while True:
            text = str(typer.prompt(self.a.t(prompt_key), default=default, err=True,
                                    show_default=bool(default)))
            try:
                check(text)
            except AppError as exc:
                self.a.info(f"{self.a.t('label.error')}: {self.a.t(exc.key, **exc.params)}")
                continue
            return text

    def choose(self, prompt_key: str, name: str, codes: type[StrEnum], option: str, *,
               default: StrEnum | None = None) -> str:
        """A choice typed in the user's words (``mann``, ``betinget dom``); returns the code."""
        def check(text: str) -> StrEnum:
            found = choices.lookup(name, codes, text)
            if found is None:
                raise InputError("choice.invalid", value=text,
                                 choices=", ".join(choices.shown(name, codes, self.a.lang)))
            return found

        shown = None if default is None else choices.words(name, default.value, self.a.lang)[0]
        return check(self.ask(prompt_key, check, option, default=shown)).value

    def optional(self, prompt_key: str, check: Callable[[str], Any], option: str,
                 default: str = "") -> str | None:
        """Asked on a terminal (blank for none); left out otherwise."""
        return self.ask(prompt_key, check, option, default=default) if self.terminal else None


def _gather(a: AppContext, vault: Vault, form: Form) -> Form:
    """Fill in what the options left out, in the order of the paper form."""
    p = Prompter(a)
    if form.id_number is None:
        if not p.terminal:
            raise InputError("referral.id_number_missing")
        form = replace(form, id_number=p.ask("referral.prompt.id_number",
                                             lambda t: parse_id(vault, t), "--id-number",
                                             default=""))
    if form.name is None:
        form = replace(form, name=p.ask("referral.prompt.name", parse_name, "--name"))
    id_number = parse_id(vault, form.id_number or "")
    derived = birth_date_for(id_number, None)
    if form.birth_date is None and (derived is None or p.terminal):
        # From the number where it tells the birth date (shown for confirmation on a
        # terminal: a 2032-rule number may by chance also pass the old rule).
        form = replace(form, birth_date=p.ask(
            "referral.prompt.birth_date", lambda t: birth_date_for(
                id_number, parse_birth_date(vault, t)), "--birth-date",
            default=display_value(derived, a.lang) if derived else None))
    if form.sex is None and p.terminal:
        form = replace(form, sex=p.choose("referral.prompt.sex", "sex", SexChoice, "--sex",
                                          default=SexChoice.UNKNOWN))
    if form.address is None and p.terminal:
        form = replace(form, address=p.optional("referral.prompt.address", parse_address,
                                                "--address"))
    if form.received is None and p.terminal:
        today = display_value(clock.today(vault), a.lang)
        form = replace(form, received=p.ask("referral.prompt.received",
                                            lambda t: parse_received(vault, t), "--received",
                                            default=today))
    if form.legal_basis is None:
        form = replace(form, legal_basis=p.choose("referral.prompt.legal_basis", "basis",
                                                  LegalBasis, "--legal-basis"))
    if form.authority is None:
        form = replace(form, authority=p.ask("referral.prompt.authority", parse_authority,
                                             "--authority"))
    if form.police_reference is None:
        form = replace(form, police_reference=p.optional(
            "referral.prompt.police_ref", parse_police_reference, "--police-ref"))
    if form.deadline is None:
        form = replace(form, deadline=p.ask("referral.prompt.deadline", parse_deadline,
                                            "--deadline"))
    if form.phone is None:
        form = replace(form, phone=p.optional("referral.prompt.phone", parse_phone, "--phone"))
    if form.guardians is None and p.terminal and _minor(vault, form):
        guardians = []
        while line := p.ask("referral.prompt.guardian", lambda t: t.strip() and
                            parse_guardian(t), "--guardian", default=""):
            guardians.append(line)
        form = replace(form, guardians=tuple(guardians))
    if form.counsellor is None and p.terminal:
        form = replace(form, counsellor=p.ask("referral.prompt.counsellor", str,
                                              "--counsellor", default=vault.user))
    return form


def _minor(vault: Vault, form: Form) -> bool:
    try:
        birth = birth_date_for(parse_id(vault, form.id_number or ""),
                               parse_birth_date(vault, form.birth_date)
                               if form.birth_date else None)
        received = parse_received(vault, form.received) if form.received else clock.today(vault)
    except InputError:
        return False  # the whole form is checked again below, with a proper message
    return birth is not None and birth <= received and \
        people.age_on(birth, received) < people.MAJORITY_AGE


def add(
    ctx: typer.Context,
    id_number: IdNumberOpt = None, no_id_number: NoIdNumberOpt = False, name: NameOpt = None,
    birth_date: BirthDateOpt = None, sex: SexOpt = None, address: AddressOpt = None,
    received: ReceivedOpt = None,
    legal_basis: LegalBasisOpt = None, authority: AuthorityOpt = None,
    police_ref: PoliceRefOpt = None, deadline: DeadlineOpt = None, phone: PhoneOpt = None,
    guardian: GuardianOpt = None, counsellor: CounsellorOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=H("help.opt.yes"))] = False,
    as_json: JsonOpt = False,
) -> None:
    a = app_context(ctx)
    vault = open_for_cases(a)
    form = _gather(a, vault, form_from_options(
        id_number=id_number, no_id_number=no_id_number, name=name, birth_date=birth_date,
        sex=sex, address=address, received=received, legal_basis=legal_basis, authority=authority,
        police_ref=police_ref, deadline=deadline, phone=phone, guardians=guardian,
        counsellor=counsellor))
    details = details_from(vault, form)
    found = referrals.check(vault, details)
    confirm_cautions(a, [(c.key, c.params) for c in found], yes)
    added = referrals.add(vault, details, accept={c.kind for c in found})
    if as_json:  # for scripts: the new number, and the person's earlier referrals
        a.out.print_json(json.dumps({"number": added.number, "earlier": list(added.earlier)}))
        return
    a.say(a.t("referral.added", number=added.number))
    if added.earlier:
        a.say(a.t("referral.repeat_note", numbers=", ".join(str(n) for n in added.earlier)))


def register(app: typer.Typer) -> None:
    app.command("add", help=H("help.referral.add"), epilog=example("referral_add"))(add)
