"""The lock file beside the vault, held only for one short transaction (DESIGN §2,
"Sharing a vault").

Rules that make it impossible to hold twice, on a local disk or an SMB share:

- It is taken with ``O_CREAT|O_EXCL`` and holds a random token, host, login, pid, the
  holder's lease and a heartbeat counter (never personal data).
- While held, a daemon thread rewrites the heartbeat counter through the file descriptor
  it was created with. A waiting process judges the lock only by what it observes with
  its *own* monotonic clock: a lock whose bytes have not changed for a lease is dead.
  No clock of another machine and no file time is ever compared with ours, so clock skew
  between laptops and the file server breaks nothing that is held.
- A lock written by a process on this host that no longer runs is dead at once; an empty
  or unreadable lock (its writer died between create and write, or the disk was full)
  is dead after :data:`EMPTY_GRACE_SECONDS` of observation.
- Breaking is proved: every removal of a lock file — breaking a dead one, or a holder
  releasing its own — happens under a short-lived ``.breaking`` token file taken with
  ``O_EXCL``. Under it the lock is re-read and removed only if its bytes and identity are
  exactly those judged dead; since a lock file can otherwise only be *created* (which
  fails while one exists), what was re-read is what gets removed.
- The holder checks that the lock is still the one it created (:meth:`VaultLock.verify_held`)
  before it replaces the vault.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rusenhet import platform
from rusenhet.errors import InputError, VaultError

#: an empty or unreadable lock unchanged for this long (breaker's clock) is dead
EMPTY_GRACE_SECONDS = 3.0
LEASE_DEFAULT, LEASE_BOUNDS = 15.0, (1.0, 3600.0)
TIMEOUT_DEFAULT, TIMEOUT_BOUNDS = 30.0, (0.0, 3600.0)
_MAX_LOCK_BYTES = 4096


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _seconds_setting(name: str, default: float, bounds: tuple[float, float]) -> float:
    """A number of seconds from the environment, within bounds (``nan``, ``inf``,
    negative or absurd values are refused, never clamped)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    low, high = bounds
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError("setting.bad_seconds", name=name, value=raw[:40], low=f"{low:g}",
                         high=f"{high:g}")
    return value


def lock_lease_seconds() -> float:
    """``RUSENHET_LOCK_LEASE``: how long a lock's heartbeat may stand still before a
    waiting process takes it for dead."""
    return _seconds_setting("RUSENHET_LOCK_LEASE", LEASE_DEFAULT, LEASE_BOUNDS)


def lock_timeout_seconds() -> float:
    """``RUSENHET_LOCK_TIMEOUT``: how long a command waits for a live lock."""
    return _seconds_setting("RUSENHET_LOCK_TIMEOUT", TIMEOUT_DEFAULT, TIMEOUT_BOUNDS)


def heartbeat_seconds(lease: float) -> float:
    return min(2.0, lease / 4)


