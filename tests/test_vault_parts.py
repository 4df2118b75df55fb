"""Each part of the vault package on its own: the file format's exact shape, the signed
roster and its vault id, credentials, enrolment requests and this laptop's memory."""

from __future__ import annotations

import json
import os
import struct
import sys

import pexpect
import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, Env

from rusenhet import crypto
from rusenhet.errors import ExitCode, InputError, VaultError
from rusenhet.vault import enrolment, fileformat, memory, roster
from rusenhet.vault.integrity import verify_header


def _with_header_bytes(raw: bytes, header_bytes: bytes) -> bytes:
    vf = fileformat.parse(raw)
    prefix = struct.pack(">8sHI", fileformat.MAGIC, fileformat.FORMAT_VERSION,
                         len(header_bytes)) + header_bytes
    return prefix + crypto.sha256(prefix) + vf.case_ct + vf.stats_ct


# --------------------------------------------------------------------------- fileformat


@pytest.mark.parametrize("mutate", [
    "list-for-object", "deep-nesting", "reordered", "duplicate-key", "spaces",
    "bool-for-int", "extra-field", "missing-field", "huge-int", "not-utf8"])
def test_malformed_header_is_damaged_exit_4(unit: Env, mutate: str) -> None:
    raw = unit.vault.read_bytes()
    header = fileformat.parse(raw).header
    canonical = fileformat.canonical(header)
    if mutate == "list-for-object":
        bad = fileformat.canonical(dict(header, roster=[1, 2]))
    elif mutate == "deep-nesting":
        bad = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    elif mutate == "reordered":
        bad = json.dumps(dict(reversed(list(header.items()))), separators=(",", ":"),
                         ensure_ascii=False).encode()
    elif mutate == "duplicate-key":
        bad = canonical[:-1] + b',"counter":0}'
    elif mutate == "spaces":
        bad = json.dumps(header, sort_keys=True, ensure_ascii=False).encode()
    elif mutate == "bool-for-int":
        bad = fileformat.canonical(dict(header, counter=True))
    elif mutate == "extra-field":
        bad = fileformat.canonical(dict(header, extra=1))
    elif mutate == "missing-field":
        bad = fileformat.canonical({k: v for k, v in header.items() if k != "lang"})
    elif mutate == "huge-int":
        bad = canonical.replace(b'"counter":', b'"counter":' + b"9" * 5000 + b",\"x\":", 1)
    else:
        bad = canonical.replace(b'"lang":"', b'"lang":"\xff', 1)
    assert bad != canonical
    unit.vault.write_bytes(_with_header_bytes(raw, bad))
    with pytest.raises(VaultError) as info:
        fileformat.read_file(unit.vault)
    assert info.value.key == "vault.damaged"
    res = unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == ExitCode.VAULT and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def test_a_fifo_or_folder_as_vault_is_a_clear_error(env: Env) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this OS")
    os.mkfifo(env.vault)
    res = env.run_process(["user", "list"], passphrase=ADMIN_PASS, user="anne", timeout=20)
    assert res.exit_code == ExitCode.INPUT and "vanlig fil" in res.stderr, res.output


# --------------------------------------------------------------------------- roster


def test_vault_id_names_the_root_admin_key(unit: Env) -> None:
    header = fileformat.read_file(unit.vault).header
    root = crypto.b64d(header["roster"]["admin_keys"][0])
    assert header["vault_id"] == roster.vault_id_for(root)
    assert roster.vault_id_for(crypto.ed25519_public(crypto.ed25519_generate())) != \
        header["vault_id"]
    verify_header(header)


