"""One number per case: every case command takes the referral number, meetings are
picked through it, and no command produces a document about a person other than the
one it names (issue 12: ``letter invite 1`` once wrote to the person of referral 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import COUNSELLOR_PASS, Env, Result
from test_meetings import LOW_RISK, answers_file
from test_referral_kit import ADULT, TODAY, Register, synthetic

NAMES = {1: "Åse Bjørnstad", 2: "Per Haugen", 3: "Lise Dahl"}


def run(reg: Register, *args: str) -> Result:
    return reg.env.run(list(args), passphrase=COUNSELLOR_PASS, user="ola",
                       env={"RUSENHET_TODAY": TODAY})


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    r.add(name=NAMES[1])
    r.add(synthetic(date(1990, 1, 2), seed=6), name=NAMES[2])
    r.add(synthetic(date(1985, 4, 5), seed=8), name=NAMES[3])
    # Booked in the order 3, 1, 2: the vault's meeting ids differ from referral numbers.
    for number, at in ((3, "20.06.2024 10.00"), (1, "2024-06-21 11:00"),
                       (2, "24.06.2024 kl. 09.30")):
        booked = run(r, "meeting", "book", str(number), "--at", at)
        assert booked.exit_code == 0, booked.output
        assert f"henvisning {number} ({NAMES[number]})" in booked.stdout
    return r


def test_every_letter_is_about_the_referral_it_names(reg: Register) -> None:
    for number, name in NAMES.items():
        letter = run(reg, "letter", "invite", str(number))
        assert letter.exit_code == 0, letter.output
        assert f"henvisning {number} ({name})" in letter.stderr
        assert name in letter.stdout
        assert not [other for other in NAMES.values() if other != name
                    and other in letter.stdout]
        shown = run(reg, "meeting", "show", str(number), "--format", "table")
        assert f"Henvisning {number}, samtale 1" in shown.stdout
        assert name in shown.stdout
        data = json.loads(run(reg, "meeting", "show", str(number), "--json").stdout)
        assert (data["referral"], data["meeting"]) == (number, 1)


def test_booking_says_the_time_the_norwegian_way(reg: Register) -> None:
    booked = run(reg, "meeting", "reschedule", "2", "--at", "26.06.2024 10.00")
    assert booked.stdout.strip() == (
        "Timen for henvisning 2 (Per Haugen) er flyttet til onsdag 26.06.2024 kl. 10.00.")
    as_json = json.loads(run(reg, "meeting", "reschedule", "2", "--at", "2024-06-27 10:00",
                             "--json").stdout)
    assert as_json == {"referral": 2, "meeting": 1, "at": "2024-06-27T10:00:00"}


def test_several_meetings_need_meeting_n(reg: Register) -> None:
    again = run(reg, "meeting", "book", "1", "--at", "2024-06-28 10:00")
    assert again.exit_code == 0, again.output
    assert "henvisning 1 (Åse Bjørnstad), samtale 2" in again.stdout
    before = reg.vault_bytes()
    both = run(reg, "meeting", "cancel", "1", "--reason", "Dobbelt")
    assert both.exit_code == 1
    assert both.stderr.strip() == ("Feil: Henvisning 1 har flere samtaler som passer (1, 2). "
                                   "Velg én med --meeting N.")
    assert reg.vault_bytes() == before
    chosen = run(reg, "meeting", "cancel", "1", "--meeting", "2", "--reason", "Dobbelt")
    assert chosen.exit_code == 0, chosen.output
    assert "samtale 2" in chosen.stdout
    letter = run(reg, "letter", "invite", "1")  # only meeting 1 is still booked
    assert letter.exit_code == 0, letter.output
    assert "21.06.2024" in letter.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("meeting", "show", "M2"), "«M2» ser ut som et samtalenummer"),
    (("letter", "invite", ADULT), "Det ser ut som et ID-nummer"),
    (("meeting", "show", "9"), "Ingen henvisning med nummer 9"),
    (("meeting", "show", "1", "--meeting", "3"), "Henvisning 1 har ingen samtale 3 (den har: 1)"),
    (("meeting", "resume", "1"), "Henvisning 1 har ingen påbegynt samtale"),
    (("meeting", "amend", "1", "--reason", "x", "--answers", "a.toml"),
     "Henvisning 1 har ingen fullført samtale"),
    (("meeting", "no-show", "1", "--meeting", "første"), "--meeting tar samtalens nummer"),
])
def test_wrong_kind_of_number_is_a_clear_error(reg: Register, args: tuple[str, ...],
                                               message: str) -> None:
    before = reg.vault_bytes()
    result = run(reg, *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert reg.vault_bytes() == before


def test_start_and_show_use_the_referral_number(reg: Register) -> None:
    held = run(reg, "meeting", "start", "1", "--answers", str(answers_file(reg.env, LOW_RISK)))
    assert held.exit_code == 0, held.output  # picks up referral 1's appointment
    assert "henvisning 1 (Åse Bjørnstad)" in held.stdout
    data = json.loads(run(reg, "meeting", "show", "1", "--json").stdout)
    assert (data["referral"], data["meeting"], data["state"]) == (1, 1, "completed")
