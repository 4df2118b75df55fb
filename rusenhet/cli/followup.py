"""``rusenhet followup ...``: the follow-up of referrals made in meetings.

The domain (:mod:`rusenhet.followups`) checks roles, logs and saves; this module parses
the options and lays out the list. The agenda shows the follow-ups that are due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, display_value, emit
from rusenhet.people import parse_date

if TYPE_CHECKING:
    from rusenhet.followups import FollowUp

app = new_app("help.followup.group")

_RESULTS = ("contact", "not-yet", "declined", "unknown")


@app.command("list", help=H("help.followup.list"))
def list_(ctx: typer.Context,
          all_: Annotated[bool, typer.Option("--all", help=H("help.opt.followup.all"))] = False,
          due: Annotated[int | None, typer.Option("--due", metavar="DAYS",
                                                  help=H("help.opt.followup.due"))] = None,
          counsellor: Annotated[str | None, typer.Option(
              "--counsellor", help=H("help.opt.counsellor"))] = None,
          fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    from rusenhet import followups

    a = app_context(ctx)
    items = followups.listing(a.open_vault(), open_only=not all_, days=due,
                              counsellor=counsellor)
    render_followups(a, items, choose(fmt, as_json), a.t("followup.title"))


@app.command("record", help=H("help.followup.record"))
def record(ctx: typer.Context,
           followup_id: Annotated[int, typer.Argument(metavar="FOLLOWUP_ID",
                                                      help=H("help.opt.followup.id"))],
           result: Annotated[str, typer.Option("--result",
                                               help=H("help.opt.followup.result"))],
           on: Annotated[str | None, typer.Option("--on", help=H("help.opt.followup.on"))]
           = None) -> None:
    from rusenhet import followups
    from rusenhet.errors import InputError

    a = app_context(ctx)
    if result not in _RESULTS:
        raise InputError("followup.bad_result", value=result, allowed=", ".join(_RESULTS))
    day = parse_date(on) if on is not None else None
    f = followups.record(a.open_vault(), followup_id, followups.Result(result), day)
    a.say(a.t("followup.recorded", id=f.id, code=f.code, referral=f.referral_number,
              result=a.t(f"followup.result.{result}")))
    if f.open:
        a.say(a.t("followup.next_due", due=display_value(f.due, a.lang)))


def render_due(a: AppContext, items: list[FollowUp], title: str) -> None:
    """The agenda's short section: fewer, fuller columns for a laptop terminal."""
    rows = [{"due": display_value(f.due, a.lang), "id": f.id,
             "who": f"{f.referral_number}  {f.name}", "code": f.code,
             "result": a.t(f"followup.result.{f.result.value if f.result else 'pending'}")}
            for f in items]
    emit(a, Format.TABLE, [(key, a.t(f"followup.col.{key}")) for key in (
        "due", "id", "who", "code", "result")], rows, title=title)


def render_followups(a: AppContext, items: list[FollowUp], fmt: Format, title: str) -> None:
    rows: list[dict[str, Any]] = [{
        "id": f.id, "meeting": f.meeting_id, "referral": f.referral_number, "name": f.name,
        "code": f.code, "made_on": f.made_on, "due": f.due,
        "result": (f.result.value if f.result else None) if fmt is Format.JSON
        else a.t(f"followup.result.{f.result.value if f.result else 'pending'}"),
        "result_on": f.result_on, "counsellor": f.counsellor} for f in items]
    columns = [(key, a.t(f"followup.col.{key}")) for key in (
        "id", "meeting", "referral", "name", "code", "made_on", "due", "result", "result_on",
        "counsellor")]
    emit(a, fmt, columns, rows, title=title)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="followup", help=H("help.followup.group"))
