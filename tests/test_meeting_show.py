"""``meeting show`` is a record a counsellor can read: question texts, answer labels and
band meanings in the chosen language; codes only in ``--json``."""

from __future__ import annotations

import json

from conftest import Result
from test_output_contracts import PASSES, reg  # noqa: F401 - referral 1 held (LOW_RISK)
from test_referral_kit import TODAY, Register

SHOW_NB_TOP = """\
Henvisning 1, samtale 1
Felt                         Verdi
─────────────────────────────────────────────────────────────────────
Henvisning                   1
Samtale                      1
Navn                         Åse Bjørnstad
Status                       fullført
Tidspunkt
Sted
Veileder                     ola
Gjennomført                  14.06.2024
Skript                       Rådgivende samtale, 18–24 år (1.1.0)
Risikonivå                   lav
DUDIT-lignende sum (0–44)    0 – under grensen for problematisk bruk
AUDIT-C-lignende sum (0–12)  1 – under grensen
Utfall                       Samtalen er avsluttet uten videre avtale
Henvist til (samtykke)       Fastlege (samtykket)
Råd                          Fakta om stoffene og risikoen ved bruk
Rusmidler                    Cannabis
"""


def run(reg: Register, *args: str) -> Result:  # noqa: F811
    return reg.env.run(list(args), passphrase=PASSES["ola"], user="ola",
                       env={"RUSENHET_TODAY": TODAY, "COLUMNS": "80"})


def test_meeting_show_in_words_at_80_columns(reg: Register) -> None:  # noqa: F811
    shown = run(reg, "meeting", "show", "1", "--format", "table").stdout
    assert shown.startswith(SHOW_NB_TOP)
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "Formålet med samtalen er forklart        Ja" in shown
    assert "Hvor ofte drikker du alkohol?            En gang i måneden eller sjeldnere" in shown
    for code in ("info_formal", "u24_", "auditc", "ingen-avtale", "under-terskel", "low",
                 "(kategori)", "ja\n", "True"):
        assert code not in shown, code


def test_meeting_show_in_english_and_codes_in_json(reg: Register) -> None:  # noqa: F811
    english = run(reg, "--lang", "en", "meeting", "show", "1", "--format", "table").stdout
    assert "Risk level                  low" in english
    assert "1 – below the threshold" in english
    assert "Yes" in english and " Ja" not in english
    data = json.loads(run(reg, "meeting", "show", "1", "--json").stdout)
    assert data["result"]["answers"]["info_formal"] is True
    assert data["result"]["bands"]["dudit"] == "under-terskel"
