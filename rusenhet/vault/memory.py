"""What this user's machine remembers about vaults, outside any vault (DESIGN §2, §2c).

Per vault id, after every open and every save (so after the command's own log entries):
the highest save counter and the file's digest at it (rollback and fork), the admin key
chain (a roster whose chain does not extend the one seen is refused), the case section's
counter (an old case section under a newer header), both access-log heads (a cut log),
and whether the vault was seen as a production vault (its demo flag never comes back).
Also failed unlock attempts per vault and user.

It fails closed: a memory file that cannot be read or parsed is tampering or damage
(exit 4, with what to do), never a silent reset. What a fresh laptop, with no memory,
cannot know is written in the README's threat model.

No personal data is stored here: vault ids, counters, digests, public keys, log hashes,
login names of the tool's own users and timestamps.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from rusenhet import platform
from rusenhet.errors import VaultError

LOGS = ("access_log", "stats_log")


def memory_file() -> Path:
    return platform.state_dir() / "vaults.json"


def _read() -> dict[str, Any]:
    path = memory_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        raise VaultError("memory.damaged", path=str(path)) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise VaultError("memory.damaged", path=str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise VaultError("memory.damaged", path=str(path))
    return data


def _write(data: dict[str, Any]) -> None:
    folder = platform.state_dir()
    platform.make_private_dir(folder)
    tmp = folder / f".vaults.json.tmp-{secrets.token_hex(4)}"
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        platform.restrict_to_owner(tmp)
        platform.replace_file(tmp, memory_file())
    finally:
        tmp.unlink(missing_ok=True)


def seen(vault_id: str) -> dict[str, Any]:
    return dict(_read().get(vault_id, {}))


def _int(entry: dict[str, Any], key: str) -> int:
    value = entry.get(key, -1)
    if type(value) is not int:
        raise VaultError("memory.damaged", path=str(memory_file()))
    return value


def check(header: dict[str, Any], digest: str, *, allow_older: bool = False) -> dict[str, Any]:
    """Raise VaultError unless this file extends everything seen of its vault.

    ``allow_older`` (a backup about to be restored): an older counter is fine, but the
    admin chain must still be one this machine has seen or its continuation. Returns
    the memory entry it checked against (read once, so a concurrent save by another
    process cannot make two checks disagree)."""
    entry = seen(header["vault_id"])
    if not entry:
        return entry
    counter, highest = header["counter"], _int(entry, "counter")
    if not allow_older:
        if counter < highest:
            raise VaultError("vault.rolled_back", seen=highest, found=counter)
        if counter == highest and entry.get("digest") not in (None, digest):
            raise VaultError("vault.forked", counter=counter)
        if header["sections"]["case"]["counter"] < _int(entry, "case_counter"):
            raise VaultError("vault.rolled_back", seen=highest, found=counter)
        for log in LOGS:
            _check_head(entry, log, header["log_heads"][log])
    chain, pinned = header["roster"]["admin_keys"], entry.get("admin_chain", [])
    if not isinstance(pinned, list):
        raise VaultError("memory.damaged", path=str(memory_file()))
    shorter, longer = sorted((list(chain), pinned), key=len)
    if longer[:len(shorter)] != shorter or (len(chain) < len(pinned) and not allow_older):
        raise VaultError("vault.admin_key_changed")
    if entry.get("production") and header["roster"]["demo"]:
        raise VaultError("vault.tampered")
    return entry


def _check_head(entry: dict[str, Any], log: str, head: list[Any]) -> None:
    remembered = entry.get("heads", {}).get(log)
    if not remembered:
        return
    seq, digest = remembered
    if head[0] < seq or (head[0] == seq and head[1] != digest):
        raise VaultError("audit.head_mismatch", seq=seq)


def remember(header: dict[str, Any], digest: str) -> None:
    """Record this file as the newest state seen (call only after ``check`` passed)."""
    data = _read()
    vault_id = header["vault_id"]
    entry = dict(data.get(vault_id, {}))
    new = {"counter": header["counter"], "digest": digest,
           "case_counter": header["sections"]["case"]["counter"],
           "admin_chain": list(header["roster"]["admin_keys"]),
           "production": bool(entry.get("production")) or not header["roster"]["demo"],
           "heads": {log: list(header["log_heads"][log]) for log in LOGS}}
    if header["counter"] < _int(entry, "counter"):
        return
    if any(entry.get(k) != v for k, v in new.items()):
        entry.update(new)
        data[vault_id] = entry
        _write(data)  # only when something new was seen: every command passes here


def record_failed_unlock(vault_id: str, user: str) -> None:
    data = _read()
    failures = data.setdefault("_failed_unlocks", {})
    key = f"{vault_id}:{user}"
    failures[key] = int(failures.get(key, 0)) + 1
    _write(data)


def take_failed_unlocks(vault_id: str, user: str) -> int:
    """Return and reset the count of failed unlocks since the last success."""
    data = _read()
    failures = data.get("_failed_unlocks", {})
    count = int(failures.pop(f"{vault_id}:{user}", 0))
    if count:
        _write(data)
    return count
