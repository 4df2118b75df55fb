"""Backup, verify, restore, and the access log (``rusenhet audit ...``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from rusenhet import audit, files, roles
from rusenhet import backup as backup_mod
from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit
from rusenhet.people import parse_date

OutOpt = Annotated[Path, typer.Option("--out", help=H("help.opt.out"))]
ForceOpt = Annotated[bool, typer.Option("--force", help=H("help.opt.force"))]


def backup(ctx: typer.Context, out: OutOpt, force: ForceOpt = False) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    counter = backup_mod.backup(vault, out, force=force)
    a.say(a.t("backup.done", path=str(out), counter=counter))


def verify(ctx: typer.Context, file: Annotated[Path | None, typer.Argument(
        help=H("help.opt.verify_file"))] = None) -> None:
    a = app_context(ctx)
    if file is not None:
        a.vault_path = file
        vault = backup_mod.open_backup(file, a.user, a.passphrase())
    else:
        vault = a.open_vault()
    report = backup_mod.verify(vault)
    a.say(a.t("verify.ok", counter=report.counter, sections=", ".join(report.sections)))
    if report.access_log is not None:
        a.say(a.t("verify.log", log="access_log", count=report.access_log[0],
                  head=report.access_log[1]))
    a.say(a.t("verify.log", log="stats_log", count=report.stats_log[0],
              head=report.stats_log[1]))


def restore(ctx: typer.Context, file: Annotated[Path, typer.Argument(
        help=H("help.opt.restore_file"))], force: ForceOpt = False) -> None:
    a = app_context(ctx)
    current = a.open_vault()
    files.check_input_file(file)  # a FIFO or device would block the read below
    copy = backup_mod.open_backup(file, a.user, a.passphrase())
    counter = backup_mod.restore(current, copy, force=force)
    a.say(a.t("restore.done", path=str(a.vault_path), counter=counter))


audit_app = new_app("help.audit_group")


@audit_app.command("list", help=H("help.audit.list"))
def audit_list(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option("--person", help=H("help.opt.audit_person"))]
    = None,
    user: Annotated[str | None, typer.Option("--user", help=H("help.opt.audit_user"))] = None,
    since: Annotated[str | None, typer.Option("--since", help=H("help.opt.since"))] = None,
    fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False,
) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    roles.require(vault.role, roles.Right.AUDIT_LIST)
    since_date: date | None = parse_date(since) if since else None
    vault.transact(lambda v: audit.append(v, "audit.list"))
    rows = []
    for log in (False, True):
        for e in audit.entries(vault, stats_log=log):
            if person is not None and e.record_id != person:
                continue
            if user is not None and e.user != user:
                continue
            if since_date is not None and e.time[:10] < since_date.isoformat():
                continue
            rows.append({"log": "stats" if log else "case", "seq": e.seq, "time": e.time,
                         "user": e.user, "action": e.action, "record": e.record_id})
    emit(a, choose(fmt, as_json), [("log", a.t("audit.col.log")), ("seq", "#"),
                                   ("time", a.t("audit.col.time")),
                                   ("user", a.t("audit.col.user")),
                                   ("action", a.t("audit.col.action")),
                                   ("record", a.t("audit.col.record"))], rows)


@audit_app.command("verify", help=H("help.audit.verify"))
def audit_verify(ctx: typer.Context) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    if vault.case_conn is not None:
        count, head = audit.verify(vault)
        a.say(a.t("verify.log", log="access_log", count=count, head=head))
    count, head = audit.verify(vault, stats_log=True)
    a.say(a.t("verify.log", log="stats_log", count=count, head=head))


def register(app: typer.Typer) -> None:
    app.command("backup", help=H("help.backup"))(backup)
    app.command("verify", help=H("help.verify"))(verify)
    app.command("restore", help=H("help.restore"))(restore)
    app.add_typer(audit_app, name="audit", help=H("help.audit_group"))
