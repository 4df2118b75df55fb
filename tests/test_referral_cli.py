"""The referral register through the real CLI: round trips, warnings, bad input, roles."""

from __future__ import annotations

import json
import os
import random
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import Env
from test_referral_kit import ADULT, Register, add_args, number_failing_with, spaced, synthetic

from rusenhet import audit, people, platform
from rusenhet.errors import ExitCode
from rusenhet.i18n import catalogue


@pytest.fixture
def reg(unit: Env) -> Register:
    return Register(unit)


def rows(result_stdout: str) -> list[dict[str, object]]:
    return list(json.loads(result_stdout)["rows"])


def test_round_trip_with_history(reg: Register) -> None:
    added = reg.add(extra=("--phone", "912 34 567", "--sex", "female", "--police-ref", "13579"))
    assert "Henvisning 1 er registrert" in added.stdout
    listed = rows(reg.ok("list", "--json").stdout)
    assert [(r["number"], r["name"], r["status"], r["counsellor"]) for r in listed] == [
        (1, "Åse Bjørnstad", "open", "ola")]
    assert listed[0]["birth_date"] == "2000-05-17" and listed[0]["age"] == 24

    edited = reg.ok("edit", "1", "--name", "Åse Bjørnstad Lie", "--phone", "",
                    "--reason", "Navnet var feilstavet")
    assert edited.stdout == "Henvisning 1 er rettet: Navn, Telefon.\n"
    reg.ok("close", "1", "--reason", "withdrawn")
    assert rows(reg.ok("list", "--json").stdout) == []
    assert [r["status"] for r in rows(reg.ok("list", "--status", "closed", "--json").stdout)] \
        == ["closed"]
    reg.ok("reopen", "1", "--reason", "Lukket ved en feil")
    reg.ok("extend", "1", "--deadline", "15.08.2024", "--reason", "Forlenget av politiet")
    reg.ok("assign", "1", "anne")

    shown = json.loads(reg.ok("show", "1", "--json").stdout)
    assert shown["name"] == "Åse Bjørnstad Lie" and shown["phone"] is None
    assert shown["sex"] == "female" and shown["police_reference"] == "13579"
    assert shown["deadline"] == "2024-08-15" and shown["counsellor"] == "anne"
    assert shown["status"] == "open" and shown["close_reason"] is None
    assert shown["id_number"] == ADULT
    history = [(h["action"], h["field"], h["old"], h["new"], h["reason"])
               for h in shown["history"]]
    assert history == [
        ("add", None, None, None, None),
        ("edit", "name", "Åse Bjørnstad", "Åse Bjørnstad Lie", "Navnet var feilstavet"),
        ("edit", "phone", "912 34 567", None, "Navnet var feilstavet"),
        ("close", "status", "open", "withdrawn", None),
        ("reopen", "status", "withdrawn", "open", "Lukket ved en feil"),
        ("extend", "deadline", "2024-07-01", "2024-08-15", "Forlenget av politiet"),
        ("assign", "counsellor", "ola", "anne", None),
    ]
    assert {h["user"] for h in shown["history"]} == {"ola"}
    assert all(h["time"] == "2024-06-14T12:00:00+00:00" for h in shown["history"])
    # The same history in the table, in the user's language.
    table = reg.ok("show", "1", "--format", "csv").stdout
    assert "Navnet var feilstavet" in table and "frist forlenget" in table

    # Every command that read or changed personal data is in the access log, in order.
    v = reg.open()
    actions = [(e.action, e.record_id) for e in audit.entries(v) if e.action.startswith("ref")]
    v.close()
    assert actions == [("referral.add", "1"), ("referral.list", None),
                       ("referral.edit", "1"),
                       ("referral.close", "1"), ("referral.list", None),
                       ("referral.list", None), ("referral.reopen", "1"),
                       ("referral.extend", "1"), ("referral.assign", "1"),
                       ("referral.show", "1"), ("referral.show", "1")]


