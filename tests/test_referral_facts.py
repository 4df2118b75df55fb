"""What the register leaves behind: de-identified stats facts, the access log, no
plaintext on disk, and the ID-number policy of production and demo vaults."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, Env, files_containing
from test_referral_kit import ADULT, Register, add_args, synthetic

from rusenhet import facts, people, referrals
from rusenhet.errors import ExitCode
from rusenhet.vault import Vault


@pytest.fixture
def reg(unit: Env) -> Register:
    return Register(unit)


#: Exactly these columns, and nothing else, may describe a referral in the stats section.
FACT_COLUMNS = ["fact_id", "person_token", "month_received", "age_band", "sex", "legal_basis",
                "repeat_referral", "status", "month_closed", "close_reason"]


def fact_rows(reg: Register) -> list[dict[str, object]]:
    """The stats section as a supervisor opens it (the key they hold)."""
    v = reg.open("siv")
    try:
        columns = [r[1] for r in v.stats_conn.execute("PRAGMA table_info(referral_fact)")]
        assert columns == FACT_COLUMNS
        assert v.case_conn is None
        return [dict(zip(columns, tuple(r), strict=True)) for r in
                v.stats_conn.execute("SELECT * FROM referral_fact")]
    finally:
        v.close()


def case_links(reg: Register) -> dict[int, tuple[str, str]]:
    """referral number → (fact id, person token), from the case section."""
    v = reg.open("ola")
    try:
        assert v.case_conn is not None
        return {int(r[0]): (str(r[1]), str(r[2])) for r in v.case_conn.execute(
            "SELECT r.id, r.fact_id, p.token FROM referral r JOIN person p ON p.id = r.person_id")}
    finally:
        v.close()


def test_fact_columns_are_pinned() -> None:
    assert list(facts.FACT_COLUMNS) == FACT_COLUMNS


def test_facts_after_add_close_reopen_extend(reg: Register) -> None:
    minor = synthetic(date(2008, 1, 20), seed=4)
    reg.add(extra=("--sex", "female"))  # 23 when received on 2024-03-01
    reg.add(minor, name="Ung Gutt", basis="betinget-dom", received="2024-02-10",
            extra=("--sex", "male", "--guardian", "Mor Gutt, 900 00 000"))
    reg.ok(*add_args(ADULT, received="2024-04-02"), "--yes")  # repeat, no sex given again
    reg.add(None, name="Uten Nummer", extra=("--birth-date", "1960-03-03"))

    links = case_links(reg)
    by_id = {str(f["fact_id"]): f for f in fact_rows(reg)}
    facts_of = {n: by_id[fid] for n, (fid, _) in links.items()}
    assert facts_of[1] == {
        "fact_id": links[1][0], "person_token": links[1][1], "month_received": "2024-03",
        "age_band": "18-24", "sex": "female", "legal_basis": "paatale", "repeat_referral": 0,
        "status": "open", "month_closed": None, "close_reason": None}
    assert facts_of[2] | {"fact_id": "", "person_token": ""} == {
        "fact_id": "", "person_token": "", "month_received": "2024-02", "age_band": "16-17",
        "sex": "male", "legal_basis": "betinget-dom", "repeat_referral": 0, "status": "open",
        "month_closed": None, "close_reason": None}
    assert facts_of[3]["repeat_referral"] == 1 and facts_of[3]["sex"] == "female"
    assert facts_of[4]["age_band"] == "25+" and facts_of[4]["sex"] is None
    # One random token per person: the repeat shares it; nothing else does.
    tokens = {n: t for n, (_, t) in links.items()}
    assert tokens[1] == tokens[3] and len({tokens[1], tokens[2], tokens[4]}) == 3
    for fact_id, token in links.values():
        assert len(fact_id) == 32 and len(token) == 32  # 128 random bits, hex
        assert ADULT not in token and not fact_id.isdigit()

    reg.ok("close", "2", "--reason", "not-attended")
    closed = {str(f["fact_id"]): f for f in fact_rows(reg)}[links[2][0]]
    assert (closed["status"], closed["month_closed"], closed["close_reason"]) == \
        ("closed", "2024-06", "not-attended")
    reg.ok("reopen", "2", "--reason", "Møtte likevel")
    reopened = {str(f["fact_id"]): f for f in fact_rows(reg)}[links[2][0]]
    assert (reopened["status"], reopened["month_closed"], reopened["close_reason"]) == \
        ("open", None, None)
    reg.ok("extend", "2", "--deadline", "2024-09-01", "--reason", "Forlenget")
    assert {str(f["fact_id"]): f for f in fact_rows(reg)}[links[2][0]] == reopened
    # A correction flows into the fact (the birth date decides the age band).
    reg.ok("edit", "4", "--birth-date", "2001-03-03", "--reason", "Feil år")
    assert {str(f["fact_id"]): f for f in fact_rows(reg)}[links[4][0]]["age_band"] == "18-24"
    assert len(fact_rows(reg)) == 4


def test_no_plaintext_on_disk(reg: Register) -> None:
    names = ["Qwyxena Zobrowtsky", "Vømbert Ælfrikssøn", "Kari Zobrowtsky"]
    numbers = [synthetic(date(1999, 7, 7), seed=21), synthetic(date(2007, 2, 2), seed=22)]
    reg.add(numbers[0], name=names[0], extra=("--phone", "47 11 22 33",
                                              "--police-ref", "PZX-77123"))
    reg.add(numbers[1], name=names[1], extra=("--guardian", f"{names[2]}, kari@zobrow.example"))
    reg.ok("edit", "1", "--name", "Qwyxena Zobrowtsky-Lund", "--reason", "Giftet seg Zuvnik")
    reg.ok("show", "1")
    reg.ok("list", "--person", numbers[1])
    needles = [*names, *numbers, *(n[:6] + " " + n[6:] for n in numbers), "PZX-77123",
               "47 11 22 33", "kari@zobrow.example", "Zuvnik", "Zobrowtsky-Lund"]
    roots = [reg.vault_path.parent, reg.env.state, reg.env.tmp]
    assert files_containing(roots, needles) == []


def test_production_vault_takes_real_numbers_only(env: Env) -> None:
    """A vault made with the production KDF: ordinary numbers in, synthetic ones and the
    RUSENHET_TODAY test setting out. (Slower KDF: one test only.)"""
    secret = env.write_secret("anne.pass", ADMIN_PASS)
    made = env.run(["--user", "anne", "init", "--unit-name", "Prod", "--kommunenummer", "4601",
                    "--new-passphrase-file", str(secret)], env={"RUSENHET_DEMO_KDF": ""})
    assert made.exit_code == 0, made.output
    real = people.valid_id_number(date(1990, 4, 5), random.Random(3))
    args = add_args(real, received="2024-03-01", deadline="2099-01-01")

    def run(*extra: str, today: dict[str, str] | None = None) -> tuple[int, str, str]:
        r = env.run(["referral", *extra], passphrase=ADMIN_PASS, user="anne", env=today)
        return r.exit_code, r.stdout, r.stderr

    code, _, err = run(*add_args(ADULT, deadline="2099-01-01"))
    assert code == ExitCode.INPUT and "syntetisk" in err
    code, _, err = run(*args, today={"RUSENHET_TODAY": "2024-06-14"})
    assert code == ExitCode.INPUT and "RUSENHET_TODAY" in err
    code, out, err = run(*args)
    assert code == 0, err
    code, out, _ = run("show", "1", "--json")
    assert json.loads(out)["birth_date"] == "1990-04-05"
    assert files_containing([env.vault.parent, env.state, env.tmp], [real]) == []


def test_counsellor_sees_what_admin_registered(reg: Register) -> None:
    reg.ok(*add_args(extra=("--counsellor", "ola")), user="anne")
    shown = reg.ok("show", "1", "--json")
    assert json.loads(shown.stdout)["counsellor"] == "ola"
    assert json.loads(shown.stdout)["history"][0]["user"] == "anne"
    assert COUNSELLOR_PASS not in shown.output


def test_demo_seeds_synthetic_referrals(env: Env) -> None:
    shown = env.run(["demo"])
    assert shown.exit_code == 0, shown.output
    assert "12 syntetiske henvisninger" in shown.stdout
    assert "Elias Berntsen Vik" in shown.stdout and "Sander Bakkevik" not in shown.stdout  # closed
    demo_vault = env.root / "demo" / "demo.vault"
    listed = env.run(["--vault", str(demo_vault), "referral", "list", "--status", "all",
                      "--json"], user="veileder", passphrase="demo veileder tyttebær skog")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["rows"]
    assert len(rows) == 12
    assert {r["age_band"] for r in rows} == {"0-15", "16-17", "18-24", "25+"}
    assert sum(r["repeat"] for r in rows) == 1
    v = Vault.open(demo_vault, "veileder", "demo veileder tyttebær skog")
    assert v.case_conn is not None
    numbers = [r[0] for r in v.case_conn.execute("SELECT id_number FROM person")]
    # Every person under 18 in the demo has foresatte registered (three of them).
    guardians = v.case_conn.execute("SELECT count(DISTINCT referral_id) FROM guardian")
    assert guardians.fetchone()[0] == 3
    v.close()
    assert numbers.count(None) == 1 and len(numbers) == 11  # one person referred twice
    parsed = [people.parse_id_number(n, allow_synthetic=True) for n in numbers if n]
    assert all(p.synthetic for p in parsed)


def test_stats_section_holds_nothing_identifying(reg: Register) -> None:
    """Decrypted, the whole stats section has no name, number, pseudonym, free text,
    police district or date finer than a month."""
    reg.add(extra=("--police-ref", "PX-4711", "--phone", "93 93 93 93"))
    reg.ok("edit", "1", "--name", "Åse Bjørnstad Lie", "--reason", "Ny begrunnelse her")
    admin = reg.open("anne")
    pseudonym = referrals.pseudonym(admin, ADULT)
    admin.close()
    v = reg.open("siv")
    image = bytes(v.stats_conn.serialize())
    v.close()
    for needle in ("Åse", "Bjørnstad", ADULT, pseudonym, "Oslo politidistrikt", "PX-4711",
                   "93 93 93 93", "Ny begrunnelse", "2024-03-01", "2024-07-01", "2000-05-17"):
        assert needle.encode() not in image, needle
    assert b"2024-03" in image  # the month received is there
