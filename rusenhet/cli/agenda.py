"""``rusenhet agenda``: the counsellor's day, section by section.

The domain (rusenhet.agenda) gathers the sections; this module lays them out. On a
terminal each section is a heading and a short table that fits 80 columns (whole dates
and times, names wrap); in a pipe, tab-separated lines that start with the section's
key; ``--json`` gives ``{"sections": [{"section": ..., "items": [...]}]}``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rusenhet import datetext
from rusenhet.cli.cases import ScriptsOpt, load_library, open_for_cases
from rusenhet.cli.common import H, app_context, example
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit, json_value, on_screen
from rusenhet.errors import InputError

if TYPE_CHECKING:
    from rusenhet.agenda import Entry, Section
    from rusenhet.interview.templates import ScriptLibrary


def script_chooser(library: ScriptLibrary) -> Any:
    from rusenhet.interview.select import select_script

    def choose_script(age: int) -> str | None:
        try:
            return select_script(library, age).script.id
        except InputError:
            return None

    return choose_script


def agenda(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", metavar="N", help=H("help.opt.days"))] = 14,
    counsellor: Annotated[str | None, typer.Option(
        "--counsellor", metavar=H("metavar.user"), help=H("help.opt.filter_counsellor"))]
    = None,
    fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False, scripts: ScriptsOpt = None,
) -> None:
    from rusenhet import agenda as day_of_work

    a = app_context(ctx)
    vault = open_for_cases(a)
    sections = day_of_work.day_of_work(vault, days, counsellor,
                                       script_chooser(load_library(scripts)))
    render_agenda(a, sections, choose(fmt, as_json))


#: The columns each section shows on screen (all of them go to JSON).
_SCREEN = {
    "today": ("time", "case", "place", "script"),
    "upcoming": ("date", "time", "case", "place"),
    "paused": ("case", "state"),
    "to_book": ("case", "deadline", "days_left"),
    "follow_up": ("case", "agreed"),
    "onward": ("case", "onward", "agreed"),
    "confirm": ("case", "what"),
    "overdue": ("case", "deadline", "days_left"),
}


def _row(a: AppContext, e: Entry) -> dict[str, Any]:
    case = f"{e.referral} {e.name}" + (f" ({a.t('agenda.meeting_n', n=e.meeting)})"
                                       if e.meeting and e.meeting > 1 else "")
    return {
        "time": e.at.strftime("%H.%M" if a.lang == "nb" else "%H:%M") if e.at else None,
        "date": datetext.day(e.at.date(), a.lang, weekday=True) if e.at else None,
        "case": case, "place": e.place, "script": e.script,
        "state": a.t(f"meeting.state.{e.detail}") if e.detail else None,
        "deadline": e.deadline, "days_left": e.days_left,
        "agreed": e.due if e.due else a.t("agenda.no_date"),
        "what": a.t(f"agenda.confirm.{e.detail}") if e.detail else None,
        "onward": e.detail,
    }


def _json_entry(e: Entry) -> dict[str, Any]:
    return {k: json_value(v) for k, v in e.__dict__.items()}


def render_agenda(a: AppContext, sections: list[Section], fmt: Format) -> None:
    fmt = on_screen(a, fmt)
    if fmt is Format.JSON:
        a.out.print_json(json.dumps({"sections": [
            {"section": s.key, "items": [_json_entry(e) for e in s.entries]}
            for s in sections]}, ensure_ascii=False))
        return
    if fmt in (Format.CSV, Format.EXCEL, Format.PLAIN):
        # One table for programs and pipes: the section's key first on every row.
        rows = [{"section": s.key, **_json_entry(e)} for s in sections for e in s.entries]
        ids = ["section", "referral", "meeting", "name", "at", "place", "counsellor",
               "age_band", "script", "deadline", "days_left", "due", "detail"]
        emit(a, fmt, [(i, i) for i in ids], rows)
        return
    shown = [s for s in sections if s.entries]
    if not shown:
        a.say(a.t("agenda.nothing"))
        return
    for index, s in enumerate(shown):
        if index:
            a.say("")
        cols = _SCREEN.get(s.key, ("case",))
        emit(a, fmt, [(c, a.t(f"agenda.col.{c}")) for c in cols],
             [_row(a, e) for e in s.entries],
             title=a.t(f"agenda.section.{s.key}", count=len(s.entries)))


def register(root: typer.Typer) -> None:
    root.command("agenda", help=H("help.agenda"), epilog=example("agenda"))(agenda)
