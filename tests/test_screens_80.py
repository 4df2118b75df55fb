"""Screens at 80 columns in bokmål, and output for pipes and spreadsheets: no date or
number is ever cut, piped tables are tab-separated lines, CSV and Excel files have the
same English headers and codes in every language."""

from __future__ import annotations

import json

from conftest import COUNSELLOR_PASS, Env, Result
from test_referral_kit import TODAY, Register
from test_stats_internal import reg  # noqa: F401 - the fixture: four referrals, June 2024

STATS_NB = """\
Driftsstatistikk 2024-06
                                   Ikke           I      Median
Alder   Henv.  Gjentatt  Samtaler  møtt  Oppmøte  tide   dager
───────────────────────────────────────────────────────────────
16-17   1      0         0         0
18-24   2      0         1         0     100 %    100 %
25+     0      0         0         1     0 %
I alt   3      0         1         1     50 %     100 %
INTERNT – ikke for publisering
"""


def run(reg: Register, *args: str, columns: str = "80") -> Result:  # noqa: F811
    return reg.env.run(list(args), passphrase=COUNSELLOR_PASS, user="ola",
                       env={"RUSENHET_TODAY": TODAY, "COLUMNS": columns})


def test_stats_fit_80_columns_in_bokmal(reg: Register) -> None:  # noqa: F811
    shown = run(reg, "stats", "month", "2024-06", "--by", "age-band", "--format", "table")
    assert shown.stdout == STATS_NB
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80


def test_piped_table_is_tab_separated_rows(reg: Register) -> None:  # noqa: F811
    piped = run(reg, "stats", "month", "2024-06", "--by", "age-band").stdout.splitlines()
    assert piped[0] == "# INTERNT – ikke for publisering"
    assert piped[-1].split("\t") == ["I alt", "3", "0", "1", "1", "50 %", "100 %", ""]
    listed = run(reg, "referral", "list").stdout.splitlines()
    assert all(len(line.split("\t")) == 7 for line in listed)
    assert "│" not in "\n".join(listed) and "─" not in "\n".join(listed)


def test_csv_and_excel_are_the_same_in_every_language(reg: Register) -> None:  # noqa: F811
    nb = run(reg, "stats", "month", "2024-06", "--format", "csv").stdout
    en = run(reg, "--lang", "en", "stats", "month", "2024-06", "--format", "csv").stdout
    assert nb.splitlines()[1:] == en.splitlines()[1:]  # only the stamp line is translated
    assert nb.splitlines()[1] == ("referrals,repeat_referrals,meetings,no_shows,"
                                  "attendance_rate,within_deadline,median_days,"
                                  "referrals_made,contact_4w,contact_12w")
    assert nb.splitlines()[2] == "3,0,1,1,0.5,1.0,,1,0.0,0.0"
    excel = run(reg, "stats", "month", "2024-06", "--format", "excel").stdout
    assert excel.startswith("\ufeff")  # UTF-8 byte-order mark: Excel reads æøå right
    assert excel.splitlines()[2] == "3;0;1;1;0,5;1;;1;0;0"  # semicolons, decimal comma
    listed = run(reg, "referral", "list", "--excel").stdout
    assert listed.splitlines()[0].endswith("legal_basis;counsellor;status;overdue;repeat")
    referrals = [line.split(";") for line in listed.splitlines()[1:]]
    assert {row[7] for row in referrals} == {"paatale", "betinget-dom"}  # codes, not labels
    assert json.loads(run(reg, "referral", "list", "--json").stdout)["rows"][0]["status"] \
        == "open"


def test_script_show_fits_80_columns_with_whole_ids(env: Env) -> None:
    shown = env.run(["script", "show", "ungdom-16-17", "--format", "table"],
                    env={"COLUMNS": "80"}).stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "crafft_avslapping" in shown  # ids are never broken
    assert "show_if" not in shown  # the extra columns only with --wide
    wide = env.run(["script", "show", "ungdom-16-17", "--format", "table", "--wide"],
                   env={"COLUMNS": "80"}).stdout
    assert "show_if" in wide and "u17_foresatte" in wide
