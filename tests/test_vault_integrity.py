"""The vault file against damage, tampering, rollback, swaps and concurrent writers."""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env

from rusenhet import crypto
from rusenhet import vault as vault_mod
from rusenhet.errors import AccessDenied, ExitCode, VaultError
from rusenhet.vault import Vault, fileformat, keyslots
from rusenhet.vault.integrity import save_message, section_ad


def _header_end(raw: bytes) -> int:
    (header_len,) = struct.unpack_from(">I", raw, 10)
    return 14 + header_len


def test_truncation_at_every_header_length_and_some_body_lengths(unit: Env) -> None:
    raw = unit.vault.read_bytes()
    end = _header_end(raw) + 32
    lengths = list(range(end + 1)) + list(range(end + 1, len(raw), 97)) + [len(raw) - 1]
    for n in lengths:
        with pytest.raises(VaultError) as info:
            vault_mod.parse(raw[:n])
        assert info.value.exit_code == ExitCode.VAULT


def test_every_flipped_byte_detected_before_any_kdf(unit: Env,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    raw = unit.vault.read_bytes()
    calls = []
    monkeypatch.setattr(crypto, "derive_passphrase_key",
                        lambda *a: calls.append(1) or b"\0" * 32)  # must never be reached
    for i in range(len(raw)):
        damaged = bytearray(raw)
        damaged[i] ^= 0x01
        with pytest.raises(VaultError):
            vault_mod.parse(bytes(damaged))
    assert calls == []


@pytest.mark.parametrize("offset", [0, 9, 40, -1, -500, -5000])
def test_flipped_byte_through_cli_is_exit_4_and_file_kept(unit: Env, offset: int) -> None:
    raw = bytearray(unit.vault.read_bytes())
    raw[offset] ^= 0x40
    unit.vault.write_bytes(bytes(raw))
    result = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == ExitCode.VAULT, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert unit.vault.read_bytes() == bytes(raw)


def _rewrite_header(path: Path, edit: object, signer: crypto.Identity | None = None,
                    name: str = "anne") -> None:
    """Edit the header; with ``signer``, sign the save as that user (an insider editing
    with her own key), otherwise leave the old signature in place."""
    vf = vault_mod.read_file(path)
    header = json.loads(json.dumps(vf.header))
    edit(header)  # type: ignore[operator]
    if signer is not None:
        header["counter"] += 1
        header["saved_by"] = name
        header["save_sig"] = crypto.b64e(signer.sign(save_message(header)))
    path.write_bytes(fileformat.assemble(header, vf.case_ct, vf.stats_ct))


def test_wrong_magic_and_future_version(unit: Env) -> None:
    raw = unit.vault.read_bytes()
    unit.vault.write_bytes(b"NOTAVLT!" + raw[8:])
    res = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.VAULT and "rusenhet" in res.stderr
    future = raw[:8] + struct.pack(">H", 99) + raw[10:]
    unit.vault.write_bytes(future)
    res = unit.run(["--lang", "en", "user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.VAULT and "newer version" in res.stderr


@pytest.mark.parametrize(("field", "value"), [("m", 1 << 30), ("m", 8), ("t", 1000), ("t", 1),
                                              ("p", 64), ("salt", "AAAA")])
def test_out_of_range_kdf_parameters_rejected_without_running_kdf(
        unit: Env, monkeypatch: pytest.MonkeyPatch, field: str, value: object) -> None:
    # The user herself re-seals with bad parameters (only she can sign her credential):
    # the bounds still refuse them before any KDF runs.
    anne = Vault.open(unit.vault, "anne", ADMIN_PASS).identity

    def edit(h: dict) -> None:  # type: ignore[type-arg]
        cred = h["credentials"]["anne"]
        cred["kdf"][field] = value
        cred["sig"] = crypto.b64e(anne.sign(keyslots._credential_message(h["vault_id"],
                                                                         "anne", cred)))
    _rewrite_header(unit.vault, edit, anne)
    calls = []
    monkeypatch.setattr(crypto, "derive_passphrase_key",
                        lambda *a: calls.append(1) or b"\0" * 32)
    with pytest.raises(VaultError) as info:
        Vault.open(unit.vault, "anne", ADMIN_PASS)
    assert info.value.key == "vault.kdf_params"
    assert calls == []


def test_production_vault_rejects_demo_cost(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    env.init()
    # Pretend the vault is a production vault: the roster is no longer signed, and
    # demo-cost parameters would be out of bounds anyway.
    _rewrite_header(env.vault, lambda h: h["roster"].update(demo=False))
    with pytest.raises(VaultError):
        Vault.open(env.vault, "anne", ADMIN_PASS)


def test_supervisor_key_material_cannot_decrypt_case_section(unit: Env) -> None:
    siv = Vault.open(unit.vault, "siv", SUPERVISOR_PASS)
    assert siv.case_conn is None
    vf = vault_mod.read_file(unit.vault)
    # Every slot the supervisor can unwrap with her private key...
    unwrapped = []
    for slot in vf.header["slots"]:
        for role in ("supervisor", "counsellor", "admin"):
            for purpose in ("case", "stats", "admin"):
                with contextlib.suppress(crypto.DecryptionFailed):
                    unwrapped.append(crypto.unwrap_with(
                        siv.identity.x25519, crypto.b64d(slot["epk"]), crypto.b64d(slot["ct"]),
                        fileformat.ad(vf.vault_id, "slot", slot["holder"], role, purpose)))
    assert len(unwrapped) == 1  # only her own stats slot
    ad = section_ad(vf.vault_id, "case", vf.header["sections"]["case"]["counter"])
    for key in [*unwrapped, siv.identity.x25519, siv.identity.ed25519]:
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unseal(crypto.hkdf(key, "rusenhet/section/case"), vf.case_ct, ad)


def test_removed_users_old_key_cannot_open_new_file(unit: Env) -> None:
    ola = Vault.open(unit.vault, "ola", COUNSELLOR_PASS)
    old_identity = ola.identity
    old_case_key = ola.keys.case
    assert unit.run(["user", "remove", "ola"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    vf = vault_mod.read_file(unit.vault)
    assert all(s["holder"] != "ola" for s in vf.header["slots"])
    assert old_case_key is not None
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(crypto.hkdf(old_case_key, "rusenhet/section/case"), vf.case_ct,
                      section_ad(vf.vault_id, "case", vf.header["sections"]["case"]["counter"]))
    with pytest.raises(AccessDenied):
        Vault(unit.vault, "ola", old_identity, vf)
    # And her credential is gone, so her passphrase opens nothing either.
    with pytest.raises(AccessDenied):
        Vault.open(unit.vault, "ola", COUNSELLOR_PASS)


def test_supervisor_cannot_promote_herself_by_editing_roster(unit: Env) -> None:
    def promote(h: dict) -> None:  # type: ignore[type-arg]
        for u in h["roster"]["users"]:
            if u["name"] == "siv":
                u["role"] = "admin"
    _rewrite_header(unit.vault, promote)
    result = unit.run(["user", "list"], passphrase=SUPERVISOR_PASS, user="siv")
    assert result.exit_code == ExitCode.VAULT


WRITER = textwrap.dedent("""
    import sys
    from rusenhet.vault import Vault
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    v = Vault.open(__import__("pathlib").Path(path), "anne", sys.argv[4])
    for i in range(n):
        v.transact(lambda vv: vv.case_conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)", (f"{tag}-{i}", "x")))
""")


def test_two_processes_interleaved_50_changes_each_all_present(unit: Env) -> None:
    script = unit.root / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), str(unit.vault), tag, "50",
                               ADMIN_PASS], env=dict(os.environ, RUSENHET_LOCK_TIMEOUT="60"))
             for tag in ("a", "b")]
    assert [p.wait(timeout=240) for p in procs] == [0, 0]
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    assert v.case_conn is not None
    keys = {r[0] for r in v.case_conn.execute("SELECT key FROM meta")}
    assert {f"{t}-{i}" for t in "ab" for i in range(50)} <= keys


def test_writer_that_cannot_get_the_lock_exits_4(unit: Env) -> None:
    lock = unit.vault.with_name(unit.vault.name + ".lock")
    lock.write_text(json.dumps({"token": "other", "host": "elsewhere", "pid": 1,
                                "time": time.time()}))
    before = unit.vault.read_bytes()
    started = time.monotonic()
    result = unit.run(["unit", "set", "unit-name", "Nytt navn"], passphrase=ADMIN_PASS,
                      user="anne", env={"RUSENHET_LOCK_TIMEOUT": "0.5"})
    assert result.exit_code == ExitCode.VAULT
    assert time.monotonic() - started < 10
    assert unit.vault.read_bytes() == before
    assert lock.exists()  # someone else's fresh lock is never broken


def test_stale_lock_is_broken_after_its_lease(unit: Env) -> None:
    # The lease is judged by watching the lock's heartbeat on our own clock (issue 16):
    # neither its written time nor its file time (here 500 s old) counts.
    lock = unit.vault.with_name(unit.vault.name + ".lock")
    lock.write_text(json.dumps({"token": "other", "host": "elsewhere", "pid": 1,
                                "time": time.time() - 500}))
    old = time.time() - 500
    os.utime(lock, (old, old))
    result = unit.run(["unit", "set", "unit-name", "Nytt navn"], passphrase=ADMIN_PASS,
                      user="anne", env={"RUSENHET_LOCK_LEASE": "1"})
    assert result.exit_code == 0, result.output
    assert not lock.exists()


def test_file_swapped_for_other_vault_is_refused(unit: Env, tmp_path: Path) -> None:
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    other = Env(root=tmp_path / "o", vault=tmp_path / "o" / "other.vault", state=unit.state,
                tmp=unit.tmp)
    other.root.mkdir()
    other.init()
    swapped_in = other.vault.read_bytes()
    unit.vault.write_bytes(swapped_in)
    with pytest.raises(VaultError) as info:
        v.transact(lambda vv: None)
    assert info.value.key == "vault.swapped"
    assert unit.vault.read_bytes() == swapped_in  # nothing overwritten


def test_older_file_put_back_is_refused(unit: Env) -> None:
    older = unit.vault.read_bytes()
    assert unit.run(["unit", "set", "unit-name", "Nyere"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    newer = unit.vault.read_bytes()
    unit.vault.write_bytes(older)
    result = unit.run(["--lang", "en", "unit", "set", "unit-name", "X"], passphrase=ADMIN_PASS,
                      user="anne")
    assert result.exit_code == ExitCode.VAULT
    assert "older than a version you have seen" in result.stderr
    assert unit.vault.read_bytes() == older
    unit.vault.write_bytes(newer)
    assert unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 0


def test_older_file_with_bumped_counter_is_detected(unit: Env) -> None:
    older = unit.vault.read_bytes()
    assert unit.run(["unit", "set", "unit-name", "Nyere"], passphrase=ADMIN_PASS,
                    user="anne").exit_code == 0
    unit.vault.write_bytes(older)
    _rewrite_header(unit.vault, lambda h: h.update(counter=h["counter"] + 5))
    result = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert result.exit_code == ExitCode.VAULT


def test_in_process_reload_when_another_writer_saved(unit: Env) -> None:
    a = Vault.open(unit.vault, "anne", ADMIN_PASS)
    b = Vault.open(unit.vault, "ola", COUNSELLOR_PASS)
    a.transact(lambda v: v.case_conn.execute("INSERT INTO meta VALUES ('from-a', '1')"))
    b.transact(lambda v: v.case_conn.execute("INSERT INTO meta VALUES ('from-b', '1')"))
    check = Vault.open(unit.vault, "siv", SUPERVISOR_PASS)
    check.refresh()
    fresh = Vault.open(unit.vault, "anne", ADMIN_PASS)
    assert fresh.case_conn is not None
    keys = {r[0] for r in fresh.case_conn.execute("SELECT key FROM meta")}
    assert {"from-a", "from-b"} <= keys


def test_failed_change_saves_nothing_and_restores_memory(unit: Env) -> None:
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    before = unit.vault.read_bytes()

    def broken(vv: Vault) -> None:
        assert vv.case_conn is not None
        vv.case_conn.execute("INSERT INTO meta VALUES ('half', 'done')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        v.transact(broken)
    assert unit.vault.read_bytes() == before
    assert v.case_conn is not None
    assert v.case_conn.execute("SELECT count(*) FROM meta WHERE key='half'").fetchone()[0] == 0
