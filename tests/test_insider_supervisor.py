"""A supervisor edits the vault file with her own keys (issue 11, attacks 1, 3, 5, 6).

She holds the stats key and her own key pair, nothing else. Every attack ends in exit 4
or no access for everyone — never data, never a silent success."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env
from insider import Insider, fresh_laptop, production_unit, snapshot
from test_referral_kit import Register

from rusenhet import crypto
from rusenhet.errors import ExitCode
from rusenhet.vault import fileformat
from rusenhet.vault.fileformat import ad, canonical
from rusenhet.vault.roster import vault_id_for

PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}


def _everyone_refused(env: Env, args: list[str] | None = None) -> None:
    for user, passphrase in PASSES.items():
        res = env.run(args or ["verify"], passphrase=passphrase, user=user)
        assert res.exit_code == ExitCode.VAULT, (user, res.output)
        assert "Traceback" not in res.output and res.stdout == ""


def _own_admin_chain(h: dict[str, Any], fake_admin: bytes, *, new_id: bool) -> None:
    """Replace the admin chain with her own key, make herself a counsellor, wrap a forged
    admin key to every admin, and sign the roster with it."""
    public = crypto.ed25519_public(fake_admin)
    if new_id:
        h["vault_id"] = vault_id_for(public)
    r = h["roster"]
    r["admin_keys"], r["admin_key_sigs"] = [crypto.b64e(public)], []
    for u in r["users"]:
        if u["name"] == "siv":
            u["role"] = "counsellor"
        if u["role"] == "admin":
            epk, ct = crypto.wrap_to(crypto.b64d(u["x25519"]), fake_admin,
                                     ad(h["vault_id"], "slot", u["name"], "admin", "admin"))
            h["slots"] = [s for s in h["slots"] if not (s["holder"] == u["name"]
                                                        and s["purpose"] == "admin")]
            h["slots"].append({"holder": u["name"], "purpose": "admin",
                               "epk": crypto.b64e(epk), "ct": crypto.b64e(ct)})
    h["roster_sig"] = crypto.b64e(crypto.sign(fake_admin,
                                              ad(h["vault_id"], "roster") + canonical(r)))


@pytest.mark.parametrize("new_id", [False, True], ids=["same-id", "id-of-her-key"])
def test_insider_supervisor_cannot_replace_admin_chain(unit: Env, new_id: bool) -> None:
    Register(unit).add()
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)
    fake_admin = crypto.ed25519_generate()
    siv.forge(lambda h: _own_admin_chain(h, fake_admin, new_id=new_id))
    forged = unit.vault.read_bytes()
    fresh_laptop(unit.state)  # no memory of the real admin key: the file alone decides
    _everyone_refused(unit)
    # The admin's next user add or rekey cannot run, so nothing is wrapped to her.
    res = unit.run(["rekey"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.VAULT
    res = unit.run(["referral", "list"], passphrase=SUPERVISOR_PASS, user="siv")
    assert res.exit_code == ExitCode.VAULT and "Bjørnstad" not in res.output
    assert unit.vault.read_bytes() == forged


def test_insider_supervisor_planted_backup_restore_writes_nothing(unit: Env) -> None:
    assert unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)
    planted = unit.root / "planted.vault"
    fake_admin = crypto.ed25519_generate()
    for new_id in (False, True):
        siv.forge(lambda h, n=new_id: _own_admin_chain(h, fake_admin, new_id=n), out=planted)
        before = unit.vault.read_bytes()
        res = unit.run(["restore", str(planted), "--force"], passphrase=ADMIN_PASS,
                       user="anne")
        assert res.exit_code in (ExitCode.VAULT, ExitCode.INPUT), res.output
        assert unit.vault.read_bytes() == before


def test_insider_supervisor_cannot_set_demo_flag_or_lower_kdf_cost(env: Env,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    production_unit(env)
    prod = {"RUSENHET_DEMO_KDF": ""}
    siv = Insider(env.vault, "siv", SUPERVISOR_PASS)
    before = env.vault.read_bytes()
    siv.forge(lambda h: h["roster"].update(demo=True))
    res = env.run(["user", "list"], passphrase=ADMIN_PASS, user="anne", env=prod)
    assert res.exit_code == ExitCode.VAULT, res.output
    env.vault.write_bytes(before)

    def cheap(h: dict[str, Any]) -> None:  # demo cost on the admin's credential
        h["credentials"]["anne"]["kdf"].update(m=256, t=2, p=1)
    siv.forge(cheap)
    calls: list[int] = []
    monkeypatch.setattr(crypto, "derive_passphrase_key",
                        lambda *a: calls.append(1) or b"\0" * 32)
    res = env.run(["--lang", "en", "user", "list"], passphrase=ADMIN_PASS, user="anne",
                  env=prod)
    assert res.exit_code == ExitCode.VAULT and "file was changed" in res.stderr
    assert calls == []  # refused before any KDF, and not counted as a failed login
    from rusenhet.vault import memory

    assert memory.take_failed_unlocks(siv.vault.vault_id, "anne") == 0


def test_insider_supervisor_laptop_never_accepts_demo_flag_after_production(env: Env) -> None:
    production_unit(env)
    from rusenhet.errors import VaultError
    from rusenhet.vault import memory

    header = fileformat.read_file(env.vault).header
    demo = dict(header, roster=dict(header["roster"], demo=True))
    with pytest.raises(VaultError):
        memory.check(demo, "", allow_older=True)


@pytest.mark.parametrize(("key", "value"), [("retention-months", "-1"),
                                            ("suppression-threshold", "1"),
                                            ("retention-months", "6")])
def test_insider_supervisor_cannot_change_admin_settings(unit: Env, key: str,
                                                        value: str) -> None:
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)

    def edit(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))
    siv.forge(edit_stats=edit)
    _everyone_refused(unit)
    res = unit.run(["purge"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.VAULT


def test_insider_supervisor_cannot_drop_ledger_guards(unit: Env) -> None:
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)
    siv.forge(edit_stats=lambda c: c.execute("DROP TRIGGER release_ledger_no_delete"))
    _everyone_refused(unit)


def test_insider_supervisor_cannot_roll_back_case_section(unit: Env) -> None:
    reg = Register(unit)
    reg.add(name="Første Person")
    old = snapshot(unit.vault, unit.root / "old.vault")
    reg.add(name="Andre Person", extra=("--yes",))  # this laptop saw the newer one
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)
    siv.forge(case_from=old)
    for user in ("anne", "ola"):
        res = unit.run(["referral", "list"], passphrase=PASSES[user], user=user)
        assert res.exit_code == ExitCode.VAULT, res.output


def test_insider_supervisor_cannot_cut_the_log_seen_here(unit: Env) -> None:
    for _ in range(2):
        res = unit.run(["stats", "month", "2026-11"], passphrase=SUPERVISOR_PASS, user="siv")
        assert res.exit_code == 0, res.output
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)
    siv.forge(edit_stats=lambda c: c.execute(
        "DELETE FROM stats_log WHERE seq = (SELECT max(seq) FROM stats_log)"))
    _everyone_refused(unit)


def test_insider_supervisor_cannot_sign_a_save_as_someone_else(unit: Env) -> None:
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)

    def as_admin(h: dict[str, Any]) -> None:
        h["saved_by"] = "anne"
        h["save_sig"] = crypto.b64e(siv.sign(b"anything"))
    siv.forge(as_admin, sign_save=False)
    fresh_laptop(unit.state)
    _everyone_refused(unit)


def test_insider_supervisor_cannot_give_herself_a_case_role(unit: Env) -> None:
    siv = Insider(unit.vault, "siv", SUPERVISOR_PASS)

    def promote(h: dict[str, Any]) -> None:
        for u in h["roster"]["users"]:
            if u["name"] == "siv":
                u["role"] = "counsellor"
    siv.forge(promote)
    fresh_laptop(unit.state)
    _everyone_refused(unit)
