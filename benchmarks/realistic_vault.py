"""Realistic benchmark vaults (not part of pytest): N referrals, each with a person, a
completed meeting with a full interview script's answers, history rows and fact rows.

How a vault is built, in the order a unit would:

1. ``make_register``: a CSV file as Excel writes it on Norwegian Windows (``;``, UTF-8
   with BOM, CRLF, dd.mm.yyyy) with N invented people (names combined from lists,
   synthetic ID numbers with month + 80, 3 % without an ID number), received over the
   five years before today, spread over three counsellors.
2. ``rusenhet referral import`` of that file — timed by the benchmark as a process.
3. ``hold_meetings`` through the domain API, in one vault transaction for speed
   (``meeting start --answers`` would save once per answer: 30 saves per meeting): for
   every referral ``meetings.start`` → every interview event through
   ``meetings.event_saver`` → ``meetings.complete``, then ``referrals.close_on`` for the
   referrals older than a few weeks, each with its access-log entries, exactly as the
   commands write them. The answers come from ``rusenhet.demo.ProfileAsker`` (low,
   moderate and high risk in turn), run once per (script, age, sex, profile) and
   replayed for the other referrals with the same key.

The vault is demo-flagged (so only synthetic ID numbers go in, and no real person's
number can land in a benchmark file) but its passphrase is protected with the
production Argon2id cost: every timed unlock pays the real KDF. The demo flag only ever
*adds* checks; ``crypto.kdf_params_ok`` accepts production parameters in a demo vault.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

PASS = "benk måler tiden nøye nok"
COUNSELLORS = (("anne", None), ("ola", "counsellor"), ("kari", "counsellor"))
FIRST = (("Emma", "female"), ("Nora", "female"), ("Sara", "female"), ("Ingrid", "female"),
         ("Thea", "female"), ("Maja", "female"), ("Ida", "female"), ("Selma", "female"),
         ("Live", "female"), ("Åse", "female"), ("Sander", "male"), ("Elias", "male"),
         ("Jonas", "male"), ("Aksel", "male"), ("Henrik", "male"), ("Tobias", "male"),
         ("Mats", "male"), ("Bjørn", "male"), ("Håkon", "male"), ("Øyvind", "male"))
LAST = ("Solheim", "Bakkevik", "Haugland", "Sandvik", "Berntsen", "Kristiansen", "Lunde",
        "Strand", "Johansen", "Aasen", "Holm", "Fjeldstad", "Sæther", "Brekke", "Nakkim",
        "Øvrebø", "Grønli", "Dahl", "Moe", "Vik", "Lægreid", "Ødegård", "Nes", "Grøtt")
DISTRICTS = ("Oslo", "Øst", "Innlandet", "Sør-Øst", "Agder", "Sør-Vest", "Vest",
             "Møre og Romsdal", "Trøndelag", "Nordland", "Troms", "Finnmark")
HEADER = ("fødselsnummer", "navn", "fødselsdato", "kjønn", "mottatt", "frist", "grunnlag",
          "påtalemyndighet", "politiets_referanse", "veileder", "avsluttet", "avslutningsgrunn",
          "møtt_dato")


def production_cost_demo_vault(path: Path) -> None:
    """Create the vault (admin anne, counsellors ola and kari) with production Argon2id
    for every passphrase although the vault is demo-flagged (see the module docstring)."""
    from rusenhet import crypto, users
    from rusenhet.roles import Role

    demo_cost = crypto.DEMO_KDF
    crypto.DEMO_KDF = crypto.PRODUCTION_KDF  # this process only; unlocking reads the header
    try:
        vault, _ = users.init_vault(path, "anne", PASS, unit_name="Benk rådgivende enhet",
                                    kommunenummer="0301", lang="nb", demo=True)
        for name, role in COUNSELLORS[1:]:
            users.add_user(vault, name, Role(role or "admin"), PASS)
    finally:
        crypto.DEMO_KDF = demo_cost
    vault.close()


def make_register(path: Path, rows: int, today: date, *, historical: int = 0,
                  seed: int = 15) -> None:
    """``historical``: so many of the oldest rows are closed with a meeting held before
    the switch (``møtt_dato``), which the import records as held without answers."""
    from rusenhet import people

    rng = random.Random(seed)  # reproducible synthetic data, not a secret
    seen: set[str] = set()
    start = today - timedelta(days=5 * 365)
    lines = [";".join(HEADER)]
    for i in range(rows):
        received = start + timedelta(days=(5 * 365 - 40) * i // rows)
        age = rng.choice((15, 16, 16, 17, 17, 18, 19, 20, 21, 22, 23, 25, 28, 33, 41, 52))
        birth = received - timedelta(days=365 * age + rng.randint(20, 340))
        first, sex = rng.choice(FIRST)
        name = f"{first} {rng.choice(LAST)} {rng.choice(LAST)}"
        number, birth_cell = "", birth.strftime("%d.%m.%Y")
        if rng.random() >= 0.03:
            while (number := people.synthetic_id_number(birth, rng)) in seen:
                continue
            seen.add(number)
            birth_cell = ""
        else:
            name = f"{name} {i}"  # name and birth date identify a person without a number
        cells = (number, name, birth_cell, {"female": "kvinne", "male": "mann"}[sex],
                 received.strftime("%d.%m.%Y"),
                 (received + timedelta(days=56)).strftime("%d.%m.%Y"),
                 "betinget-dom" if rng.random() < 0.15 else "påtaleunnlatelse",
                 f"{rng.choice(DISTRICTS)} politidistrikt", str(rng.randint(10**7, 10**8 - 1)),
                 COUNSELLORS[i % len(COUNSELLORS)][0])
        if i < historical:
            met = received + timedelta(days=7 + i % 21)
            cells += ((met + timedelta(days=3)).strftime("%d.%m.%Y"), "møtte",
                      met.strftime("%d.%m.%Y"))
        else:
            cells += ("", "", "")
        lines.append(";".join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def hold_meetings(path: Path, *, waiting: int = 50,
                  report: Callable[[str], None] = print) -> int:
    """Give every open referral of the vault a completed meeting with a full script's
    answers (except the ``waiting`` most recent, half of which get a booking in the next
    two weeks, for the agenda), and close those received more than ten weeks ago.
    Returns the number of meetings held."""
    from rusenhet import audit, clock, demo, meetings, people, referrals
    from rusenhet.interview import Event, Interview, MeetingContext, MeetingResult, select_script
    from rusenhet.interview.templates import ScriptLibrary
    from rusenhet.vault import Vault

    started_at = time.perf_counter()
    vault = Vault.open(path, "anne", PASS)
    library = ScriptLibrary.load([])
    today = clock.today(vault)
    cache: dict[tuple[str, int, str, str], tuple[list[Event], MeetingResult]] = {}

    def build(v: Vault) -> int:
        numbers = [r.number for r in referrals.find(v, referrals.ListFilter())]
        numbers, later = numbers[:-waiting], numbers[-waiting:]
        for i, number in enumerate(later[::2]):
            at = datetime.combine(today + timedelta(days=1 + i % 13), dtime(9 + i % 7, 0))
            meetings.book(v, number, at, place="Rådhuset", counsellor=None, accept=True)
        for i, number in enumerate(numbers):
            r = referrals.fetch(v, number)
            day = min(today, r.received + timedelta(days=7 + number % 21))
            age = people.age_on(r.birth_date, day)
            script = select_script(library, age).script
            sex = r.sex.value if r.sex else ""
            key = (script.id, age, sex, demo.PROFILES[number % 3])
            if key not in cache:
                events: list[Event] = []
                interview = Interview(script, MeetingContext(age, sex or None), events.append)
                cache[key] = (events, demo.run_profile(interview, key[3], day))
            events, result = cache[key]
            started = meetings.start(v, number, script, meetings.Participants(), held_on=day)
            save = meetings.event_saver(v, started.meeting_id)
            for event in events:
                save(event)
            meetings.complete(v, started.meeting_id, result)
            if r.received < today - timedelta(days=70):
                referrals.close_on(v, number, referrals.CloseReason.ATTENDED,
                                   day + timedelta(days=3))
                audit.append(v, "referral.close", str(number))
            if (i + 1) % 5000 == 0:
                report(f"  meetings held: {i + 1}/{len(numbers)} "
                       f"({time.perf_counter() - started_at:.0f} s)")
        return len(numbers)

    held = vault.transact(build)
    vault.close()
    report(f"  {held} meetings with full answers in {time.perf_counter() - started_at:.0f} s "
           f"({len(cache)} distinct interviews run, the rest replayed)")
    return held
