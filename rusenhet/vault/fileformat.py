"""The bytes on disk (DESIGN §2 and §2c).

File layout (all integers big-endian)::

    magic  b"RUSENHET"            8 bytes
    format version                u16
    header length                 u32
    header                        canonical JSON (UTF-8)
    header digest                 SHA-256 of everything above, 32 bytes
    case section ciphertext       nonce ‖ AES-256-GCM(ciphertext ‖ tag)
    stats section ciphertext      nonce ‖ AES-256-GCM(ciphertext ‖ tag)

The header digest and the section lengths and SHA-256s let us report a damaged or
truncated file (exit 4) before any KDF runs. This module checks only the *shape*: the
header must be exactly the canonical JSON we write (no reordered or duplicate keys, no
extra whitespace) with exactly the fields and types below. Who may have written it —
signatures of the admin key chain, of the saving user and of the case section's writer —
is checked in ``roster`` and ``core``.
"""

from __future__ import annotations

import json
import os
import stat
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rusenhet import crypto
from rusenhet.errors import InputError, VaultError
from rusenhet.roles import Role

MAGIC = b"RUSENHET"
# Format 2 (issue 11): vault id derived from the admin root key, signed saves, user-owned
# keys. Format 1 files are refused as an unknown version.
FORMAT_VERSION = 2
_PREFIX = struct.Struct(">8sHI")
DIGEST_BYTES = 32
MAX_HEADER_BYTES = 8 * 1024 * 1024
# Far below sqlite's 1 GiB deserialize limit and AES-GCM's 2**31-1 bytes per call.
MAX_SECTION_BYTES = 256 * 1024 * 1024
RECOVERY_HOLDER = "@recovery"
SECTIONS = ("case", "stats")
PURPOSES = ("case", "stats", "admin")
LOGS = ("access_log", "stats_log")


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def ad(*parts: object) -> bytes:
    """Associated data / signed context: a version tag and the parts, '|'-joined."""
    return "|".join(["rusenhet/v2", *(str(p) for p in parts)]).encode()


def demo_kdf_requested() -> bool:
    """``RUSENHET_DEMO_KDF=1``: create vaults with the documented low Argon2 cost. Such
    vaults carry the (admin-signed) demo flag and accept only synthetic ID numbers."""
    return os.environ.get("RUSENHET_DEMO_KDF", "") == "1"


# --------------------------------------------------------------------------- shape

class _Map:
    """A JSON object with free string keys whose values all have one shape."""

    def __init__(self, value: Any) -> None:
        self.value = value


_HEAD = [int, str]  # [seq, hash]
ROSTER_SHAPE: dict[str, Any] = {
    "admin_keys": [str], "admin_key_sigs": [str],
    "users": [{"name": str, "role": str, "x25519": str, "ed25519": str}],
    "former": [{"name": str, "ed25519": str, "until": str}],
    "invites": [{"name": str, "role": str}],
    "recovery": str, "demo": bool, "settings_sha256": str, "version": int,
}
HEADER_SHAPE: dict[str, Any] = {
    "format": int, "vault_id": str, "counter": int, "created": str, "lang": str,
    "roster": ROSTER_SHAPE, "roster_sig": str,
    "key_updates": [{"name": str, "x25519": str, "ed25519": str, "prev": str,
                     "time": str, "sig": str}],
    "credentials": _Map({"kdf": {"salt": str, "m": int, "t": int, "p": int},
                         "sealed": str, "sig": str}),
    "slots": [{"holder": str, "purpose": str, "epk": str, "ct": str}],
    "recovery_credential": {"salt": str, "sealed": str},
    "sections": {"case": {"counter": int, "len": int, "sha256": str, "by": str, "sig": str},
                 "stats": {"counter": int, "len": int, "sha256": str}},
    "log_heads": {"access_log": _HEAD, "stats_log": _HEAD},
    "saved_by": str, "save_sig": str,
}


def _conforms(value: Any, shape: Any) -> bool:
    if shape is int:
        return type(value) is int  # bool is an int subclass; never accept it here
    if shape is str or shape is bool:
        return type(value) is shape
    if isinstance(shape, _Map):
        return isinstance(value, dict) and all(
            isinstance(k, str) and _conforms(v, shape.value) for k, v in value.items())
    if isinstance(shape, dict):
        return (isinstance(value, dict) and set(value) == set(shape)
                and all(_conforms(value[k], s) for k, s in shape.items()))
    if isinstance(shape, list) and len(shape) == 1:
        return isinstance(value, list) and all(_conforms(v, shape[0]) for v in value)
    if isinstance(shape, list):
        return (isinstance(value, list) and len(value) == len(shape)
                and all(_conforms(v, s) for v, s in zip(value, shape, strict=True)))
    raise TypeError(shape)  # pragma: no cover - a bug in the shapes above


