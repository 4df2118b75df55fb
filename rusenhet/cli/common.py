"""Small helpers shared by command modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rusenhet.cli.context import AppContext, startup_language
from rusenhet.i18n import Translator

H = Translator(startup_language())

NewPassphraseFileOpt = Annotated[Path | None, typer.Option(
    "--new-passphrase-file", help=H("help.opt.new_passphrase_file"))]


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # only when a sub-app is invoked on its own, e.g. in a unit test
        raise RuntimeError("rusenhet context missing")
    return obj


def new_app(help_key: str) -> typer.Typer:
    return typer.Typer(help=H(help_key), no_args_is_help=True, rich_markup_mode=None)
