"""Files, arguments and signals a user or an insider can throw at the CLI (issue 16,
items 3–7): every case is one clear line with a documented exit code, no hang, no
traceback, and the vault unchanged. ``BAD_INPUTS`` counts the cases for the README."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, Env
from test_meetings import LOW_RISK
from test_referral_kit import TODAY, Register, add_args

from rusenhet.vault import VaultLock


def _one_clear_line(result: object, code: int = 1) -> None:
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    # (an info line such as "Using script ..." may come first; the error is one line)
    assert len([x for x in lines if x.startswith(("Feil:", "Error:"))]) == 1, lines
    assert lines[-1].startswith(("Feil:", "Error:")), lines
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert "uventet" not in result.stderr and "nexpected" not in result.stderr  # type: ignore[attr-defined]


def _out_targets(env: Env) -> dict[str, Path]:
    fifo = env.root / "pipe"
    os.mkfifo(fifo)
    backup_copy = env.root / "kopi.vault"
    backup_copy.write_bytes(env.vault.read_bytes())
    return {"vault": env.vault, "lock": env.vault.with_name(env.vault.name + ".lock"),
            "device": Path("/dev/full"), "fifo": fifo, "another vault": backup_copy,
            "folder": env.root, "long name": env.root / ("x" * 300),
            "missing folder": env.root / "nope" / "out.txt"}


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if stat.S_ISREG(os.stat(path).st_mode) else None
    except OSError:
        return None


@pytest.mark.skipif(os.name == "nt", reason="FIFOs and /dev/full are POSIX")
def test_out_never_touches_the_vault_its_lock_or_special_files(unit: Env) -> None:
    Register(unit).add()
    targets = _out_targets(unit)
    targets["lock"].write_bytes(b"")  # as if a crashed writer left it
    before = {name: _content(p) for name, p in targets.items()}
    for name, target in targets.items():
        for args in (["person", "export", "1", "--out", str(target), "--force"],
                     ["stats", "aggregator-key", "--out", str(target), "--force"]):
            result = unit.run(args, passphrase=COUNSELLOR_PASS, user="ola",
                              env={"RUSENHET_TODAY": TODAY})
            _one_clear_line(result)
            assert _content(target) == before[name], name
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert stat.S_ISFIFO(os.stat(targets["fifo"]).st_mode)


def test_out_writes_a_new_owner_only_file_and_overwrites_only_with_force(unit: Env) -> None:
    Register(unit).add()
    out = unit.root / "innsyn.md"
    args = ["person", "export", "1", "--out", str(out)]
    ok = unit.run(args, passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    assert ok.exit_code == 0, ok.output
    if os.name != "nt":
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    first = out.read_bytes()
    again = unit.run(args, passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    _one_clear_line(again)
    assert out.read_bytes() == first
    forced = unit.run([*args, "--force"], passphrase=COUNSELLOR_PASS, user="ola",
                      env={"RUSENHET_TODAY": TODAY})
    assert forced.exit_code == 0, forced.output


@pytest.mark.skipif(os.name == "nt", reason="FIFOs are POSIX")
def test_a_fifo_vault_and_script_check_of_dev_zero_do_not_hang(env: Env) -> None:
    fifo = env.root / "vault.fifo"
    os.mkfifo(fifo)
    recovery = env.write_secret("recovery", "ABCD-EFGH")
    for args in (["--vault", str(fifo), "unit", "show"], ["script", "check", "/dev/zero"],
                 ["script", "check", str(fifo)],
                 ["--vault", str(fifo), "unlock-with-recovery", "--recovery-key-file",
                  str(recovery)]):
        t0 = time.monotonic()
        result = env.run_process(args, passphrase=ADMIN_PASS, user="anne", timeout=30)
        _one_clear_line(result)
        assert time.monotonic() - t0 < 20


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""),
                                               ("utf-16-le", b"\xff\xfe"),
                                               ("utf-16-be", b"\xfe\xff")])
def test_passphrase_files_in_the_encodings_windows_writes(unit: Env, encoding: str,
                                                          bom: bytes) -> None:
    path = unit.root / "pass.txt"
    path.write_bytes(bom + (ADMIN_PASS + "\r\n").encode(encoding))
    result = unit.run(["--passphrase-file", str(path), "unit", "show"], user="anne")
    assert result.exit_code == 0, result.output
    assert "mislykkede" not in result.stderr  # no failed login was counted


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary\xff\xfe\x00", b"\xff\xc3(",
                                     b"gr\x00nn elg"])
def test_a_binary_passphrase_file_is_bad_input_not_a_failed_login(unit: Env,
                                                                  content: bytes) -> None:
    path = unit.root / "pass.bin"
    path.write_bytes(content)
    result = unit.run(["--passphrase-file", str(path), "unit", "show"], user="anne")
    _one_clear_line(result)
    after = unit.run(["unit", "show"], passphrase=ADMIN_PASS, user="anne")
    assert after.exit_code == 0 and "mislykkede" not in after.stderr, after.output


def _deep(kind: str) -> str:
    if kind == "deep json":
        return '{"u24_hverdag": ' + "[" * 100_000 + "]" * 100_000 + "}"
    if kind == "huge int json":
        return '{"u24_viktighet": ' + "7" * 5000 + "}"
    if kind == "deep toml":
        return "u24_hverdag = " + "[" * 100_000 + "]" * 100_000 + "\n"
    return "u24_viktighet = " + "7" * 5000 + "\n"


@pytest.mark.parametrize("kind", ["deep json", "huge int json", "deep toml", "huge int toml"])
def test_answers_and_script_files_nested_deep_or_with_huge_numbers(unit: Env,
                                                                   kind: str) -> None:
    reg = Register(unit)
    reg.add()
    before = unit.vault.read_bytes()
    answers = unit.root / ("answers.json" if "json" in kind else "answers.toml")
    answers.write_text(_deep(kind), encoding="utf-8")
    result = unit.run(["meeting", "start", "1", "--answers", str(answers)],
                      passphrase=COUNSELLOR_PASS, user="ola", env={"RUSENHET_TODAY": TODAY})
    _one_clear_line(result)
    assert unit.vault.read_bytes() == before
    script = unit.root / "script.toml"
    script.write_text(_deep(kind.replace("json", "toml")), encoding="utf-8")
    checked = unit.run(["script", "check", str(script)])
    assert checked.exit_code == 1 and "Traceback" not in checked.output, checked.output


def test_control_characters_in_answers_are_escaped_and_in_names_refused(unit: Env) -> None:
    reg = Register(unit)
    reg.add()
    answers = unit.root / "answers.json"
    sneaky = "Bra\x1b[2J\x1b]0;pwned\x07 møte\x00 skjult \u202egnirts"
    answers.write_text(json.dumps({**LOW_RISK, "utfall_oppsummering": sneaky}),
                       encoding="utf-8")
    env = {"RUSENHET_TODAY": TODAY}
    started = unit.run(["meeting", "start", "1", "--answers", str(answers)],
                       passphrase=COUNSELLOR_PASS, user="ola", env=env)
    if started.exit_code == 0:  # stored: then it must never reach the terminal raw
        shown = unit.run(["meeting", "show", "1"], passphrase=COUNSELLOR_PASS, user="ola",
                         env=env)
        assert shown.exit_code == 0, shown.output
        assert not any(c in shown.stdout for c in "\x1b\x00\x07\u202e")
        assert "\\u001b" in shown.stdout
    else:
        _one_clear_line(started)
    for name in ("Åse\u202eBjørnstad", "Åse\x1b[31m Bjørnstad", "Åse\x00"):
        refused = reg.run(*add_args(name=name))
        _one_clear_line(refused)


@pytest.mark.skipif(os.name == "nt", reason="Windows passes arguments as UTF-16")
def test_non_utf8_arguments_are_a_clear_error(env: Env) -> None:
    result = env.run_process(["--user", os.fsdecode(b"ol\xe5"), "unit", "show"])
    _one_clear_line(result)
    assert "UTF-8" in result.stderr


def _interrupt_at(env: Env, delay: float) -> tuple[int, str]:
    full = dict(os.environ, RUSENHET_PASSPHRASE=ADMIN_PASS, RUSENHET_USER="anne",
                RUSENHET_VAULT=str(env.vault))
    proc = subprocess.Popen([sys.executable, "-m", "rusenhet", "unit", "set", "unit-name",
                             "Avbrutt"], env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


# A traceback frame in our code (runpy loading rusenhet/__main__.py itself is still
# Python starting up).
OUR_FRAME = re.compile(r'File "[^"]*rusenhet[/\\](?!__main__\.py")')


def _ctrl_c_runs(env: Env, runs: int, earliest: float) -> dict[str, int]:
    """Ctrl-C at a random moment of ``rusenhet unit set`` while the test holds the vault's
    lock, so the command lives long enough to be interrupted anywhere: while Python
    starts, while our modules import, while it unlocks and waits. From the first line of
    ``rusenhet.__main__`` on our code answers it: exit 130 and at most one line. Before
    that the interpreter itself is starting (site, runpy: ~30 ms, longer on a loaded
    machine); what Python does there is counted apart and must not come from our code."""
    rng = random.Random(130)
    seen = {"cancelled": 0, "finished first": 0, "before python": 0, "python startup": 0}
    for _ in range(runs):
        with VaultLock(env.vault):
            code, err = _interrupt_at(env, rng.uniform(earliest, 0.8))
        if code == 130:
            assert "Traceback" not in err and err.count("\n") <= 1, err
            seen["cancelled"] += 1
        elif code == 0:
            seen["finished first"] += 1
        elif code == -signal.SIGINT and not err:
            # Killed before the interpreter installed any handler (its start-up stretches
            # on a loaded machine): the shell reports 130, nothing is printed.
            seen["before python"] += 1
        else:
            assert not OUR_FRAME.search(err), (code, err)
            seen["python startup"] += 1
    return seen


@pytest.mark.skipif(os.name == "nt", reason="SIGINT delivery to a child is POSIX")
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(unit: Env) -> None:
    seen = _ctrl_c_runs(unit, 8, earliest=0.3)  # mostly after the interpreter's start-up
    assert seen["finished first"] == 0 and seen["cancelled"] >= 5, seen


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGINT delivery to a child is POSIX")
def test_ctrl_c_at_any_moment_100(unit: Env) -> None:
    print(f"\nCtrl-C runs: {_ctrl_c_runs(unit, 100, earliest=0.02)}")


def test_retrying_an_add_within_minutes_needs_yes_and_names_the_saved_referral(
        unit: Env) -> None:
    """A save that happened but looked failed (issue 16, item 3) must not become a
    duplicate referral when the counsellor runs the command again."""
    reg = Register(unit)
    reg.add()
    again = reg.run(*add_args(), lang="en")
    _one_clear_line(again)
    assert "saved as number 1 less than 15 minutes ago" in again.stderr
    count = "SELECT count(*) FROM referral"
    assert reg.open().case_conn.execute(count).fetchone()[0] == 1  # type: ignore[union-attr]
    other = reg.run(*add_args(authority="Agder politidistrikt"), lang="en")
    assert "saved as number" not in other.stderr  # another referral: only the open one
    confirmed = reg.run(*add_args(), "--yes")
    assert confirmed.exit_code == 0, confirmed.output
