"""What this user's machine remembers about vaults, outside any vault (DESIGN §2).

Per vault id: the highest save counter seen and the digest of the file at that
counter (rollback and fork detection), and the admin signing keys seen (a roster
signed by a key that does not chain from a pinned one is refused). Also failed unlock
attempts per vault and user (shown at the next successful login; this does nothing
against an attacker with a copy of the file, and the README says so).

No personal data is stored here: vault ids, counters, digests, public keys, login
names of the tool's own users and timestamps.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from rusenhet import platform
from rusenhet.errors import VaultError


def _file() -> Path:
    return platform.state_dir() / "vaults.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(data: dict[str, Any]) -> None:
    folder = platform.state_dir()
    platform.make_private_dir(folder)
    tmp = folder / f".vaults.json.tmp-{secrets.token_hex(4)}"
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        platform.restrict_to_owner(tmp)
        platform.replace_file(tmp, _file())
    finally:
        tmp.unlink(missing_ok=True)


def seen(vault_id: str) -> dict[str, Any]:
    entry = _read().get(vault_id)
    return entry if isinstance(entry, dict) else {}


def _check_entry(entry: dict[str, Any], counter: int, digest: str, admin_keys: list[str]) -> None:
    highest = int(entry.get("counter", -1))
    if counter < highest:
        raise VaultError("vault.rolled_back", seen=highest, found=counter)
    if counter == highest and entry.get("digest") not in (None, digest):
        raise VaultError("vault.forked", counter=counter)
    pinned = entry.get("admin_key")
    if pinned and pinned not in admin_keys:
        raise VaultError("vault.admin_key_changed")


def check(vault_id: str, counter: int, digest: str, *, admin_keys: list[str]) -> None:
    """Raise VaultError if this file is older than, or forks from, what we have seen."""
    _check_entry(seen(vault_id), counter, digest, admin_keys)


def check_and_remember(vault_id: str, counter: int, digest: str, *,
                       admin_keys: list[str]) -> None:
    data = _read()
    entry = data.get(vault_id)
    if not isinstance(entry, dict):
        entry = {}
    _check_entry(entry, counter, digest, admin_keys)
    if counter > int(entry.get("counter", -1)) or entry.get("admin_key") != admin_keys[-1]:
        entry.update(counter=counter, digest=digest, admin_key=admin_keys[-1])
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
    count = int(failures.pop(f"{vault_id}:{user}", 0)) if isinstance(failures, dict) else 0
    if count:
        _write(data)
    return count


def remembered_log_head(vault_id: str, log: str) -> tuple[int, str] | None:
    head = seen(vault_id).get(f"log_head_{log}")
    if isinstance(head, list) and len(head) == 2:
        return int(head[0]), str(head[1])
    return None


def remember_log_head(vault_id: str, log: str, seq: int, digest: str) -> None:
    data = _read()
    entry = data.setdefault(vault_id, {})
    if entry.get(f"log_head_{log}") != [seq, digest]:
        entry[f"log_head_{log}"] = [seq, digest]
        _write(data)
