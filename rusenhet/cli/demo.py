"""``rusenhet demo``: a demo-flagged vault with synthetic data, and a short tour.

It never touches the default vault and ignores ``RUSENHET_VAULT``: the demo vault lives
in its own folder (``RUSENHET_DEMO_DIR`` or the user data dir's ``demo/``). Demo vaults
use the documented low Argon2 cost and accept only synthetic ID numbers.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from rusenhet import clock, people, platform, referrals, users
from rusenhet import vault as vault_mod
from rusenhet.cli.common import H, app_context
from rusenhet.cli.context import AppContext
from rusenhet.cli.referral import render_list
from rusenhet.cli.render import Format
from rusenhet.errors import InputError
from rusenhet.roles import Role

if TYPE_CHECKING:
    from rusenhet.interview import ScriptLibrary

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
        is_demo = bool(vault_mod.read_file(path).header["roster"]["demo"])
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


def _heading(app: AppContext, key: str) -> None:
    app.say("")
    app.out.rule(Text(app.t(key)), style="bold", align="left")


def _seed_with_progress(app: AppContext, vault: vault_mod.Vault,
                        library: ScriptLibrary) -> list[int]:
    from rich.progress import Progress

    from rusenhet import demo as demo_data

    with Progress(transient=True, console=app.err) as bar:
        task = bar.add_task(app.t("demo.seeding"), total=1)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return list(demo_data.seed(vault, DEMO_USERS[1][0], library, progress=step))


def _publish_last_quarter(app: AppContext, vault: vault_mod.Vault, folder: Path) -> None:
    """The supervisor publishes the last ended quarter: suppressed, audited, recorded."""
    from rusenhet import files
    from rusenhet.cli.stats import PublishFormat, render_publication
    from rusenhet.stats.publish import publish

    today = clock.today(vault)
    quarter = (today.month - 1) // 3  # the quarter before the current one
    label = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
    pub = publish(vault, label)
    out = folder / f"publisert-{label}.md"
    text = render_publication(app, pub, PublishFormat.MARKDOWN)
    files.write_out(out, text.encode("utf-8"), force=True, vault=vault.path)
    app.say("")
    app.say(app.t("demo.published", period=label, path=str(out)))
    first_table = text.split("\n## ", 2)[1]
    app.out.print(Text("## " + first_table.strip()))


def demo(ctx: typer.Context, interactive: Annotated[bool, typer.Option(
        "--interactive", help=H("help.opt.demo_interactive"))] = False) -> None:
    """Create a demo vault with synthetic data and take a guided tour."""
    # Imported here: the tour needs the whole tool, other commands should not pay for it.
    from rusenhet import demo as demo_data
    from rusenhet import meetings
    from rusenhet.agenda import day_of_work
    from rusenhet.cli.agenda import render_agenda, script_chooser
    from rusenhet.cli.meeting_show import render_meeting
    from rusenhet.cli.stats import show_internal_for
    from rusenhet.interview import Interview, MeetingContext, ScriptLibrary, select_script
    from rusenhet.stats.periods import parse_period

    app = app_context(ctx)
    if interactive and not platform.stdin_is_terminal():
        raise InputError("meeting.needs_terminal")
    path = demo_vault_path()
    build_demo_vault(app, path).close()
    counsellor, _, counsellor_secret = DEMO_USERS[1]
    supervisor, _, supervisor_secret = DEMO_USERS[2]
    library = ScriptLibrary.load()
    as_counsellor = vault_mod.Vault.open(path, counsellor, counsellor_secret)
    numbers = _seed_with_progress(app, as_counsellor, library)
    app.say(app.t("demo.created", path=str(path)))
    app.say(app.t("demo.synthetic_note"))

    _heading(app, "demo.step.referrals")
    app.say(app.t("demo.referrals_seeded", count=len(numbers)))
    render_list(app, as_counsellor, referrals.ListFilter(), Format.TABLE)

    _heading(app, "demo.step.agenda")
    render_agenda(app, day_of_work(as_counsellor, 14, None, script_chooser(library)),
                  Format.TABLE)

    _heading(app, "demo.step.meeting")
    booked = next(m for m in meetings.all_meetings(as_counsellor)
                  if m.state is meetings.MeetingState.BOOKED)
    r = referrals.fetch(as_counsellor, booked.referral_number)
    age = people.age_on(r.birth_date, clock.today(as_counsellor))
    choice = select_script(library, age)
    app.say(app.t("demo.meeting_intro", referral=r.number, age=age, id=choice.script.id,
                  reason=choice.reason.render(app.lang)))
    started = meetings.start(as_counsellor, r.number, choice.script, meetings.Participants())
    interview = Interview(choice.script, MeetingContext(age, r.sex.value if r.sex else None),
                          meetings.event_saver(as_counsellor, started.meeting_id))
    if interactive:
        from rusenhet.cli.asker import QuestionaryAsker

        outcome = interview.run(QuestionaryAsker(app.lang))
        if not outcome.completed or outcome.result is None:
            case = app.t("meeting.case", referral=r.number, name=r.name)
            app.say(app.t("meeting.paused", case=case, referral=r.number))
            return
        result = outcome.result
    else:
        result = demo_data.run_profile(interview, "moderate", clock.today(as_counsellor))
    meetings.complete(as_counsellor, started.meeting_id, result)
    m, ref, hist = meetings.show(as_counsellor, started.meeting_id)
    render_meeting(app, m, ref, hist, Format.TABLE, script=choice.script)
    still_booked = [b.referral_number for b in meetings.all_meetings(as_counsellor)
                    if b.state is meetings.MeetingState.BOOKED]
    as_counsellor.close()

    _heading(app, "demo.step.stats")
    as_supervisor = vault_mod.Vault.open(path, supervisor, supervisor_secret)
    month = clock.today(as_supervisor).strftime("%Y-%m")
    app.say(app.t("demo.stats_intro", user=supervisor))
    show_internal_for(app, as_supervisor, parse_period(month), ["risk"], Format.TABLE)
    _publish_last_quarter(app, as_supervisor, path.parent)
    as_supervisor.close()

    _heading(app, "demo.step.next")
    for name, role, passphrase in DEMO_USERS:
        app.say(app.t("demo.user_line", name=name, role=app.t(f"role.{role.value}"),
                      passphrase=passphrase))
    app.say("")
    app.say(app.t("demo.try_next"))
    quoted = shlex.quote(str(path))
    c_pass = shlex.quote(counsellor_secret)
    s_pass = shlex.quote(supervisor_secret)
    admin_pass = shlex.quote(DEMO_USERS[0][2])
    prefix = f"RUSENHET_VAULT={quoted} RUSENHET_PASSPHRASE="
    for secret, user, command in (
            (c_pass, counsellor, "agenda"),
            (c_pass, counsellor, f"meeting show {r.number}"),
            (c_pass, counsellor, f"confirm issue {r.number}"),
            (c_pass, counsellor, "referral list --person 'elias vik'"),
            *((c_pass, counsellor, f"meeting start {n}") for n in still_booked[:1]),
            (s_pass, supervisor, f"stats year {month[:4]} --by age-band"),
            (admin_pass, "admin", "audit list")):
        app.say(f"  {prefix}{secret} rusenhet --user {user} {command}")


def register(app: typer.Typer) -> None:
    app.command("demo", help=H("help.demo"))(demo)
