"""``rusenhet demo``: a demo-flagged vault with synthetic data, and a short tour.

It never touches the default vault and ignores ``RUSENHET_VAULT``: the demo vault lives
in its own folder (``RUSENHET_DEMO_DIR`` or the user data dir's ``demo/``). Demo vaults
use the documented low Argon2 cost and accept only synthetic ID numbers.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import typer

from rusenhet import clock, people, platform, referrals, users
from rusenhet import vault as vault_mod
from rusenhet.cli.common import H, app_context
from rusenhet.cli.context import AppContext
from rusenhet.cli.referral import render_list
from rusenhet.cli.render import Format
from rusenhet.errors import InputError
from rusenhet.roles import Role

DEMO_USERS = (
    ("admin", Role.ADMIN, "demo admin blåbær fjellvann"),
    ("veileder", Role.COUNSELLOR, "demo veileder tyttebær skog"),
    ("fagleder", Role.SUPERVISOR, "demo fagleder multe myr"),
)



@dataclass(frozen=True)
class DemoReferral:
    """One invented person's referral; ``age`` is the age when it was received."""

    name: str
    age: int
    days_ago: int
    basis: str
    authority: str
    id_number: bool = True
    sex: str = ""
    guardians: tuple[str, ...] = ()
    closed: referrals.CloseReason | None = None
    same_person_as: int | None = None  # index of an earlier entry: a repeat referral


# Invented names; every ID number is synthetic (month + 80). One person is referred twice,
# one has no ID number, one has foresatte; every age band of the default setting is used.
DEMO_REFERRALS = (
    DemoReferral("Emma Solheim Dahl", 15, 40, "paatale", "Øst politidistrikt", sex="female",
                 guardians=("Hilde Solheim, tlf. +47 00 00 00 01",)),
    DemoReferral("Sander Bakkevik", 16, 95, "paatale", "Oslo politidistrikt", sex="male",
                 closed=referrals.CloseReason.ATTENDED),
    DemoReferral("Sara Haugland", 17, 20, "paatale", "Vest politidistrikt", sex="female"),
    DemoReferral("Maja Sandvik", 18, 65, "paatale", "Trøndelag politidistrikt"),
    DemoReferral("Elias Berntsen Vik", 20, 120, "paatale", "Oslo politidistrikt", sex="male",
                 closed=referrals.CloseReason.NOT_ATTENDED),
    DemoReferral("Nora Kristiansen", 21, 12, "paatale", "Agder politidistrikt", sex="female"),
    DemoReferral("Ingrid Lunde", 23, 55, "betinget-dom", "Sør-Vest politidistrikt"),
    DemoReferral("Elias Berntsen Vik", 20, 10, "paatale", "Oslo politidistrikt", sex="male",
                 same_person_as=4),
    DemoReferral("Aksel Haugen Strand", 27, 30, "betinget-dom", "Innlandet politidistrikt",
                 sex="male"),
    DemoReferral("Thea Johansen Moe", 31, 25, "paatale", "Sør-Øst politidistrikt",
                 id_number=False, sex="female"),
    DemoReferral("Kristian Aasen", 42, 80, "betinget-dom", "Nordland politidistrikt",
                 sex="male", closed=referrals.CloseReason.WITHDRAWN),
    DemoReferral("Jonas Eriksen Holm", 19, 70, "paatale", "Møre og Romsdal politidistrikt"),
)


