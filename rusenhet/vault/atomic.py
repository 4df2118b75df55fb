"""Saving a file so that a crash leaves the old or the new one (DESIGN §2, "Saving
safely")."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from rusenhet import platform
from rusenhet.errors import SavedButNotDurable


def temp_prefix(path: Path) -> str:
    # Short and of fixed length whatever the vault's name, so a vault deep in a shared
    # folder does not push its temp file past the path length limit; the hash keeps the
    # temp files of two vaults in one folder apart.
    return ".rt" + hashlib.sha256(path.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def write_atomically(path: Path, data: bytes, *, keep_mode: bool = True,
                     guard: Callable[[], None] | None = None) -> None:
    """temp file in the same folder → write + fsync → replace → fsync the folder.

    A crash at any point leaves either the old or the new file. ``keep_mode`` gives the
    new file the mode and group of the one it replaces (a vault shared through a POSIX
    group stays readable to colleagues); otherwise it is owner-only. ``guard`` runs just
    before the replace (the vault lock's ``verify_held``).

    Raises :class:`SavedButNotDurable` when the replace happened but the folder's fsync
    failed: the new file is in place and must be reported as saved."""
    tmp = path.with_name(f"{temp_prefix(path)}{secrets.token_hex(4)}.tmp")
    fd = platform.create_exclusive(tmp)
    try:
        try:
            if keep_mode:
                platform.keep_mode_and_group(fd, path)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            platform.fsync_file(fd)
        finally:
            os.close(fd)
        if guard is not None:
            guard()
        platform.replace_file(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            platform.remove_file(tmp)
        raise
    try:
        platform.fsync_directory(path.parent)
    except OSError as exc:
        raise SavedButNotDurable("save.not_durable", path=str(path),
                                 reason=exc.strerror or type(exc).__name__) from exc


def clean_temp_files(path: Path) -> None:
    """Remove temp files a crashed save left behind. Call only with the lock held: a
    live writer holds the lock for as long as its temp file exists. They hold ciphertext
    only, but they are clutter in a shared folder."""
    for pattern in (f"{temp_prefix(path)}*.tmp", f".{path.name}.tmp-*"):  # new, old names
        for leftover in path.parent.glob(pattern):
            try:
                leftover.unlink()
            except OSError:
                continue


def landed(path: Path, raw: bytes) -> bool:
    """After a failed save: did the new bytes land anyway (the replace happened and a
    later step failed)?"""
    try:
        return path.read_bytes() == raw
    except OSError:
        return False
