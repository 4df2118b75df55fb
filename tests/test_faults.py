"""Fault tests: crashes mid-save, injected I/O failures, tampering with recomputed
checksums, concurrent writers, stale locks, and fuzzed vault files.

``RUSENHET_FAULT_RUNS`` sets the number of SIGKILL runs (default 20 in CI; the
``slow``-marked test runs 200)."""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rusenhet import crypto
from rusenhet import vault as vault_mod
from rusenhet.errors import AccessDenied, VaultError
from rusenhet.vault import Vault, fileformat

GROWER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from rusenhet.vault import Vault
    v = Vault.open(Path(sys.argv[1]), "anne", sys.argv[2])
    i = 0
    while True:
        i += 1
        # A growing vault: each save adds a row with some bulk.
        v.transact(lambda vv: vv.case_conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)", (f"row-{i}-{id(vv)}", "x" * 2000)))
        print(i, flush=True)
""")


def _rows(path: Path) -> int:
    v = Vault.open(path, "anne", ADMIN_PASS)
    assert v.case_conn is not None
    return int(v.case_conn.execute("SELECT count(*) FROM meta").fetchone()[0])


def _kill_runs(unit: Env, runs: int) -> None:
    script = unit.root / "grower.py"
    script.write_text(GROWER)
    rng = random.Random(1234)
    previous = _rows(unit.vault)
    survived = 0
    for _ in range(runs):
        proc = subprocess.Popen([sys.executable, str(script), str(unit.vault), ADMIN_PASS],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one save done: the process is in its save loop
        time.sleep(rng.uniform(0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()  # type: ignore[union-attr]
        lock = unit.vault.with_name(unit.vault.name + ".lock")
        lock.unlink(missing_ok=True)  # the killed process's lock (its lease test is separate)
        rows = _rows(unit.vault)  # opens: old or new state, never corrupt
        assert rows >= previous
        previous = rows
        survived += 1
        # The next transaction removes temp files the killed save left behind.
        Vault.open(unit.vault, "anne", ADMIN_PASS).transact(lambda v: None)
        assert not list(unit.vault.parent.glob(".*.tmp-*"))
    assert survived == runs


def test_sigkill_during_saves(unit: Env) -> None:
    _kill_runs(unit, int(os.environ.get("RUSENHET_FAULT_RUNS", "20")))


@pytest.mark.slow
def test_sigkill_during_saves_200(unit: Env) -> None:
    _kill_runs(unit, 200)


class _Boom(OSError):
    pass


@pytest.mark.parametrize("step", ["write", "fsync", "replace", "fsync_dir"])
def test_injected_failure_at_each_save_step_keeps_old_state(
        unit: Env, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    v = Vault.open(unit.vault, "anne", ADMIN_PASS)
    before = unit.vault.read_bytes()
    real_fsync, real_replace = os.fsync, os.replace
    calls = {"fsync": 0}

    def fsync(fd: int) -> None:
        calls["fsync"] += 1
        # first fsync is the temp file's; a second one would be the directory's
        if (step == "fsync" and calls["fsync"] == 1) or (step == "fsync_dir"
                                                          and calls["fsync"] == 2):
            raise _Boom("injected")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        if step == "replace":
            raise _Boom("injected")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    if step == "write":
        monkeypatch.setattr(os, "fdopen", _failing_fdopen)
    def change(vv: Vault) -> None:
        vv.stats_conn.execute("INSERT OR REPLACE INTO settings VALUES ('language', 'en')")
        from rusenhet.vault import admin

        admin.sign_settings(vv)
    if step == "fsync_dir":
        # The rename happened; only the directory sync failed: the change is saved and
        # the command says so (a warning), never "nothing was saved".
        v.transact(change)
        assert v.warnings == ["vault.saved_not_durable"]
    else:
        with pytest.raises(OSError):
            v.transact(change)
    monkeypatch.undo()
    if step == "fsync_dir":
        assert unit.vault.read_bytes() != before
    else:
        assert unit.vault.read_bytes() == before
    assert not list(unit.vault.parent.glob(".*.tmp-*"))
    Vault.open(unit.vault, "anne", ADMIN_PASS)  # opens cleanly, whichever state it holds


def _failing_fdopen(fd: int, *args: object, **kwargs: object) -> object:
    os.close(fd)
    raise _Boom("injected write failure")


def _recompute(header: dict, case_ct: bytes, stats_ct: bytes) -> bytes:  # type: ignore[type-arg]
    h = copy.deepcopy(header)
    h["sections"]["case"].update(len=len(case_ct), sha256=crypto.sha256(case_ct).hex())
    h["sections"]["stats"].update(len=len(stats_ct), sha256=crypto.sha256(stats_ct).hex())
    return fileformat.assemble(h, case_ct, stats_ct)


def _flip_all(unit: Env, body_stride: int) -> None:
    raw = unit.vault.read_bytes()
    vf = vault_mod.parse(raw)
    body_start = len(raw) - len(vf.case_ct) - len(vf.stats_ct)
    header_json = raw[14:body_start - 32]
    outcomes = {"vault": 0, "access": 0}
    own_credential = json.dumps(vf.header["credentials"]["siv"], sort_keys=True,
                                separators=(",", ":")).encode()
    cred_start = header_json.find(own_credential)
    positions = list(range(len(header_json))) + list(range(body_start, len(raw), body_stride))
    for pos in positions:
        if pos < body_start:
            mutated = bytearray(header_json)
            mutated[pos] ^= 0x01
            try:
                header = json.loads(bytes(mutated))
                candidate = _recompute(header, vf.case_ct, vf.stats_ct)
            except (ValueError, KeyError, TypeError):
                continue  # not even JSON any more: parse() rejects it, tested elsewhere
        else:
            body = bytearray(raw[body_start:])
            body[pos - body_start] ^= 0x01
            case_ct, stats_ct = bytes(body[:len(vf.case_ct)]), bytes(body[len(vf.case_ct):])
            candidate = _recompute(vf.header, case_ct, stats_ct)
        if candidate == raw:
            continue  # the flip was in a checksum the attacker recomputed: no change
        try:
            parsed = vault_mod.parse(candidate)
            Vault(unit.vault, "siv", _SIV_IDENTITY[0], parsed, remember=False)
        except VaultError:
            outcomes["vault"] += 1
            continue
        except AccessDenied:
            assert cred_start <= pos < cred_start + len(own_credential) or pos < body_start
            outcomes["access"] += 1
            continue
        # Opened: only possible if the flip changed nothing that matters (e.g. JSON
        # whitespace cannot occur in canonical JSON, so this must not happen).
        raise AssertionError(f"flip at {pos} opened: {header_json[pos - 40:pos + 20]!r}")
    assert outcomes["vault"] > 0


def test_every_byte_flip_with_recomputed_checksums_is_detected(unit: Env) -> None:
    """An attacker who recomputes every checksum still cannot make a flipped file open
    with other data: exit 4, or exit 3 only for a flip in the user's own credential.
    Every header byte (all users' slots and credentials); every 29th body byte (AES-GCM
    treats every byte alike; the slow test flips them all)."""
    _flip_all(unit, 29)


@pytest.mark.slow
def test_every_byte_flip_including_every_body_byte(unit: Env) -> None:
    _flip_all(unit, 1)


_SIV_IDENTITY: list[crypto.Identity] = []


@pytest.fixture(autouse=True)
def _siv_identity(request: pytest.FixtureRequest) -> None:
    if request.node.name.startswith("test_every_byte_flip"):
        # (also serves the slow variant)
        unit_env = request.getfixturevalue("unit")
        _SIV_IDENTITY[:] = [Vault.open(unit_env.vault, "siv", SUPERVISOR_PASS).identity]


THREE_WRITERS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from rusenhet.vault import Vault
    user, pw, tag, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    v = Vault.open(Path(sys.argv[1]), user, pw)
    for i in range(n):
        v.transact(lambda vv: vv.stats_conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?)", (f"_{tag}-{i}", "x")))
""")