def test_ids_accepted_and_birth_date_rules(reg: Register) -> None:
    rng = random.Random(7)
    dnr = people.valid_id_number(date(1990, 1, 2), rng, people.IdKind.DNR, synthetic=True)
    reg.add(spaced(dnr), name="Dag D-nummer")
    # Given and derivable: must agree (else exit 1, naming the birth date).
    assert reg.run(*add_args(ADULT, extra=("--birth-date", "17.05.2000"))).exit_code == 0
    bad = reg.run(*add_args(ADULT, extra=("--birth-date", "2000-05-18", "--yes")))
    assert bad.exit_code == ExitCode.INPUT and "Fødselsdato" in bad.stderr
    # A number issued under the 2032 rule does not tell the birth date: it must be given.
    new_rule = people.valid_id_number(date(2001, 2, 3), rng, synthetic=True, k1_remainder=2)
    missing = reg.run(*add_args(new_rule, name="Ny Regel"))
    assert missing.exit_code == ExitCode.INPUT and "--birth-date" in missing.stderr
    reg.add(new_rule, name="Ny Regel", extra=("--birth-date", "2001-02-03"))
    # No ID number at all: name and birth date.
    missing = reg.run(*add_args(None, name="Uten Nummer"))
    assert missing.exit_code == ExitCode.INPUT and "--birth-date" in missing.stderr
    reg.add(None, name="Uten Nummer", extra=("--birth-date", "1985-12-24"))
    listed = {r["name"]: r for r in rows(reg.ok("list", "--json").stdout)}
    assert listed["Dag D-nummer"]["birth_date"] == "1990-01-02"
    assert listed["Ny Regel"]["birth_date"] == "2001-02-03"
    assert listed["Uten Nummer"]["birth_date"] == "1985-12-24"
    shown = json.loads(reg.ok("show", str(listed["Uten Nummer"]["number"]), "--json").stdout)
    assert shown["id_number"] is None and shown["sex"] is None  # never derived


@pytest.mark.parametrize(("caution", "args", "words"), [
    ("under-criminal-age", add_args(synthetic(date(2010, 1, 5)), name="Liten Person"),
     "straffeloven § 20"),
    ("deadline-past", add_args(deadline="2024-05-01"), "har allerede gått ut"),
])
def test_caution_needs_yes(reg: Register, caution: str, args: list[str], words: str) -> None:
    before = reg.vault_bytes()
    refused = reg.run(*args)
    assert refused.exit_code == ExitCode.INPUT, refused.output
    assert words in refused.stderr and "--yes" in refused.stderr
    assert reg.vault_bytes() == before
    reg.ok(*args, "--yes")


def test_open_referral_caution_and_repeat(reg: Register) -> None:
    reg.add()
    before = reg.vault_bytes()
    refused = reg.run(*add_args(spaced(ADULT), received="2024-04-02"))
    assert refused.exit_code == ExitCode.INPUT
    assert "allerede en åpen henvisning: 1" in refused.stderr and "--yes" in refused.stderr
    # Nothing saved but the access-log entry for having been told about referral 1.
    v = reg.open()
    assert audit.entries(v)[-1].action == "referral.check"
    v.close()
    assert reg.vault_bytes() != before
    again = reg.ok(*add_args(spaced(ADULT), received="2024-04-02"), "--yes")
    assert "Henvisning 2 er registrert" in again.stdout
    assert "henvist før: henvisning 1" in again.stdout
    listed = rows(reg.ok("list", "--json").stdout)
    assert [(r["number"], r["repeat"]) for r in listed] == [(1, False), (2, True)]
    # A closed earlier referral is no caution, but still makes a repeat.
    reg.ok("close", "1", "--reason", "attended")
    reg.ok("close", "2", "--reason", "attended")
    third = reg.ok(*add_args(ADULT, received="2024-05-02"))
    assert "henvisning 1, 2" in third.stdout


def test_person_search_by_name_and_number(reg: Register) -> None:
    reg.add()
    other = synthetic(date(1995, 8, 9), seed=3)
    reg.add(other, name="Bjørn Åsheim")
    reg.add(None, name="Ola Nordmann", extra=("--birth-date", "1980-01-01"))
    reg.ok("close", "1", "--reason", "attended")
    reg.ok(*add_args(ADULT, name="Åse Bjørnstad", received="2024-05-01"))

    def found(query: str) -> list[int]:
        return [int(str(r["number"])) for r in
                rows(reg.ok("list", "--person", query, "--json").stdout)]

    assert found("ase bjornstad") == [1, 4]  # closed ones too, diacritics-insensitive
    assert found("ÅSE") == [1, 4]
    assert found(spaced(ADULT)) == [1, 4]
    assert found(other) == [2]
    assert found("bjorn asheim") == [2]
    assert found("nordmann") == [3]
    assert found("finnes ikke") == []
    assert found(synthetic(date(1970, 1, 1), seed=9)) == []
    none = reg.ok("list", "--person", "finnes ikke")
    assert (none.stdout, none.stderr.strip()) == ("", "Fant ingen henvisninger.")
    # The log says a search happened, never what was searched for.
    v = reg.open()
    searches = [e for e in audit.entries(v) if e.action == "referral.search"]
    v.close()
    assert searches and all(e.record_id is None for e in searches)


