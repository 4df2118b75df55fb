"""``rusenhet demo``: a demo-flagged vault with synthetic data, and a short tour.

It never touches the default vault and ignores ``RUSENHET_VAULT``: the demo vault lives
in its own folder (``RUSENHET_DEMO_DIR`` or the user data dir's ``demo/``). Demo vaults
use the documented low Argon2 cost and accept only synthetic ID numbers.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from rusenhet import platform, users
from rusenhet import vault as vault_mod
from rusenhet.cli.common import H, app_context
from rusenhet.cli.context import AppContext
from rusenhet.errors import InputError
from rusenhet.roles import Role

DEMO_USERS = (
    ("admin", Role.ADMIN, "demo admin blåbær fjellvann"),
    ("veileder", Role.COUNSELLOR, "demo veileder tyttebær skog"),
    ("fagleder", Role.SUPERVISOR, "demo fagleder multe myr"),
)


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
    vault.close()
    app.say(app.t("demo.created", path=str(path)))
    app.say(app.t("demo.synthetic_note"))
    app.say("")
    for name, role, passphrase in DEMO_USERS:
        app.say(app.t("demo.user_line", name=name, role=app.t(f"role.{role.value}"),
                      passphrase=passphrase))
    app.say("")
    app.say(app.t("demo.try_next"))
    quoted = shlex.quote(str(path))
    counsellor_pass = shlex.quote(DEMO_USERS[1][2])
    admin_pass = shlex.quote(DEMO_USERS[0][2])
    app.say(f"  RUSENHET_PASSPHRASE={admin_pass} rusenhet --vault {quoted} --user admin user list")
    app.say(f"  RUSENHET_PASSPHRASE={admin_pass} rusenhet --vault {quoted} --user admin unit show")
    app.say(f"  RUSENHET_PASSPHRASE={counsellor_pass} rusenhet --vault {quoted} --user veileder "
            "user passwd")


def register(app: typer.Typer) -> None:
    app.command("demo", help=H("help.demo"))(demo)
