"""The ``rusenhet`` command: global options, the one error handler, and registration
of the command groups (one module per group)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rusenhet import __version__, platform
from rusenhet.cli.context import AppContext, startup_language
from rusenhet.errors import AppError, ExitCode, SavedButNotDurable
from rusenhet.i18n import Translator, normalise_language

H = Translator(startup_language())


def _translator(ctx: typer.Context | None) -> Translator:
    obj = ctx.find_object(AppContext) if ctx is not None else None
    return obj.t if obj is not None else H


def report_error(ctx: typer.Context | None, exc: AppError) -> None:
    t = _translator(ctx)
    # Parameters may be nested messages (interview problems): render them first.
    params = {k: v.render(t.lang) if hasattr(v, "render") else v for k, v in exc.params.items()}
    detail = getattr(exc, "problems", ())
    message = f"{t('label.error')}: {t(exc.key, **params)}"
    if detail:
        message += " " + "; ".join(p.render(t.lang) for p in detail)
    typer.echo(message, err=True)


class RusenhetGroup(TyperGroup):
    """Maps every exception to one line and a documented exit code (DESIGN §1)."""

    #: The counsellor's commands first in the help (issue 12); the others after them.
    FIRST = ("agenda", "referral", "meeting", "letter", "confirm", "person", "script", "stats")

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: self.FIRST.index(n) if n in self.FIRST
                      else len(self.FIRST))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SavedButNotDurable as exc:
            # The rename happened: the change is saved. Say so, as a warning, exit 0.
            t = _translator(ctx)
            typer.echo(f"{t('label.warning')}: {t(exc.key, **exc.params)}", err=True)
            raise typer.Exit(int(ExitCode.OK)) from None
        except AppError as exc:
            report_error(ctx, exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except (KeyboardInterrupt, typer.Abort):
            typer.echo(_translator(ctx)("error.cancelled"), err=True)
            raise typer.Exit(int(ExitCode.CANCELLED)) from None
        except Exception as exc:
            if type(exc).__module__.startswith(("typer", "click")):
                raise  # usage errors (exit 2) and Exit are Typer's own business
            # Never a traceback with locals (passphrases, keys, decrypted rows). With
            # RUSENHET_DEBUG=1 the bare stack is shown: code lines, no variable values.
            if os.environ.get("RUSENHET_DEBUG") == "1":
                import traceback

                traceback.print_exception(type(exc), value=None, tb=exc.__traceback__,
                                          file=sys.stderr)
            typer.echo(f"{_translator(ctx)('label.error')}: "
                       f"{_translator(ctx)('error.internal', kind=type(exc).__name__)}",
                       err=True)
            raise typer.Exit(int(ExitCode.INPUT)) from None


app = typer.Typer(cls=RusenhetGroup, pretty_exceptions_show_locals=False,
                  pretty_exceptions_enable=False, no_args_is_help=True,
                  help=H("help.app"), rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rusenhet {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    vault: Annotated[Path | None, typer.Option("--vault", envvar="RUSENHET_VAULT",
                                               help=H("help.opt.vault"))] = None,
    user: Annotated[str | None, typer.Option("--user", envvar="RUSENHET_USER",
                                             help=H("help.opt.user"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", envvar="RUSENHET_LANG",
                                             help=H("help.opt.lang"))] = None,
    passphrase_file: Annotated[Path | None, typer.Option(
        "--passphrase-file", help=H("help.opt.passphrase_file"))] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=H("help.opt.version"))] = False,
) -> None:
    explicit = normalise_language(lang) if lang else None
    if lang and explicit is None:
        raise typer.BadParameter(H("error.bad_language", value=lang), param_hint="--lang")
    obj = AppContext(vault_path=vault or platform.default_vault_path(),
                     user=user or platform.login_name(), lang_explicit=explicit,
                     passphrase_file=passphrase_file, lang=explicit or H.lang)
    ctx.obj = obj
    ctx.call_on_close(obj.report_warnings)


def _register() -> None:
    from rusenhet.cli import (
        demo,
        letters,
        maintenance,
        meeting,
        referral,
        script,
        stats,
        unit,
        user,
        vaultcmd,
    )

    vaultcmd.register(app)
    maintenance.register(app)
    app.add_typer(user.app, name="user", help=H("help.user_group"))
    app.add_typer(unit.app, name="unit", help=H("help.unit_group"))
    referral.register()
    app.add_typer(referral.app, name="referral", help=H("help.referral_group"))
    meeting.register(app)
    script.register(app)
    letters.register(app)
    stats.register(app)
    demo.register(app)


_register()


def _argv_problem(argv: list[str]) -> str | None:
    """An argument the OS could not decode as UTF-8 (Python keeps such bytes as lone
    surrogates, which fail deep inside later): shown escaped, refused at once."""
    for arg in argv:
        if any("\udc80" <= c <= "\udcff" for c in arg):
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def main() -> None:
    """Entry point. Ctrl-C at any moment is exit 130 with one line: until here
    ``rusenhet.__main__`` answers it; from here Python's KeyboardInterrupt does, caught
    below and in :class:`RusenhetGroup`; after the command, it is ignored so that a
    finished command's exit status stays true."""
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        platform.configure_console()
        bad = _argv_problem(sys.argv[1:])
        if bad is not None:
            typer.echo(f"{H('label.error')}: {H('io.bad_argument', value=bad[:80])}", err=True)
            sys.exit(int(ExitCode.INPUT))
        app(prog_name="rusenhet")
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        typer.echo(H("error.cancelled"), err=True)
        sys.exit(int(ExitCode.CANCELLED))
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