def _read_lock(path: Path) -> tuple[bytes | None, Identity]:
    """The lock's bytes (None if not a readable regular file) and identity. Raises
    FileNotFoundError when there is no lock."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(platform.long_path(path), flags)
    except FileNotFoundError:
        raise
    except OSError:
        st = os.stat(platform.long_path(path))  # FileNotFoundError if it vanished
        return None, _identity_of(st)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, _identity_of(st)
        return os.read(fd, _MAX_LOCK_BYTES), _identity_of(st)
    except OSError:
        return None, _NO_IDENTITY
    finally:
        os.close(fd)


def _parse(data: bytes | None) -> dict[str, Any] | None:
    try:
        info = json.loads(data) if data else None
    except (ValueError, RecursionError):
        return None
    return info if isinstance(info, dict) and isinstance(info.get("token"), str) else None


Identity = tuple[int, int, int, int]
_NO_IDENTITY: Identity = (0, 0, 0, 0)


def _identity_of(st: os.stat_result) -> Identity:
    """Device, inode and the modification and change/creation times. The times matter:
    a file system reuses a deleted lock's inode number for the next lock at once, and an
    empty new lock (between its create and its write) would otherwise look like the
    empty dead one it replaced."""
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns


def _same_identity(a: Identity, b: Identity) -> bool:
    if 0 in (a[1], b[1]):  # no inode numbers on some network file systems
        return a[2:] == b[2:]
    return a == b


def _same_file(a: Identity, b: Identity) -> bool:
    """The same file, whatever was written to it since (our own heartbeats)."""
    return a[:2] == b[:2] or 0 in (a[1], b[1])


@dataclass(frozen=True)
class _Observation:
    data: bytes | None
    identity: Identity
    since: float  # our monotonic clock when these exact bytes were first seen


class VaultLock:
    """A lock file beside the vault, held only for one short transaction."""

    def __init__(self, vault_path: Path) -> None:
        self.path = _lock_path(vault_path)
        self.token = secrets.token_hex(16)
        self.lease = lock_lease_seconds()
        self.timeout = lock_timeout_seconds()
        self.lost = False
        self._fd: int | None = None
        self._identity = _NO_IDENTITY
        self._beat = 0
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: _Observation | None = None
        self._token_seen: list[_Observation] = []
        #: seconds from the first sight of a lock judged dead until it was broken
        self.broke_after: float | None = None

    # ---- taking

    def __enter__(self) -> VaultLock:
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                fd = platform.create_exclusive(self.path)
            except FileExistsError:
                if self._break_if_stale():
                    continue
            except FileNotFoundError:
                raise InputError("vault.missing", path=str(self.path.parent)) from None
            except PermissionError:
                # On Windows a lock that is being deleted refuses a new create for a
                # moment; a folder we cannot write to refuses it for good.
                if not os.access(self.path.parent, os.W_OK):
                    raise InputError("lock.read_only", path=str(self.path.parent)) from None
            except OSError as exc:
                raise self._create_failed(exc) from None
            else:
                self._take(fd)
                return self
            if time.monotonic() >= deadline:
                raise VaultError("vault.locked", path=str(self.path))
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def _create_failed(self, exc: OSError) -> InputError | VaultError:
        import errno

        if exc.errno == errno.EROFS:
            return InputError("lock.read_only", path=str(self.path.parent))
        if exc.errno == errno.ENAMETOOLONG:
            return InputError("io.name_too_long", path=str(self.path))
        return VaultError("lock.create_failed", path=str(self.path),
                          reason=exc.strerror or type(exc).__name__)

    def _content(self) -> bytes:
        return json.dumps({"token": self.token, "host": platform.host_name(),
                           "login": platform.login_name(), "pid": os.getpid(),
                           "time": round(time.time(), 3), "lease": self.lease,
                           "beat": self._beat}, sort_keys=True).encode()

    def _take(self, fd: int) -> None:
        try:
            data = self._content()
            if os.write(fd, data) != len(data):
                raise OSError("short write")
            st = os.fstat(fd)
        except BaseException as exc:
            # Disk full or interrupted between create and write: never leave an empty
            # lock behind for the whole unit to wait on.
            os.close(fd)
            with contextlib.suppress(OSError):
                platform.remove_file(self.path)
            if isinstance(exc, OSError):
                raise VaultError("lock.create_failed", path=str(self.path),
                                 reason=exc.strerror or str(exc)) from None
            raise
        self._fd, self._identity = fd, _identity_of(st)
        self._thread = threading.Thread(target=self._heartbeat, name="rusenhet-lock-heartbeat",
                                        daemon=True)
        self._thread.start()

    def _heartbeat(self) -> None:
        interval = heartbeat_seconds(self.lease)
        while not self._stop.wait(interval):
            with self._mutex:
                if self._fd is None:
                    return
                self._beat += 1
                data = self._content()
                try:
                    os.lseek(self._fd, 0, os.SEEK_SET)
                    os.write(self._fd, data)
                    os.ftruncate(self._fd, len(data))
                except OSError:
                    continue  # a transient network error: the next beat tries again
                self._check_still_ours()

    def _check_still_ours(self) -> None:
        try:
            data, identity = _read_lock(self.path)
        except OSError:
            data, identity = None, _NO_IDENTITY
        info = _parse(data)
        if info is None or info.get("token") != self.token or \
                not _same_file(identity, self._identity):
            self.lost = True

    def verify_held(self) -> None:
        """Raise VaultError if our lock was broken: call right before replacing the
        vault, so a holder that stalled past its lease never saves over a newer
        holder's change."""
        with self._mutex:
            self._check_still_ours()
            if self.lost:
                raise VaultError("lock.lost", path=str(self.path))

    # ---- judging and breaking another process's lock

    def _break_if_stale(self) -> bool:
        """True if the lock is gone now (broken by us or removed by its holder)."""
        try:
            data, identity = _read_lock(self.path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        now = time.monotonic()
        seen = self._seen
        if seen is None or seen.data != data or seen.identity != identity:
            seen = self._seen = _Observation(data, identity, now)
        if not self._is_dead(_parse(data), now - seen.since):
            return False
        if self._break(seen):
            self.broke_after = now - seen.since
            self._seen = None
            return True
        self._seen = None
        return False

    def _is_dead(self, info: dict[str, Any] | None, unchanged_for: float) -> bool:
        if info is None:
            return unchanged_for >= EMPTY_GRACE_SECONDS
        pid = info.get("pid")
        if info.get("host") == platform.host_name() and isinstance(pid, int) \
                and not isinstance(pid, bool) and pid != os.getpid() \
                and not platform.process_alive(pid):
            return True
        their = info.get("lease")
        lease = self.lease
        if isinstance(their, int | float) and not isinstance(their, bool) and \
                math.isfinite(their) and LEASE_BOUNDS[0] <= their <= LEASE_BOUNDS[1]:
            lease = max(lease, float(their))  # the holder's own promise, if longer
        return unchanged_for >= lease

    def _break(self, judged: _Observation) -> bool:
        """Remove the lock only if it is still exactly the one judged dead.

        Every removal of a lock file — breaking one or releasing one's own — happens
        while holding the short-lived ``.breaking`` file (``O_EXCL``). A lock file can
        then change only by being created, which fails while one exists: so the lock we
        re-read under the token is the lock we remove. (Renaming the lock aside to check
        it was the first idea; putting back a wrong one leaves a gap in which a third
        process creates a lock, and two hold it — the race test found that.)"""
        with _RemovalToken(self.path, self._token_seen) as token:
            if not token.held:
                return False
            try:
                data, identity = _read_lock(self.path)
            except FileNotFoundError:
                return True
            except OSError:
                return False
            if data != judged.data or not _same_identity(identity, judged.identity):
                return False
            try:
                os.unlink(platform.long_path(self.path))
            except FileNotFoundError:
                pass
            except OSError:
                return False  # held open (Windows): its holder is alive after all
            return True

    # ---- releasing

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lost:
            self._remove_own()
        with self._mutex:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _remove_own(self) -> None:
        """Delete our lock if the file at the path is still ours (same identity as the
        descriptor we created it with, our token), under the removal token."""
        if IS_POSIX:
            # POSIX lets us delete a file we hold open; Windows needs it closed first.
            self._remove_own_checked()
            return
        with self._mutex:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        self._remove_own_checked()

    def _remove_own_checked(self) -> None:
        with _RemovalToken(self.path, self._token_seen, wait=2.0):
            try:
                data, identity = _read_lock(self.path)
            except OSError:
                return
            info = _parse(data)
            if info is None or info.get("token") != self.token or \
                    not _same_file(identity, self._identity):
                return
            platform.remove_file(self.path)


IS_POSIX = os.name == "posix"
#: a removal token older than this (observed) was left by a killed process
_TOKEN_STALE_SECONDS = 5.0


class _RemovalToken:
    """``<vault>.lock.breaking``, created with ``O_EXCL`` for the few milliseconds it
    takes to re-read and remove a lock file. One left by a killed process is removed
    after :data:`_TOKEN_STALE_SECONDS` of observation."""

    def __init__(self, lock_path: Path, seen: list[_Observation], *, wait: float = 0.0) -> None:
        self.path = lock_path.with_name(lock_path.name + ".breaking")
        self.wait = wait
        self.held = False
        self.seen = seen  # the caller's observation of a token in place, kept across calls

    def __enter__(self) -> _RemovalToken:
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fd = platform.create_exclusive(self.path)
            except FileExistsError:
                try:
                    data, identity = _read_lock(self.path)
                except FileNotFoundError:
                    continue
                except OSError:
                    data, identity = None, _NO_IDENTITY
                now = time.monotonic()
                if not self.seen or (self.seen[0].data, self.seen[0].identity) != \
                        (data, identity):
                    self.seen[:] = [_Observation(data, identity, now)]
                elif now - self.seen[0].since >= _TOKEN_STALE_SECONDS:
                    with contextlib.suppress(OSError):
                        os.unlink(platform.long_path(self.path))
                    continue
                if now >= deadline:
                    return self
                time.sleep(0.01)
                continue
            except OSError:
                return self
            try:
                with contextlib.suppress(OSError):
                    os.write(fd, f"{platform.host_name()} {os.getpid()}".encode())
            finally:
                os.close(fd)
            self.held = True
            return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            with contextlib.suppress(OSError):
                platform.remove_file(self.path)
