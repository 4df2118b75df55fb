"""``rusenhet stats ...``: internal figures for the unit, and published tables."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit, machine
from rusenhet.errors import InputError
from rusenhet.stats import internal
from rusenhet.stats.periods import Period, PeriodKind, parse_period
from rusenhet.vault import Vault

if TYPE_CHECKING:  # imported lazily: disclosure control pulls in SciPy (~0.7 s)
    from rusenhet.stats.publish import Publication

app = new_app("help.stats_group")

ByOpt = Annotated[list[str] | None, typer.Option("--by", help=H("help.opt.stats_by"))]


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.0f} %"


def _label(a: AppContext, dim: internal.Dimension, code: str) -> str:
    for key in (f"stats.short.{dim.value}.{code}", f"stats.value.{dim.value}.{code}"):
        text = a.t(key)  # a short label where one exists: the table must fit 80 columns
        if text != key:
            return text
    return code


def _row(cell: internal.Cell, fmt: Format, split: bool) -> dict[str, Any]:
    as_json = machine(fmt)  # JSON, CSV and Excel: rates as numbers, codes as codes
    return {
        "referrals": cell.referrals if split else None,
        "repeat_referrals": cell.repeat_referrals if split else None,
        "meetings": cell.meetings, "no_shows": cell.no_shows,
        "attendance_rate": cell.attendance_rate if as_json else _pct(cell.attendance_rate),
        "within_deadline": cell.within_deadline_share if as_json
        else _pct(cell.within_deadline_share),
        "median_days": cell.median_days,
        "referrals_made": cell.referrals_made,
        "contact_4w": cell.contact_4w_share if as_json else _pct(cell.contact_4w_share),
        "contact_12w": cell.contact_12w_share if as_json else _pct(cell.contact_12w_share),
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
    followup_cols = ("referrals_made", "contact_4w", "contact_12w")
    if fmt is not Format.TABLE:  # on screen they are a note below, to keep the table narrow
        columns += [(key, a.t(f"stats.col.{key}")) for key in followup_cols]
    rows = []
    for key, cell in table.rows:
        row = {d.value: (code if machine(fmt) else _label(a, d, code))
               for d, code in zip(dims, key, strict=True)}
        rows.append({**row, **_row(cell, fmt, not table.referrals_not_split)})
    total = {d.value: a.t("stats.total") for d in dims}
    rows.append({**total, **_row(table.total, fmt, True)})
    notes = [a.t("stats.note.median", n=internal.MEDIAN_MIN_PERSONS)]
    if table.referrals_not_split:
        notes.append(a.t("stats.note.referrals_not_split"))
    if any(d in internal.MULTI_VALUED for d in dims):
        notes.append(a.t("stats.note.multi_valued"))
    if table.total.referrals_made:
        notes.append(a.t("stats.note.followups", made=table.total.referrals_made,
                         within4=_pct(table.total.contact_4w_share),
                         within12=_pct(table.total.contact_12w_share)))
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


class PublishFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"


def _code_label(a: AppContext, dim: str, code: str, total: str) -> str:
    if code == total:
        return a.t("stats.total")
    key = f"stats.value.{dim.replace('_', '-')}.{code}"
    text = a.t(key)
    return code if text == key else text


def _dim_label(a: AppContext, name: str) -> str:
    return a.t(f"stats.pubdim.{name}")


def render_publication(a: AppContext, pub: Publication, fmt: PublishFormat) -> str:
    """The published tables as CSV, JSON or Markdown, each with its footnote."""
    footnote = a.t("stats.footnote.suppression", t=pub.t, p=pub.p)
    title = a.t("stats.publication_title", period=pub.period.label)
    if fmt is PublishFormat.JSON:
        return json.dumps({
            "schema": "rusenhet.publication/1", "release_id": pub.release_id,
            "period": pub.period.label, "revision_of": pub.revision_of,
            "parameters": {"t": pub.t, "p": pub.p}, "footnote": footnote,
            "symbols": {"suppressed": ":", "structural_zero": "."},
            "tables": [{"name": t.name, "dimensions": [d.name for d in t.dimensions],
                        "cells": [{**{d.name: code for d, code in
                                      zip(t.dimensions, c.codes, strict=True)},
                                   "value": c.value, "symbol": c.text} for c in t.cells]}
                       for t in pub.tables]}, ensure_ascii=False, indent=2) + "\n"
    if fmt is PublishFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["table", "period", "dimension_1", "code_1", "dimension_2", "code_2",
                         "value"])
        for t in pub.tables:
            for c in t.cells:
                pairs = [(d.name, code) for d, code in zip(t.dimensions, c.codes, strict=True)]
                pairs += [("", "")] * (2 - len(pairs))
                writer.writerow([t.name, pub.period.label, *[x for p in pairs for x in p],
                                 c.text])
        writer.writerow([f"# {footnote}"])
        return buffer.getvalue()
    lines = [f"# {title}", ""]
    for t in pub.tables:
        lines += [f"## {a.t(f'stats.table.{t.name}')}", ""]
        by_codes = {c.codes: c.text for c in t.cells}
        if len(t.dimensions) == 1:
            dim = t.dimensions[0]
            lines.append(f"| {_dim_label(a, dim.name)} | {a.t('stats.persons')} |")
            lines.append("|---|---:|")
            for code in dim.codes:
                lines.append(f"| {_code_label(a, dim.name, code, dim.total)} | "
                             f"{by_codes[(code,)]} |")
        else:
            row_dim, col_dim = t.dimensions
            heads = [_code_label(a, col_dim.name, c, col_dim.total) for c in col_dim.codes]
            lines.append(f"| {_dim_label(a, row_dim.name)} | " + " | ".join(heads) + " |")
            lines.append("|---|" + "---:|" * len(heads))
            for code in row_dim.codes:
                cells = [by_codes[(code, c)] for c in col_dim.codes]
                lines.append(f"| {_code_label(a, row_dim.name, code, row_dim.total)} | "
                             + " | ".join(cells) + " |")
        lines += ["", f"*{footnote}*", ""]
    return "\n".join(lines).rstrip() + "\n"


@app.command("publish", help=H("help.stats.publish"))
def publish_cmd(
    ctx: typer.Context, period: Annotated[str, typer.Argument(metavar="YYYY|YYYY-Qn")],
    out: Annotated[Path, typer.Option("--out", help=H("help.opt.out"))],
    fmt: Annotated[PublishFormat, typer.Option("--format", "-f", help=H(
        "help.opt.publish_format"))] = PublishFormat.MARKDOWN,
    force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))] = False,
) -> None:
    from rusenhet import files
    from rusenhet.stats.publish import publish

    a = app_context(ctx)
    vault = a.open_vault()
    files.check_out_path(out, force=force, vault=a.vault_path)  # before the ledger records it
    pub = publish(vault, period)
    files.write_out(out, render_publication(a, pub, fmt).encode("utf-8"), force=force,
                    vault=a.vault_path)
    a.say(a.t("stats.published", period=pub.period.label, path=str(out), persons=pub.persons,
              release=pub.release_id))
    if pub.revision_of:
        a.say(a.t("stats.revised", release=pub.revision_of))
    for other in pub.co_revised:
        a.say(a.t("stats.co_revised", period=other.period.label, release=other.release_id))


@app.command("report", help=H("help.stats.report"))
def report_cmd(
    ctx: typer.Context, year: Annotated[int, typer.Argument(metavar="YYYY")],
    out: Annotated[Path, typer.Option("--out", help=H("help.opt.report_out"))],
    force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))] = False,
) -> None:
    """The annual report (HTML, and PDF beside it) from the published year only."""
    from rusenhet import files
    from rusenhet.stats import report
    from rusenhet.stats.report_charts import bar_chart
    from rusenhet.stats.report_pdf import render_pdf

    a = app_context(ctx)
    vault = a.open_vault()
    pdf_path = out.with_suffix(".pdf")
    for path in (out, pdf_path):  # before anything is recorded in the ledger
        files.check_out_path(path, force=force, vault=a.vault_path)
    built = report.build(vault, year, a.lang)

    def charts(image: str) -> list[bytes]:
        return [bar_chart(a.t(f"report.chart.{c.key}"), c.labels,
                          [f.value for f in c.figures], image=image) for c in built.charts]

    page = report.render_html(built, a.lang, charts("svg"))
    files.write_out(out, page.encode("utf-8"), force=force, vault=a.vault_path)
    files.write_out(pdf_path, render_pdf(built, a.lang, charts("png")), force=force,
                    vault=a.vault_path)
    a.say(a.t("stats.report_written", year=year, html=str(out), pdf=str(pdf_path),
              release=built.release_id))


@app.command("releases", help=H("help.stats.releases"))
def releases(ctx: typer.Context, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False,
             release: Annotated[str | None, typer.Option(
                 "--release", help=H("help.opt.release"))] = None,
             out: Annotated[Path | None, typer.Option("--out", help=H("help.opt.out"))] = None,
             force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))]
             = False) -> None:
    from rusenhet.stats.ledger import ledger, verify_ledger

    a = app_context(ctx)
    vault = a.open_vault()
    count, head = verify_ledger(vault)
    if release is not None:
        _write_release(a, vault, release, out, choose(fmt, as_json), force)
        return
    rows = [{"seq": e.seq, "time": e.time, "user": e.user, "release": e.release_id,
             "period": e.period, "revision_of": e.revision_of, "t": e.t, "p": e.p,
             "snapshot": e.snapshot, "version": e.tool_version} for e in ledger(vault)]
    emit(a, choose(fmt, as_json), [("seq", "#"), ("time", a.t("audit.col.time")),
                                   ("user", a.t("audit.col.user")),
                                   ("release", a.t("stats.col.release")),
                                   ("period", a.t("stats.col.period")),
                                   ("revision_of", a.t("stats.col.revision_of")),
                                   ("t", "t"), ("p", "p"),
                                   ("snapshot", a.t("stats.col.snapshot")),
                                   ("version", a.t("stats.col.version"))], rows,
         json_root={"head": head, "entries": count})
    if choose(fmt, as_json) is not Format.JSON:
        a.info(a.t("stats.ledger_ok", count=count, head=head))


def _write_release(a: AppContext, vault: Vault, release: str, out: Path | None, fmt: Format,
                   force: bool) -> None:
    """Any recorded release, rebuilt from the ledger, in any format (not a new release)."""
    from rusenhet import files, settings
    from rusenhet.people import AgeBands
    from rusenhet.stats import catalogue
    from rusenhet.stats.imported import is_imported
    from rusenhet.stats.ledger import ledger, recorded_tables
    from rusenhet.stats.publish import Publication

    if out is None:
        raise InputError("input.missing_option", option="--out")
    files.check_out_path(out, force=force, vault=a.vault_path)
    entry = next((e for e in ledger(vault) if e.release_id == release and not is_imported(e)),
                 None)
    if entry is None:
        raise InputError("stats.no_release", release=release)
    period = parse_period(entry.period)
    bands = AgeBands.parse(settings.get(vault, "age-bands"))
    dims = {d.name: d for d in catalogue.dimensions(period.year, bands)}
    pub = Publication(entry.release_id, period, recorded_tables(entry, dims), entry.t,
                      entry.p, entry.revision_of, 0)
    kind = PublishFormat.MARKDOWN if fmt is Format.TABLE else PublishFormat(fmt.value)
    files.write_out(out, render_publication(a, pub, kind).encode("utf-8"), force=force,
                    vault=a.vault_path)
    a.say(a.t("stats.release_written", release=release, path=str(out)))


@app.command("import-release", help=H("help.stats.import_release"))
def import_release_cmd(ctx: typer.Context, file: Annotated[Path, typer.Argument(
        metavar="FILE")]) -> None:
    """A national release (JSON) that includes this unit, into the unit's ledger."""
    from rusenhet import files
    from rusenhet.stats.imported import import_release

    a = app_context(ctx)
    vault = a.open_vault()
    release_id, year = import_release(vault, files.read_text(file), file.name)
    a.say(a.t("national.imported", release=release_id, year=year))


