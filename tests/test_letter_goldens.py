"""Every letter in both languages, as text and as PDF (its text extracted with pypdf),
compared with golden files in tests/golden/letters/. Regenerate them after a deliberate
change of wording with ``RUSENHET_WRITE_GOLDEN=1`` and read the diff before committing.

Also the rules a sendable letter follows: weekday and ``kl. 10.00``, «Vår ref.», the
date, the counsellor, postal addresses, the legal wording per basis, the limits of
confidentiality, what happens if the person does not come, and the rules for minors
(README, "Letters and minors")."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, Env, Result
from pypdf import PdfReader
from test_interview_answers import YOUTH, full_answers
from test_meetings import answers_file
from test_referral_kit import TODAY, Register, synthetic

from rusenhet.errors import ExitCode

GOLDEN = Path(__file__).parent / "golden" / "letters"
WRITE = os.environ.get("RUSENHET_WRITE_GOLDEN") == "1"


def run(reg: Register, *args: str, today: str = TODAY) -> Result:
    return reg.env.run(list(args), passphrase=COUNSELLOR_PASS, user="ola",
                       env={"RUSENHET_TODAY": today})


@pytest.fixture
def reg(unit: Env) -> Register:
    for key, value in (("unit-contact", "tlf. 38 00 00 00, rusenhet@testby.kommune.no"),
                       ("unit-address", "Rådhusgata 1, 4611 Testby")):
        assert unit.run(["unit", "set", key, value], passphrase=ADMIN_PASS,
                        user="anne").exit_code == 0
    r = Register(unit)
    # 1: adult, påtaleunnlatelse, with a postal address and a police reference.
    r.add(extra=("--police-ref", "12345678", "--address", "Storgata 1, 4611 Kristiansand"))
    # 2: 17, betinget dom, one foresatt.
    r.add(synthetic(date(2007, 1, 20), seed=7), name="Sindre Fjellheim", basis="betinget-dom",
          extra=("--guardian", "Kari Fjellheim, tlf. 913 45 678",
                 "--address", "Fjellveien 3, 4630 Kristiansand", "--yes"))
    # 3: 15, påtaleunnlatelse: the letter goes to the foresatte.
    r.add(synthetic(date(2009, 3, 2), seed=9), name="Mia Lund",
          extra=("--guardian", "Per Lund, tlf. 914 56 789",
                 "--address", "Elvegata 5, 4612 Kristiansand", "--yes"))
    for number in (1, 2, 3):
        booked = run(r, "meeting", "book", str(number), "--at", f"2{3 + number}.06.2024 10.00",
                     "--place", "Rådhusgata 1, rom 2", "--counsellor", "ola")
        assert booked.exit_code == 0, booked.output
    return r


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with RUSENHET_WRITE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), name


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join((page.extract_text() or "").rstrip() for page in reader.pages) + "\n"


def letter(reg: Register, lang: str, *args: str) -> str:
    result = run(reg, "--lang", lang, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_invitations_in_both_languages_and_as_pdf(reg: Register) -> None:
    for number, case in ((1, "adult"), (2, "17"), (3, "15")):
        for lang in ("nb", "en"):
            check(f"invite-{case}.{lang}.txt", letter(reg, lang, "letter", "invite", str(number)))
            out = reg.env.root / f"invite-{case}-{lang}.pdf"
            letter(reg, lang, "letter", "invite", str(number), "--format", "pdf", "--out",
                   str(out))
            assert out.read_bytes().startswith(b"%PDF-")
            check(f"invite-{case}.{lang}.pdf.txt", pdf_text(out))


def test_confirmations_in_both_languages_and_as_pdf(reg: Register) -> None:
    from test_meetings import LOW_RISK

    assert run(reg, "meeting", "start", "1", "--answers",
               str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    assert run(reg, "meeting", "cancel", "2", "--reason", "Flyttet").exit_code == 0
    for lang in ("nb", "en"):
        check(f"confirm-attended.{lang}.txt", letter(reg, lang, "confirm", "issue", "1"))
        check(f"confirm-not-attended.{lang}.txt",
              run(reg, "--lang", lang, "confirm", "issue", "2", today="2024-07-02").stdout)
        out = reg.env.root / f"confirm-{lang}.pdf"
        letter(reg, lang, "confirm", "issue", "1", "--format", "pdf", "--out", str(out))
        check(f"confirm-attended.{lang}.pdf.txt", pdf_text(out))


def test_a_sendable_invitation(reg: Register) -> None:
    text = letter(reg, "nb", "letter", "invite", "1")
    for words in ("Rådhusgata 1, 4611 Testby", "Åse Bjørnstad\nStorgata 1\n4611 Kristiansand",
                  "Vår ref.: 1/1", "Dato: 14.06.2024", "Tid: mandag 24.06.2024 kl. 10.00",
                  "påtaleunnlatelse", "avvergeplikten", "barnevernet",
                  "Hvis du ikke møter innen fristen", "Med vennlig hilsen\nola",
                  "Kontakt oss: tlf. 38 00 00 00"):
        assert words in text, words
    assert "—" not in text and "Kopi" not in text  # an adult: no copy to anyone
    betinget = letter(reg, "nb", "letter", "invite", "2")
    assert "Retten har gitt deg en betinget dom" in betinget  # the court sets it
    assert "Påtalemyndigheten har gitt deg" not in betinget


def test_minors_rules(reg: Register) -> None:
    # Under 16: to the foresatte, naming the child.
    young = letter(reg, "nb", "letter", "invite", "3")
    assert young.split("\n\n")[1].startswith("Til foresatte til Mia Lund\nPer Lund")
    assert "fordi Mia Lund er under 16 år" in young
    # 16–17: a copy to the foresatte, until the person has said no to informing them.
    assert "Kopi til foresatte: Kari Fjellheim" in letter(reg, "nb", "letter", "invite", "2")
    said_no = answers_file(reg.env, full_answers(YOUTH, 17, {"u17_foresatte": False}))
    held = run(reg, "meeting", "start", "2", "--answers", str(said_no))
    assert held.exit_code == 0, held.output
    assert run(reg, "meeting", "book", "2", "--at", "28.06.2024 10.00").exit_code == 0
    follow_up = letter(reg, "nb", "letter", "invite", "2")
    assert "Vår ref.: 2/2" in follow_up
    assert "Kopi" not in follow_up and "Kari Fjellheim" not in follow_up


def test_after_deadline_needs_yes_and_pdf_needs_out(reg: Register) -> None:
    assert run(reg, "referral", "extend", "1", "--deadline", "2024-06-30",
               "--reason", "Kortere frist").exit_code in (0, 1)
    late = run(reg, "meeting", "book", "3", "--at", "20.07.2024 10.00", "--yes")
    assert late.exit_code == 0, late.output
    refused = run(reg, "letter", "invite", "3", "--meeting", "2")
    assert refused.exit_code == ExitCode.INPUT
    assert "etter fristen" in refused.stderr and "--yes" in refused.stderr
    assert run(reg, "letter", "invite", "3", "--meeting", "2", "--yes").exit_code == 0
    no_out = run(reg, "letter", "invite", "1", "--format", "pdf")
    assert no_out.exit_code == ExitCode.INPUT and "--out" in no_out.stderr


def test_confirmation_is_in_the_history_and_never_while_a_meeting_is_booked(
        reg: Register) -> None:
    before = reg.vault_bytes()
    pending = run(reg, "confirm", "issue", "1", today="2024-07-02")  # deadline passed
    assert pending.exit_code == ExitCode.INPUT
    assert "har en avtalt eller påbegynt samtale" in pending.stderr
    assert reg.vault_bytes() == before
    assert run(reg, "meeting", "cancel", "1", "--reason", "Meldte avbud").exit_code == 0
    issued = run(reg, "confirm", "issue", "1", today="2024-07-02")
    assert "ikke møtt" in issued.stdout
    history = json.loads(run(reg, "referral", "show", "1", "--json").stdout)["history"]
    assert [(h["action"], h["new"]) for h in history][-1] == ("confirm", "not-attended")
    shown = run(reg, "referral", "show", "1", "--format", "table").stdout
    assert "bekreftelse laget" in shown