def test_three_writers_including_a_supervisor_lose_nothing(unit: Env) -> None:
    script = unit.root / "three.py"
    script.write_text(THREE_WRITERS)
    n = 25
    env = dict(os.environ, RUSENHET_LOCK_TIMEOUT="120")
    procs = [subprocess.Popen([sys.executable, str(script), str(unit.vault), user, pw, user,
                               str(n)], env=env)
             for user, pw in (("anne", ADMIN_PASS), ("ola", COUNSELLOR_PASS),
                              ("siv", SUPERVISOR_PASS))]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    v = Vault.open(unit.vault, "siv", SUPERVISOR_PASS)
    keys = {r[0] for r in v.stats_conn.execute("SELECT key FROM settings")}
    assert {f"_{u}-{i}" for u in ("anne", "ola", "siv") for i in range(n)} <= keys
    # The case section survived the supervisor's saves untouched and still opens.
    assert Vault.open(unit.vault, "ola", COUNSELLOR_PASS).case_conn is not None


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from rusenhet.vault import VaultLock
    with VaultLock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(600)
""")


def test_lock_of_a_killed_process_is_broken(unit: Env) -> None:
    script = unit.root / "holder.py"
    script.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), str(unit.vault)],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"locked"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    lock = unit.vault.with_name(unit.vault.name + ".lock")
    assert lock.exists()
    # Same host, dead pid: broken at once. (Another host's lock waits for the lease.)
    result = unit.run(["unit", "set", "unit-name", "Etter krasj"], passphrase=ADMIN_PASS,
                      user="anne")
    assert result.exit_code == 0, result.output
    assert not lock.exists()


def test_lock_of_another_host_is_broken_after_the_lease(unit: Env) -> None:
    lock = unit.vault.with_name(unit.vault.name + ".lock")
    lock.write_text(json.dumps({"token": "t", "host": "other-laptop", "pid": 42,
                                "time": time.time()}))
    result = unit.run(["unit", "set", "unit-name", "X"], passphrase=ADMIN_PASS, user="anne",
                      env={"RUSENHET_LOCK_LEASE": "1", "RUSENHET_LOCK_TIMEOUT": "10"})
    assert result.exit_code == 0, result.output


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_vault_files_raise_only_vault_errors(unit: Env, data: st.DataObject) -> None:
    raw = _RAW_CACHE.setdefault("raw", unit.vault.read_bytes())
    choice = data.draw(st.sampled_from(["random", "mutate", "splice", "header"]))
    if choice == "random":
        candidate = data.draw(st.binary(max_size=400))
    elif choice == "mutate":
        candidate = bytearray(raw)
        for pos in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8)):
            candidate[pos] = data.draw(st.integers(0, 255))
        candidate = bytes(candidate)
    elif choice == "splice":
        cut = data.draw(st.integers(0, len(raw)))
        candidate = raw[:cut] + data.draw(st.binary(max_size=64)) + raw[cut:]
    else:
        vf = vault_mod.parse(raw)
        header = copy.deepcopy(vf.header)
        path = data.draw(st.sampled_from(["counter", "demo", "roster", "slots", "sections",
                                          "credentials", "format", "vault_id"]))
        header[path] = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=5),
                                           st.lists(st.integers(), max_size=2),
                                           st.dictionaries(st.text(max_size=3),
                                                           st.integers(), max_size=2)))
        candidate = _recompute(header, vf.case_ct, vf.stats_ct) \
            if isinstance(header.get("sections"), dict) and "case" in header["sections"] \
            else fileformat.assemble(header, vf.case_ct, vf.stats_ct)
    try:
        parsed = vault_mod.parse(candidate)
        Vault(unit.vault, "anne", _anne(unit), parsed, remember=False)
    except (VaultError, AccessDenied):
        pass


_RAW_CACHE: dict[str, bytes] = {}
_ANNE: list[crypto.Identity] = []


def _anne(unit: Env) -> crypto.Identity:
    if not _ANNE:
        _ANNE.append(Vault.open(unit.vault, "anne", ADMIN_PASS).identity)
    return _ANNE[0]


def test_fuzzed_files_through_the_cli_exit_4_without_traceback(unit: Env) -> None:
    raw = unit.vault.read_bytes()
    rng = random.Random(7)
    for _ in range(8):
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(raw))] = rng.randrange(256)
        unit.vault.write_bytes(bytes(damaged))
        result = unit.run(["verify"], passphrase=ADMIN_PASS, user="anne")
        assert result.exit_code == 4, result.output
        assert "Traceback" not in result.output and result.stderr.count("\n") == 1
