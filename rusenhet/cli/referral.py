"""``rusenhet referral ...``: the referral register (henvisninger).

The commands are thin: the domain (rusenhet.referrals) validates, checks the role,
logs every access and saves; this module asks for what is missing, asks for
confirmations, and lays out what the domain returns. ``referral add`` lives in
``cli/referral_add.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from rusenhet import clock, referrals
from rusenhet.cli import choices, completion, referral_add
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
    ReasonOpt,
    ReceivedOpt,
    ReferralArg,
    SexOpt,
    form_from_options,
    label,
    open_for_cases,
)
from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import (
    ExcelOpt,
    Format,
    FormatOpt,
    JsonOpt,
    WideOpt,
    choose,
    display_value,
    emit,
    emit_record,
    machine,
)
from rusenhet.people import AgeBands
from rusenhet.referrals import CloseReason, HistoryEntry, ListFilter, Referral, Status
from rusenhet.vault import Vault

app = new_app("help.referral_group")


class StatusChoice(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


# --------------------------------------------------------------------------- list


def _age(referral: Referral, on: date | None, bands: AgeBands) -> tuple[int | None, str | None]:
    if on is None or on < referral.birth_date:
        return None, None
    age = referrals.referral_age_on(referral, on)
    return age, bands.band_for(age)


def render_list(a: AppContext, vault: Vault, flt: ListFilter, fmt: Format,
                wide: bool = False) -> None:
    """Shared with ``rusenhet demo``. At 80 columns: number, name (wraps), age, received,
    deadline, basis, status; ``--wide`` adds birth date, age band, counsellor, overdue,
    repeat. Programs (JSON, CSV, Excel) get every column with codes."""
    found = referrals.list_referrals(vault, flt)
    today, bands = clock.today(vault), referrals.age_bands(vault)
    codes = machine(fmt)
    rows = []
    for r in found:
        age, band = _age(r, today, bands)
        rows.append({
            "number": r.number, "name": r.name, "birth_date": r.birth_date, "age": age,
            "age_band": band, "received": r.received, "deadline": r.deadline,
            "legal_basis": r.legal_basis.value if codes else label(a, "basis", r.legal_basis),
            "counsellor": r.counsellor,
            "status": r.status.value if codes else label(a, "status", r.status),
            "overdue": referrals.is_overdue(r, today), "repeat": r.repeat})
    if not rows and not codes:
        a.info(a.t("referral.none_found"))
        return
    ids = (["number", "name", "birth_date", "age", "age_band", "received", "deadline",
            "legal_basis", "counsellor", "status", "overdue", "repeat"] if codes or wide else
           ["number", "name", "age", "received", "deadline", "legal_basis", "status"])
    emit(a, fmt, [(i, a.t(f"referral.column.{i}")) for i in ids], rows, wide=wide)


@app.command("list", help=H("help.referral.list"))
def list_(
    ctx: typer.Context,
    status: Annotated[StatusChoice | None, choices.option(
        "status", StatusChoice, "--status", H("help.opt.referral_status"), H.lang)] = None,
    counsellor: Annotated[str | None, typer.Option(
        "--counsellor", help=H("help.opt.filter_counsellor"))] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=H("help.opt.overdue"))] = False,
    person: Annotated[str | None, typer.Option("--person", metavar=H("metavar.person"),
                                               help=H("help.opt.person"))] = None,
    wide: WideOpt = False, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False,
    excel: ExcelOpt = False,
) -> None:
    a = app_context(ctx)
    vault = open_for_cases(a)
    # Earlier referrals of a person are usually closed: a person search shows all.
    chosen = status or (StatusChoice.ALL if person is not None else StatusChoice.OPEN)
    flt = ListFilter(status=None if chosen is StatusChoice.ALL else Status(chosen.value),
                     counsellor=counsellor, overdue=overdue, person=person)
    render_list(a, vault, flt, choose(fmt, as_json, excel), wide)


# --------------------------------------------------------------------------- show


def _history_value(a: AppContext, entry: HistoryEntry, value: str | None) -> object:
    if value is None:
        return None
    if entry.action == "confirm":  # what the confirmation said: attended or not
        return label(a, "attendance", value)
    if entry.field in ("birth_date", "received", "deadline", "attendance_date"):
        return date.fromisoformat(value)
    groups = {"legal_basis": "basis", "sex": "sex", "status": "state", "attendance": "attendance"}
    if entry.field in groups:
        return label(a, groups[entry.field], value)
    return value


def _history_rows(a: AppContext, number: int, entries: tuple[HistoryEntry, ...],
                  as_json: bool) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        if as_json:
            rows.append({"referral": e.referral_number, "time": e.time, "user": e.user,
                         "action": e.action, "field": e.field, "old": e.old_value,
                         "new": e.new_value, "reason": e.reason})
            continue
        action = label(a, "action", e.action)
        if e.referral_number != number:
            action = a.t("referral.action_elsewhere", action=action, number=e.referral_number)
        rows.append({
            "time": datetime.fromisoformat(e.time).astimezone().date(), "user": e.user,
            "action": action, "field": label(a, "field", e.field),
            "old": _history_value(a, e, e.old_value), "new": _history_value(a, e, e.new_value),
            "reason": e.reason})
    return rows


@app.command("show", help=H("help.referral.show"))
def show(ctx: typer.Context, number: ReferralArg, fmt: FormatOpt = Format.TABLE,
         as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    vault = open_for_cases(a)
    view = referrals.show(vault, number)
    r, fmt = view.referral, choose(fmt, as_json)
    today, bands = clock.today(vault), referrals.age_bands(vault)
    age, band = _age(r, today, bands)
    met = referrals.meeting_date(r)
    meeting_age, meeting_band = _age(r, met, bands)
    j = fmt is Format.JSON

    def code(group: str, value: StrEnum | None) -> str | None:
        """JSON keeps the code; the other formats show it in the user's language."""
        return (value.value if value is not None else None) if j else label(a, group, value)

    fields: list[tuple[str, Any]] = [
        ("number", r.number), ("status", code("status", r.status)),
        ("close_reason", code("close_reason", r.close_reason)), ("closed_on", r.closed_on),
        ("name", r.name), ("id_number", r.id_number.value if r.id_number else None),
        ("birth_date", r.birth_date), ("sex", code("sex", r.sex)),
        ("address", r.address.text() if r.address else None), ("age", age),
        ("age_band", band), ("meeting_date", met), ("age_at_meeting", meeting_age),
        ("age_band_at_meeting", meeting_band), ("received", r.received),
        ("legal_basis", code("basis_long", r.legal_basis)), ("authority", r.authority),
        ("police_reference", r.police_reference), ("deadline", r.deadline),
        ("overdue", referrals.is_overdue(r, today)), ("phone", r.phone),
        ("guardians", [{"name": g.name, "contact": g.contact} for g in r.guardians] if j
         else "; ".join(g.text() for g in r.guardians)),
        ("counsellor", r.counsellor), ("attendance", code("attendance", r.attendance)),
        ("repeat", r.repeat),
        ("other_referrals", list(view.other_numbers) if j
         else ", ".join(str(n) for n in view.other_numbers)),
    ]
    history = _history_rows(a, r.number, view.history, j)
    if j:
        payload = {k: v.isoformat() if isinstance(v, date) else v for k, v in fields}
        payload["history"] = history
        from rusenhet.cli.render import print_json

        print_json(a, payload)
        return
    emit_record(a, fmt, [(k, a.t(f"referral.field.{k}"), v) for k, v in fields],
                title=a.t("referral.title", number=r.number))
    if fmt is not Format.TABLE:
        a.say("")  # two tables in one CSV or Markdown document need a blank line between
    ids = ["time", "user", "action", "field", "old", "new", "reason"]
    emit(a, fmt, [(i, a.t(f"referral.history.{i}")) for i in ids], history,
         title=a.t("referral.history_title"))


