"""Counsellors, admins, removed users and users whose passphrase leaked, each editing the
vault file with exactly their own keys (issue 11, attacks 2 and 4, and the roster)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env
from insider import Insider, enrol, fresh_laptop, snapshot
from test_referral_kit import Register, add_args

from rusenhet import audit, crypto
from rusenhet.errors import AccessDenied, ExitCode
from rusenhet.vault import Vault, fileformat, roster
from rusenhet.vault.integrity import save_message

NEW_PASS = "lilla hval svømmer forbi holmen"


def _audit_verify(env: Env, user: str = "anne", passphrase: str = ADMIN_PASS) -> int:
    return env.run(["audit", "verify"], passphrase=passphrase, user=user).exit_code


# --------------------------------------------------------------------------- counsellor


def test_insider_counsellor_cannot_make_herself_admin(unit: Env) -> None:
    ola = Insider(unit.vault, "ola", COUNSELLOR_PASS)

    def promote(h: dict[str, Any]) -> None:
        for u in h["roster"]["users"]:
            if u["name"] == "ola":
                u["role"] = "admin"
    ola.forge(promote)
    fresh_laptop(unit.state)
    res = unit.run(["user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert res.exit_code == ExitCode.VAULT


def test_insider_counsellor_cannot_forge_or_drop_others_log_entries(unit: Env) -> None:
    Register(unit).ok(*add_args(), user="anne")  # an entry by the admin
    ola = Insider(unit.vault, "ola", COUNSELLOR_PASS)
    good = unit.vault.read_bytes()

    def forge_entry(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE access_log SET action = 'person.export' WHERE user = 'anne'"
                     " AND seq = (SELECT max(seq) FROM access_log WHERE user = 'anne')")
    ola.forge(edit_case=forge_entry)
    assert _audit_verify(unit, "ola", COUNSELLOR_PASS) == ExitCode.VAULT
    unit.vault.write_bytes(good)

    def drop_entry(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM access_log WHERE seq = 2")
    ola.forge(edit_case=drop_entry)
    assert _audit_verify(unit, "ola", COUNSELLOR_PASS) == ExitCode.VAULT


def test_insider_counsellor_cannot_change_settings(unit: Env) -> None:
    ola = Insider(unit.vault, "ola", COUNSELLOR_PASS)

    def edit(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR REPLACE INTO settings VALUES ('suppression-threshold', '3')")
        conn.execute("INSERT OR REPLACE INTO settings VALUES ('retention-months', '1')")
    ola.forge(edit_stats=edit)
    res = unit.run(["unit", "show"], passphrase=COUNSELLOR_PASS, user="ola")
    assert res.exit_code == ExitCode.VAULT


# --------------------------------------------------------------------------- admin


def test_insider_admin_cannot_rewrite_an_enrolled_users_log(env: Env) -> None:
    env.init()
    enrol(env, "ola", "counsellor", COUNSELLOR_PASS)
    Register(env).add()  # ola's own entries, signed with a key only ola ever held
    anne = Insider(env.vault, "anne", ADMIN_PASS)

    def rewrite(conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT seq, time, action, record_id, prev_hash FROM access_log"
                           " WHERE user = 'ola' ORDER BY seq DESC LIMIT 1").fetchone()
        forged = audit._entry_bytes(anne.vault.vault_id, "access_log", row[0], row[1], "ola",
                                    "referral.edit", row[3], row[4])
        digest = crypto.sha256(forged).hex()
        # the best an admin can sign with: her own key, or a key she makes up
        sig = crypto.sign(crypto.ed25519_generate(), digest.encode())
        conn.execute("UPDATE access_log SET action = 'referral.edit', hash = ?, signature = ?"
                     " WHERE seq = ?", (digest, crypto.b64e(sig), row[0]))
    anne.forge(edit_case=rewrite)
    fresh_laptop(env.state)
    assert _audit_verify(env) == ExitCode.VAULT


def test_insider_admin_never_sees_an_enrolled_users_private_key(env: Env) -> None:
    env.init()
    enrol(env, "ola", "counsellor", COUNSELLOR_PASS)
    request = json.loads((env.root / "ola.req").read_text(encoding="utf-8"))
    assert set(request) == {"format", "vault_id", "name", "x25519", "ed25519", "credential",
                            "sig"}
    # The admin's keys open nothing of ola's: not the credential, not ola's slots.
    anne = Vault.open(env.vault, "anne", ADMIN_PASS)
    with pytest.raises(AccessDenied):
        Vault.open(env.vault, "ola", ADMIN_PASS)
    header = fileformat.read_file(env.vault).header
    for slot in (s for s in header["slots"] if s["holder"] == "ola"):
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unwrap_with(anne.identity.x25519, crypto.b64d(slot["epk"]),
                               crypto.b64d(slot["ct"]), b"any")
    assert Vault.open(env.vault, "ola", COUNSELLOR_PASS).role.value == "counsellor"


def test_insider_admin_reset_keeps_old_log_entries_verifiable(env: Env) -> None:
    env.init()
    enrol(env, "ola", "counsellor", COUNSELLOR_PASS)
    Register(env).add()
    enrol(env, "ola", "counsellor", NEW_PASS, invite=False)  # a reset by re-enrolment
    assert _audit_verify(env) == 0
    res = env.run(["user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert res.exit_code == ExitCode.ACCESS
    res = env.run(["audit", "verify"], passphrase=NEW_PASS, user="ola")
    assert res.exit_code == 0, res.output


def test_insider_unapproved_or_mismatched_enrolment_gets_nothing(env: Env) -> None:
    env.init()
    secret = env.write_secret("kari.pass", "gul sol skinner over vidda")
    res = env.run(["user", "enrol", "kari", "--new-passphrase-file", str(secret)])
    assert res.exit_code == ExitCode.INPUT  # not invited
    assert env.run(["user", "invite", "kari", "--role", "counsellor"], passphrase=ADMIN_PASS,
                   user="anne").exit_code == 0
    res = env.run(["user", "enrol", "kari", "--out", str(env.root / "kari.req"),
                   "--new-passphrase-file", str(secret)])
    assert res.exit_code == 0, res.output
    res = env.run(["user", "list"], passphrase="gul sol skinner over vidda", user="kari")
    assert res.exit_code == ExitCode.ACCESS  # invited, enrolled, not approved
    before = env.vault.read_bytes()
    res = env.run(["user", "approve", str(env.root / "kari.req"), "--fingerprint",
                   "00000 00000 00000 00000 00000 00000"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.INPUT and env.vault.read_bytes() == before


# --------------------------------------------------------------------------- removed user


def test_insider_removed_user_old_keys_open_and_sign_nothing(unit: Env) -> None:
    ola = Insider(unit.vault, "ola", COUNSELLOR_PASS)
    assert unit.run(["user", "remove", "ola"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    vf = fileformat.read_file(unit.vault)
    with pytest.raises(AccessDenied):
        Vault(unit.vault, "ola", ola.vault.identity, vf, remember=False)
    assert ola.keys.case is not None
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(crypto.hkdf(ola.keys.case, "rusenhet/section/case"), vf.case_ct,
                      fileformat.ad(vf.vault_id, "section", "case", fileformat.FORMAT_VERSION,
                                    vf.header["sections"]["case"]["counter"]))
    # A save signed with the removed key is refused by everyone.
    with contextlib.suppress(Exception):
        ola.forge(lambda h: h.update(lang="en"))
    res = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code in (0, ExitCode.VAULT)
    if fileformat.read_file(unit.vault).header["saved_by"] == "ola":
        assert res.exit_code == ExitCode.VAULT


# --------------------------------------------------------------------------- leaked passphrase


@pytest.mark.parametrize("who", ["ola", "siv", "anne"])
def test_insider_leaked_passphrase_reads_nothing_saved_after_a_change(unit: Env,
                                                                     who: str) -> None:
    passes = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}
    old_copy = snapshot(unit.vault, unit.root / "old-copy.vault")
    thief = Vault.open(unit.root / "old-copy.vault", who, passes[who], remember=False)
    secret = unit.write_secret("new.pass", NEW_PASS)
    res = unit.run(["user", "passwd", "--new-passphrase-file", str(secret)],
                   passphrase=passes[who], user=who)
    assert res.exit_code == 0, res.output
    res = unit.run(["referral", *add_args(name="Senere Lagret", extra=("--yes",))], user="anne",
                   passphrase=NEW_PASS if who == "anne" else ADMIN_PASS)
    assert res.exit_code == 0, res.output
    new = fileformat.read_file(unit.vault)
    assert new.raw != old_copy.raw
    # The old key pair unwraps no slot of the new file, and the old section keys open
    # neither section.
    for slot in new.header["slots"]:
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unwrap_with(thief.identity.x25519, crypto.b64d(slot["epk"]),
                               crypto.b64d(slot["ct"]),
                               fileformat.ad(new.vault_id, "slot", slot["holder"],
                                             thief.role.value, slot["purpose"]))
    for name, key in (("stats", thief.keys.stats), ("case", thief.keys.case)):
        if key is None:
            continue
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unseal(crypto.hkdf(key, f"rusenhet/section/{name}"),
                          new.stats_ct if name == "stats" else new.case_ct,
                          fileformat.ad(new.vault_id, "section", name,
                                        fileformat.FORMAT_VERSION,
                                        new.header["sections"][name]["counter"]))
    with pytest.raises(AccessDenied):
        Vault(unit.vault, who, thief.identity, new, remember=False)
    assert unit.run(["user", "list"], passphrase=passes[who], user=who).exit_code == \
        ExitCode.ACCESS
    assert unit.run(["verify"], passphrase=NEW_PASS, user=who).exit_code == 0


def test_insider_leaked_key_cannot_take_the_account_back(unit: Env) -> None:
    thief = Insider(unit.vault, "ola", COUNSELLOR_PASS)
    secret = unit.write_secret("new.pass", NEW_PASS)
    assert unit.run(["user", "passwd", "--new-passphrase-file", str(secret)],
                    passphrase=COUNSELLOR_PASS, user="ola").exit_code == 0
    # The old key no longer opens the rotated stats section, so all the thief can do is
    # edit the header: a key update to their own key, the save signed with the old key.
    vf = fileformat.read_file(unit.vault)
    h = json.loads(json.dumps(vf.header))
    roster.add_key_update(h, "ola", thief.vault.identity, crypto.Identity.generate())
    h["saved_by"] = "ola"
    h["save_sig"] = crypto.b64e(thief.sign(save_message(h)))
    unit.vault.write_bytes(fileformat.assemble(h, vf.case_ct, vf.stats_ct))
    fresh_laptop(unit.state)
    for user, passphrase in (("anne", ADMIN_PASS), ("ola", NEW_PASS)):
        res = unit.run(["user", "list"], passphrase=passphrase, user=user)
        assert res.exit_code == ExitCode.VAULT, res.output
