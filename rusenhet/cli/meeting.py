"""``rusenhet meeting ...``: setting up and running meetings.

Every command names the case by its referral number (``meeting start 12``, ``meeting
show 12``); ``--meeting N`` picks one of the referral's meetings only where several fit
(rusenhet.meeting_pick). The domain (rusenhet.meetings and rusenhet.interview)
validates, checks roles, logs and saves; this module picks the script, builds the
engine, connects the questionary asker and lays out what comes back. ``meeting show``
is laid out by cli/meeting_show.py, the agenda by cli/agenda.py.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rusenhet import clock, datetext, meeting_pick, platform, referrals
from rusenhet.cli import completion
from rusenhet.cli.cases import (
    MeetingOpt,
    ReferralArg,
    ScriptsOpt,
    case_text,
    load_library,
    open_for_cases,
    picked_text,
)
from rusenhet.cli.common import H, app_context, confirm_cautions, example, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, FormatOpt, JsonOpt, choose
from rusenhet.errors import InputError
from rusenhet.people import age_on, parse_date
from rusenhet.vault import Vault

if TYPE_CHECKING:
    from datetime import datetime

    from rusenhet.interview.engine import Interview
    from rusenhet.interview.resolve import InterviewScript
    from rusenhet.interview.scoring import MeetingContext
    from rusenhet.interview.templates import ScriptLibrary
    from rusenhet.meeting_pick import Picked
    from rusenhet.meetings import Meeting
    from rusenhet.referrals import Referral

app = new_app("help.meeting_group")

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=H("help.opt.yes"))]
AtOpt = Annotated[str, typer.Option("--at", metavar=H("metavar.when"), help=H("help.opt.at"))]
ReasonOpt = Annotated[str, typer.Option("--reason", metavar=H("metavar.text"),
                                        help=H("help.opt.reason"))]
SetOpt = Annotated[list[str] | None, typer.Option("--set", metavar="QUESTION=VALUE",
                                                  help=H("help.opt.set_answer"))]


def _when(a: AppContext, when: datetime) -> str:
    return datetext.moment(when, a.lang)


def _report(a: AppContext, as_json: bool, key: str, p: Picked, **data: Any) -> None:
    """One sentence naming the case, or with ``--json`` the numbers for a script."""
    if as_json:
        a.out.print_json(json.dumps({"referral": p.referral, "meeting": p.number, **{
            k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}},
            ensure_ascii=False))
        return
    shown = {k: _when(a, v) if hasattr(v, "isoformat") else v for k, v in data.items()}
    a.say(a.t(key, case=picked_text(a, p), **shown))


# --------------------------------------------------------------------------- booking


@app.command("book", help=H("help.meeting.book"), epilog=example("meeting_book"))
def book(ctx: typer.Context, referral: ReferralArg, at: AtOpt,
         place: Annotated[str | None, typer.Option(
             "--place", metavar=H("metavar.text"), help=H("help.opt.place"))] = None,
         counsellor: Annotated[str | None, typer.Option(
             "--counsellor", metavar=H("metavar.user"), help=H("help.opt.counsellor"))] = None,
         yes: YesOpt = False, as_json: JsonOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = open_for_cases(a)
    when = meetings.parse_when(at)
    found = meetings.booking_cautions(vault, referral, when, counsellor or vault.user)
    confirm_cautions(a, [(c.key, c.params) for c in found], yes)
    mid = meetings.book(vault, referral, when, place=place, counsellor=counsellor, accept=True)
    p = meeting_pick.pick(vault, referral, None, None, "meeting.pick.none")
    assert p.meeting.id == mid  # noqa: S101 - the newest meeting is the one just booked
    _report(a, as_json, "meeting.booked", p, at=when)


@app.command("reschedule", help=H("help.meeting.reschedule"),
             epilog=example("meeting_reschedule"))
def reschedule(ctx: typer.Context, referral: ReferralArg, at: AtOpt,
               meeting: MeetingOpt = None, yes: YesOpt = False,
               as_json: JsonOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = open_for_cases(a)
    when = meetings.parse_when(at)
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.BOOKED,
                          "meeting.pick.none_booked")
    m = p.meeting
    found = meetings.booking_cautions(vault, m.referral_number, when, m.counsellor, ignore=m.id)
    confirm_cautions(a, [(c.key, c.params) for c in found], yes)
    meetings.reschedule(vault, m.id, when, accept=True)
    _report(a, as_json, "meeting.rescheduled", p, at=when)


@app.command("cancel", help=H("help.meeting.cancel"), epilog=example("meeting_cancel"))
def cancel(ctx: typer.Context, referral: ReferralArg, reason: ReasonOpt,
           meeting: MeetingOpt = None, as_json: JsonOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = open_for_cases(a)
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.CANCELLABLE,
                          "meeting.pick.none_booked")
    meetings.cancel(vault, p.meeting.id, reason)
    _report(a, as_json, "meeting.cancelled", p)


@app.command("no-show", help=H("help.meeting.no_show"), epilog=example("meeting_no_show"))
def no_show(ctx: typer.Context, referral: ReferralArg, meeting: MeetingOpt = None,
            as_json: JsonOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = open_for_cases(a)
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.BOOKED,
                          "meeting.pick.none_booked")
    meetings.no_show(vault, p.meeting.id)
    _report(a, as_json, "meeting.no_show_done", p)


# --------------------------------------------------------------------------- running


def _choose_script(a: AppContext, library: ScriptLibrary, script_id: str | None,
                   age: int) -> InterviewScript:
    from rusenhet.interview.select import select_script

    if script_id is not None:
        script = library.get(script_id)
        a.info(a.t("meeting.script_override", id=script.id, age=age))
        return script
    choice = select_script(library, age)
    a.info(a.t("meeting.script_chosen", id=choice.script.id,
               reason=choice.reason.render(a.lang)))
    return choice.script


def _say_completed(a: AppContext, case: str, risk: str) -> None:
    a.say(a.t("meeting.completed", case=case, risk=a.t(f"interview.risk.{risk}")))


def _context(r: Referral, age: int) -> MeetingContext:
    from rusenhet.interview.scoring import MeetingContext

    return MeetingContext(age=age, sex=r.sex.value if r.sex is not None else None)


def _run_interactive(a: AppContext, vault: Vault, interview: Interview, m: Meeting,
                     case: str) -> None:
    from rusenhet import meetings

    if not platform.stdin_is_terminal():
        raise InputError("meeting.needs_terminal")
    from rusenhet.cli.asker import QuestionaryAsker

    outcome = interview.run(QuestionaryAsker(a.lang))
    if outcome.completed and outcome.result is not None:
        meetings.complete(vault, m.id, outcome.result)
        _say_completed(a, case, outcome.result.risk.value)
    else:
        a.say(a.t("meeting.paused", case=case, referral=m.referral_number))


@app.command("start", help=H("help.meeting.start"), epilog=example("meeting_start"))
def start(
    ctx: typer.Context, referral: ReferralArg,
    script: Annotated[str | None, typer.Option(
        "--script", metavar=H("metavar.script"), help=H("help.opt.script"),
        autocompletion=completion.script_ids)] = None,
    answers: Annotated[Path | None, typer.Option(
        "--answers", metavar=H("metavar.file"), help=H("help.opt.answers"))] = None,
    guardians: Annotated[int | None, typer.Option("--guardians", min=0, max=4, metavar="0-4",
                                                  help=H("help.opt.guardians"))] = None,
    interpreter: Annotated[str | None, typer.Option(
        "--interpreter", metavar=H("metavar.language"), help=H("help.opt.interpreter"))] = None,
    other: Annotated[list[str] | None, typer.Option(
        "--other", metavar=H("metavar.role"), help=H("help.opt.other"))] = None,
    without_person: Annotated[bool, typer.Option("--without-person",
                                                 help=H("help.opt.without_person"))] = False,
    held_on: Annotated[str | None, typer.Option(
        "--held-on", metavar=H("metavar.date"), help=H("help.opt.held_on"))] = None,
    scripts: ScriptsOpt = None,
) -> None:
    from rusenhet import meetings
    from rusenhet.interview.answers import read_answers_file
    from rusenhet.interview.engine import GuardError, Interview
    from rusenhet.participants import default_participants, make_participants

    a = app_context(ctx)
    vault = open_for_cases(a)
    library = load_library(scripts)
    r = referrals.fetch(vault, referral)
    day = parse_date(held_on) if held_on is not None else clock.today(vault)
    age = age_on(r.birth_date, day)
    chosen = _choose_script(a, library, script, age)
    default = default_participants(age, len(r.guardians))
    flags = guardians is not None or interpreter is not None or other or without_person
    if flags or answers is not None:
        participants = make_participants(
            not without_person, default.guardians if guardians is None else guardians,
            interpreter, other or [])
    else:  # on a terminal, asked; defaults by age
        if not platform.stdin_is_terminal():
            raise InputError("meeting.needs_terminal")
        from rusenhet.cli.participants import ask_participants

        participants = ask_participants(a, age, default)
    given = read_answers_file(answers) if answers is not None else None
    if given is not None:
        # Validate the whole file first, with nothing saved: a refused file leaves no
        # meeting in progress behind. A failing guard is different: the answers are
        # valid and are kept, but the meeting is paused, not completed.
        with contextlib.suppress(GuardError):
            Interview(chosen, _context(r, age), lambda _e: None).run_with_answers(given)
    started = meetings.start(vault, r.number, chosen, participants,
                             held_on=day if held_on is not None else None)
    m = meetings.fetch(vault, started.meeting_id)
    found = meeting_pick.numbered(vault, r.number)
    case = case_text(a, r.number, r.name, meeting_pick.number_of(vault, m), len(found))
    interview = Interview(chosen, _context(r, started.age),
                          meetings.event_saver(vault, started.meeting_id))
    a.info(a.t("meeting.started", case=case))
    if given is not None:
        _complete_with(a, vault, interview, m, case, given)
        return
    _run_interactive(a, vault, interview, m, case)


def _complete_with(a: AppContext, vault: Vault, interview: Interview, m: Meeting, case: str,
                   given: dict[str, Any]) -> None:
    """Bring the interview to ``given`` and complete it; a failing guard leaves the
    answers saved and the meeting paused (exit 1)."""
    from rusenhet import meetings
    from rusenhet.interview.engine import GuardError

    try:
        result = interview.apply_answers(given)
    except GuardError as exc:
        raise GuardError(list(exc.problems), "meeting.guard_failed", id=m.referral_number,
                         case=case) from None
    meetings.complete(vault, m.id, result)
    _say_completed(a, case, result.risk.value)


@app.command("resume", help=H("help.meeting.resume"), epilog=example("meeting_resume"))
def resume(ctx: typer.Context, referral: ReferralArg, meeting: MeetingOpt = None,
           set_: SetOpt = None) -> None:
    from rusenhet import meetings
    from rusenhet.interview.edits import merged_answers, parse_settings
    from rusenhet.interview.engine import GuardError, Interview

    a = app_context(ctx)
    vault = open_for_cases(a)
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.RUNNING,
                          "meeting.pick.none_active")
    m, r, script, events = meetings.resume_target(vault, p.meeting.id)
    age = age_on(r.birth_date, m.held_on or clock.today(vault))
    interview = Interview(script, _context(r, age), meetings.event_saver(vault, m.id))
    interview.resume(events)
    if set_ and not interview.completed:
        # Non-interactive: the answers so far with these changes, validated as a whole
        # (nothing is saved if they are refused), then completed.
        changes = parse_settings(script, set_)
        given = dict(merged_answers(script, _context(r, age), interview.answers(), changes))
        with contextlib.suppress(GuardError):
            Interview(script, _context(r, age), lambda _e: None).run_with_answers(given)
        _complete_with(a, vault, interview, m, picked_text(a, p), given)
        return
    if interview.completed:  # a crash after the last answer, before the result was saved
        meetings.complete(vault, m.id, interview.result())
        _say_completed(a, picked_text(a, p), interview.result().risk.value)
        return
    _run_interactive(a, vault, interview, m, picked_text(a, p))


@app.command("amend", help=H("help.meeting.amend"), epilog=example("meeting_amend"))
def amend(ctx: typer.Context, referral: ReferralArg, reason: ReasonOpt,
          answers: Annotated[Path | None, typer.Option(
              "--answers", metavar=H("metavar.file"), help=H("help.opt.answers"))] = None,
          set_: SetOpt = None, meeting: MeetingOpt = None) -> None:
    from rusenhet import meetings
    from rusenhet.interview.answers import read_answers_file
    from rusenhet.interview.edits import merged_answers, parse_settings
    from rusenhet.interview.engine import GuardError, Interview

    a = app_context(ctx)
    vault = open_for_cases(a)
    if answers is None and not set_:
        raise InputError("meeting.amend_needs_answers")
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.DONE,
                          "meeting.pick.none_held")
    given = read_answers_file(answers) if answers is not None else None

    def rerun(script: InterviewScript, r: Referral, m: Meeting) -> Any:
        events: list[Any] = []
        age = age_on(r.birth_date, m.held_on or clock.today(vault))
        context = _context(r, age)
        wanted: dict[str, Any] = dict(given) if given is not None else dict(
            m.result.answers if m.result is not None else {})
        if set_:  # one answer changed; the whole meeting is validated again
            wanted = dict(merged_answers(script, context, wanted, parse_settings(script, set_)))
        try:
            result = Interview(script, context, events.append).run_with_answers(wanted)
        except GuardError as exc:
            raise GuardError(list(exc.problems), "meeting.amend_guard_failed",
                             id=m.referral_number) from None
        return events, result

    result = meetings.amend(vault, p.meeting.id, reason, rerun)
    a.say(a.t("meeting.amended", case=picked_text(a, p),
              risk=a.t(f"interview.risk.{result.risk.value}")))


@app.command("show", help=H("help.meeting.show"), epilog=example("meeting_show"))
def show(ctx: typer.Context, referral: ReferralArg, meeting: MeetingOpt = None,
         fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False) -> None:
    from rusenhet import meetings
    from rusenhet.cli.meeting_show import render_meeting

    a = app_context(ctx)
    vault = open_for_cases(a)
    p = meeting_pick.pick(vault, referral, meeting, None, "meeting.pick.none")
    if p.count > 1 and meeting is None:
        a.info(a.t("meeting.pick.showing_newest", referral=p.referral, number=p.number))
    m, r, hist = meetings.show(vault, p.meeting.id)
    script = meetings.stored_library(vault, m).get(m.script_id) if m.script_id else None
    render_meeting(a, m, r, hist, choose(fmt, as_json), number=p.number, script=script)


def register(root: typer.Typer) -> None:
    from rusenhet.cli import agenda, followup

    agenda.register(root)
    root.add_typer(app, name="meeting", help=H("help.meeting_group"))
    followup.register(root)
