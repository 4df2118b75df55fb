"""``rusenhet unit ...``: the unit's shared settings, kept inside the vault."""

from __future__ import annotations

from typing import Annotated

import typer

from rusenhet import settings
from rusenhet.cli.common import H, app_context, new_app
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose, emit

app = new_app("help.unit_group")


@app.command("show", help=H("help.unit.show"))
def show(ctx: typer.Context, fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    values = settings.read_all(vault)
    rows = [{"key": k, "value": v, "description": a.t(f"unit.key.{k}")}
            for k, v in values.items()]
    emit(a, choose(fmt, as_json), [("key", a.t("label.setting")), ("value", a.t("label.value")),
                                   ("description", a.t("label.description"))], rows)


@app.command("set", help=H("help.unit.set"))
def set_(ctx: typer.Context,
         key: Annotated[str, typer.Argument(help=H("help.opt.setting_key"))],
         value: Annotated[str, typer.Argument(help=H("help.opt.setting_value"))]) -> None:
    a = app_context(ctx)
    vault = a.open_vault()
    stored = settings.set_value(vault, key, value)
    a.say(a.t("unit.set_done", key=key, value=stored))


@app.command("show-key", help=H("help.unit.show_key"))
def show_key(ctx: typer.Context) -> None:
    from rusenhet import crypto, letters

    a = app_context(ctx)
    vault = a.open_vault()
    public = letters.unit_public_key(vault)
    a.out.print(crypto.public_key_pem(public), end="", markup=False, highlight=False)
    a.info(a.t("letter.key_fingerprint", fingerprint=letters.key_fingerprint(public)))
