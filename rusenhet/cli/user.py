"""``rusenhet user ...``: the people who use the vault and their roles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rusenhet import files, platform, users
from rusenhet.cli import choices
from rusenhet.cli.common import H, NewPassphraseFileOpt, app_context, new_app
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit
from rusenhet.errors import InputError
from rusenhet.roles import Role

app = new_app("help.user_group")

RoleOpt = Annotated[Role, choices.option("role", Role, "--role", H("help.opt.role"), H.lang)]


@app.command("add", help=H("help.user.add"))
def add(ctx: typer.Context, name: str, role: RoleOpt,
        new_passphrase_file: NewPassphraseFileOpt = None) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    passphrase = a.new_passphrase(new_passphrase_file, for_user=name)
    users.add_user(vault, name, role, passphrase)
    a.say(a.t("user.added", name=name, role=a.t(f"role.{role.value}")))


@app.command("invite", help=H("help.user.invite"))
def invite(ctx: typer.Context, name: str, role: RoleOpt) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    users.invite(vault, name, role)
    a.say(a.t("user.invited", name=name, role=a.t(f"role.{role.value}")))


@app.command("enrol", help=H("help.user.enrol"))
def enrol(ctx: typer.Context, name: str, out: Annotated[Path | None, typer.Option(
        "--out", help=H("help.opt.enrol_out"))] = None,
        new_passphrase_file: NewPassphraseFileOpt = None) -> None:
    a = app_context(ctx)
    passphrase = a.new_passphrase(new_passphrase_file, for_user=name)
    text, request = users.enrol(a.vault_path, name, passphrase)
    target = out or a.vault_path.with_name(f"{name}.rusenhet-enrol")
    files.write_out(target, text.encode("utf-8"), force=False, vault=a.vault_path)
    a.say(a.t("user.enrolled", path=str(target)))
    a.say(a.t("user.fingerprint", fingerprint=request.fingerprint))


@app.command("approve", help=H("help.user.approve"))
def approve(ctx: typer.Context, request_file: Annotated[Path, typer.Argument(
        metavar="FILE", help=H("help.opt.enrol_file"))],
        fingerprint: Annotated[str | None, typer.Option(
            "--fingerprint", help=H("help.opt.fingerprint"))] = None) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    text = files.read_text(request_file, limit=files.KEY_LIMIT)
    request = users.read_request(vault, text)
    if fingerprint is None:
        if not platform.stdin_is_terminal():
            raise InputError("input.missing_option", option="--fingerprint")
        a.say(a.t("user.compare_fingerprint", name=request.name,
                  fingerprint=request.fingerprint))
        fingerprint = str(typer.prompt(a.t("prompt.fingerprint")))
    name, role, reset = users.approve(vault, text, fingerprint)
    a.say(a.t("user.approved", name=name, role=a.t(f"role.{role.value}")))
    if reset:
        a.say(a.t("user.keys_rotated_reset"))


@app.command("list", help=H("help.user.list"))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    rows = [{"name": u.name, "role": u.role.value if choose(fmt, as_json) == "json"
             else a.t(f"role.{u.role.value}"), "you": u.name == vault.user}
            for u in users.list_users(vault)]
    rows += [{"name": u.name, "role": (u.role.value if choose(fmt, as_json) == "json"
              else a.t(f"role.{u.role.value}")) + a.t("user.invited_suffix"), "you": False}
             for u in users.list_invites(vault)]
    emit(a, choose(fmt, as_json), [("name", a.t("label.name")), ("role", a.t("label.role")),
                                   ("you", a.t("label.you"))], rows)


@app.command("remove", help=H("help.user.remove"))
def remove(ctx: typer.Context, name: str) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    users.remove_user(vault, name)
    a.say(a.t("user.removed", name=name))


@app.command("role", help=H("help.user.role"))
def role(ctx: typer.Context, name: str, new_role: Annotated[Role, typer.Argument(
        metavar=choices.metavar("role", Role, H.lang), help=H("help.opt.role"),
        parser=choices.parser("role", Role, H.lang))]) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    rotated = users.set_role(vault, name, new_role)
    a.say(a.t("user.role_set", name=name, role=a.t(f"role.{new_role.value}")))
    if rotated:
        a.say(a.t("user.keys_rotated"))


@app.command("passwd", help=H("help.user.passwd"))
def passwd(ctx: typer.Context, name: Annotated[str | None, typer.Argument()] = None,
           new_passphrase_file: NewPassphraseFileOpt = None) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    target = name or vault.user
    passphrase = a.new_passphrase(new_passphrase_file, for_user=target)
    reset = users.change_passphrase(vault, target, passphrase)
    a.say(a.t("user.reset" if reset else "user.passwd_done", name=target))
    a.say(a.t("user.keys_rotated_passwd"))