@app.command("aggregator-key", help=H("help.stats.aggregator_key"))
def aggregator_key(ctx: typer.Context, out: Annotated[Path, typer.Option(
        "--out", help=H("help.opt.aggregator_private"))],
                   force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))]
                   = False) -> None:
    """For the national aggregator: a key pair; the public half goes to the units."""
    from rusenhet import files
    from rusenhet.stats.national import new_aggregator_key

    a = app_context(ctx)
    public_path = out.with_name(out.name + ".pub")
    for path in (out, public_path):  # refuse before either half is written
        files.check_out_path(path, force=force, vault=a.vault_path)
    private, public = new_aggregator_key()
    files.write_out(out, private.encode("ascii"), force=force, vault=a.vault_path)
    files.write_out(public_path, public.encode("ascii"), force=force, vault=a.vault_path)
    a.say(a.t("national.key_written", private=str(out), public=str(public_path)))


@app.command("export", help=H("help.stats.export"))
def export_cmd(ctx: typer.Context, year: Annotated[int, typer.Argument(metavar="YYYY")],
               recipient_key: Annotated[Path, typer.Option("--recipient-key",
                                                           help=H("help.opt.recipient_key"))],
               out: Annotated[Path, typer.Option("--out", help=H("help.opt.out"))],
               force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))]
               = False) -> None:
    from rusenhet import files
    from rusenhet.stats.national import export

    a = app_context(ctx)
    vault = a.open_vault()
    pem = files.read_text(recipient_key, limit=files.KEY_LIMIT)
    files.check_out_path(out, force=force, vault=a.vault_path)
    text, meta = export(vault, year, pem)
    files.write_out(out, text.encode("ascii"), force=force, vault=a.vault_path)
    a.say(a.t("national.exported", path=str(out), year=year, kommune=meta["kommunenummer"],
              export_id=meta["export_id"]))
    a.warn(a.t("national.personal_data"))


