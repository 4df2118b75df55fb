"""The context object that travels in ``ctx.obj``, and everything that reads secrets
from the user: passphrases from a hidden prompt, a file or the environment."""

from __future__ import annotations

import os
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from rusenhet import files, platform
from rusenhet.errors import InputError
from rusenhet.i18n import DEFAULT_LANGUAGE, Translator, normalise_language
from rusenhet.vault import Vault
from rusenhet.vault import memory as state


def startup_language() -> str:
    """Language for help texts, which Typer needs before any option is parsed."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalise_language(argv[i + 1]) or DEFAULT_LANGUAGE
        if arg.startswith("--lang="):
            return normalise_language(arg.split("=", 1)[1]) or DEFAULT_LANGUAGE
    return normalise_language(os.environ.get("RUSENHET_LANG")) or DEFAULT_LANGUAGE


def _read_secret_file(path: Path) -> str:
    # Read before any unlock attempt: a file we cannot read or decode is bad input
    # (exit 1), never counted as a failed login.
    return files.read_secret(path)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class AppContext:
    vault_path: Path
    user: str
    lang_explicit: str | None
    passphrase_file: Path | None
    lang: str = DEFAULT_LANGUAGE
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False,
                                                         soft_wrap=True))

    #: vaults this command opened; their warnings are printed when it ends
    vaults: list[Vault] = field(default_factory=list)

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    def report_warnings(self) -> None:
        """Things that went wrong after a change was saved (it stays saved)."""
        for vault in self.vaults:
            for key, params in vault.warnings:
                self.warn(self.t(key, **params))
            vault.warnings.clear()

    def passphrase(self) -> str:
        if self.passphrase_file is not None:
            return _nfc(_read_secret_file(self.passphrase_file))
        env_file = os.environ.get("RUSENHET_PASSPHRASE_FILE")
        if env_file:
            return _nfc(_read_secret_file(Path(env_file)))
        env = os.environ.get("RUSENHET_PASSPHRASE")
        if env is not None:
            return _nfc(env)
        if not platform.stdin_is_terminal():
            raise InputError("passphrase.missing")
        return _nfc(typer.prompt(self.t("prompt.passphrase", user=self.user), hide_input=True,
                                 err=True))

    def new_passphrase(self, file: Path | None, *, for_user: str) -> str:
        if file is not None:
            return _nfc(_read_secret_file(file))
        if not platform.stdin_is_terminal():
            raise InputError("passphrase.new_missing")
        first = typer.prompt(self.t("prompt.new_passphrase", user=for_user), hide_input=True,
                             err=True)
        second = typer.prompt(self.t("prompt.repeat_passphrase"), hide_input=True, err=True)
        if first != second:
            raise InputError("passphrase.mismatch")
        return _nfc(first)

    def open_vault(self) -> Vault:
        if not self.vault_path.exists():
            raise InputError("vault.missing", path=str(self.vault_path))
        if self.vault_path.is_dir():
            raise InputError("vault.not_a_file", path=str(self.vault_path))
        files.check_input_file(self.vault_path)
        vault = Vault.open(self.vault_path, self.user, self.passphrase())
        self.adopt_language(vault)
        self.vaults.append(vault)
        failed = state.take_failed_unlocks(vault.vault_id, self.user)
        if failed:
            key = "login.failed_attempt" if failed == 1 else "login.failed_attempts"
            self.warn(self.t(key, count=failed))
        return vault

    def adopt_language(self, vault: Vault) -> None:
        if self.lang_explicit is None:
            self.lang = normalise_language(str(vault.header.get("lang"))) or self.lang

    def warn(self, text: str) -> None:
        self.err.print(Text.assemble((self.t("label.warning"), "yellow"), ": ", text))

    def info(self, text: str) -> None:
        self.err.print(Text(text))

    def say(self, text: str) -> None:
        self.out.print(Text(text))