def check_header_shape(h: Any) -> bool:
    """Exactly the fields and types we write, with values in range."""
    if not _conforms(h, HEADER_SHAPE):
        return False
    roles = {r.value for r in Role}
    roster, sections = h["roster"], h["sections"]
    return (h["format"] == FORMAT_VERSION and len(h["vault_id"]) == 32
            and h["counter"] >= 0 and roster["version"] >= 0
            and all(u["role"] in roles for u in roster["users"] + roster["invites"])
            and all(s["purpose"] in PURPOSES for s in h["slots"])
            and all(0 <= sections[s]["len"] <= MAX_SECTION_BYTES
                    and sections[s]["counter"] >= 0 for s in SECTIONS)
            and all(h["log_heads"][log][0] >= 0 for log in LOGS))


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class VaultFile:
    """A parsed, checksum-verified but not yet decrypted vault file."""

    raw: bytes
    header: dict[str, Any]
    case_ct: bytes
    stats_ct: bytes

    @property
    def vault_id(self) -> str:
        return str(self.header["vault_id"])

    @property
    def counter(self) -> int:
        return int(self.header["counter"])

    @property
    def digest(self) -> str:
        """Identifies the file: the stored SHA-256 of prefix and header, which bind both
        sections' SHA-256s (checked by ``parse``) — no second pass over the whole file."""
        (header_len,) = struct.unpack_from(">I", self.raw, 10)
        end = _PREFIX.size + header_len
        return self.raw[end:end + DIGEST_BYTES].hex()


def parse(raw: bytes) -> VaultFile:
    """Check structure and checksums; raise VaultError (exit 4) on any damage."""
    if len(raw) < _PREFIX.size:
        raise VaultError("vault.truncated")
    magic, version, header_len = _PREFIX.unpack_from(raw)
    if magic != MAGIC:
        raise VaultError("vault.magic")
    if version != FORMAT_VERSION:
        if version > FORMAT_VERSION:
            raise VaultError("vault.future_version", version=version)
        raise VaultError("vault.unknown_version", version=version)
    if header_len > MAX_HEADER_BYTES:
        raise VaultError("vault.damaged")
    end = _PREFIX.size + header_len
    if len(raw) < end + DIGEST_BYTES:
        raise VaultError("vault.truncated")
    if crypto.sha256(raw[:end]) != raw[end:end + DIGEST_BYTES]:
        raise VaultError("vault.checksum")
    header_bytes = raw[_PREFIX.size:end]
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise VaultError("vault.damaged") from exc
    # Only the exact bytes we write: a reordered, duplicated or re-spaced header is not
    # ours, whatever it says (a second parser could read it differently).
    if not check_header_shape(header) or canonical(header) != header_bytes:
        raise VaultError("vault.damaged")
    sections = header["sections"]
    case_len, stats_len = sections["case"]["len"], sections["stats"]["len"]
    body = raw[end + DIGEST_BYTES:]
    if len(body) != case_len + stats_len:
        raise VaultError("vault.truncated" if len(body) < case_len + stats_len
                         else "vault.damaged")
    case_ct, stats_ct = body[:case_len], body[case_len:]
    if (crypto.sha256(case_ct).hex() != sections["case"]["sha256"]
            or crypto.sha256(stats_ct).hex() != sections["stats"]["sha256"]):
        raise VaultError("vault.checksum")
    return VaultFile(raw, header, case_ct, stats_ct)


def read_file(path: Path) -> VaultFile:
    """Read and parse the vault at ``path``: a regular file no larger than a vault can be
    (a FIFO or device given as the vault must not hang or fill memory)."""
    limit = _PREFIX.size + MAX_HEADER_BYTES + DIGEST_BYTES + 2 * MAX_SECTION_BYTES
    try:
        # stat before open: opening a FIFO blocks until someone writes to it.
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError("vault.not_a_file", path=str(path))
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError("vault.missing", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("vault.not_a_file", path=str(path)) from None
    except PermissionError:
        raise InputError("vault.unreadable", path=str(path)) from None
    except OSError:
        raise InputError("vault.unreadable", path=str(path)) from None
    if len(raw) > limit:
        raise VaultError("vault.damaged")
    return parse(raw)


def assemble(header: dict[str, Any], case_ct: bytes, stats_ct: bytes) -> bytes:
    body = canonical(header)
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body
    return prefix + crypto.sha256(prefix) + case_ct + stats_ct
