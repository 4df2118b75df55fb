"""Vault-level commands: init, recovery, rekey."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rusenhet import files, platform, users
from rusenhet.cli.common import H, NewPassphraseFileOpt, app_context
from rusenhet.cli.context import AppContext
from rusenhet.errors import InputError
from rusenhet.vault import Vault, demo_kdf_requested


def _ask(ctx: AppContext, value: str | None, prompt_key: str, option: str) -> str:
    if value is not None:
        return value
    if not platform.stdin_is_terminal():
        raise InputError("input.missing_option", option=option)
    return str(typer.prompt(ctx.t(prompt_key)))


def show_recovery_key(ctx: AppContext, secret: str) -> None:
    ctx.say(ctx.t("init.recovery_heading"))
    ctx.say(f"    {secret}")
    ctx.say(ctx.t("init.recovery_advice"))


def init(
    ctx: typer.Context,
    unit_name: Annotated[str | None, typer.Option("--unit-name", help=H("help.opt.unit_name"))]
    = None,
    kommunenummer: Annotated[str | None, typer.Option(
        "--kommunenummer", help=H("help.opt.kommunenummer"))] = None,
    new_passphrase_file: NewPassphraseFileOpt = None,
) -> None:
    """Create a new vault with you as its first admin."""
    app = app_context(ctx)
    path = app.vault_path
    if path.exists():
        raise InputError("vault.exists", path=str(path))
    unit = _ask(app, unit_name, "prompt.unit_name", "--unit-name")
    kommune = _ask(app, kommunenummer, "prompt.kommunenummer", "--kommunenummer")
    passphrase = app.new_passphrase(new_passphrase_file, for_user=app.user)
    demo = demo_kdf_requested()
    vault, recovery = users.init_vault(path, app.user, passphrase, unit_name=unit,
                                       kommunenummer=kommune, lang=app.lang, demo=demo)
    vault.close()
    app.say(app.t("init.done", path=str(path), user=app.user))
    if demo:
        app.warn(app.t("init.demo_flag"))
    show_recovery_key(app, recovery)


def recover(
    ctx: typer.Context,
    recovery_key_file: Annotated[Path | None, typer.Option(
        "--recovery-key-file", help=H("help.opt.recovery_key_file"))] = None,
    new_passphrase_file: NewPassphraseFileOpt = None,
) -> None:
    """Set a new admin passphrase with the recovery key."""
    app = app_context(ctx)
    if recovery_key_file is not None:
        secret = files.read_secret(recovery_key_file).strip()
    elif platform.stdin_is_terminal():
        secret = str(typer.prompt(app.t("prompt.recovery_key"), hide_input=True, err=True))
    else:
        raise InputError("input.missing_option", option="--recovery-key-file")
    if not app.vault_path.exists():
        raise InputError("vault.missing", path=str(app.vault_path))
    files.check_input_file(app.vault_path)  # a FIFO would block the read
    vault = Vault.open_with_recovery(app.vault_path, secret)
    app.adopt_language(vault)
    passphrase = app.new_passphrase(new_passphrase_file, for_user=app.user)
    new_secret = users.recover(vault, app.user, passphrase)
    app.say(app.t("recover.done", user=app.user))
    show_recovery_key(app, new_secret)


def rekey(ctx: typer.Context) -> None:
    """Rotate all section keys and the admin signing key."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    app = app_context(ctx)
    vault = app.open_vault()
    # New keys are instant; re-encrypting and saving a large vault is what takes time.
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=app.err, transient=True) as progress:
        progress.add_task(app.t("rekey.working"), total=None)
        users.rekey(vault)
    app.say(app.t("rekey.done"))


def register(app: typer.Typer) -> None:
    app.command("init", help=H("help.init"))(init)
    app.command("unlock-with-recovery", help=H("help.recover"))(recover)
    app.command("rekey", help=H("help.rekey"))(rekey)