# --------------------------------------------------------------------------- changes


@app.command("edit", help=H("help.referral.edit"))
def edit(
    ctx: typer.Context, number: ReferralArg, reason: ReasonOpt,
    id_number: IdNumberOpt = None, no_id_number: NoIdNumberOpt = False, name: NameOpt = None,
    birth_date: BirthDateOpt = None, sex: SexOpt = None, address: AddressOpt = None,
    received: ReceivedOpt = None,
    legal_basis: LegalBasisOpt = None, authority: AuthorityOpt = None,
    police_ref: PoliceRefOpt = None, deadline: DeadlineOpt = None, phone: PhoneOpt = None,
    guardian: GuardianOpt = None,
    no_guardians: Annotated[bool, typer.Option("--no-guardians",
                                               help=H("help.opt.no_guardians"))] = False,
    counsellor: CounsellorOpt = None,
) -> None:
    a = app_context(ctx)
    vault = open_for_cases(a)
    form = form_from_options(
        id_number=id_number, no_id_number=no_id_number, name=name, birth_date=birth_date,
        sex=sex, address=address, received=received, legal_basis=legal_basis, authority=authority,
        police_ref=police_ref, deadline=deadline, phone=phone,
        guardians=[] if no_guardians else guardian, counsellor=counsellor)
    changed = referrals.edit(vault, number, form, reason)
    a.say(a.t("referral.edited", number=number.strip(),
              fields=", ".join(label(a, "field", f) for f in changed)))


@app.command("close", help=H("help.referral.close"))
def close(ctx: typer.Context, number: ReferralArg, reason: Annotated[CloseReason, choices.option(
        "close_reason", CloseReason, "--reason", H("help.opt.close_reason"), H.lang)]) -> None:
    a = app_context(ctx)
    referrals.close(open_for_cases(a), number, reason)
    a.say(a.t("referral.closed", number=number.strip(),
              reason=label(a, "close_reason", reason.value)))


@app.command("reopen", help=H("help.referral.reopen"))
def reopen(ctx: typer.Context, number: ReferralArg, reason: ReasonOpt) -> None:
    a = app_context(ctx)
    referrals.reopen(open_for_cases(a), number, reason)
    a.say(a.t("referral.reopened", number=number.strip()))


@app.command("extend", help=H("help.referral.extend"))
def extend(ctx: typer.Context, number: ReferralArg,
           deadline: Annotated[str, typer.Option("--deadline", help=H("help.opt.new_deadline"))],
           reason: ReasonOpt) -> None:
    a = app_context(ctx)
    new = referrals.extend(open_for_cases(a), number, deadline, reason)
    a.say(a.t("referral.extended", number=number.strip(), deadline=display_value(new, a.lang)))


@app.command("assign", help=H("help.referral.assign"))
def assign(ctx: typer.Context, number: ReferralArg, counsellor: Annotated[str, typer.Argument(
        metavar=H("metavar.user"), help=H("help.opt.assign_counsellor"),
        autocompletion=completion.user_names)]) -> None:
    a = app_context(ctx)
    referrals.assign(open_for_cases(a), number, counsellor)
    a.say(a.t("referral.assigned", number=number.strip(), name=counsellor.strip()))


def register() -> None:
    from rusenhet.cli import referral_import

    referral_add.register(app)
    referral_import.register(app)
