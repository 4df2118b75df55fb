"""Windows, macOS and SMB behaviour, tested here by injecting what those systems do
(issue 16, deliverable 6): the errors Windows raises for a file another process holds
open, the Win32 process API, macOS's F_FULLFSYNC, long paths; plus POSIX group sharing
and a save whose folder sync fails after the rename. Only OS functions are replaced."""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_PASS, Env

from rusenhet import platform
from rusenhet.errors import SavedButNotDurable
from rusenhet.vault import Vault, VaultLock, write_atomically


def _share(tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir()
    return folder


def _sharing_violation(winerror: int) -> PermissionError:
    """What ``os.replace``/``os.unlink`` raise on Windows while another process holds
    the file: ERROR_ACCESS_DENIED (5), ERROR_SHARING_VIOLATION (32), ERROR_LOCK_VIOLATION
    (33)."""
    exc = PermissionError(13, "The process cannot access the file")
    exc.winerror = winerror  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize("winerror", [5, 32, 33])
def test_replace_is_retried_while_a_reader_holds_the_vault(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, winerror: int) -> None:
    target = _share(tmp_path) / "unit.vault"
    target.write_bytes(b"old")
    real_replace, failures = os.replace, [3]

    def replace(src: Any, dst: Any) -> None:
        if failures[0]:
            failures[0] -= 1
            raise _sharing_violation(winerror)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    write_atomically(target, b"new")  # on Linux too: SMB clients see the same server status
    assert target.read_bytes() == b"new" and failures == [0]
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == ["unit.vault"]


def test_replace_gives_up_after_the_budget_and_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _share(tmp_path) / "unit.vault"
    target.write_bytes(b"old")

    def replace(src: Any, dst: Any) -> None:
        raise _sharing_violation(32)

    monkeypatch.setattr(platform, "SHARING_RETRY_SECONDS", 0.3)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        write_atomically(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == ["unit.vault"]


def test_lock_is_removed_although_a_waiting_reader_holds_it_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = _share(tmp_path) / "unit.vault"
    vault.write_bytes(b"x")
    real_unlink, failures = os.unlink, [2]

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if failures[0] and ".lock" in str(path):
            failures[0] -= 1
            raise _sharing_violation(32)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with VaultLock(vault):
        pass
    assert failures == [0]
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == ["unit.vault"]


class _Kernel32:
    """The three Win32 calls process_alive makes, answering like Windows does."""

    def __init__(self, *, handle: int, last_error: int = 0, exit_code: int = 259) -> None:
        self.handle, self.last_error, self.exit_code = handle, last_error, exit_code
        self.closed = False

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        assert access == 0x1000 and inherit is False
        return self.handle

    def GetLastError(self) -> int:
        return self.last_error

    def GetExitCodeProcess(self, handle: int, code: Any) -> int:
        ctypes.cast(code, ctypes.POINTER(ctypes.c_ulong)).contents.value = self.exit_code
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.closed = True
        return 1


def test_windows_process_check_reads_the_exit_code() -> None:
    running = _Kernel32(handle=7)
    assert platform.windows_process_alive(1234, running) and running.closed
    exited = _Kernel32(handle=7, exit_code=0)
    assert not platform.windows_process_alive(1234, exited) and exited.closed
    assert not platform.windows_process_alive(1234, _Kernel32(handle=0, last_error=87))
    assert platform.windows_process_alive(1234, _Kernel32(handle=0, last_error=5))


@pytest.mark.skipif(os.name == "nt", reason="fcntl is POSIX")
def test_macos_flushes_the_drive_cache_with_f_fullfsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    calls: list[str] = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "F_FULLFSYNC", 51, raising=False)
    monkeypatch.setattr(fcntl, "fcntl", lambda fd, cmd, *a: calls.append(f"fcntl {cmd}"))
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync"))
    write_atomically(tmp_path / "unit.vault", b"data")
    assert calls == ["fcntl 51", "fcntl 51"]  # the temp file, then the folder


def test_long_windows_paths_get_the_extended_prefix_and_temp_names_stay_short(
        tmp_path: Path) -> None:
    deep = "C:\\Users\\ola\\" + "Delt mappe\\" * 25 + "enhet.vault"
    assert platform.extended_length(deep, windows=True).startswith("\\\\?\\C:\\Users")
    unc = "\\\\server\\share\\" + "mappe\\" * 45 + "enhet.vault"
    assert platform.extended_length(unc, windows=True).startswith("\\\\?\\UNC\\server\\share")
    assert platform.extended_length("C:\\kort.vault", windows=True) == "C:\\kort.vault"
    assert platform.extended_length(deep, windows=False) == deep
    long_name = tmp_path / ("v" * 200 + ".vault")
    seen: list[str] = []
    real_open = os.open

    def record(path: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "open", record)
        write_atomically(long_name, b"data")
    temp = [Path(p).name for p in seen if p.endswith(".tmp")]
    assert temp and all(len(name) <= 24 for name in temp)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_save_keeps_the_vaults_mode_and_group(unit: Env) -> None:
    """A unit sharing the vault through a POSIX group keeps it readable after a save."""
    group = os.getgid() if os.geteuid() != 0 else 4242
    os.chown(unit.vault, -1, group)
    os.chmod(unit.vault, 0o640)
    result = unit.run(["unit", "set", "unit-name", "Delt"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == 0, result.output
    st = os.stat(unit.vault)
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == group


def _failing_folder_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_folder_sync_failing_after_the_rename_is_reported_as_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _share(tmp_path) / "unit.vault"
    target.write_bytes(b"old")
    _failing_folder_fsync(monkeypatch)
    with pytest.raises(SavedButNotDurable):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"new"


@pytest.mark.skipif(os.name == "nt", reason="Windows does not sync folders")
def test_cli_says_saved_with_a_warning_when_only_the_folder_sync_failed(
        unit: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_folder_fsync(monkeypatch)
    result = unit.run(["unit", "set", "unit-name", "Lagret likevel"], passphrase=ADMIN_PASS,
                      user="anne")
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") == 1 and "Endringen" in result.stderr
    assert "lagret" in result.stderr and "Ingen endringer" not in result.stderr
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    assert v.stats_conn.execute(
        "SELECT value FROM settings WHERE key='unit-name'").fetchone()[0] == "Lagret likevel"
