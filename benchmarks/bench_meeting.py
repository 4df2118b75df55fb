"""Per-question cost of a real meeting: engine + one vault transaction per answer
(lock, re-read check, serialize, AES-GCM, fsync, atomic replace). Not part of pytest.

    python benchmarks/bench_meeting.py [--referrals 50 2000]

Prints milliseconds per question against a baseline measured in the same run: the
same number of bare ``os.fsync`` calls on a file of the vault's size (the floor any
durable per-answer save must pay on this disk). Target: ≤ 20 ms per question.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ["RUSENHET_DEMO_KDF"] = "1"  # the KDF is not what is measured here

PASS = "benk måler tiden nøye nok"


def build(folder: Path, referrals_n: int) -> Path:
    """A demo-flagged vault with ``referrals_n`` synthetic referrals of 18–24-year-olds."""
    from rusenhet import people, referrals, users
    from rusenhet.referral_details import Details, LegalBasis

    path = folder / f"m-{referrals_n}.vault"
    vault, _ = users.init_vault(path, "anne", PASS, unit_name="Benk", kommunenummer="0301",
                                lang="nb", demo=True)
    rng = random.Random(1)
    today = date.today()

    def seed(v: object) -> None:
        for i in range(referrals_n):
            birth = date(today.year - 20, 1 + i % 12, 1 + i % 28)
            number = people.parse_id_number(people.synthetic_id_number(birth, rng),
                                            allow_synthetic=True, require_synthetic=True)
            d = Details(id_number=number, name=f"Benk Person {i}", birth_date=birth, sex=None,
                        received=today, legal_basis=LegalBasis.PAATALE,
                        authority="Benk politidistrikt", police_reference=None,
                        deadline=date(today.year + 1, 1, 1), phone=None, guardians=(),
                        counsellor="anne")
            referrals.add(vault, d, accept=set(referrals.CautionKind))

    vault.transact(seed)
    return path


def fsync_floor(path: Path, n: int) -> float:
    data = path.read_bytes()
    target = path.with_suffix(".floor")
    start = time.perf_counter()
    for _ in range(n):
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return (time.perf_counter() - start) / n


LOW_RISK = {
    "info_formal": True, "info_taushetsplikt": True, "info_oppmote": True,
    "info_rettigheter": True, "info_sporsmal": False, "u24_hverdag": "Benk",
    "u24_aktivitet": "utdanning", "u24_trives": True, "u24_stoffer": ["cannabis"],
    **{f"dudit_{i:02d}": "aldri" for i in (1, 2, 4, 5, 6, 7, 8, 9)}, "dudit_03": "0",
    "dudit_10": "nei", "dudit_11": "nei", "auditc_1": "aldri", "u24_viktighet": 6,
    "u24_tro": 7, "u24_grunner": "Benk", "u24_mal": "Benk", "utfall_rad": ["kunnskap"],
    "utfall_henvisninger": ["ingen"], "utfall_oppfolgingsbehov": [], "utfall_videre": "avsluttet",
    "utfall_oppsummering": "Benk", "u24_bolig": "egen", "sik_akutt": ["ingen"], "vh_barn": False,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, nargs="+", default=[50, 2000])
    args = parser.parse_args()
    from rusenhet import meetings
    from rusenhet.interview import Interview, MeetingContext, ScriptLibrary
    from rusenhet.people import age_on
    from rusenhet.referrals import fetch
    from rusenhet.vault import Vault

    library = ScriptLibrary.load()
    script = library.get("ung-voksen-18-24")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RUSENHET_STATE_DIR"] = str(Path(tmp) / "state")
        for n in args.referrals:
            path = build(Path(tmp), n)
            vault = Vault.open(path, "anne", PASS)
            number = n
            r = fetch(vault, number)
            started = meetings.start(vault, number, script, meetings.Participants())
            saves: list[float] = []
            save = meetings.event_saver(vault, started.meeting_id)

            def timed(event: object, save=save, saves=saves) -> None:
                t = time.perf_counter()
                save(event)  # type: ignore[arg-type]
                saves.append(time.perf_counter() - t)

            interview = Interview(script, MeetingContext(age_on(r.birth_date, date.today())),
                                  timed)
            start = time.perf_counter()
            interview.run_with_answers(LOW_RISK)
            total = time.perf_counter() - start
            per = total / len(saves)
            floor = fsync_floor(path, len(saves))
            print(f"{n} referrals ({path.stat().st_size / 1024:.0f} KiB): "
                  f"{per * 1000:.1f} ms per question incl. save "
                  f"(median save {statistics.median(saves) * 1000:.1f} ms) = "
                  f"{per / floor:.1f}x a bare fsync of the file ({floor * 1000:.1f} ms); "
                  f"target <= 20 ms")


if __name__ == "__main__":
    main()
