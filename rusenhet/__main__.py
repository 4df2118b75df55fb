"""``python -m rusenhet`` and the ``rusenhet`` command.

Ctrl-C while Python is still importing typer, rich and cryptography (the first few
tenths of a second) would print a KeyboardInterrupt traceback: until
:func:`rusenhet.cli.app.main` takes over, a minimal handler prints one line and exits
130 (issue 16). It runs before anything is read or written, so nothing can be lost."""

from __future__ import annotations

# The built-in _signal, not signal: importing signal builds enums and takes long enough
# for a Ctrl-C to land inside it. os and sys are loaded by the interpreter already.
import _signal  # type: ignore[import-not-found,unused-ignore]
import os
import sys


def _cancelled_early(signum: int, frame: object) -> None:
    english = "en" in (os.environ.get("RUSENHET_LANG", "").lower()[:2],
                       *(a.removeprefix("--lang=")[:2] for a in sys.argv[1:]))
    os.write(2, b"Cancelled.\n" if english else b"Avbrutt.\n")
    os._exit(130)


def run() -> None:
    _signal.signal(_signal.SIGINT, _cancelled_early)
    from rusenhet.cli.app import main

    main()


if __name__ == "__main__":
    run()
