"""``rusenhet agenda``: the counsellor's day.

The domain (rusenhet.meetings.agenda) gathers the items; this module lays them out: on a
terminal a few full columns, elsewhere every column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rusenhet.cli.cases import ScriptsOpt, load_library, open_for_cases
from rusenhet.cli.common import H, app_context, example
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, display_value, emit
from rusenhet.errors import InputError

if TYPE_CHECKING:
    from rusenhet import meetings
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
    days: Annotated[int, typer.Option("--days", help=H("help.opt.days"))] = 14,
    counsellor: Annotated[str | None, typer.Option("--counsellor",
                                                   help=H("help.opt.counsellor"))] = None,
    fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False, scripts: ScriptsOpt = None,
) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = open_for_cases(a)
    items = meetings.agenda(vault, days, counsellor, script_chooser(load_library(scripts)))
    render_agenda(a, items, choose(fmt, as_json))


def render_agenda(a: AppContext, items: list[meetings.AgendaItem], fmt: Format) -> None:
    rows = [{"meeting": i.meeting_id, "at": i.at, "place": i.place, "counsellor": i.counsellor,
             "referral": i.referral_number, "name": i.name, "age_band": i.age_band,
             "script": i.script_id, "deadline": i.deadline, "days_left": i.days_left,
             "overdue": i.overdue} for i in items]
    if fmt is not Format.TABLE:
        emit(a, fmt, [
            ("meeting", a.t("meeting.col.id")), ("at", a.t("meeting.col.at")),
            ("place", a.t("meeting.col.place")), ("counsellor", a.t("meeting.col.counsellor")),
            ("referral", a.t("meeting.col.referral")), ("name", a.t("label.name")),
            ("age_band", a.t("meeting.col.age_band")), ("script", a.t("meeting.col.script")),
            ("deadline", a.t("meeting.col.deadline")),
            ("days_left", a.t("meeting.col.days_left")),
            ("overdue", a.t("meeting.col.overdue"))], rows, title=a.t("meeting.agenda_title"))
        return
    # On screen: fewer, fuller columns, so that a laptop terminal shows whole dates.
    screen = [{
        "when": display_value(i.at, a.lang) if i.at else a.t("meeting.not_booked_yet"),
        "where": i.place or "",
        "who": f"{i.referral_number}  {i.name}",
        "band": i.age_band, "script": i.script_id or "–", "counsellor": i.counsellor,
        "deadline": a.t("meeting.deadline_days", date=display_value(i.deadline, a.lang),
                        days=i.days_left),
    } for i in items]
    emit(a, fmt, [("when", a.t("meeting.col.at")), ("where", a.t("meeting.col.place")),
                  ("who", a.t("meeting.col.referral")), ("band", a.t("meeting.col.age_band")),
                  ("script", a.t("meeting.col.script")),
                  ("counsellor", a.t("meeting.col.counsellor")),
                  ("deadline", a.t("meeting.col.deadline"))], screen,
         title=a.t("meeting.agenda_title"))


def register(root: typer.Typer) -> None:
    root.command("agenda", help=H("help.agenda"), epilog=example("agenda"))(agenda)