def test_rekey_extends_the_admin_chain_and_it_still_verifies(unit: Env) -> None:
    before = fileformat.read_file(unit.vault).header["roster"]["admin_keys"]
    assert unit.run(["rekey"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    header = fileformat.read_file(unit.vault).header
    assert header["roster"]["admin_keys"][:len(before)] == before
    assert len(header["roster"]["admin_keys"]) == len(before) + 1
    assert verify_header(header).admin_chain[0] == crypto.b64d(before[0])


def test_fingerprint_is_six_groups_of_five_digits_and_binds_everything() -> None:
    x, e = os.urandom(32), os.urandom(32)
    fp = roster.fingerprint("a" * 32, "kari", x, e)
    assert len(fp.split()) == 6 and all(len(g) == 5 and g.isdigit() for g in fp.split())
    assert fp != roster.fingerprint("b" * 32, "kari", x, e)
    assert fp != roster.fingerprint("a" * 32, "kare", x, e)
    assert fp != roster.fingerprint("a" * 32, "kari", e, x)


# --------------------------------------------------------------------------- enrolment


def test_enrolment_request_is_validated(unit: Env) -> None:
    assert unit.run(["user", "invite", "kari", "--role", "counsellor"],
                    passphrase=ADMIN_PASS, user="anne").exit_code == 0
    r = roster.verify(fileformat.read_file(unit.vault).header)
    text, request = enrolment.make_request(r, "kari", "gul sol skinner over vidda")
    assert enrolment.parse_request(text, r) == request
    body = json.loads(text)
    for field, value in (("name", "ola"), ("x25519", crypto.b64e(os.urandom(32))),
                         ("vault_id", "f" * 32)):
        changed = json.dumps(dict(body, **{field: value}))
        with pytest.raises(InputError):
            enrolment.parse_request(changed, r)
    for junk in ("", "[]", "{", "1" * 5000, '{"a":' * 50_000):
        with pytest.raises(InputError):
            enrolment.parse_request(junk, r)


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")
def test_enrol_and_approve_at_a_terminal_without_flags(unit: Env) -> None:
    assert unit.run(["user", "invite", "kari", "--role", "supervisor"],
                    passphrase=ADMIN_PASS, user="anne").exit_code == 0
    base = dict(os.environ, RUSENHET_VAULT=str(unit.vault), TERM="xterm", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "rusenhet", "--lang", "en", "user", "enrol",
                                           "kari"], env=base, encoding="utf-8", timeout=30)
    child.expect("New passphrase for kari")
    child.sendline("gul sol skinner over vidda")
    child.expect("Repeat")
    child.sendline("gul sol skinner over vidda")
    child.expect(r"admin\): ([\d ]+)\r?\n")
    fingerprint = child.match.group(1).strip()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    request = unit.vault.with_name("kari.rusenhet-enrol")
    child = pexpect.spawn(sys.executable, ["-m", "rusenhet", "--lang", "en", "user",
                                           "approve", str(request)],
                          env=dict(base, RUSENHET_USER="anne", RUSENHET_PASSPHRASE=ADMIN_PASS),
                          encoding="utf-8", timeout=30)
    child.expect("It must be: " + fingerprint)
    child.expect("Fingerprint as the user reads it out")
    child.sendline(fingerprint.replace(" ", ""))  # read out without the spaces
    child.expect("Approved: kari")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    res = unit.run(["user", "list"], passphrase="gul sol skinner over vidda", user="kari")
    assert res.exit_code == 0 and "kari" in res.stdout


# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"x": 1}', b"\xff\xfe", b"{" * 10**5])
def test_damaged_memory_fails_closed(unit: Env, content: bytes) -> None:
    assert unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    memory.memory_file().write_bytes(content)
    before = unit.vault.read_bytes()
    res = unit.run(["user", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert res.exit_code == ExitCode.VAULT, res.output
    assert str(memory.memory_file()) in res.stderr and "Traceback" not in res.output
    assert unit.vault.read_bytes() == before


def test_memory_refuses_a_chain_that_does_not_extend_the_one_seen(unit: Env) -> None:
    assert unit.run(["user", "list"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    header = fileformat.read_file(unit.vault).header
    other = json.loads(json.dumps(header))
    other["roster"]["admin_keys"] = [crypto.b64e(os.urandom(32))]
    with pytest.raises(VaultError) as info:
        memory.check(other, "", allow_older=True)
    assert info.value.key == "vault.admin_key_changed"
    older = json.loads(json.dumps(header))
    older["counter"] -= 1
    with pytest.raises(VaultError):
        memory.check(older, "")
    memory.check(older, "", allow_older=True)  # a backup may be older, same chain


def test_a_read_that_logs_re_encrypts_only_the_section_it_changed(unit: Env) -> None:
    before = fileformat.read_file(unit.vault)
    res = unit.run(["referral", "list"], passphrase=COUNSELLOR_PASS, user="ola")
    assert res.exit_code == 0, res.output
    after = fileformat.read_file(unit.vault)
    assert after.counter == before.counter + 1  # the read was logged and saved first
    assert after.case_ct != before.case_ct  # the access log lives in the case section
    assert after.stats_ct == before.stats_ct  # untouched: not re-encrypted
    assert after.header["sections"]["stats"] == before.header["sections"]["stats"]
    res = unit.run(["stats", "month", "2026-11"], passphrase=ADMIN_PASS, user="anne")
    assert res.exit_code == 0, res.output
    # Rotation re-encrypts both, whatever changed.
    assert unit.run(["rekey"], passphrase=ADMIN_PASS, user="anne").exit_code == 0
    rotated = fileformat.read_file(unit.vault)
    assert rotated.stats_ct != after.stats_ct and rotated.case_ct != after.case_ct
