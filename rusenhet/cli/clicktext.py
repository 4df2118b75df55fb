"""Click's own words in the user's language: help headings, ``[required]``, usage errors.

Typer 0.29 bundles its own copy of Click (``typer._click``) whose texts are English
literals, not gettext calls, so there is nothing to hand a catalogue to. Instead this
module (1) gives every context a help formatter that translates headings, the usage
prefix, the help option's text, ``[required]``/``[default: …]`` and Typer's type-name
placeholders (``<str>``, ``<list[str]>``, ``<int range>``) *before* the text is wrapped,
and (2) passes every line Click's exceptions print through the same table of patterns.
The texts are in the catalogues under ``click.*``; the patterns below match the English
texts of typer 0.29's Click and its pydantic coercion messages. A test runs every
command's help and a set of usage errors in bokmål and fails on any English Click word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import typer._click.core as click_core
import typer._click.exceptions as click_exceptions
from typer._click.formatting import HelpFormatter

from rusenhet.cli.context import startup_language
from rusenhet.i18n import Translator, catalogue

#: (English pattern, catalogue key). Groups are passed to the message as {0}, {1}, ….
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^Error: ", "click.error_prefix"),
    (r"Try '(.+?)' for help\.", "click.try_help"),
    (r"Invalid value for (.+?): ", "click.invalid_value_for"),
    (r"^Invalid value: ", "click.invalid_value"),
    (r"Missing argument '(.+?)'\.", "click.missing_argument"),
    (r"Missing option '(.+?)'\.", "click.missing_option"),
    (r"Missing parameter: (\S+)", "click.missing_parameter"),
    (r"No such option: (\S+)", "click.no_such_option"),
    (r"\(Possible options: (.+?)\)", "click.possible_options"),
    (r"Did you mean (.+?)\?", "click.did_you_mean"),
    (r"No such command '(.+?)'\.", "click.no_such_command"),
    (r"Missing command\.", "click.missing_command"),
    (r"Got unexpected extra argument\(s\) \((.+?)\)", "click.extra_arguments"),
    (r"Option '(.+?)' requires an argument\.", "click.option_needs_value"),
    (r"Option '(.+?)' does not take a value\.", "click.option_takes_no_value"),
    (r"Value error, ", "click.empty"),
    (r"'(.+?)' is not one of (.+?)\.$", "click.not_one_of"),
    (r"Input should be less than or equal to (\S+)", "click.at_most"),
    (r"Input should be greater than or equal to (\S+)", "click.at_least"),
    (r"Input should be a valid integer(, unable to parse string as an integer)?",
     "click.not_integer"),
    (r"Input should be a valid number(, unable to parse string as a number)?",
     "click.not_number"),
    (r"Value '(.+?)' is not a valid (\w+)\.", "click.not_valid"),
    (r"^Aborted!$", "click.aborted"),
    (r"Show this message and exit\.", "click.help_option"),
    (r"\[required\]", "click.required"),
    (r"\[default: ", "click.default"),
    (r"env var: ", "click.env_var"),
    (r"^Usage: ", "click.usage"),
    (r"Install completion for the current shell\.", "click.install_completion"),
    (r"Show completion for the current shell, to copy it or customize the installation\.",
     "click.show_completion"),
)
_COMPILED = tuple((re.compile(p, re.MULTILINE), key) for p, key in _PATTERNS)
_HEADINGS = {"Options": "click.options", "Arguments": "click.arguments",
             "Commands": "click.commands"}
#: Typer's placeholders named after Python types, and the catalogue word for each.
_TYPE_PLACEHOLDER = re.compile(r"<(?:list\[)?(\w+)(?: range)?\]?>")
_TYPE_WORDS = {"str": "metavar.text", "int": "metavar.number", "float": "metavar.number",
               "path": "metavar.file", "Path": "metavar.file", "file": "metavar.file",
               "directory": "metavar.folder", "datetime": "metavar.date"}


def _t() -> Translator:
    return Translator(startup_language())


def translate(text: str, t: Translator | None = None) -> str:
    """Click's English phrases in ``text`` in the user's language (unchanged in English)."""
    t = t or _t()
    if t.lang == "en":
        return text
    words = catalogue(t.lang)
    for pattern, key in _COMPILED:
        message = words.get(key, key)

        def local(m: re.Match[str], message: str = message) -> str:
            return message.format(*(g or "" for g in m.groups()))

        text = pattern.sub(local, text)
    return text


#: Options whose value has a better name than its type (``--lang SPRÅK``, not ``TEKST``).
_OPTION_WORDS = {"--lang": "metavar.language", "--user": "metavar.user",
                 "--counsellor": "metavar.user", "--days": "metavar.number",
                 "--key": "metavar.file", "--out": "metavar.file", "--reason": "metavar.text"}


def placeholder(term: str, t: Translator | None = None) -> str:
    """``--name <str>`` → ``--name TEKST``; ``HENVISNING <str>`` → ``HENVISNING``."""
    t = t or _t()
    named = re.match(r"^(\s*[^\s<-][^\s<]*) <[^>]+>$", term)  # an argument: drop the type
    if named:
        return named.group(1)
    option = re.match(r"^(?:-\w, )?(--[\w-]+) <[^>]+>$", term)
    if option and option.group(1) in _OPTION_WORDS:
        return term[:term.index(" <")] + " " + t(_OPTION_WORDS[option.group(1)])
    return _TYPE_PLACEHOLDER.sub(lambda m: t(_TYPE_WORDS.get(m.group(1), "metavar.value")),
                                 term)


class LocalHelpFormatter(HelpFormatter):
    """Click's help formatter, speaking the user's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        t = _t()
        args = re.sub(r"\{([^{}]+)\}", r"\1", placeholder(args, t))
        args = args.replace("[OPTIONS]", t("click.options_metavar")).replace(
            "COMMAND [ARGS]...", t("click.command_metavar"))
        super().write_usage(prog, args, prefix=t("click.usage") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        key = _HEADINGS.get(heading)
        super().write_heading(_t()(key) if key else heading)

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        t = _t()
        super().write_dl([(placeholder(a, t), translate(b, t)) for a, b in rows],
                         col_max=col_max, col_spacing=col_spacing)


def _command_key(ctx: click_core.Context) -> str:
    """``rusenhet meeting no-show`` → ``meeting_no_show`` (the root is ``rusenhet``)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return "_".join(reversed(names)).replace("-", "_") or "rusenhet"


def fill_in(command: click_core.Command, ctx: click_core.Context) -> None:
    """What every command's help has, from the catalogue where the command left it out:
    an example (``help.example.<command>``) and a description and placeholder for each
    argument (``help.arg.<name>``, ``metavar.<name>``)."""
    t = _t()
    words = catalogue(t.lang)
    key = _command_key(ctx)
    if not command.epilog and f"help.example.{key}" in words:
        lines = words[f"help.example.{key}"].split("\n")
        command.epilog = f"{t('help.example.heading')}:\n\n\b\n" + "\n".join(
            f"  {line}" for line in lines)
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        if not getattr(param, "help", None) and f"help.arg.{param.name}" in words:
            param.help = words[f"help.arg.{param.name}"]  # type: ignore[attr-defined]
        if param.metavar is None and f"metavar.{param.name}" in words:
            param.metavar = words[f"metavar.{param.name}"]


def _filling(format_help: Callable[..., Any]) -> Callable[..., Any]:
    def local_format_help(self: click_core.Command, ctx: click_core.Context,
                          formatter: Any) -> Any:
        fill_in(self, ctx)
        return format_help(self, ctx, formatter)

    return local_format_help


def _translating(echo: Callable[..., Any]) -> Callable[..., Any]:
    def local_echo(message: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(message, str):
            message = translate(message)
        return echo(message, *args, **kwargs)

    return local_echo


_installed: list[bool] = []


def install() -> None:
    """Once per process, before any help or usage error is printed."""
    if _installed:
        return
    _installed.append(True)
    click_core.Context.formatter_class = LocalHelpFormatter
    click_core.Command.format_help = _filling(click_core.Command.format_help)  # type: ignore[method-assign]
    click_exceptions.echo = _translating(click_exceptions.echo)  # type: ignore[attr-defined]