def seed_referrals(vault: vault_mod.Vault, counsellor: str, seed: int = 2024) -> int:
    """Register the demo referrals (synthetic, from a seeded generator); returns how many."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    today = clock.today(vault)
    people_made: list[tuple[str, date]] = []
    for index, item in enumerate(DEMO_REFERRALS):
        received = today - timedelta(days=item.days_ago)
        if item.same_person_as is not None:
            number, birth = people_made[item.same_person_as]
        else:
            birth = received - timedelta(days=365 * item.age + rng.randint(30, 300))
            number = people.synthetic_id_number(birth, rng) if item.id_number else ""
        people_made.append((number, birth))
        form = referrals.Form(
            id_number=number, name=item.name, birth_date=birth.isoformat(),
            sex=item.sex, received=received.isoformat(), legal_basis=item.basis,
            authority=item.authority,
            police_reference=str(rng.randint(10**7, 10**8 - 1)),
            deadline=(received + timedelta(days=56)).isoformat(),
            phone=f"+47 00 00 {index // 10}{index % 10} {rng.randint(10, 99)}",
            guardians=item.guardians, counsellor=counsellor)
        details = referrals.details_from(vault, form)
        # Demo data knowingly includes past deadlines and repeat referrals.
        added = referrals.add(vault, details, accept=set(referrals.CautionKind))
        if item.closed is not None:
            referrals.close(vault, added.number, item.closed)
    return len(DEMO_REFERRALS)


def demo_vault_path() -> Path:
    return platform.demo_dir() / "demo.vault"


def _remove_old_demo(path: Path) -> None:
    """Replace an earlier demo vault, but never a file that is not demo-flagged."""
    if not path.exists():
        return
    try:
        is_demo = bool(vault_mod.read_file(path).header["demo"])
    except Exception:
        is_demo = False
    if not is_demo:
        raise InputError("demo.not_demo_vault", path=str(path))
    path.unlink()


def build_demo_vault(app: AppContext, path: Path) -> vault_mod.Vault:
    _remove_old_demo(path)
    platform.make_private_dir(path.parent)
    admin_name, _, admin_pass = DEMO_USERS[0]
    vault, _recovery = users.init_vault(path, admin_name, admin_pass,
                                        unit_name="Demo rådgivende enhet", kommunenummer="9999",
                                        lang=app.lang, demo=True)
    for name, role, passphrase in DEMO_USERS[1:]:
        users.add_user(vault, name, role, passphrase)
    return vault


def demo(ctx: typer.Context) -> None:
    """Create a demo vault with synthetic data and show what to try next."""
    app = app_context(ctx)
    path = demo_vault_path()
    vault = build_demo_vault(app, path)
    counsellor, _, counsellor_secret = DEMO_USERS[1]
    count = seed_referrals(vault, counsellor)
    vault.close()
    app.say(app.t("demo.created", path=str(path)))
    app.say(app.t("demo.synthetic_note"))
    app.say("")
    app.say(app.t("demo.referrals_seeded", count=count))
    as_counsellor = vault_mod.Vault.open(path, counsellor, counsellor_secret)
    render_list(app, as_counsellor, referrals.ListFilter(), Format.TABLE)
    as_counsellor.close()
    app.say("")
    for name, role, passphrase in DEMO_USERS:
        app.say(app.t("demo.user_line", name=name, role=app.t(f"role.{role.value}"),
                      passphrase=passphrase))
    app.say("")
    app.say(app.t("demo.try_next"))
    quoted = shlex.quote(str(path))
    counsellor_pass = shlex.quote(DEMO_USERS[1][2])
    admin_pass = shlex.quote(DEMO_USERS[0][2])
    app.say(f"  RUSENHET_PASSPHRASE={counsellor_pass} rusenhet --vault {quoted} --user veileder "
            "referral show 8")
    app.say(f"  RUSENHET_PASSPHRASE={counsellor_pass} rusenhet --vault {quoted} --user veileder "
            "referral list --person 'elias vik'")
    app.say(f"  RUSENHET_PASSPHRASE={admin_pass} rusenhet --vault {quoted} --user admin user list")
    app.say(f"  RUSENHET_PASSPHRASE={admin_pass} rusenhet --vault {quoted} --user admin unit show")
    app.say(f"  RUSENHET_PASSPHRASE={counsellor_pass} rusenhet --vault {quoted} --user veileder "
            "user passwd")


def register(app: typer.Typer) -> None:
    app.command("demo", help=H("help.demo"))(demo)
