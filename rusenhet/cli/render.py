"""Renderers: one vocabulary for every command (DESIGN §1).

``--format table|json|csv|markdown`` (``--json`` is shorthand). Computation happens in
the domain; these functions only lay out rows that the command already has. JSON dates
are ISO 8601; table dates follow the language (dd.mm.yyyy in nb).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from rusenhet.cli.context import AppContext, startup_language
from rusenhet.i18n import Translator

_H = Translator(startup_language())


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help=_H("help.opt.format"))]
JsonOpt = Annotated[bool, typer.Option("--json", help=_H("help.opt.json"))]


def choose(fmt: Format, as_json: bool) -> Format:
    return Format.JSON if as_json else fmt


def display_value(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M" if lang == "nb" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y" if lang == "nb" else "%Y-%m-%d")
    if isinstance(value, bool):
        return Translator(lang)("label.yes" if value else "label.no")
    return str(value)


def sentence_value(value: Any, lang: str) -> str:
    """A value inside a sentence: ``onsdag 03.07.2024 kl. 10.00``, ``03.07.2024``."""
    from rusenhet import datetext

    if isinstance(value, datetime):
        return datetext.moment(value, lang)
    if isinstance(value, date):
        return datetext.day(value, lang)
    return display_value(value, lang)


def json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def emit(ctx: AppContext, fmt: Format, columns: Sequence[tuple[str, str]],
         rows: Sequence[dict[str, Any]], *, title: str | None = None,
         stamp: str | None = None, json_root: dict[str, Any] | None = None) -> None:
    """Print ``rows`` (dicts keyed by column id) in the chosen format.

    ``columns`` are (id, heading) pairs; JSON uses the ids, the others the headings.
    ``stamp`` (e.g. INTERNT – ikke for publisering) is printed in every format."""
    if fmt is Format.JSON:
        payload: dict[str, Any] = dict(json_root or {})
        if stamp:
            payload["stamp"] = stamp
        payload["rows"] = [{cid: json_value(r.get(cid)) for cid, _ in columns} for r in rows]
        ctx.out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    cells = [[display_value(r.get(cid), ctx.lang) for cid, _ in columns] for r in rows]
    headings = [h for _, h in columns]
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if stamp:
            writer.writerow([f"# {stamp}"])
        writer.writerow(headings)
        writer.writerows(cells)
        ctx.out.print(Text(buffer.getvalue().rstrip("\n")))
        return
    if fmt is Format.MARKDOWN:
        lines = []
        if title:
            lines += [f"## {title}", ""]
        if stamp:
            lines += [f"**{stamp}**", ""]
        lines.append("| " + " | ".join(headings) + " |")
        lines.append("|" + "|".join("---" for _ in headings) + "|")
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        ctx.out.print(Text("\n".join(lines)))
        return
    table = Table(title=title, caption=stamp, show_lines=False)
    for heading in headings:
        table.add_column(heading)
    for row in cells:
        table.add_row(*(Text(c) for c in row))
    ctx.out.print(table)


def emit_record(ctx: AppContext, fmt: Format, fields: Sequence[tuple[str, str, Any]], *,
                title: str | None = None) -> None:
    """A single record as key/value pairs: (id, label, value)."""
    if fmt is Format.JSON:
        ctx.out.print_json(json.dumps({fid: json_value(v) for fid, _, v in fields},
                                      ensure_ascii=False))
        return
    t = ctx.t
    emit(ctx, fmt, [("field", t("label.field")), ("value", t("label.value"))],
         [{"field": label, "value": display_value(v, ctx.lang)} for _, label, v in fields],
         title=title)
