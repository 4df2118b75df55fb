"""Bokmål throughout: every command's help and Click's own usage errors, with no English
word of Click's vocabulary and no Python type name as a placeholder."""

from __future__ import annotations

import re

import pytest
import typer
from conftest import Env
from typer.testing import CliRunner

from rusenhet.cli.app import app

CLICK_ENGLISH = re.compile(
    r"Usage:|\bOptions\b|\bArguments\b|\bCommands\b|Show this message|\[required\]|"
    r"\[default:|\bError\b|Try '|Invalid value|\bMissing\b|No such|Aborted|not one of|"
    r"Input should|Value error|env var|Did you mean|Possible options|unexpected extra|"
    r"Install completion|Show completion|\[OPTIONS\]|COMMAND \[ARGS\]|"
    r"<(?:str|int|float|path|Path|bool|list\[[^\]]*\]|int range|datetime)>")


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(group: object, prefix: list[str]) -> None:
        for name, cmd in getattr(group, "commands", {}).items():
            paths.append([*prefix, name])
            walk(cmd, [*prefix, name])

    walk(root, [])
    return paths


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "80"},
                                prog_name="rusenhet")
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "rusenhet")
def test_help_is_bokmal_without_type_names(path: list[str]) -> None:
    code, text = run([*path, "--help"])
    assert code == 0, text
    assert not CLICK_ENGLISH.findall(text), text
    assert "Bruk: rusenhet" in text
    assert "Vis denne hjelpen og avslutt." in text


@pytest.mark.parametrize("args", [
    ["meeting", "book"],                                   # missing argument
    ["meeting", "book", "1"],                              # missing option
    ["referral", "add", "--nope"],                         # unknown option
    ["refferal"],                                          # unknown command
    ["meeting", "show", "1", "2"],                         # extra argument
    ["meeting", "start", "1", "--guardians", "9"],         # out of range
    ["meeting", "start", "1", "--guardians", "to"],        # not an integer
    ["referral", "list", "--status", "gamle"],             # not a choice
    ["referral", "add", "--sex", "gutt"],                  # not a choice
    ["user", "role", "per", "sjef"],                       # argument not a choice
    ["referral", "add", "--name"],                         # option without its value
    ["meeting"],                                           # group without a command
])
def test_usage_errors_are_bokmal(env: Env, args: list[str]) -> None:
    code, text = run(args)
    assert code in (0, 2), text
    assert not CLICK_ENGLISH.findall(text), text
    if code == 2:  # a group without its command shows its help instead of an error
        assert "Feil: " in text or text.startswith("Bruk: rusenhet")


def test_english_is_still_english() -> None:
    result = CliRunner().invoke(app, ["--lang", "en", "meeting", "book"],
                                env={"NO_COLOR": "1", "RUSENHET_LANG": "en"})
    assert result.exit_code == 2
    assert "Error: Missing argument" in result.stdout + result.stderr


def test_glossary_words_that_must_not_appear_in_bokmal() -> None:
    from pathlib import Path

    from rusenhet.i18n import catalogue

    glossary = Path(__file__).parent.parent / "rusenhet" / "locales" / "GLOSSARY.md"
    section = glossary.read_text(encoding="utf-8").split("## Never in the bokmål", 1)[1]
    never = [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]
    assert "booket" in never
    found = [(key, word) for key, text in catalogue("nb").items() for word in never
             if re.search(rf"\b{word}", text) and not key.startswith("help.example.")]
    assert not found


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "rusenhet")
def test_every_help_has_an_example_and_describes_every_argument(path: list[str]) -> None:
    code, text = run([*path, "--help"])
    assert code == 0, text
    assert "Eksempel:" in text, text
    assert "rusenhet " in text.split("Eksempel:", 1)[1]
    if "Argumenter:" in text:
        block = text.split("Argumenter:", 1)[1].split("\n\n", 1)[0]
        lines = block.strip("\n").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("  ") and not line.startswith("   "):  # an argument's term
                described = "  " in line.strip() or (
                    index + 1 < len(lines) and lines[index + 1].startswith("   "))
                assert described, (path, line)


def test_english_help_in_a_process(env: Env) -> None:
    result = env.run_process(["--lang", "en", "meeting", "show", "--help"])
    assert result.exit_code == 0
    assert "Example:\n\n    rusenhet meeting show 12" in result.stdout
    assert "Usage: rusenhet meeting show [OPTIONS] REFERRAL" in result.stdout
