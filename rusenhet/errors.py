"""One error hierarchy for the whole tool (DESIGN §1).

Domain code raises these; ``rusenhet.cli`` renders them as one line in the user's
language and exits with the class's exit code. Messages are catalogue keys, never
formatted text, so that no domain module needs to know the language. Parameters must
never carry passphrases, keys or personal data beyond what the user typed themselves.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    #: bad input, not found, validation failed (our own checks)
    INPUT = 1
    #: usage error rejected by Typer/Click itself (unknown option, bad choice)
    USAGE = 2
    #: access denied: wrong passphrase, unknown user, role lacks the right
    ACCESS = 3
    #: vault damaged, tampered with, rolled back, or lock not obtained
    VAULT = 4
    #: cancelled by the user (Ctrl-C)
    CANCELLED = 130


class AppError(Exception):
    """Base class: a message key from the catalogue plus its parameters."""

    exit_code: ExitCode = ExitCode.INPUT
    default_key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(self.key)

    def __repr__(self) -> str:  # never leak params into reprs/tracebacks by accident
        return f"{type(self).__name__}({self.key!r})"


class InputError(AppError):
    """Bad input, not found, validation failed."""

    exit_code = ExitCode.INPUT


class AccessDenied(AppError):
    """Wrong passphrase, unknown user or missing right."""

    exit_code = ExitCode.ACCESS
    default_key = "error.access"


class VaultError(AppError):
    """The vault file is damaged, tampered with, rolled back or locked."""

    exit_code = ExitCode.VAULT
    default_key = "error.vault.damaged"


class Cancelled(AppError):
    """The user cancelled (Ctrl-C or declined a confirmation)."""

    exit_code = ExitCode.CANCELLED
    default_key = "error.cancelled"


class SavedButNotDurable(AppError):
    """The new file replaced the old one (the change IS saved), but a later step — the
    folder's fsync that makes the rename survive a power cut — failed. Callers must
    treat the save as done and show this as a warning, never as "nothing saved"."""

    exit_code = ExitCode.OK
    default_key = "save.not_durable"