def test_list_filters(reg: Register) -> None:
    reg.add(extra=("--deadline", "2024-06-01", "--yes"))
    reg.add(synthetic(date(1990, 1, 1), 2), name="Per Frist", extra=("--counsellor", "anne"))
    overdue = rows(reg.ok("list", "--overdue", "--json").stdout)
    assert [r["number"] for r in overdue] == [1] and overdue[0]["overdue"] is True
    assert [r["number"] for r in rows(reg.ok("list", "--counsellor", "anne", "--json").stdout)] \
        == [2]
    reg.ok("close", "1", "--reason", "not-attended")
    assert rows(reg.ok("list", "--overdue", "--json").stdout) == []
    assert len(rows(reg.ok("list", "--status", "all", "--json").stdout)) == 2


def test_guardians_for_a_minor(reg: Register) -> None:
    minor = synthetic(date(2007, 9, 1), seed=5)
    reg.add(minor, name="Unge Person", extra=(
        "--guardian", "Kari Person, tlf. 912 34 567", "--guardian", "Per Person, per@example.no"))
    shown = json.loads(reg.ok("show", "1", "--json").stdout)
    assert shown["guardians"] == [{"name": "Kari Person", "contact": "tlf. 912 34 567"},
                                  {"name": "Per Person", "contact": "per@example.no"}]
    assert shown["age"] == 16 and shown["age_band"] == "16-17"
    reg.ok("edit", "1", "--no-guardians", "--reason", "Feil foresatte")
    assert json.loads(reg.ok("show", "1", "--json").stdout)["guardians"] == []


BAD_ADDS = [
    (add_args("123"), "11 sifre"),
    (add_args(number_failing_with(ADULT[:9], "idnr.check1")), "Første kontrollsiffer"),
    (add_args(ADULT[:10] + str((int(ADULT[10]) + 1) % 10)), "Andre kontrollsiffer"),
    (add_args(number_failing_with("328100123", "idnr.date")), "ikke en mulig fødselsdato"),
    (add_args(number_failing_with("018145600", "idnr.century")), "Individnummeret"),
    (add_args(people.valid_id_number(date(1990, 3, 3), random.Random(1))), "demohvelv"),
    (add_args(name="   "), "Navn:"),
    (add_args(received="2024-06-15"), "Mottatt dato: en henvisning kan ikke"),
    (add_args(received="31.02.2024"), "Mottatt dato: ikke en gyldig dato"),
    (add_args(deadline="2024-02-29"), "Frist: tidligere enn"),
    (add_args(deadline="neste uke"), "Frist: ikke en gyldig dato"),
    (add_args(extra=("--phone", "ring meg")), "Telefon:"),
    (add_args(extra=("--guardian", "Bare Navn")), "Foresatt:"),
    (add_args(extra=("--guardian", "Kari Person, 912 34 567")), "Foresatte: registreres bare"),
    (add_args(extra=("--counsellor", "siv")), "Veileder: siv er fagleder"),
    (add_args(extra=("--counsellor", "nobody")), "Veileder: nobody er ikke bruker"),
    (add_args(None, extra=("--birth-date", "2030-01-01")), "Fødselsdato: datoen ligger fram"),
    (add_args(None, extra=("--birth-date", "2024-04-01")), "senere enn datoen henvisningen"),
    ([a for a in add_args() if a not in ("--deadline", "2024-07-01")], "--deadline"),
    ([a for a in add_args() if a not in ("--id-number", ADULT)], "--no-id-number"),
]


def test_bad_input_exit_1_nothing_saved(reg: Register) -> None:
    """One line naming the field and the rule; the vault file is not touched."""
    before = reg.vault_bytes()
    for args, message in BAD_ADDS:
        result = reg.run(*args, "--yes")
        assert result.exit_code == ExitCode.INPUT, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stdout == "", args
        assert ADULT not in result.output  # an ID number is never echoed
        assert reg.vault_bytes() == before, args


