"""``rusenhet referral import FILE [--dry-run]``: a unit's existing register from a CSV
file (the domain is :mod:`rusenhet.referral_import`; this module only shows progress,
the problems as ``file:line: message`` and the summary)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rusenhet.cli.cases import open_for_cases
from rusenhet.cli.common import H, app_context
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import display_value
from rusenhet.errors import InputError
from rusenhet.vault import Vault

if TYPE_CHECKING:
    from rusenhet.referral_import import Outcome

#: Files larger than this get a progress bar (on a terminal; about 1,500 rows).
PROGRESS_FROM_BYTES = 256 * 1024


def _run(a: AppContext, vault: Vault, path: Path, dry_run: bool) -> Outcome:
    from rusenhet import referral_import  # loaded by this command only

    size = path.stat().st_size if path.is_file() else 0
    if not a.err.is_terminal or size < PROGRESS_FROM_BYTES:
        return referral_import.import_file(vault, path, dry_run=dry_run)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                  console=a.err, transient=True) as bar:
        task = bar.add_task(a.t("import.progress"), total=size)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return referral_import.import_file(vault, path, dry_run=dry_run, progress=step)


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=H("help.opt.import_file"))],
    dry_run: Annotated[bool, typer.Option("--dry-run", help=H("help.opt.import_dry_run"))]
    = False,
) -> None:
    a = app_context(ctx)
    vault = open_for_cases(a)
    outcome = _run(a, vault, file, dry_run)
    for p in outcome.problems:
        params = {k: display_value(v, a.lang) for k, v in p.params.items()}
        a.say(f"{file}:{p.line}: {a.t(p.key, **params)}")
    if outcome.problems:
        raise InputError("import.problems", count=len(outcome.problems), rows=outcome.rows)
    if dry_run:
        a.say(a.t("import.checked", rows=outcome.rows))
        return
    a.say(a.t("import.done", count=len(outcome.numbers), first=outcome.numbers[0],
              last=outcome.numbers[-1]))
    a.say(a.t("import.summary", repeats=outcome.repeats, meetings=outcome.meetings,
              closed=outcome.closed))


def register(app: typer.Typer) -> None:
    app.command("import", help=H("help.referral.import"))(import_)
