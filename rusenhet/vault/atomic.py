"""Saving a file so that a crash leaves the old or the new one (DESIGN §2, "Saving
safely")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from rusenhet import platform


def write_atomically(path: Path, data: bytes) -> None:
    """temp file in the same folder → flush + fsync → replace → fsync the folder.

    A crash at any point leaves either the old or the new file (DESIGN §2)."""
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(6)}")
    fd = platform.create_exclusive(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        platform.replace_file(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    platform.fsync_directory(path.parent)


def clean_temp_files(path: Path) -> None:
    """Remove temp files a crashed save left behind. Call only with the lock held: a
    live writer holds the lock for as long as its temp file exists. They hold ciphertext
    only, but they are clutter in a shared folder."""
    for leftover in path.parent.glob(f".{path.name}.tmp-*"):
        try:
            leftover.unlink()
        except OSError:
            continue


