"""The lock file beside the vault, held only for one short transaction (DESIGN §2,
"Sharing a vault")."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

from rusenhet import platform
from rusenhet.errors import InputError, VaultError
from rusenhet.vault.fileformat import canonical


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def lock_lease_seconds() -> float:
    return float(os.environ.get("RUSENHET_LOCK_LEASE", "120"))


def lock_timeout_seconds() -> float:
    return float(os.environ.get("RUSENHET_LOCK_TIMEOUT", "15"))


class VaultLock:
    """A lock file beside the vault, held only for one short transaction.

    ``O_CREAT|O_EXCL`` works on local disks and SMB shares. The lock carries a random
    token, host, login, pid and time (never personal data); after its lease it may be
    broken by renaming it away, so a crashed process cannot block a unit for long."""

    def __init__(self, vault_path: Path) -> None:
        self.path = _lock_path(vault_path)
        self.token = secrets.token_hex(16)

    def __enter__(self) -> VaultLock:
        deadline = time.monotonic() + lock_timeout_seconds()
        delay = 0.005
        info = canonical({"token": self.token, "host": platform.host_name(),
                           "login": platform.login_name(), "pid": os.getpid(),
                           "time": time.time()})
        while True:
            try:
                fd = platform.create_exclusive(self.path)
            except FileExistsError:
                if self._break_if_stale():
                    continue
                if time.monotonic() >= deadline:
                    raise VaultError("vault.locked", path=str(self.path)) from None
                time.sleep(delay)
                delay = min(delay * 1.5, 0.2)
                continue
            except FileNotFoundError:
                raise InputError("vault.missing", path=str(self.path.parent)) from None
            try:
                os.write(fd, info)
            finally:
                os.close(fd)
            return self

    def _break_if_stale(self) -> bool:
        try:
            stat = self.path.stat()
            content = json.loads(self.path.read_bytes() or b"{}")
        except (OSError, ValueError):
            return False
        age = time.time() - stat.st_mtime
        same_host_dead = (isinstance(content, dict)
                          and content.get("host") == platform.host_name()
                          and isinstance(content.get("pid"), int)
                          and not platform.process_alive(content["pid"]))
        if age < lock_lease_seconds() and not same_host_dead:
            return False
        # Rename first: of two processes breaking the same stale lock, only one wins.
        aside = self.path.with_name(f"{self.path.name}.stale-{secrets.token_hex(4)}")
        try:
            os.replace(self.path, aside)
        except OSError:
            return False
        aside.unlink(missing_ok=True)
        return True

    def __exit__(self, *exc: object) -> None:
        try:
            content = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(content, dict) and content.get("token") == self.token:
            self.path.unlink(missing_ok=True)


