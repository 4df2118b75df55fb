"""Renderers: one vocabulary for every command (DESIGN §1).

``--format table|plain|json|csv|excel|markdown`` (``--json`` is shorthand). Computation
happens in the domain; these functions only lay out rows that the command already has.

- ``table`` on a terminal: a table that fits 80 columns — dates, numbers and codes never
  wrap or get cut, names and places wrap. When stdout is not a terminal and ``--format``
  was not given, the same rows come out as ``plain``: one tab-separated line per row, no
  header, no box (as ``gh`` does), so ``grep`` and ``cut`` see whole records.
- ``json``, ``csv`` and ``excel`` are for programs: English column ids as headers, codes
  rather than labels, ISO 8601 dates, in every language. ``excel`` is CSV the way Excel
  on Norwegian Windows opens it: UTF-8 with a byte-order mark, ``;`` between fields and a
  decimal comma.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from rusenhet.cli.context import AppContext, startup_language
from rusenhet.i18n import Translator

_H = Translator(startup_language())


class Format(StrEnum):
    TABLE = "table"
    PLAIN = "plain"
    JSON = "json"
    CSV = "csv"
    EXCEL = "excel"
    MARKDOWN = "markdown"


#: Formats read by programs: English ids, codes and ISO dates whatever the language.
MACHINE = (Format.JSON, Format.CSV, Format.EXCEL)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help=_H("help.opt.format"),
                                           metavar="|".join(f.value for f in Format))]
JsonOpt = Annotated[bool, typer.Option("--json", help=_H("help.opt.json"))]
ExcelOpt = Annotated[bool, typer.Option("--excel", help=_H("help.opt.excel"))]
WideOpt = Annotated[bool, typer.Option("--wide", "-w", help=_H("help.opt.wide"))]


def choose(fmt: Format, as_json: bool, excel: bool = False) -> Format:
    return Format.JSON if as_json else Format.EXCEL if excel else fmt


def machine(fmt: Format) -> bool:
    return fmt in MACHINE


def _format_given() -> bool:
    """Whether ``--format`` was typed (a table asked for by name is a table, even piped)."""
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None:
        return False
    try:
        return ctx.get_parameter_source("fmt") is ParameterSource.COMMANDLINE
    except (KeyError, AttributeError):
        return False


def on_screen(ctx: AppContext, fmt: Format) -> Format:
    """``table`` becomes ``plain`` when stdout is not a terminal, unless asked for."""
    if fmt is Format.TABLE and not ctx.out.is_terminal and not _format_given():
        return Format.PLAIN
    return fmt


# Control characters (ESC starts terminal escape sequences, NUL hides what follows) and
# bidirectional controls (U+202E reverses the text after it) in stored text are shown
# as visible escapes, never sent raw to the terminal (issue 16).
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def display_value(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H.%M" if lang == "nb" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y" if lang == "nb" else "%Y-%m-%d")
    if isinstance(value, bool):
        return Translator(lang)("label.yes" if value else "label.no")
    return visible(str(value))


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


def print_json(ctx: AppContext, data: Any) -> None:
    """JSON output: rich indents and colours it on a terminal; into a pipe or a file (a
    program reading it) the same text is written directly, since rich's highlighting
    costs seconds on a large document (2 s for 1,000 referrals)."""
    if ctx.out.is_terminal:
        ctx.out.print_json(data=data)
        return
    ctx.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
_NUMBERISH = re.compile(r"[\d.,:;+\-–/ %()]+")


def _rigid(value: Any) -> bool:
    """Dates, numbers, percentages and short codes are never wrapped or cut in a table."""
    if isinstance(value, date | datetime | int | float):
        return True
    if not isinstance(value, str):
        return False
    return bool(_NUMBERISH.fullmatch(value)) or (len(value) <= 32 and " " not in value.strip())


def _stack(heading: str, width: int) -> str:
    """A heading broken between words to fit ``width`` (never inside a word)."""
    lines: list[str] = []
    for word in heading.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _excel_value(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",")
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_value(value)


def _csv(ctx: AppContext, fmt: Format, columns: Sequence[tuple[str, str]],
         rows: Sequence[dict[str, Any]], stamp: str | None) -> None:
    excel = fmt is Format.EXCEL
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n",
                        delimiter=";" if excel else ",")
    if stamp:
        writer.writerow([f"# {stamp}"])
    writer.writerow([cid for cid, _ in columns])
    for r in rows:
        writer.writerow([_excel_value(r.get(cid)) if excel else
                         ("true" if r.get(cid) is True else "false" if r.get(cid) is False
                          else json_value(r.get(cid))) for cid, _ in columns])
    text = buffer.getvalue()
    ctx.out.file.write(("\ufeff" if excel else "") + text)
    ctx.out.file.flush()


def emit(ctx: AppContext, fmt: Format, columns: Sequence[tuple[str, str]],
         rows: Sequence[dict[str, Any]], *, title: str | None = None,
         stamp: str | None = None, json_root: dict[str, Any] | None = None,
         wide: bool = False) -> None:
    """Print ``rows`` (dicts keyed by column id) in the chosen format (``wide``: a table
    as wide as its columns need, past the terminal's width).

    ``columns`` are (id, heading) pairs; JSON, CSV and Excel use the ids, the others the
    headings. ``stamp`` (e.g. INTERNT – ikke for publisering) is printed in every format."""
    fmt = on_screen(ctx, fmt)
    if fmt is Format.JSON:
        payload: dict[str, Any] = dict(json_root or {})
        if stamp:
            payload["stamp"] = stamp
        payload["rows"] = [{cid: json_value(r.get(cid)) for cid, _ in columns} for r in rows]
        print_json(ctx, payload)
        return
    if fmt in (Format.CSV, Format.EXCEL):
        _csv(ctx, fmt, columns, rows, stamp)
        return
    cells = [[display_value(r.get(cid), ctx.lang) for cid, _ in columns] for r in rows]
    headings = [h for _, h in columns]
    if fmt is Format.PLAIN:
        lines = ([f"# {stamp}"] if stamp else []) + [
            "\t".join(" ".join(c.split()) for c in row) for row in cells]
        if lines:
            ctx.out.file.write("\n".join(lines) + "\n")
            ctx.out.file.flush()
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
    # A light table (a rule under the headings, two spaces between columns) leaves room
    # for eight columns at 80; rigid columns keep their full width, text columns wrap.
    table = Table(title=title, caption=stamp, box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, padding=(0, 1, 0, 0), title_justify="left",
                  caption_justify="left")
    plan: list[tuple[str, bool, int]] = []  # heading, rigid, minimum width
    for index, heading in enumerate(headings):
        values = [r.get(columns[index][0]) for r in rows]
        rigid = bool(rows) and all(v is None or _rigid(v) for v in values)
        widest = max([len(row[index]) for row in cells] or [0])
        longest_word = max((len(w) for w in heading.split()), default=1)
        if rigid:  # whole values; the heading goes on two lines rather than widen it
            plan.append((heading, True, max(widest, longest_word, 1)))
        else:  # wraps between words; only a word longer than 18 is broken
            words = [len(w) for row in cells for w in row[index].split()]
            plan.append((heading, False, min(max([longest_word, 6, *words]), 18)))
    # Text columns give up width (words then fold) before the table passes the screen.
    room = (10_000 if wide else ctx.out.width) - 2 * len(plan)
    texts = [i for i, (_, rigid, _) in enumerate(plan) if not rigid]
    while sum(w for _, _, w in plan) > room and any(plan[i][2] > 6 for i in texts):
        i = max(texts, key=lambda i: plan[i][2])
        plan[i] = (plan[i][0], False, plan[i][2] - 1)
    for heading, rigid, width in plan:
        if rigid:
            table.add_column(_stack(heading, width), no_wrap=True, min_width=width)
        else:
            table.add_column(heading, overflow="fold", ratio=1, min_width=width)
    for row in cells:
        table.add_row(*(Text(c) for c in row))
    with ctx.out.capture() as captured:  # without the padding rich leaves at line ends
        ctx.out.print(table, width=10_000 if wide else None, crop=not wide)
    ctx.out.file.write("".join(line.rstrip() + "\n"
                               for line in captured.get().splitlines()))
    ctx.out.file.flush()


def emit_record(ctx: AppContext, fmt: Format, fields: Sequence[tuple[str, str, Any]], *,
                title: str | None = None) -> None:
    """A single record as key/value pairs: (id, label, value)."""
    if fmt is Format.JSON:
        print_json(ctx, {fid: json_value(v) for fid, _, v in fields})
        return
    t = ctx.t
    if machine(fmt):
        emit(ctx, fmt, [("field", "field"), ("value", "value")],
             [{"field": fid, "value": v} for fid, _, v in fields])
        return
    emit(ctx, fmt, [("field", t("label.field")), ("value", t("label.value"))],
         [{"field": label, "value": display_value(v, ctx.lang)} for _, label, v in fields],
         title=title)
