"""``rusenhet stats ...``: internal figures for the unit, and published tables."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit
from rusenhet.stats import internal
from rusenhet.stats.periods import Period, PeriodKind, parse_period
from rusenhet.vault import Vault

app = new_app("help.stats_group")

ByOpt = Annotated[list[str] | None, typer.Option("--by", help=H("help.opt.stats_by"))]


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.0f} %"


def _label(a: AppContext, dim: internal.Dimension, code: str) -> str:
    key = f"stats.value.{dim.value}.{code}"
    text = a.t(key)
    return code if text == key else text


def _row(cell: internal.Cell, fmt: Format, split: bool) -> dict[str, Any]:
    as_json = fmt is Format.JSON
    return {
        "referrals": cell.referrals if split else None,
        "repeat_referrals": cell.repeat_referrals if split else None,
        "meetings": cell.meetings, "no_shows": cell.no_shows,
        "attendance_rate": cell.attendance_rate if as_json else _pct(cell.attendance_rate),
        "within_deadline": cell.within_deadline_share if as_json
        else _pct(cell.within_deadline_share),
        "median_days": cell.median_days,
    }


def show_internal(a: AppContext, period: Period, by: list[str] | None, fmt: Format,
                  chart: bool = False) -> None:
    show_internal_for(a, a.open_vault(), period, by, fmt, chart)


def show_internal_for(a: AppContext, vault: Vault, period: Period, by: list[str] | None,
                      fmt: Format, chart: bool = False) -> None:
    dims = internal.parse_dimensions(by or [])
    table = internal.operational(vault, period, dims)
    stamp = a.t("stats.internal_stamp")
    columns = [(d.value, a.t(f"stats.dim.{d.value}")) for d in dims]
    columns += [(key, a.t(f"stats.col.{key}")) for key in (
        "referrals", "repeat_referrals", "meetings", "no_shows", "attendance_rate",
        "within_deadline", "median_days")]
    rows = []
    for key, cell in table.rows:
        row = {d.value: (code if fmt is Format.JSON else _label(a, d, code))
               for d, code in zip(dims, key, strict=True)}
        rows.append({**row, **_row(cell, fmt, not table.referrals_not_split)})
    total = {d.value: a.t("stats.total") for d in dims}
    rows.append({**total, **_row(table.total, fmt, True)})
    notes = [a.t("stats.note.median", n=internal.MEDIAN_MIN_PERSONS)]
    if table.referrals_not_split:
        notes.append(a.t("stats.note.referrals_not_split"))
    if any(d in internal.MULTI_VALUED for d in dims):
        notes.append(a.t("stats.note.multi_valued"))
    title = a.t("stats.internal_title", period=period.label)
    emit(a, fmt, columns, rows, title=title, stamp=stamp,
         json_root={"period": period.label, "dimensions": [d.value for d in dims],
                    "notes": notes})
    if fmt is not Format.JSON:
        for note in notes:
            a.info(note)
    if chart and fmt is Format.TABLE:
        _chart(a, table.monthly)


def _chart(a: AppContext, monthly: tuple[tuple[str, int, int], ...]) -> None:
    """A terminal bar chart of the monthly trend: referrals (█) and meetings held (▒)."""
    peak = max([1, *(max(r, m) for _, r, m in monthly)])
    width = 30
    a.say(a.t("stats.chart_title"))
    for month, referrals, meetings in monthly:
        bar_r = "█" * round(width * referrals / peak)
        bar_m = "▒" * round(width * meetings / peak)
        a.out.print(Text(f"{month}  {bar_r:<{width}} {referrals:>3}  {bar_m:<{width}} "
                         f"{meetings:>3}"))
    a.say(a.t("stats.chart_legend"))


@app.command("month", help=H("help.stats.month"))
def month(ctx: typer.Context, period: Annotated[str, typer.Argument(metavar="YYYY-MM")],
          by: ByOpt = None, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    show_internal(a, parse_period(period, PeriodKind.MONTH), by, choose(fmt, as_json))


@app.command("quarter", help=H("help.stats.quarter"))
def quarter(ctx: typer.Context, period: Annotated[str, typer.Argument(metavar="YYYY-Qn")],
            by: ByOpt = None, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    show_internal(a, parse_period(period, PeriodKind.QUARTER), by, choose(fmt, as_json))


@app.command("year", help=H("help.stats.year"))
def year(ctx: typer.Context, period: Annotated[str, typer.Argument(metavar="YYYY")],
         by: ByOpt = None, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    show_internal(a, parse_period(period, PeriodKind.YEAR), by, choose(fmt, as_json),
                  chart=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="stats", help=H("help.stats_group"))
