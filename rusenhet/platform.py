"""Every OS-specific call lives here, behind one small function each.

Municipal counsellors mostly use Windows laptops; CI runs Linux. Each function below is
correct on Windows, macOS and Linux, and the rest of the code base never branches on
the operating system itself.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import ntpath
import os
import socket
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

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
    return os.open(long_path(path), flags, 0o600)


def restrict_to_owner(path: Path) -> None:
    """Owner read/write only. No-op on Windows (see make_private_dir)."""
    if not IS_WINDOWS:
        os.chmod(path, 0o600)


# Windows error codes of a file another process holds open (a reader, the virus scanner,
# the search indexer, an SMB client): ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION,
# ERROR_LOCK_VIOLATION. Linux and macOS SMB clients report the same server status as
# EACCES/EBUSY, so the retry applies whatever the client OS is.
_SHARING_WINERRORS = frozenset({5, 32, 33})
#: how long replace/unlink keep retrying a held file: a reader copying a large vault
#: over a slow SMB link can hold it for many seconds.
SHARING_RETRY_SECONDS = 30.0


def is_sharing_violation(exc: OSError) -> bool:
    """Is this the error a file held open by another process gives?"""
    if getattr(exc, "winerror", None) in _SHARING_WINERRORS:
        return True
    return isinstance(exc, PermissionError) or exc.errno == errno.EBUSY


def _retry_while_shared(action: Callable[[], None], budget: float | None = None) -> None:
    deadline = time.monotonic() + (SHARING_RETRY_SECONDS if budget is None else budget)
    delay = 0.02
    while True:
        try:
            action()
            return
        except OSError as exc:
            if not is_sharing_violation(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def long_path(path: Path) -> Path:
    r"""On Windows, the extended-length form (``\\?\C:\...``) of a long path, so a vault
    deep in a shared folder is not cut off at 260 characters (MAX_PATH)."""
    return Path(extended_length(str(path), windows=IS_WINDOWS))


def extended_length(path: str, *, windows: bool) -> str:
    if not windows or len(path) < 240 or path.startswith("\\\\?\\"):
        return path
    full = ntpath.abspath(path)
    if full.startswith("\\\\"):  # \\server\share\... → \\?\UNC\server\share\...
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def fsync_file(fd: int) -> None:
    """Flush a file to stable storage. On macOS ``fsync`` only hands the data to the
    drive, whose cache may lose it on power loss; ``F_FULLFSYNC`` flushes the cache too
    (Apple's fsync(2) man page). Falls back to fsync where the volume does not support it
    (some network file systems)."""
    full = getattr(fcntl, "F_FULLFSYNC", None) if fcntl is not None else None
    if sys.platform == "darwin" and full is not None and fcntl is not None:
        try:
            fcntl.fcntl(fd, full)
            return
        except OSError:
            pass
    os.fsync(fd)


def fsync_directory(path: Path) -> None:
    """Make a rename durable. POSIX only: Windows cannot open a directory for fsync and
    NTFS journals the rename itself."""
    if IS_WINDOWS:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fsync_file(fd)
    finally:
        os.close(fd)


def replace_file(src: Path, dst: Path) -> None:
    """Atomically move ``src`` over ``dst``.

    ``os.replace`` fails while another process (a reader, a virus scanner, the search
    indexer, another SMB client) holds ``dst`` open; retry with back-off for up to
    :data:`SHARING_RETRY_SECONDS` on every client OS (DESIGN §2, "Saving safely")."""
    _retry_while_shared(lambda: os.replace(long_path(src), long_path(dst)))


def remove_file(path: Path) -> None:
    """Delete ``path`` if it exists, retrying while another process holds it open (on
    Windows a reader of the lock file blocks its deletion)."""
    def unlink() -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(long_path(path))

    _retry_while_shared(unlink)


def keep_mode_and_group(fd: int, existing: Path) -> None:
    """Give the new file behind ``fd`` the permission bits and group of the file it will
    replace, so a vault a unit shares through a POSIX group stays readable to colleagues.
    No-op on Windows (ACLs are inherited from the folder) or when ``existing`` is new."""
    if IS_WINDOWS:
        return
    try:
        st = os.stat(existing)
    except OSError:
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o777)
    with contextlib.suppress(OSError):  # not a member of that group: keep our own
        os.fchown(fd, -1, st.st_gid)


def process_alive(pid: int) -> bool:
    """Is a process with this pid running on this host? (Only for locks this host wrote.)"""
    if pid <= 0:
        return False
    if IS_WINDOWS:
        import ctypes

        return windows_process_alive(pid, ctypes.windll.kernel32)  # type: ignore[attr-defined,unused-ignore]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def windows_process_alive(pid: int, kernel32: Any) -> bool:
    """OpenProcess + GetExitCodeProcess (Win32 API): a pid that cannot be opened because
    it does not exist is dead; one we may not open (another user's) is alive; an opened
    one is alive while its exit code is STILL_ACTIVE."""
    import ctypes

    process_query_limited_information, still_active = 0x1000, 259
    error_access_denied = 5
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return bool(kernel32.GetLastError() == error_access_denied)
    try:
        code = ctypes.c_ulong(0)
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True  # cannot tell: let the heartbeat decide
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


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