def test_bad_input_on_existing_referral(reg: Register) -> None:
    reg.add()
    before = reg.vault_bytes()
    for args, code in [
        (["show", "99"], ExitCode.INPUT), (["show", "abc"], ExitCode.INPUT),
        (["show", ADULT], ExitCode.INPUT), (["close", "99", "--reason", "attended"], 1),
        (["close", "1", "--reason", "maybe"], ExitCode.USAGE),
        (add_args(basis="annet"), ExitCode.USAGE),
        (add_args(extra=("--no-id-number",)), ExitCode.USAGE),
        (["edit", "1", "--reason", "ingenting"], ExitCode.INPUT),
        (["edit", "1", "--name", "Åse Bjørnstad", "--reason", "samme"], ExitCode.INPUT),
        (["edit", "1", "--deadline", "2024-01-01", "--reason", "før mottatt"], ExitCode.INPUT),
        (["edit", "1", "--name", "Nytt Navn", "--reason", " "], ExitCode.INPUT),
        (["reopen", "1", "--reason", "er ikke lukket"], ExitCode.INPUT),
        (["extend", "1", "--deadline", "2024-06-30", "--reason", "kortere"], ExitCode.INPUT),
        (["extend", "1", "--deadline", "snart", "--reason", "x"], ExitCode.INPUT),
        (["assign", "1", "ola"], ExitCode.INPUT), (["assign", "1", "siv"], ExitCode.INPUT),
    ]:
        result = reg.run(*args)
        assert result.exit_code == code, (args, result.output)
        assert ADULT not in result.output
        assert reg.vault_bytes() == before, args


def test_edit_id_number_of_another_person_is_refused(reg: Register) -> None:
    other = synthetic(date(1995, 8, 9), seed=3)
    reg.add()
    reg.add(other, name="Annen Person")
    before = reg.vault_bytes()
    result = reg.run("edit", "1", "--id-number", other, "--reason", "feil nummer")
    assert result.exit_code == ExitCode.INPUT and "tilhører en annen person" in result.stderr
    assert reg.vault_bytes() == before
    # Correcting to an unused number derives the new birth date and keeps the token.
    fresh = synthetic(date(2001, 1, 1), seed=11)
    reg.ok("edit", "1", "--id-number", fresh, "--reason", "feil nummer")
    shown = json.loads(reg.ok("show", "1", "--json").stdout)
    assert shown["id_number"] == fresh and shown["birth_date"] == "2001-01-01"
    changes = [(h["field"], h["old"], h["new"]) for h in shown["history"][1:]]
    # The history notes that the number changed, without copying either number.
    assert changes == [("id_number", None, None), ("birth_date", "2000-05-17", "2001-01-01")]


COMMANDS = [["show", "{n}"], ["list"], ["list", "--person", "Åse"],
            ["edit", "{n}", "--name", "X Y", "--reason", "r"],
            ["close", "{n}", "--reason", "attended"], ["reopen", "{n}", "--reason", "r"],
            ["extend", "{n}", "--deadline", "2024-12-01", "--reason", "r"],
            ["assign", "{n}", "anne"], add_args()]


def test_supervisor_exit_3_same_for_existing_and_missing(reg: Register) -> None:
    reg.add()
    before = reg.vault_bytes()
    for template in COMMANDS:
        outputs = []
        for number in ("1", "999"):
            args = [a.replace("{n}", number) for a in template]
            result = reg.run(*args, user="siv")
            assert result.exit_code == ExitCode.ACCESS, (args, result.output)
            assert "Åse" not in result.output and ADULT not in result.output
            outputs.append((result.stdout, result.stderr))
        assert outputs[0] == outputs[1], template
    assert reg.vault_bytes() == before


def test_read_fails_closed_when_the_log_cannot_be_saved(reg: Register) -> None:
    """A read whose access-log entry cannot be saved shows nothing (here: a live lock)."""
    reg.add()
    lock = reg.vault_path.with_name(reg.vault_path.name + ".lock")
    lock.write_text(json.dumps({"token": "x", "host": platform.host_name(),
                                 "pid": os.getpid(), "time": 0}))
    try:
        for args in (["show", "1"], ["list"], ["list", "--person", "Åse"]):
            result = reg.run(*args, env={"RUSENHET_LOCK_TIMEOUT": "0.2"})
            assert result.exit_code == ExitCode.VAULT, result.output
            assert "Åse" not in result.output and result.stdout == ""
    finally:
        lock.unlink()


def test_every_message_key_of_the_register_exists() -> None:
    """A missing key would show the bare key to the user."""
    root = Path(__file__).parent.parent / "rusenhet"
    sources = [root / "referrals.py", root / "referral_records.py", root / "referral_details.py",
               root / "clock.py", root / "cli" / "referral.py", root / "cli" / "referral_add.py"]
    keys = {k for path in sources for k in re.findall(
        r'(?:Error|Denied|BadParameter|H|t)\(\s*"([a-z_]+\.[a-z_.\-]+)"', path.read_text())}
    assert len(keys) > 40
    for lang in ("nb", "en"):
        assert sorted(k for k in keys if k not in catalogue(lang)) == []