@app.command("combine", help=H("help.stats.combine"))
def combine_cmd(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    key: Annotated[Path, typer.Option("--key", help=H("help.opt.aggregator_private"))],
    publish: Annotated[bool, typer.Option("--publish", help=H("help.opt.combine_publish"))]
    = False,
    out: Annotated[Path | None, typer.Option("--out", help=H("help.opt.out"))] = None,
    fmt: Annotated[PublishFormat, typer.Option("--format", "-f", help=H(
        "help.opt.publish_format"))] = PublishFormat.MARKDOWN,
    force: Annotated[bool, typer.Option("--force", help=H("help.opt.force"))] = False,
    threshold: Annotated[int, typer.Option("--threshold", min=3,
                                           help=H("help.opt.threshold"))] = 4,
) -> None:
    from rusenhet import files as user_files
    from rusenhet.stats import national_history
    from rusenhet.stats.disclosure import Rules
    from rusenhet.stats.national import combine, open_export

    a = app_context(ctx)
    private = user_files.read_text(key, limit=user_files.KEY_LIMIT)
    exports = [open_export(user_files.read_text(f), private, f.name) for f in files]
    if publish and out is None:
        raise InputError("input.missing_option", option="--out")
    if out is not None:
        user_files.check_out_path(out, force=force, vault=a.vault_path)
    ledger_file = national_history.ledger_path(key)
    entries = national_history.load(ledger_file, private)
    earlier = None
    if publish:
        year = exports[0].year if exports else 0
        earlier = national_history.previous(entries, year, [e.kommunenummer for e in exports])
    release = combine(exports, Rules(t=threshold), earlier)
    a.say(a.t("national.combined", units=release.units, persons=release.persons,
              year=release.year))
    if publish and out is not None:
        from datetime import UTC, datetime

        from rusenhet.stats.publish import Publication

        release_id = f"national-{release.year}-{len(entries) + 1}"
        revision_of = str(earlier["release_id"]) if earlier else None
        pub = Publication(release_id, Period(release.year, PeriodKind.YEAR, 0),
                          release.tables, release.t, release.p, revision_of, release.persons)
        updated = national_history.new_entry(entries, private, {
            "time": datetime.now(UTC).isoformat(timespec="seconds"), "year": release.year,
            "release_id": release_id, "units": list(release.kommuner), "t": release.t,
            "p": release.p, "revision_of": revision_of, "figures": release.figures,
            "digests": dict(release.digests)})
        user_files.write_out(out, render_publication(a, pub, fmt).encode("utf-8"),
                             force=force, vault=a.vault_path)
        user_files.write_out(ledger_file, json.dumps(updated, ensure_ascii=False).encode(),
                             force=True, vault=a.vault_path)
        a.say(a.t("national.published", path=str(out)))
        if revision_of:
            a.say(a.t("stats.revised", release=revision_of))
