"""``rusenhet script ...``: the interview scripts a counsellor can use, and a checker for
a unit's own scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rusenhet.cli import completion
from rusenhet.cli.cases import ScriptsOpt, load_library, script_dirs
from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, WideOpt, choose, emit
from rusenhet.errors import InputError

app = new_app("help.script_group")


@app.command("list", help=H("help.script.list"))
def list_(ctx: typer.Context, scripts: ScriptsOpt = None, fmt: FormatOpt = Format.TABLE,
          as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    library = load_library(scripts)
    rows = []
    for s in library:
        low, high = s.script.ages
        rows.append({"id": s.id, "version": s.script.version,
                     "title": s.script.title.render(a.lang),
                     "ages": f"{low}–{high}" if high is not None else f"{low}+",
                     "source": a.t("script.bundled") if s.id in library.bundled
                     else a.t("script.own"), "sha256": s.identity.sha256[:12]})
    emit(a, choose(fmt, as_json), [("id", "ID"), ("version", a.t("script.col.version")),
                                   ("title", a.t("script.col.title")),
                                   ("ages", a.t("script.col.ages")),
                                   ("source", a.t("script.col.source")),
                                   ("sha256", "sha256")], rows)


@app.command("show", help=H("help.script.show"))
def show(ctx: typer.Context, script_id: Annotated[str, typer.Argument(
        metavar="ID", autocompletion=completion.script_ids)],
         scripts: ScriptsOpt = None, fmt: FormatOpt = Format.TABLE,
         as_json: JsonOpt = False, wide: WideOpt = False) -> None:
    a = app_context(ctx)
    s = load_library(scripts).get(script_id)
    rows: list[dict[str, Any]] = []
    for position, q in enumerate(s.questions):
        section = s.sections[s.section_of[position]]
        rows.append({
            "section": section.section.title.render(a.lang),
            "module": s.module_of(position) or "", "id": q.id, "type": q.type.value,
            "question": q.prompt.render(a.lang),
            "options": ", ".join(f"{o.code}={o.score}" if o.score is not None else o.code
                                 for o in q.options),
            "show_if": q.show_if.source if q.show_if is not None else ""})
    guards = [{"id": g.id, "module": module or "", "when": g.when.source,
               "require": g.require.source, "message": g.message.render(a.lang)}
              for g, module in s.guards]
    title = f"{s.id} {s.script.version} — {s.script.title.render(a.lang)}"
    columns = [("section", a.t("script.col.section")), ("module", a.t("script.col.module")),
               ("id", "ID"), ("type", a.t("script.col.type")),
               ("question", a.t("script.col.question")),
               ("options", a.t("script.col.options")), ("show_if", "show_if")]
    chosen = choose(fmt, as_json)
    if chosen in (Format.TABLE, Format.MARKDOWN) and not wide:  # 80 columns: the essentials
        columns = [c for c in columns if c[0] in ("id", "question", "options")]
    emit(a, chosen, columns, rows, title=title, wide=wide,
         json_root={"id": s.id, "version": s.script.version, "sha256": s.identity.sha256,
                    "guards": guards if chosen is Format.JSON else []})
    if chosen is not Format.JSON and guards:
        emit(a, chosen, [("id", "ID"), ("module", a.t("script.col.module")),
                         ("when", "when"), ("require", "require"),
                         ("message", a.t("script.col.guard_message"))],
             guards, title=a.t("script.guards_title"), wide=wide)


@app.command("check", help=H("help.script.check"))
def check(ctx: typer.Context, files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help=H("help.opt.script_files"))]) -> None:
    a = app_context(ctx)
    from rusenhet.interview import templates

    missing = [f for f in files if not f.exists()]
    if missing:
        raise InputError("script.missing_file", path=str(missing[0]))
    problems = templates.check(files)
    for problem in problems:
        a.say(problem.render(a.lang))
    if problems:
        raise InputError("script.problems", count=len(problems))
    a.say(a.t("script.ok", count=len(files)))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="script", help=H("help.script_group"))


__all__ = ["register", "script_dirs"]
