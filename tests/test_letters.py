"""Letters, confirmations, innsyn and retention through the real CLI and vault."""

from __future__ import annotations

import json
import stat
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_meetings import LOW_RISK, answers_file
from test_referral_kit import TODAY, Register, synthetic

from rusenhet import store
from rusenhet.errors import ExitCode
from rusenhet.vault import Vault

PIA_PASS = "lys grønn frosk i sola"
PASSES = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS, "pia": PIA_PASS}
MINOR = synthetic(date(2007, 9, 1), seed=5)  # 16 on TODAY (2024-06-14)
DISTINCT = {**LOW_RISK, "u24_hverdag": "Zebrafjellet hver tirsdag",
            "u24_grunner": "Kanelsnurrmotivet", "utfall_oppsummering": "Pinnsvinavtalen"}


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    r.add(extra=("--police-ref", "12345678"))  # 1: adult, deadline 2024-07-01
    r.add(MINOR, name="Unge Person", extra=(
        "--guardian", "Kari Person, tlf. 912 34 567", "--yes"))  # 2: 16 years old
    unit.run(["unit", "set", "unit-contact", "tlf. 22 00 00 00"], passphrase=ADMIN_PASS,
             user="anne")
    return r


def run(reg: Register, *args: str, user: str = "ola", today: str = TODAY) -> Result:
    return reg.env.run(list(args), passphrase=PASSES[user], user=user,
                       env={"RUSENHET_TODAY": today})


def test_invitation_to_a_16_year_old_with_a_copy_to_the_foresatt(reg: Register) -> None:
    """The wording itself is pinned in golden files (test_letter_goldens.py)."""
    booked = run(reg, "meeting", "book", "2", "--at", "2024-06-20 14:30", "--place",
                 "Rådhuset, 2. etasje")
    assert booked.exit_code == 0, booked.output
    letter = run(reg, "letter", "invite", "2")
    assert letter.exit_code == 0, letter.output
    assert "Tid: torsdag 20.06.2024 kl. 14.30" in letter.stdout
    assert "Kopi til foresatte: Kari Person, tlf. 912 34 567" in letter.stdout
    english = run(reg, "--lang", "en", "letter", "invite", "2", "--format", "markdown")
    assert english.stdout.startswith("Testby rådgivende enhet")
    assert "# Invitation to an advisory meeting" in english.stdout
    assert "Copy to parents/guardians: Kari Person" in english.stdout


def test_letter_for_cancelled_meeting_refused(reg: Register) -> None:
    assert run(reg, "meeting", "book", "1", "--at", "2024-06-20 10:00").exit_code == 0
    assert run(reg, "meeting", "cancel", "1", "--reason", "Flyttet").exit_code == 0
    before = reg.vault_bytes()
    assert run(reg, "letter", "invite", "1").exit_code == ExitCode.INPUT
    assert reg.vault_bytes() == before


def test_confirmation_says_only_attendance(reg: Register) -> None:
    started = run(reg, "meeting", "start", "1", "--answers",
                  str(answers_file(reg.env, DISTINCT)))
    assert started.exit_code == 0, started.output
    for fmt in ("text", "markdown", "json"):
        out = run(reg, "--lang", "en", "confirm", "issue", "1", "--format", fmt)
        assert out.exit_code == 0, out.output
        for secret in ("Zebrafjellet", "Kanelsnurr", "Pinnsvin", "dudit", "risk", "low",
                       "fastlege", "kunnskap", "cannabis"):
            assert secret not in out.stdout.lower(), (fmt, secret)
    text = run(reg, "--lang", "en", "confirm", "issue", "1").stdout
    assert "The person attended an advisory meeting on 2024-06-14." in text
    assert "Your ref.: 12345678" in text
    data = json.loads(run(reg, "confirm", "issue", "1", "--format", "json").stdout)
    assert set(data) == {"schema", "referral_number", "name", "birth_date", "police_reference",
                         "authority", "legal_basis", "attended", "on", "unit_name",
                         "kommunenummer", "issued"}
    assert data["attended"] is True and data["on"] == "2024-06-14"


def test_not_attended_only_after_the_deadline(reg: Register) -> None:
    early = run(reg, "confirm", "issue", "1")
    assert early.exit_code == ExitCode.INPUT
    late = run(reg, "--lang", "en", "confirm", "issue", "1", today="2024-07-02")
    assert late.exit_code == 0, late.output
    assert "has not attended an advisory meeting by the deadline 2024-07-01" in late.stdout


