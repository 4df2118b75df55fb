"""Files the user names on the command line: the one way to read an input file and the
one way to write an ``--out`` file (issue 16, items 3, 4 and 7).

- Input files (vault, answers, scripts, keys, passphrases) must be regular files and
  are read with a size limit: a FIFO, ``/dev/zero`` or a folder is a clear error, never
  a hang or a memory blow-up.
- ``--out`` never touches the vault, its lock or its temp files, another vault file
  (except a backup overwriting a backup), or anything that is not a regular file; it
  writes a new owner-only file, and replaces an existing one only with ``--force``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import unicodedata
from pathlib import Path

from rusenhet import platform
from rusenhet.errors import InputError, SavedButNotDurable

KIB, MIB = 1024, 1024 * 1024
SECRET_LIMIT = 64 * KIB
KEY_LIMIT = 256 * KIB
TEXT_LIMIT = 16 * MIB
#: the vault's own sections are capped at 256 MiB each (fileformat.MAX_SECTION_BYTES)
VAULT_LIMIT = 600 * MIB
_VAULT_MAGIC = b"RUSENHET"
_NAME_MAX = 255


def _os_error(exc: OSError, path: Path) -> InputError:
    if exc.errno == errno.ENAMETOOLONG:
        return InputError("io.name_too_long", path=_short(path))
    if isinstance(exc, FileNotFoundError):
        return InputError("io.missing", path=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputError("io.not_regular", path=str(path))
    if isinstance(exc, PermissionError):
        return InputError("io.unreadable", path=str(path))
    return InputError("io.failed", path=_short(path), reason=exc.strerror or type(exc).__name__)


def _short(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 120 else text[:60] + "…" + text[-40:]


def read_input(path: Path, *, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them (else a clear error)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(platform.long_path(path), flags)
    except OSError as exc:
        raise _os_error(exc, path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("io.not_regular", path=str(path))
        if st.st_size > limit:
            raise InputError("io.too_large", path=str(path), limit=_size(limit))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise InputError("io.too_large", path=str(path), limit=_size(limit))
        return b"".join(chunks)
    except OSError as exc:
        raise _os_error(exc, path) from None
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"


def read_text(path: Path, *, limit: int = TEXT_LIMIT) -> str:
    """A UTF-8 text file (a BOM is allowed), regular and size-limited."""
    return decode_text(read_input(path, limit=limit), path)


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 with or without BOM, or UTF-16 with BOM (what Windows PowerShell's
    ``Out-File`` and Notepad's "Unicode" write). Binary content is refused."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("io.not_text", path=str(path)) from None
    if "\x00" in text:
        raise InputError("io.not_text", path=str(path))
    return text.removeprefix("\ufeff")


def read_secret(path: Path) -> str:
    """A passphrase or recovery key from a file: text in any of the encodings above,
    without the final line break editors and ``echo`` add; control characters inside
    mean the file is not a passphrase file."""
    text = decode_text(read_input(path, limit=SECRET_LIMIT), path)
    text = text.removesuffix("\n").removesuffix("\r")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InputError("io.not_text", path=str(path))
    return text


def _lock_and_temp_of(vault: Path) -> tuple[Path, str]:
    from rusenhet.vault import atomic

    return vault.with_name(vault.name + ".lock"), atomic.temp_prefix(vault)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_out_path(out: Path, *, force: bool, vault: Path | None,
                   allow_vault_file: bool = False) -> None:
    """Refuse an ``--out`` path before any work is done (and anything is logged)."""
    if len(os.fsencode(out.name)) > _NAME_MAX:
        raise InputError("io.name_too_long", path=_short(out))
    if vault is not None:
        lock, temp = _lock_and_temp_of(vault)
        if _same_file(out, vault) or _same_file(out, lock) or out.name.startswith(temp) \
                or (out.name.startswith(vault.name + ".lock")
                    and _same_file(out.parent, vault.parent)):
            raise InputError("io.is_vault", path=str(out))
    try:
        st = os.stat(platform.long_path(out))
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_error(exc, out) from None
    if st is None:
        if not out.parent.is_dir():
            raise InputError("file.no_folder", path=str(out.parent))
        return
    if not stat.S_ISREG(st.st_mode):
        raise InputError("io.not_regular", path=str(out))
    if not force:
        raise InputError("file.exists", path=str(out))
    if not allow_vault_file and _starts_like_a_vault(out):
        raise InputError("io.is_vault", path=str(out))


def _starts_like_a_vault(path: Path) -> bool:
    try:
        with open(platform.long_path(path), "rb") as fh:
            return fh.read(len(_VAULT_MAGIC)) == _VAULT_MAGIC
    except OSError:
        return False


def write_out(out: Path, data: bytes, *, force: bool, vault: Path | None,
              allow_vault_file: bool = False) -> None:
    """Write a file the user named with ``--out``: owner-only, a new file unless
    ``force``; never the vault, its lock, another vault or a special file."""
    check_out_path(out, force=force, vault=vault, allow_vault_file=allow_vault_file)
    try:
        if not out.exists():
            fd = platform.create_exclusive(out)  # fails if it appeared meanwhile
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                platform.fsync_file(fd)
            except BaseException:
                os.close(fd)
                platform.remove_file(out)
                raise
            os.close(fd)
            return
        from rusenhet.vault.atomic import write_atomically

        with contextlib.suppress(SavedButNotDurable):  # written; only the folder sync failed
            write_atomically(out, data, keep_mode=False)
    except FileExistsError:
        raise InputError("file.exists", path=str(out)) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError("io.name_too_long", path=_short(out)) from None
        raise InputError("io.write_failed", path=_short(out),
                         reason=exc.strerror or type(exc).__name__) from None
    platform.restrict_to_owner(out)


def check_input_file(path: Path, *, limit: int = VAULT_LIMIT) -> None:
    """Refuse, before anything opens it, a path that is not a regular file of at most
    ``limit`` bytes (a FIFO given as the vault would otherwise block forever)."""
    try:
        st = os.stat(platform.long_path(path))
    except OSError as exc:
        raise _os_error(exc, path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("io.not_regular", path=str(path))
    if st.st_size > limit:
        raise InputError("io.too_large", path=str(path), limit=_size(limit))
