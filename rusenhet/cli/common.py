"""Small helpers shared by command modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from rusenhet.cli import clicktext
from rusenhet.cli.context import AppContext, startup_language
from rusenhet.i18n import Translator

H = Translator(startup_language())
clicktext.install()  # Click's own words (Usage:, [required], errors) in the user's language

NewPassphraseFileOpt = Annotated[Path | None, typer.Option(
    "--new-passphrase-file", help=H("help.opt.new_passphrase_file"))]


def example(key: str) -> str:
    """A command's help epilog: one real command line under «Eksempel:» (kept as is)."""
    lines = H(f"help.example.{key}").split("\n")
    return f"{H('help.example.heading')}:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # only when a sub-app is invoked on its own, e.g. in a unit test
        raise RuntimeError("rusenhet context missing")
    return obj


def new_app(help_key: str) -> typer.Typer:
    return typer.Typer(help=H(help_key), no_args_is_help=True, rich_markup_mode=None)


def confirm_cautions(a: AppContext, found: Sequence[tuple[str, Mapping[str, Any]]],
                     yes: bool) -> None:
    """Show each warning; go on only with ``--yes`` or a confirmation at a terminal."""
    from rusenhet import platform
    from rusenhet.cli.render import sentence_value
    from rusenhet.errors import InputError

    for key, params in found:
        a.warn(a.t(key, **{k: sentence_value(v, a.lang) for k, v in params.items()}))
    if not found or yes:
        return
    if not platform.stdin_is_terminal():
        raise InputError("input.confirm_with_yes")
    if not ask_yes_no(a, a.t("input.confirm_prompt")):
        raise InputError("input.not_confirmed")


def ask_yes_no(a: AppContext, question: str) -> bool:
    """``[j/N]`` in bokmål (j, ja, y, yes; n, nei, no; Enter = no), asked until clear."""
    yes = {w.strip() for w in a.t("input.yes_words").split(",")} | {"y", "yes"}
    no = {w.strip() for w in a.t("input.no_words").split(",")} | {"n", "no", ""}
    while True:
        answer = str(typer.prompt(f"{question} {a.t('input.yes_no_hint')}", default="",
                                  show_default=False, err=True)).strip().casefold()
        if answer in yes or answer in no:
            return answer in yes
        a.info(a.t("input.yes_no_again"))
