"""Every OS-specific call lives here, behind one small function each.

Municipal counsellors mostly use Windows laptops; CI runs Linux. Each function below is
correct on Windows, macOS and Linux, and the rest of the code base never branches on
the operating system itself.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import sys
import time
from pathlib import Path

import platformdirs

APP_NAME = "rusenhet"
IS_WINDOWS = os.name == "nt"


def default_vault_path() -> Path:
    """The vault a user gets when neither ``--vault`` nor ``RUSENHET_VAULT`` is given."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "rusenhet.vault"


def state_dir() -> Path:
    """Per-user state outside any vault (rollback memory, failed-unlock counts).

    ``RUSENHET_STATE_DIR`` overrides it (tests point it at a temp dir)."""
    override = os.environ.get("RUSENHET_STATE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def demo_dir() -> Path:
    """Where ``rusenhet demo`` puts its own vault; never the default vault's folder."""
    override = os.environ.get("RUSENHET_DEMO_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers and services
        return "admin"


def host_name() -> str:
    return socket.gethostname()


def make_private_dir(path: Path) -> None:
    """Create a folder readable only by its owner (POSIX 0700).

    On Windows, folders under the user profile already inherit an owner-only ACL;
    ``os.chmod`` cannot express ACLs there, so we rely on the profile's inheritance."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def create_exclusive(path: Path) -> int:
    """Open a new file for writing, failing with FileExistsError if it exists.

    O_EXCL is atomic on local disks and on SMB shares, which is what the lock file and
    ``--out`` files rely on. Owner-only permissions on POSIX (see make_private_dir)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, 0o600)


def restrict_to_owner(path: Path) -> None:
    """Owner read/write only. No-op on Windows (see make_private_dir)."""
    if not IS_WINDOWS:
        os.chmod(path, 0o600)


def fsync_directory(path: Path) -> None:
    """Make a rename durable. POSIX only: Windows cannot open a directory for fsync and
    NTFS journals the rename itself."""
    if IS_WINDOWS:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(src: Path, dst: Path, *, attempts: int = 10) -> None:
    """Atomically move ``src`` over ``dst``.

    On Windows ``os.replace`` fails with PermissionError while another process (a reader,
    a virus scanner, the search indexer) holds ``dst`` open; retry with bounded back-off
    (DESIGN §2, "Saving safely")."""
    delay = 0.02
    for attempt in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if not IS_WINDOWS or attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def process_alive(pid: int) -> bool:
    """Best effort: is a process with this pid running on this host?"""
    if pid <= 0:
        return False
    if IS_WINDOWS:
        return True  # no cheap, dependency-free check; the lease time decides instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def configure_console() -> None:
    """Make the console speak UTF-8 so æ, ø, å print on Windows' legacy code pages."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(OSError, ValueError):
                reconfigure(encoding="utf-8", errors="replace")


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_regular_file(path: Path, limit: int) -> bytes:
    """Read a file the user named: only a regular file (a FIFO or device must not hang
    or fill memory) of at most ``limit`` bytes. Raises OSError / ValueError."""
    import stat

    if not stat.S_ISREG(path.stat().st_mode):
        raise ValueError(f"not a regular file: {path}")
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"too large: {path}")
    return data
