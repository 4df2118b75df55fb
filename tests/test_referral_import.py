"""``referral import``: a unit's spreadsheet into the vault through the real CLI — the
example file, every bad row with its file:line message, all or nothing, the files Excel
writes on Norwegian Windows, historical meetings in the statistics, and the roles.

Every ID number is synthetic (month + 80) from a seeded generator; names are invented.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from conftest import Env, Result
from test_referral_kit import PASSES, TODAY, number_failing_with, synthetic

from rusenhet import audit, people
from rusenhet.errors import ExitCode
from rusenhet.i18n import catalogue
from rusenhet.spreadsheet import MAX_FILE_BYTES
from rusenhet.vault import Vault

EXAMPLE = Path(__file__).parent.parent / "templates" / "import-eksempel.csv"
HEADER = ("fødselsnummer", "navn", "fødselsdato", "mottatt", "frist", "grunnlag",
          "påtalemyndighet", "politiets_referanse")
NB = catalogue("nb")


def row(number: str = "", name: str = "Åse Bjørnstad", birth: str = "",
        received: str = "01.03.2024", deadline: str = "26.04.2024", basis: str = "paatale",
        authority: str = "Oslo politidistrikt", ref: str = "") -> tuple[str, ...]:
    return (number, name, birth, received, deadline, basis, authority, ref)


ASE = row(synthetic(date(2000, 5, 17), 1))
NILS = row(synthetic(date(1998, 1, 3), 2), name="Nils Ødegård", received="04.03.2024")
KARI = row(synthetic(date(2001, 9, 30), 3), name="Kari Lægreid", received="2024-03-05",
           deadline="2024-04-30", basis="påtaleunnlatelse")


def write_csv(env: Env, rows: list[tuple[str, ...]], *, header: tuple[str, ...] = HEADER,
              sep: str = ";", encoding: str = "utf-8-sig", eol: str = "\r\n",
              name: str = "register.csv") -> Path:
    path = env.tmp / name
    text = eol.join(sep.join(cells) for cells in [header, *rows]) + eol
    path.write_bytes(text.encode(encoding))
    return path


def run(env: Env, *args: str, user: str = "ola", today: str = TODAY) -> Result:
    return env.run(["referral", *args], passphrase=PASSES[user], user=user,
                   env={"RUSENHET_TODAY": today})


def listed(env: Env) -> list[dict[str, object]]:
    result = run(env, "list", "--status", "all", "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["rows"])


def log_actions(env: Env) -> list[tuple[str, str | None]]:
    vault = Vault.open(env.vault, "anne", PASSES["anne"])
    return [(e.action, e.record_id) for e in audit.entries(vault)]


def message(key: str, **params: object) -> str:
    return NB[key].format(**params)


# --------------------------------------------------------------------------- happy paths


def test_example_file_imports_with_history_meetings_and_one_log_entry(unit: Env) -> None:
    result = unit.run(["referral", "import", str(EXAMPLE)], passphrase=PASSES["ola"],
                      user="ola")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        message("import.done", count=7, first=1, last=7),
        message("import.summary", repeats=1, meetings=4, closed=5)]
    rows = unit.run(["referral", "list", "--status", "all", "--json"],
                    passphrase=PASSES["ola"], user="ola")
    got = [(r["number"], r["name"], r["status"], r["counsellor"], r["repeat"])
           for r in json.loads(rows.stdout)["rows"]]
    assert got == [(1, "Ida Marie Fjeldstad", "closed", "ola", False),
                   (2, "Henrik Sæther", "closed", "ola", False),
                   (3, "Live Årdal Brekke", "closed", "ola", False),
                   (4, "Tobias Nakkim", "closed", "ola", False),
                   (5, "Selma Øvrebø", "closed", "ola", False),
                   (6, "Henrik Sæther", "open", "ola", True),
                   (7, "Jonas Grønli", "open", "ola", False)]
    shown = json.loads(unit.run(["referral", "show", "1", "--json"], passphrase=PASSES["ola"],
                                user="ola").stdout)
    assert shown["closed_on"] == "2025-02-20" and shown["close_reason"] == "attended"
    assert shown["meeting_date"] == "2025-02-12"
    assert [h["action"] for h in shown["history"]] == ["import", "attendance", "close"]
    actions = log_actions(unit)
    assert ("referral.import", "n=7") in actions
    assert not any(a in ("referral.add", "referral.close", "referral.attendance")
                   for a, _ in actions)


def test_imported_meetings_count_in_stats_year_for_every_role(unit: Env) -> None:
    assert run(unit, "import", str(EXAMPLE), today="2026-01-15").exit_code == 0
    for user in ("ola", "siv"):
        result = unit.run(["stats", "year", "2025", "--json"], passphrase=PASSES[user],
                          user=user)
        assert result.exit_code == 0, result.output
        total = json.loads(result.stdout)["rows"][-1]
        assert (total["referrals"], total["repeat_referrals"], total["meetings"],
                total["no_shows"]) == (7, 1, 4, 0)
    shown = unit.run(["meeting", "show", "1", "--json"], passphrase=PASSES["ola"], user="ola")
    meeting = json.loads(shown.stdout)
    assert (meeting["state"], meeting["held_on"], meeting["result"]) == (
        "completed", "2025-02-12", None)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_excel_variants(unit: Env, encoding: str, sep: str, eol: str) -> None:
    quoted = row(synthetic(date(1990, 2, 2), 4), name="Bjørn Æsøy",
                 authority='"Sør-Vest politidistrikt; avd. Ålgård"', received="06.03.2024")
    path = write_csv(unit, [ASE, NILS, KARI, quoted], sep=sep, encoding=encoding, eol=eol)
    result = run(unit, "import", str(path))
    assert result.exit_code == 0, result.output
    names = [r["name"] for r in listed(unit)]
    assert names == ["Åse Bjørnstad", "Nils Ødegård", "Kari Lægreid", "Bjørn Æsøy"]
    shown = json.loads(run(unit, "show", "4", "--json").stdout)
    assert shown["authority"] == "Sør-Vest politidistrikt; avd. Ålgård"
    assert shown["legal_basis"] == "paatale"


def test_english_headings_iso_dates_and_a_leading_zero_excel_dropped(unit: Env) -> None:
    number = synthetic(date(1995, 4, 7), 5)  # day 07: Excel saves it without the 0
    assert number.startswith("0")
    header = ("id_number", "name", "birth_date", "received", "deadline", "legal_basis",
              "authority", "police_reference")
    path = write_csv(unit, [row(number[1:], name="Mats Grøtt", received="2024-03-01",
                                deadline="2024-04-26", basis="betinget-dom")],
                     header=header, sep=",", encoding="utf-8")
    assert run(unit, "import", str(path)).exit_code == 0
    shown = json.loads(run(unit, "show", "1", "--json").stdout)
    assert shown["id_number"] == number and shown["birth_date"] == "1995-04-07"
    assert shown["legal_basis"] == "betinget-dom"


def test_person_without_id_number_and_a_2032_number_with_its_birth_date(unit: Env) -> None:
    new_rule = people.valid_id_number(date(2001, 6, 1), random.Random(6), synthetic=True,
                                      k1_remainder=1)
    path = write_csv(unit, [row("", name="Tuva Nes", birth="12.09.2001"),
                            row(new_rule, name="Ola Ny", birth="01.06.2001")])
    result = run(unit, "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r["birth_date"] for r in listed(unit)] == ["2001-09-12", "2001-06-01"]


# --------------------------------------------------------------------------- bad rows


def _bad_rows() -> list[tuple[str, tuple[str, ...], str]]:
    """(case, bad row, expected message) — the bad row is on line 3 of the file."""
    valid = synthetic(date(1999, 4, 4), 7)
    check2 = number_failing_with(valid[:9], "idnr.check2")
    new_rule = people.valid_id_number(date(2001, 6, 1), random.Random(8), synthetic=True,
                                      k1_remainder=2)
    child = synthetic(date(2010, 1, 1), 9)
    return [
        ("check digit", row(check2, name="Per Feil"), message("idnr.check2")),
        ("2032 rule without birth date", row(new_rule, name="Ny Regel"),
         message("referral.birth_date_needed")),
        ("under 15", row(child, name="Lita Ung"),
         message("referral.caution.under-criminal-age", age=14, limit=15)),
        ("unknown legal basis", row(valid, name="Per Grunn", basis="bot"),
         message("import.bad_legal_basis", value="bot")),
        ("impossible date", row(valid, name="Per Dato", received="31.02.2024"),
         message("referral.bad_received")),
        ("deadline before received", row(valid, name="Per Frist", deadline="01.02.2024"),
         message("referral.deadline_before_received")),
        ("duplicate in the file", ASE, message("import.duplicate_in_file", line=2)),
        ("empty cell", row(valid, name=""), message("import.empty_cells", columns="navn")),
    ]


@pytest.mark.parametrize("case", [c[0] for c in _bad_rows()])
def test_every_bad_row_kind_is_reported_with_file_and_line(unit: Env, case: str) -> None:
    _, bad, expected = next(c for c in _bad_rows() if c[0] == case)
    path = write_csv(unit, [ASE, bad, NILS])
    before = unit.vault.read_bytes()
    for args in (("import", str(path), "--dry-run"), ("import", str(path))):
        result = run(unit, *args)
        assert result.exit_code == ExitCode.INPUT
        assert result.stdout.splitlines() == [f"{path}:3: {expected}"]
        assert result.stderr.strip() == "Feil: " + message("import.problems", count=1, rows=3)
    assert unit.vault.read_bytes() == before


@pytest.mark.parametrize(("cells", "key"), [
    (("avsluttet", "", "møtte", "02.03.2024"), "import.closed_date_needed"),
    (("avsluttet", "10.03.2024", "", ""), "import.close_reason_needed"),
    (("åpen", "10.03.2024", "møtte", "02.03.2024"), "import.open_but_closed"),
    (("", "", "trukket tilbake", ""), "import.reason_without_closed"),
    (("", "10.03.2024", "møtte", ""), "import.attended_date_needed"),
    (("", "10.03.2024", "møtte ikke", "02.03.2024"), "import.attended_but_not"),
    (("", "10.03.2024", "møtte", "12.03.2024"), "import.attended_after_closed"),
    (("", "", "", "20.02.2024"), "referral.bad_attendance_date"),
    (("", "01.07.2024", "overført", ""), "referral.bad_closed_date"),
])
def test_closing_columns_must_tell_one_story(unit: Env, cells: tuple[str, ...],
                                             key: str) -> None:
    header = (*HEADER, "status", "avsluttet", "avslutningsgrunn", "møtt_dato")
    path = write_csv(unit, [(*ASE, "", "", "", ""), (*NILS, *cells)], header=header)
    result = run(unit, "import", str(path), "--dry-run")
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout.splitlines() == [f"{path}:3: {message(key)}"]


def test_every_bad_row_is_reported_not_only_the_first(unit: Env) -> None:
    path = write_csv(unit, [row("12345678901", name="En"), ASE,
                            row(synthetic(date(1990, 1, 1), 10), name="To", basis="?")])
    result = run(unit, "import", str(path), "--dry-run")
    assert [line.split(": ", 1)[0] for line in result.stdout.splitlines()] == [
        f"{path}:2", f"{path}:4"]


def test_all_or_nothing_a_bad_last_row_leaves_the_vault_byte_identical(unit: Env) -> None:
    rows = [row(synthetic(date(1990, 1, 1 + i % 28), 100 + i), name=f"Person Nummer{i}",
                received=f"{1 + i % 28:02d}.03.2024", deadline="30.04.2024")
            for i in range(40)]
    path = write_csv(unit, [*rows, row("12345678901", name="Siste Feil")])
    before = unit.vault.read_bytes()
    result = run(unit, "import", str(path))
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout.splitlines() == [f"{path}:42: {message('idnr.check1')}"]
    assert unit.vault.read_bytes() == before
    assert run(unit, "list", "--status", "all", "--json").exit_code == 0
    assert listed(unit) == []


def test_duplicate_against_the_vault_is_reported_and_its_reveal_logged(unit: Env) -> None:
    """The insider probing who is registered with a dry run leaves a trace."""
    assert run(unit, "import", str(write_csv(unit, [ASE], name="first.csv"))).exit_code == 0
    again = write_csv(unit, [NILS, ASE], name="again.csv")
    result = run(unit, "import", str(again), "--dry-run")
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout.splitlines() == [
        f"{again}:3: {message('import.duplicate_in_vault', number=1)}"]
    assert log_actions(unit)[-1] == ("referral.import_check", "1")
    assert [r["number"] for r in listed(unit)] == [1]


def test_open_referral_of_the_same_person(unit: Env) -> None:
    later = (ASE[0], *ASE[1:3], "10.04.2024", "05.06.2024", *ASE[5:])
    path = write_csv(unit, [ASE, later])
    result = run(unit, "import", str(path), "--dry-run")
    assert result.stdout.splitlines() == [
        f"{path}:3: {message('import.open_referral_in_file', line=2)}"]


def test_dry_run_without_problems_changes_nothing(unit: Env) -> None:
    path = write_csv(unit, [ASE, NILS, KARI])
    before = unit.vault.read_bytes()
    result = run(unit, "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == message("import.checked", rows=3)
    assert unit.vault.read_bytes() == before


# --------------------------------------------------------------------------- bad files


def _bad_file(env: Env, kind: str) -> tuple[Path, str, dict[str, object]]:
    path = env.tmp / f"{kind}.csv"
    good = ";".join(HEADER) + "\r\n" + ";".join(ASE) + "\r\n"
    expected = ", ".join(f"{en}/{nb}" for en, nb in (
        ("id_number", "fødselsnummer"), ("name", "navn"), ("birth_date", "fødselsdato"),
        ("sex", "kjønn"), ("received", "mottatt"), ("deadline", "frist"),
        ("legal_basis", "grunnlag"), ("authority", "påtalemyndighet"),
        ("police_reference", "politiets_referanse"), ("counsellor", "veileder"),
        ("status", "status"), ("closed", "avsluttet"), ("close_reason", "avslutningsgrunn"),
        ("attended_on", "møtt_dato")))
    cases: dict[str, tuple[bytes, str, dict[str, object]]] = {
        "empty": (b"", "csv.empty", {}),
        "header-only": (good.split("\r\n")[0].encode() + b"\r\n", "import.no_rows", {}),
        "no-known-headers": ("Dato;Beløp\r\n01.01.2024;12,50\r\n".encode(),
                             "csv.no_known_columns", {"expected": expected}),
        "unknown-column": (("notat;" + good.replace("\r\n", "\r\n;", 1)).encode(),
                           "csv.unknown_column", {"column": "notat", "expected": expected}),
        "missing-columns": ("navn;mottatt\r\nÅse;01.03.2024\r\n".encode(),
                            "import.missing_columns",
                            {"columns": "fødselsnummer/fødselsdato, frist, grunnlag, "
                                        "påtalemyndighet"}),
        "workbook": (b"PK\x03\x04" + bytes(200), "csv.workbook", {}),
        "utf16": (good.encode("utf-16"), "csv.utf16", {}),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "csv.not_text", {}),
        "mixed": (good.encode("utf-8") + ";".join(NILS).encode("cp1252") + b"\r\n",
                  "csv.mixed_encodings", {"first": "UTF-8", "first_line": 1,
                                          "second": "Windows-1252", "second_line": 3}),
    }
    data, key, params = cases[kind]
    path.write_bytes(data)
    return path, key, params


@pytest.mark.parametrize("kind", ["empty", "header-only", "no-known-headers",
                                  "unknown-column", "missing-columns", "workbook", "utf16",
                                  "binary", "mixed"])
def test_a_bad_file_is_one_clear_line_and_exit_1(unit: Env, kind: str) -> None:
    path, key, params = _bad_file(unit, kind)
    before = unit.vault.read_bytes()
    result = run(unit, "import", str(path))
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout == ""
    assert result.stderr == "Feil: " + message(key, file=path, **params) + "\n"
    assert "Traceback" not in result.output
    assert unit.vault.read_bytes() == before


def test_a_file_above_the_size_cap_is_refused_before_it_is_read(unit: Env) -> None:
    path = unit.tmp / "huge.csv"
    with path.open("wb") as fh:  # sparse: no disk space used
        fh.truncate(MAX_FILE_BYTES + 1)
    result = run(unit, "import", str(path))
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr == "Feil: " + message("csv.too_large", file=path,
                                               max=MAX_FILE_BYTES // 2**20) + "\n"


def test_a_missing_file(unit: Env) -> None:
    result = run(unit, "import", str(unit.tmp / "nowhere.csv"))
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr.startswith("Feil: Fant ikke filen")


# --------------------------------------------------------------------------- roles


def test_supervisor_is_refused_before_the_file_is_read(unit: Env) -> None:
    path = write_csv(unit, [ASE])
    before = unit.vault.read_bytes()
    result = run(unit, "import", str(path), user="siv")
    assert result.exit_code == ExitCode.ACCESS
    assert unit.vault.read_bytes() == before
    assert run(unit, "import", str(path), user="anne").exit_code == 0


def test_english_messages(unit: Env) -> None:
    path = write_csv(unit, [row(synthetic(date(1999, 1, 1), 11), name="X Y", basis="bot")])
    result = unit.run(["--lang", "en", "referral", "import", str(path)],
                      passphrase=PASSES["ola"], user="ola", env={"RUSENHET_TODAY": TODAY})
    assert result.stdout.strip() == (f'{path}:2: legal basis "bot" is unknown; use paatale '
                                     "(or påtaleunnlatelse) or betinget-dom.")
    assert result.stderr.startswith("Error: 1 problem(s) in 1 rows; nothing was imported.")


def test_a_corrected_birth_date_moves_the_imported_meeting_to_its_new_age_band(
        unit: Env) -> None:
    header = (*HEADER, "møtt_dato")
    path = write_csv(unit, [(*row("", name="Tuva Nes", birth="12.09.2001"), "08.03.2024")],
                     header=header)
    assert run(unit, "import", str(path)).exit_code == 0

    def meetings_by_band() -> dict[str, int]:
        result = unit.run(["stats", "year", "2024", "--by", "age-band", "--json"],
                          passphrase=PASSES["siv"], user="siv")
        return {r["age-band"]: r["meetings"] for r in json.loads(result.stdout)["rows"][:-1]}

    assert meetings_by_band() == {"18-24": 1}
    edited = run(unit, "edit", "1", "--birth-date", "12.09.1995", "--reason", "Feil fødselsår")
    assert edited.exit_code == 0, edited.output
    assert meetings_by_band() == {"25+": 1}
