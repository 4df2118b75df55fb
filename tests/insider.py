"""What an insider can do to the vault file with exactly their own keys and a small
script: read the header, decrypt what their keys open, change anything, re-encrypt with
the keys they hold, sign the save as themselves, and write the file back. Built only
from the project's own format functions, as an insider with the source code would."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rusenhet import crypto, store
from rusenhet.vault import Vault, fileformat
from rusenhet.vault.integrity import case_section_message, log_head, save_message, section_ad
from rusenhet.vault.keyslots import SectionKeys

Header = dict[str, Any]


class Insider:
    """An unlocked user of the vault, outside the tool's rules."""

    def __init__(self, path: Path, user: str, passphrase: str) -> None:
        self.path = path
        self.vault = Vault.open(path, user, passphrase, remember=False)
        self.user = user
        self.keys: SectionKeys = self.vault.keys

    def sign(self, message: bytes) -> bytes:
        return self.vault.identity.sign(message)

    def forge(self, edit_header: Callable[[Header], None] | None = None,
              edit_stats: Callable[[sqlite3.Connection], None] | None = None,
              edit_case: Callable[[sqlite3.Connection], None] | None = None, *,
              case_from: fileformat.VaultFile | None = None, out: Path | None = None,
              sign_save: bool = True) -> bytes:
        """Rewrite the current file with these edits, as this insider can."""
        vf = fileformat.read_file(self.path)
        h = copy.deepcopy(vf.header)
        h["counter"] += 1
        case_ct = vf.case_ct
        if case_from is not None:  # an old case section under the new header
            case_ct = case_from.case_ct
            h["sections"]["case"] = copy.deepcopy(case_from.header["sections"]["case"])
            h["log_heads"]["access_log"] = list(case_from.header["log_heads"]["access_log"])
        if edit_case is not None:
            assert self.keys.case is not None, "this insider cannot open the case section"
            conn = self._open(vf, "case", self.keys.case, store.CASE_MIGRATIONS)
            edit_case(conn)
            case_ct = crypto.seal(crypto.hkdf(self.keys.case, "rusenhet/section/case"),
                                  store.image(conn), section_ad(h["vault_id"], "case",
                                                                 h["counter"]))
            case = {"counter": h["counter"], "len": len(case_ct),
                    "sha256": crypto.sha256(case_ct).hex(), "by": self.user}
            case["sig"] = crypto.b64e(self.sign(case_section_message(h["vault_id"], case)))
            h["sections"]["case"] = case
            h["log_heads"]["access_log"] = log_head(conn, "access_log")
        stats = self._open(vf, "stats", self.keys.stats, store.STATS_MIGRATIONS)
        if edit_stats is not None:
            edit_stats(stats)
        if edit_header is not None:
            edit_header(h)
        stats_ct = crypto.seal(crypto.hkdf(self.keys.stats, "rusenhet/section/stats"),
                               store.image(stats), section_ad(h["vault_id"], "stats",
                                                               h["counter"]))
        h["sections"]["stats"] = {"counter": h["counter"], "len": len(stats_ct),
                                  "sha256": crypto.sha256(stats_ct).hex()}
        h["log_heads"]["stats_log"] = log_head(stats, "stats_log")
        if sign_save:
            h["saved_by"] = self.user
            h["save_sig"] = crypto.b64e(self.sign(save_message(h)))
        raw = fileformat.assemble(h, case_ct, stats_ct)
        (out or self.path).write_bytes(raw)
        return raw

    @staticmethod
    def _open(vf: fileformat.VaultFile, name: str, key: bytes,
              migrations: list[tuple[str, Any]]) -> sqlite3.Connection:
        ct = vf.case_ct if name == "case" else vf.stats_ct
        plain = crypto.unseal(crypto.hkdf(key, f"rusenhet/section/{name}"), ct,
                              section_ad(vf.vault_id, name,
                                          vf.header["sections"][name]["counter"]))
        return store.open_image(plain, migrations)


def snapshot(path: Path, to: Path) -> fileformat.VaultFile:
    shutil.copyfile(path, to)
    return fileformat.read_file(to)


def fresh_laptop(state: Path) -> None:
    """Forget everything this machine remembered (a new laptop)."""
    shutil.rmtree(state, ignore_errors=True)


def header_json(path: Path) -> Header:
    return json.loads(json.dumps(fileformat.read_file(path).header))


def production_unit(env: Any) -> Any:
    """A vault at the production Argon2 cost (no demo flag), with a counsellor (ola) and a
    supervisor (siv) who enrolled themselves: invite → enrol → approve."""
    from conftest import COUNSELLOR_PASS, SUPERVISOR_PASS

    prod = {"RUSENHET_DEMO_KDF": ""}
    secret = env.write_secret("anne.pass", "grønn elg går over bekken")
    res = env.run(["--user", "anne", "init", "--unit-name", "Testby", "--kommunenummer",
                   "4601", "--new-passphrase-file", str(secret)], env=prod)
    assert res.exit_code == 0, res.output
    for name, role, passphrase in (("ola", "counsellor", COUNSELLOR_PASS),
                                   ("siv", "supervisor", SUPERVISOR_PASS)):
        enrol(env, name, role, passphrase, prod)
    return env


def enrol(env: Any, name: str, role: str, passphrase: str,
          extra: dict[str, str] | None = None, *, invite: bool = True) -> None:
    """The whole enrolment through the CLI, as the admin (anne) and the user would."""
    from conftest import ADMIN_PASS

    if invite:
        res = env.run(["user", "invite", name, "--role", role], passphrase=ADMIN_PASS,
                      user="anne", env=extra)
        assert res.exit_code == 0, res.output
    secret = env.write_secret(f"{name}.pass", passphrase)
    request = env.root / f"{name}.req"
    request.unlink(missing_ok=True)
    res = env.run(["--lang", "en", "user", "enrol", name, "--out", str(request),
                   "--new-passphrase-file", str(secret)], env=extra)
    assert res.exit_code == 0, res.output
    fingerprint = res.stdout.split("admin): ")[1].strip()
    res = env.run(["user", "approve", str(request), "--fingerprint", fingerprint],
                  passphrase=ADMIN_PASS, user="anne", env=extra)
    assert res.exit_code == 0, res.output