def test_signed_confirmation_verifies_and_fails_after_one_byte(reg: Register) -> None:
    assert run(reg, "meeting", "start", "1", "--answers",
               str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    out = reg.env.root / "confirm.txt"
    issued = run(reg, "confirm", "issue", "1", "--sign", "--out", str(out))
    assert issued.exit_code == 0, issued.output
    assert "personopplysninger" in issued.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = run(reg, "confirm", "issue", "1", "--out", str(out))
    assert again.exit_code == ExitCode.INPUT  # never overwritten without --force
    key = reg.env.root / "unit.pem"
    shown = run(reg, "unit", "show-key", user="siv")  # every role can print the key
    assert shown.exit_code == 0 and shown.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key.write_text(shown.stdout, encoding="ascii")
    assert run(reg, "confirm", "verify", str(out), "--key", str(key)).exit_code == 0
    assert run(reg, "confirm", "verify", str(out)).exit_code == 0
    raw = bytearray(out.read_bytes())
    raw[raw.index(b"2024")] ^= 0x01
    out.write_bytes(bytes(raw))
    bad = run(reg, "confirm", "verify", str(out), "--key", str(key))
    assert bad.exit_code == ExitCode.INPUT


def test_innsyn_export(reg: Register) -> None:
    assert run(reg, "meeting", "start", "1", "--answers",
               str(answers_file(reg.env, DISTINCT))).exit_code == 0
    out = reg.env.root / "innsyn.json"
    result = run(reg, "person", "export", "1", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "rusenhet.innsyn/1"
    assert data["person"]["name"] == "Åse Bjørnstad" and "token" not in data["person"]
    assert [r["id"] for r in data["referrals"]] == [1]
    assert "Zebrafjellet hver tirsdag" in json.dumps(data, ensure_ascii=False)
    assert {"referral.add", "meeting.start"} <= {e["action"] for e in data["access_log"]}
    # By ID number too, as Markdown.
    md = reg.env.root / "innsyn.md"
    from test_referral_kit import ADULT

    assert run(reg, "person", "export", ADULT, "--out", str(md)).exit_code == 0
    doc = md.read_text(encoding="utf-8")
    assert doc.startswith("# Innsyn: opplysningene Testby rådgivende enhet har om deg")
    # What article 15 asks for, in plain words: purposes, legal basis, recipients (only
    # attendance to the prosecuting authority), retention, rectification, Datatilsynet,
    # the access log — and the answers as questions and answers, not codes.
    for words in ("## Hvorfor vi har opplysningene", "helse- og omsorgstjenesteloven § 3-9 c",
                  "påtaleunnlatelse (straffeprosessloven § 69)",
                  "Påtalemyndigheten får bare vite om du møtte eller ikke",
                  "slettes 24 måneder etter at saken er avsluttet", "be oss rette det",
                  "klage til Datatilsynet", "startet samtalen",
                  "Zebrafjellet hver tirsdag", "Mottatt: 01.03.2024"):
        assert words in doc, words
    for raw in ("legal_basis", "paatale\n", "**id**", "{", "T00:", "info_formal"):
        assert raw not in doc, raw
    english = reg.env.root / "innsyn-en.md"
    assert run(reg, "--lang", "en", "person", "export", "1", "--out", str(english)).exit_code == 0
    assert "complain to Datatilsynet" in english.read_text(encoding="utf-8")
    # Who may not: a supervisor; a counsellor who is not responsible.
    assert run(reg, "person", "export", "1", "--out", str(reg.env.root / "x"),
               user="siv").exit_code == ExitCode.ACCESS
    reg.env.add_user("pia", "counsellor", PIA_PASS)
    denied = run(reg, "person", "export", "1", "--out", str(reg.env.root / "y"), user="pia")
    assert denied.exit_code == ExitCode.ACCESS
    assert not (reg.env.root / "y").exists()


def test_purge_after_retention(reg: Register) -> None:
    assert run(reg, "meeting", "start", "1", "--answers",
               str(answers_file(reg.env, DISTINCT))).exit_code == 0
    reg.ok("close", "1", "--reason", "attended")
    dry = run(reg, "--lang", "en", "purge", "--dry-run", user="anne", today="2026-07-01")
    assert dry.exit_code == 0 and "1 referral(s) of 1 person(s) with 1 meeting(s)" in dry.stdout
    before = reg.vault_bytes()
    assert run(reg, "purge", "--dry-run", user="anne", today="2026-07-01").exit_code == 0
    # (a dry run changes nothing but the access log is not touched either)
    assert reg.vault_bytes() == before
    assert run(reg, "purge", user="ola", today="2026-07-01").exit_code == ExitCode.ACCESS
    too_early = run(reg, "--lang", "en", "purge", user="anne", today="2026-06-01")
    assert "0 referral(s)" in too_early.stdout
    done = run(reg, "purge", user="anne", today="2026-07-01")
    assert done.exit_code == 0, done.output
    v = Vault.open(reg.env.vault, "anne", ADMIN_PASS)
    assert v.case_conn is not None
    image = store.image(v.case_conn)
    for secret in ("Åse Bjørnstad".encode(), b"Zebrafjellet", b"Kanelsnurr", b"Pinnsvin"):
        assert secret not in image
    # The open referral of the other person and every fact row stay.
    assert v.case_conn.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    assert v.case_conn.execute("SELECT count(*) FROM referral_followup").fetchone()[0] == 0
    assert v.stats_conn.execute("SELECT count(*) FROM referral_fact").fetchone()[0] == 2
    assert v.stats_conn.execute("SELECT count(*) FROM meeting_fact").fetchone()[0] == 1
    log = [r[0] for r in v.case_conn.execute("SELECT action FROM access_log")]
    assert "vault.purge" in log
