"""The encrypted vault file (DESIGN §2): format, keys, integrity, safe saving, locking.

File layout (all integers big-endian)::

    magic  b"RUSENHET"            8 bytes
    format version                u16
    header length                 u32
    header                        canonical JSON (UTF-8)
    header digest                 SHA-256 of everything above, 32 bytes
    case section ciphertext       nonce ‖ AES-256-GCM(ciphertext ‖ tag)
    stats section ciphertext      nonce ‖ AES-256-GCM(ciphertext ‖ tag)

The header digest and the section lengths and SHA-256s in the header let us report a
damaged or truncated file (exit 4) before any KDF runs. Authenticity comes from the
layers above: the user roster is signed by the admin key, key slots and credentials are
AES-GCM with associated data naming vault, holder, role and purpose, and the stats
section — which every user re-encrypts at every save — binds the save counter, the case
section's counter and digest and the roster digest in its associated data.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from rusenhet import crypto
from rusenhet.errors import InputError, VaultError
from rusenhet.roles import Role

MAGIC = b"RUSENHET"
FORMAT_VERSION = 1
_PREFIX = struct.Struct(">8sHI")
DIGEST_BYTES = 32
MAX_HEADER_BYTES = 8 * 1024 * 1024
# Far below sqlite's 1 GiB deserialize limit and AES-GCM's 2**31-1 bytes per call.
MAX_SECTION_BYTES = 256 * 1024 * 1024
RECOVERY_HOLDER = "@recovery"
SECTIONS = ("case", "stats")
PURPOSES = ("case", "stats", "admin")




def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def ad(*parts: object) -> bytes:
    return "|".join(["rusenhet/v1", *(str(p) for p in parts)]).encode()


def demo_kdf_requested() -> bool:
    """``RUSENHET_DEMO_KDF=1``: create vaults with the documented low Argon2 cost. Such
    vaults carry the demo flag and accept only synthetic ID numbers."""
    return os.environ.get("RUSENHET_DEMO_KDF", "") == "1"


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

    @cached_property
    def digest(self) -> str:
        return crypto.sha256(self.raw).hex()


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
    try:
        header = json.loads(raw[_PREFIX.size:end].decode("utf-8"))
        _check_header_shape(header)
        sections = header["sections"]
        case_len, stats_len = int(sections["case"]["len"]), int(sections["stats"]["len"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise VaultError("vault.damaged") from exc
    body = raw[end + DIGEST_BYTES:]
    if len(body) != case_len + stats_len:
        raise VaultError("vault.truncated" if len(body) < case_len + stats_len
                         else "vault.damaged")
    case_ct, stats_ct = body[:case_len], body[case_len:]
    if (crypto.sha256(case_ct).hex() != sections["case"]["sha256"]
            or crypto.sha256(stats_ct).hex() != sections["stats"]["sha256"]):
        raise VaultError("vault.checksum")
    return VaultFile(raw, header, case_ct, stats_ct)


def _check_header_shape(h: Any) -> None:
    """Reject anything that is not exactly the shape we write. Raises TypeError."""
    def need(cond: bool) -> None:
        if not cond:
            raise TypeError("bad header")

    need(isinstance(h, dict))
    need(isinstance(h.get("vault_id"), str) and len(h["vault_id"]) == 32)
    need(h.get("format") == FORMAT_VERSION)
    need(isinstance(h.get("counter"), int) and h["counter"] >= 0)
    need(isinstance(h.get("demo"), bool))
    need(isinstance(h.get("roster"), dict) and isinstance(h.get("roster_sig"), str))
    roster = h["roster"]
    need(set(roster) == {"users", "former", "recovery", "admin_keys", "admin_key_sigs"})
    need(isinstance(roster["users"], list) and isinstance(roster["former"], list))
    need(isinstance(roster["recovery"], str))
    for key in ("admin_keys", "admin_key_sigs"):
        need(isinstance(roster[key], list) and all(isinstance(k, str) for k in roster[key]))
    for u in roster["users"]:
        need(isinstance(u, dict) and set(u) == {"name", "role", "x25519", "ed25519"})
        need(all(isinstance(v, str) for v in u.values()))
        need(u["role"] in {r.value for r in Role})
    for u in roster["former"]:
        need(isinstance(u, dict) and all(isinstance(v, str) for v in u.values()))
    need(isinstance(h.get("credentials"), dict) and isinstance(h.get("slots"), list))
    for cred in h["credentials"].values():
        need(isinstance(cred, dict) and isinstance(cred.get("kdf"), dict))
        need(isinstance(cred.get("sealed"), str) and isinstance(cred["kdf"].get("salt"), str))
        kdf = cred["kdf"]
        need(all(isinstance(kdf.get(k), int) for k in ("m", "t", "p")))
    for slot in h["slots"]:
        need(isinstance(slot, dict) and slot.get("purpose") in PURPOSES)
        need(all(isinstance(slot.get(k), str) for k in ("holder", "epk", "ct")))
    need(isinstance(h.get("recovery_credential"), dict))
    sections = h.get("sections")
    need(isinstance(sections, dict) and set(sections) == set(SECTIONS))
    for s in SECTIONS:
        need(isinstance(sections[s].get("len"), int) and sections[s]["len"] >= 0)
        need(sections[s]["len"] <= MAX_SECTION_BYTES)
        need(isinstance(sections[s].get("counter"), int))


def read_file(path: Path) -> VaultFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("vault.missing", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("vault.not_a_file", path=str(path)) from None
    except PermissionError:
        raise InputError("vault.unreadable", path=str(path)) from None
    return parse(raw)


# --------------------------------------------------------------------------- the vault


def assemble(header: dict[str, Any], case_ct: bytes, stats_ct: bytes) -> bytes:
    body = canonical(header)
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body
    return prefix + crypto.sha256(prefix) + case_ct + stats_ct
