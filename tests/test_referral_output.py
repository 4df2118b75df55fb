"""Exact output of the main referral screens (NO_COLOR=1, COLUMNS=80, today frozen)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import Env
from test_referral_kit import ADULT, Register, synthetic

MINOR = synthetic(date(2008, 1, 20), seed=4)


@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    r.add(extra=("--sex", "female", "--phone", "912 34 567", "--police-ref", "24681357"))
    r.add(MINOR, name="Jon Ung Haugen", basis="betinget-dom", received="2024-02-10",
          deadline="2024-06-01", extra=("--guardian", "Mor Haugen, 900 00 000", "--yes"))
    r.add(None, name="Thea Moe", received="2024-05-02", deadline="2024-08-01",
          extra=("--birth-date", "1970-12-31", "--counsellor", "anne"))
    r.ok("edit", "2", "--name", "Jon Haugen", "--reason", "Mellomnavn tatt bort")
    r.ok("extend", "2", "--deadline", "2024-07-15", "--reason", "Politiet forlenget")
    r.ok("close", "3", "--reason", "transferred")
    return r


LIST_NB = """\
Nr.  Navn           Alder  Mottatt     Frist       Grunnlag  Status
───────────────────────────────────────────────────────────────────
1    Åse Bjørnstad  24     01.03.2024  01.07.2024  § 69      åpen
2    Jon Haugen     16     10.02.2024  15.07.2024  § 37 j    åpen
3    Thea Moe       53     02.05.2024  01.08.2024  § 69      lukket
"""

SHOW_NB = """\
Henvisning 2
Felt                              Verdi
────────────────────────────────────────────────────────────────────
Henvisningsnummer                 2
Status                            åpen
Lukket fordi
Lukket dato
Navn                              Jon Haugen
ID-nummer                         20810865513
Fødselsdato                       20.01.2008
Kjønn
Postadresse
Alder i dag                       16
Aldersgruppe i dag                16-17
Møtedato
Alder ved møtet
Aldersgruppe ved møtet
Mottatt                           10.02.2024
Grunnlag                          betinget dom (straffeloven § 37 j)
Påtalemyndighet / politidistrikt  Oslo politidistrikt
Politiets saksnummer
Frist for oppmøte                 15.07.2024
Fristen er ute                    nei
Telefon
Foresatte                         Mor Haugen, 900 00 000
Veileder                          ola
Oppmøte
Gjentatt henvisning               nei
Personens andre henvisninger
Historikk
Dato        Bruker  Handling    Felt        Før         Etter       Begrunnelse
────────────────────────────────────────────────────────────────────────────────
14.06.2024  ola     registrert
14.06.2024  ola     rettet      Navn        Jon Ung     Jon Haugen  Mellomnavn
                                            Haugen                  tatt bort
14.06.2024  ola     frist       Frist for   01.06.2024  15.07.2024  Politiet
                    forlenget   oppmøte                             forlenget
"""

LIST_EN = """\
No.  Name           Age  Received    Deadline    Basis   Status
───────────────────────────────────────────────────────────────
1    Åse Bjørnstad  24   2024-03-01  2024-07-01  § 69    open
2    Jon Haugen     16   2024-02-10  2024-07-15  § 37 j  open
3    Thea Moe       53   2024-05-02  2024-08-01  § 69    closed
"""

SHOW_EN = """\
Referral 2
Field                                    Value
────────────────────────────────────────────────────────────────────────────────
Referral number                          2
Status                                   open
Closed because
Closed on
Name                                     Jon Haugen
ID number                                20810865513
Birth date                               2008-01-20
Sex
Postal address
Age today                                16
Age band today                           16-17
Meeting date
Age at the meeting
Age band at the meeting
Received                                 2024-02-10
Legal basis                              conditional sentence (straffeloven § 37
                                         j)
Prosecuting authority / police district  Oslo politidistrikt
Police reference
Deadline for attendance                  2024-07-15
Deadline passed                          no
Phone
Parents or guardians                     Mor Haugen, 900 00 000
Counsellor                               ola
Attendance
Repeat referral                          no
Other referrals of the person
History
Date        User  Action       Field        Before      After       Reason
────────────────────────────────────────────────────────────────────────────────
2024-06-14  ola   registered
2024-06-14  ola   corrected    Name         Jon Ung     Jon Haugen  Mellomnavn
                                            Haugen                  tatt bort
2024-06-14  ola   deadline     Deadline     2024-06-01  2024-07-15  Politiet
                  extended     for                                  forlenget
                               attendance
"""

def test_list_and_show_exact(reg: Register) -> None:
    """One vault for the four screens (building it is most of the cost)."""
    for lang, listed, shown in (("nb", LIST_NB, SHOW_NB), ("en", LIST_EN, SHOW_EN)):
        at80 = {"COLUMNS": "80"}
        assert reg.run("list", "--status", "all", "--format", "table", lang=lang,
                       env=at80).stdout == listed
        assert reg.run("show", "2", "--format", "table", lang=lang, env=at80).stdout == shown
    # Into a pipe: one tab-separated line per referral, whole names and dates, no box.
    piped = reg.ok("list", "--status", "all").stdout.splitlines()
    assert piped[1].split("\t") == ["2", "Jon Haugen", "16", "10.02.2024", "15.07.2024",
                                     "§ 37 j", "åpen"]


#: The --json schemas are part of the interface (DESIGN §1: stable and documented).
LIST_KEYS = ["number", "name", "birth_date", "age", "age_band", "received", "deadline",
             "legal_basis", "counsellor", "status", "overdue", "repeat"]
SHOW_KEYS = ["number", "status", "close_reason", "closed_on", "name", "id_number", "birth_date",
             "sex", "address", "age", "age_band", "meeting_date", "age_at_meeting", "age_band_at_meeting",
             "received", "legal_basis", "authority", "police_reference", "deadline", "overdue",
             "phone", "guardians", "counsellor", "attendance", "repeat", "other_referrals",
             "history"]
HISTORY_KEYS = ["referral", "time", "user", "action", "field", "old", "new", "reason"]


def test_json_schema(reg: Register) -> None:
    listed = json.loads(reg.ok("list", "--status", "all", "--json").stdout)
    assert list(listed) == ["rows"]
    assert [list(row) for row in listed["rows"]] == [LIST_KEYS] * 3
    assert listed["rows"][1] == {
        "number": 2, "name": "Jon Haugen", "birth_date": "2008-01-20", "age": 16,
        "age_band": "16-17", "received": "2024-02-10", "deadline": "2024-07-15",
        "legal_basis": "betinget-dom", "counsellor": "ola", "status": "open",
        "overdue": False, "repeat": False}
    shown = json.loads(reg.ok("show", "3", "--json").stdout)
    assert list(shown) == SHOW_KEYS
    assert all(list(entry) == HISTORY_KEYS for entry in shown["history"])
    assert (shown["status"], shown["close_reason"], shown["closed_on"]) == \
        ("closed", "transferred", "2024-06-14")
    assert (shown["id_number"], shown["birth_date"], shown["counsellor"]) == \
        (None, "1970-12-31", "anne")
    assert shown["history"][-1] == {
        "referral": 3, "time": "2024-06-14T12:00:00+00:00", "user": "ola", "action": "close",
        "field": "status", "old": "open", "new": "transferred", "reason": None}
    assert json.loads(reg.ok("show", "1", "--json").stdout)["id_number"] == ADULT
