"""``rusenhet meeting ...`` and ``rusenhet agenda``: booking and running meetings.

The domain (rusenhet.meetings and rusenhet.interview) validates, checks roles, logs and
saves; this module picks the script, builds the engine, connects the questionary asker
and lays out what comes back.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rusenhet import clock, platform, referrals
from rusenhet.cli.common import H, app_context, confirm_cautions, new_app
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import (
    Format,
    FormatOpt,
    JsonOpt,
    choose,
    display_value,
    emit,
    emit_record,
    print_json,
)
from rusenhet.errors import InputError
from rusenhet.people import age_on, parse_date
from rusenhet.vault import Vault

if TYPE_CHECKING:
    from rusenhet import meetings
    from rusenhet.interview.engine import Interview
    from rusenhet.interview.resolve import InterviewScript
    from rusenhet.interview.scoring import MeetingContext
    from rusenhet.interview.templates import ScriptLibrary
    from rusenhet.referrals import Referral

app = new_app("help.meeting_group")

MeetingArg = Annotated[str, typer.Argument(metavar="MEETING_ID", help=H("help.opt.meeting_id"))]
ReferralArg = Annotated[str, typer.Argument(metavar="REFERRAL_ID",
                                            help=H("help.opt.referral_number"))]
ScriptsOpt = Annotated[list[Path] | None, typer.Option("--scripts", help=H("help.opt.scripts"))]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=H("help.opt.yes"))]
SetOpt = Annotated[list[str] | None, typer.Option("--set", metavar="QUESTION=VALUE",
                                                  help=H("help.opt.set_answer"))]


def script_dirs(option: list[Path] | None) -> list[Path]:
    """``--scripts DIR`` (repeatable), else ``RUSENHET_SCRIPTS`` (os.pathsep-separated)."""
    if option:
        return list(option)
    env = os.environ.get("RUSENHET_SCRIPTS", "")
    return [Path(p) for p in env.split(os.pathsep) if p.strip()]


def load_library(option: list[Path] | None) -> ScriptLibrary:
    from rusenhet.interview.templates import ScriptLibrary

    return ScriptLibrary.load(script_dirs(option))


def _open(a: AppContext) -> Vault:
    vault = a.open_vault()
    referrals.require_access(vault)
    return vault


# --------------------------------------------------------------------------- booking


@app.command("book", help=H("help.meeting.book"))
def book(ctx: typer.Context, referral: ReferralArg,
         at: Annotated[str, typer.Option("--at", help=H("help.opt.at"))],
         place: Annotated[str | None, typer.Option("--place", help=H("help.opt.place"))] = None,
         counsellor: Annotated[str | None, typer.Option(
             "--counsellor", help=H("help.opt.counsellor"))] = None,
         yes: YesOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = _open(a)
    when = meetings.parse_when(at)
    found = meetings.booking_cautions(vault, referral, when, counsellor or vault.user)
    confirm_cautions(a, [(c.key, c.params) for c in found], yes)
    mid = meetings.book(vault, referral, when, place=place, counsellor=counsellor, accept=True)
    a.say(a.t("meeting.booked", id=mid, at=_when(a, when), referral=referral))


@app.command("reschedule", help=H("help.meeting.reschedule"))
def reschedule(ctx: typer.Context, meeting_id: MeetingArg,
               at: Annotated[str, typer.Option("--at", help=H("help.opt.at"))],
               yes: YesOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = _open(a)
    when = meetings.parse_when(at)
    m = meetings.fetch(vault, meeting_id)
    found = meetings.booking_cautions(vault, m.referral_number, when, m.counsellor, ignore=m.id)
    confirm_cautions(a, [(c.key, c.params) for c in found], yes)
    meetings.reschedule(vault, meeting_id, when, accept=True)
    a.say(a.t("meeting.rescheduled", id=m.id, at=_when(a, when)))


@app.command("cancel", help=H("help.meeting.cancel"))
def cancel(ctx: typer.Context, meeting_id: MeetingArg,
           reason: Annotated[str, typer.Option("--reason", help=H("help.opt.reason"))]) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    meetings.cancel(_open(a), meeting_id, reason)
    a.say(a.t("meeting.cancelled", id=meetings.parse_meeting_id(meeting_id)))


@app.command("no-show", help=H("help.meeting.no_show"))
def no_show(ctx: typer.Context, meeting_id: MeetingArg) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    meetings.no_show(_open(a), meeting_id)
    a.say(a.t("meeting.no_show_done", id=meetings.parse_meeting_id(meeting_id)))


def _when(a: AppContext, when: Any) -> str:
    return str(when.strftime("%d.%m.%Y %H:%M" if a.lang == "nb" else "%Y-%m-%d %H:%M"))


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


def _say_completed(a: AppContext, mid: int, risk: str) -> None:
    a.say(a.t("meeting.completed", id=mid, risk=a.t(f"interview.risk.{risk}")))


def _context(r: Referral, age: int) -> MeetingContext:
    from rusenhet.interview.scoring import MeetingContext

    return MeetingContext(age=age, sex=r.sex.value if r.sex is not None else None)


def _run_interactive(a: AppContext, vault: Vault, interview: Interview, mid: int) -> None:
    from rusenhet import meetings

    if not platform.stdin_is_terminal():
        raise InputError("meeting.needs_terminal")
    from rusenhet.cli.asker import QuestionaryAsker

    outcome = interview.run(QuestionaryAsker(a.lang))
    if outcome.completed and outcome.result is not None:
        meetings.complete(vault, mid, outcome.result)
        _say_completed(a, mid, outcome.result.risk.value)
    else:
        a.say(a.t("meeting.paused", id=mid))


@app.command("start", help=H("help.meeting.start"))
def start(
    ctx: typer.Context, referral: ReferralArg,
    script: Annotated[str | None, typer.Option("--script", help=H("help.opt.script"))] = None,
    answers: Annotated[Path | None, typer.Option("--answers", help=H("help.opt.answers"))]
    = None,
    guardians: Annotated[int | None, typer.Option("--guardians", min=0, max=4,
                                                  help=H("help.opt.guardians"))] = None,
    interpreter: Annotated[str | None, typer.Option("--interpreter",
                                                    help=H("help.opt.interpreter"))] = None,
    other: Annotated[list[str] | None, typer.Option("--other", help=H("help.opt.other"))]
    = None,
    without_person: Annotated[bool, typer.Option("--without-person",
                                                 help=H("help.opt.without_person"))] = False,
    held_on: Annotated[str | None, typer.Option("--held-on", help=H("help.opt.held_on"))]
    = None,
    scripts: ScriptsOpt = None,
) -> None:
    from rusenhet import meetings
    from rusenhet.interview.answers import read_answers_file
    from rusenhet.interview.engine import GuardError, Interview
    from rusenhet.participants import default_participants, make_participants

    a = app_context(ctx)
    vault = _open(a)
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
    interview = Interview(chosen, _context(r, started.age),
                          meetings.event_saver(vault, started.meeting_id))
    a.info(a.t("meeting.started", id=started.meeting_id, referral=r.number))
    if given is not None:
        _complete_with(a, vault, interview, started.meeting_id, given)
        return
    _run_interactive(a, vault, interview, started.meeting_id)


def _complete_with(a: AppContext, vault: Vault, interview: Interview, mid: int,
                   given: dict[str, Any]) -> None:
    """Bring the interview to ``given`` and complete it; a failing guard leaves the
    answers saved and the meeting paused (exit 1)."""
    from rusenhet import meetings
    from rusenhet.interview.engine import GuardError

    try:
        result = interview.apply_answers(given)
    except GuardError as exc:
        raise GuardError(list(exc.problems), "meeting.guard_failed", id=mid) from None
    meetings.complete(vault, mid, result)
    _say_completed(a, mid, result.risk.value)


@app.command("resume", help=H("help.meeting.resume"))
def resume(ctx: typer.Context, meeting_id: MeetingArg, set_: SetOpt = None) -> None:
    from rusenhet import meetings
    from rusenhet.interview.edits import merged_answers, parse_settings
    from rusenhet.interview.engine import GuardError, Interview

    a = app_context(ctx)
    vault = _open(a)
    m, r, script, events = meetings.resume_target(vault, meeting_id)
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
        _complete_with(a, vault, interview, m.id, given)
        return
    if interview.completed:  # a crash after the last answer, before the result was saved
        meetings.complete(vault, m.id, interview.result())
        _say_completed(a, m.id, interview.result().risk.value)
        return
    _run_interactive(a, vault, interview, m.id)


@app.command("amend", help=H("help.meeting.amend"))
def amend(ctx: typer.Context, meeting_id: MeetingArg,
          reason: Annotated[str, typer.Option("--reason", help=H("help.opt.reason"))],
          answers: Annotated[Path | None, typer.Option("--answers", help=H("help.opt.answers"))]
          = None, set_: SetOpt = None) -> None:
    from rusenhet import meetings
    from rusenhet.interview.answers import read_answers_file
    from rusenhet.interview.edits import merged_answers, parse_settings
    from rusenhet.interview.engine import GuardError, Interview

    a = app_context(ctx)
    vault = _open(a)
    if answers is None and not set_:
        raise InputError("meeting.amend_needs_answers")
    given = read_answers_file(answers) if answers is not None else None

    def rerun(script: InterviewScript, r: Referral, m: meetings.Meeting) -> Any:
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
                             id=m.id) from None
        return events, result

    result = meetings.amend(vault, meeting_id, reason, rerun)
    a.say(a.t("meeting.amended", id=meetings.parse_meeting_id(meeting_id),
              risk=a.t(f"interview.risk.{result.risk.value}")))


@app.command("show", help=H("help.meeting.show"))
def show(ctx: typer.Context, meeting_id: MeetingArg, fmt: FormatOpt = Format.TABLE,
         as_json: JsonOpt = False) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = _open(a)
    m, r, hist = meetings.show(vault, meeting_id)
    render_meeting(a, m, r, hist, choose(fmt, as_json))


def render_meeting(a: AppContext, m: meetings.Meeting, r: Referral, hist: list[dict[str, Any]],
                   fmt: Format) -> None:
    from rusenhet.interview.events import encode_value
    from rusenhet.interview.result import result_to_json

    if fmt is Format.JSON:
        payload = {"id": m.id, "referral": m.referral_number, "state": m.state.value,
                   "at": m.at.isoformat() if m.at else None, "place": m.place,
                   "counsellor": m.counsellor,
                   "held_on": m.held_on.isoformat() if m.held_on else None,
                   "participants": m.participants.to_json(),
                   "result": result_to_json(m.result) if m.result else None,
                   "reason": m.reason, "history": hist}
        print_json(a, payload)
        return
    fields: list[tuple[str, str, Any]] = [
        ("id", a.t("meeting.col.id"), m.id),
        ("referral", a.t("meeting.col.referral"), m.referral_number),
        ("name", a.t("label.name"), r.name),
        ("state", a.t("meeting.col.state"), a.t(f"meeting.state.{m.state.value}")),
        ("at", a.t("meeting.col.at"), m.at), ("place", a.t("meeting.col.place"), m.place),
        ("counsellor", a.t("meeting.col.counsellor"), m.counsellor),
        ("held_on", a.t("meeting.col.held_on"), m.held_on),
        ("script", a.t("meeting.col.script"),
         f"{m.script_id} {m.script_version}" if m.script_id else None),
    ]
    if m.result is not None:
        res = m.result
        fields.append(("risk", a.t("meeting.col.risk"), a.t(f"interview.risk.{res.risk.value}")))
        for name, value in res.scores.items():
            fields.append((f"score.{name}", name, encode_value(value)))
        for name, band in res.bands.items():
            fields.append((f"band.{name}", a.t("meeting.col.band", name=name), band))
        fields.append(("outcome", a.t("meeting.col.outcome"), ", ".join(res.outcome_codes)))
        fields.append(("referrals", a.t("meeting.col.referrals"), ", ".join(
            f"{x.code}" + ("" if x.consent is None else
                           f" ({a.t('label.yes') if x.consent else a.t('label.no')})")
            for x in res.referrals)))
        fields.append(("advice", a.t("meeting.col.advice"), ", ".join(res.advice_codes)))
        for key in ("substances", "concerns", "notifications", "actions"):
            codes = getattr(res, key)
            if codes:
                fields.append((key, a.t(f"meeting.col.{key}"), ", ".join(codes)))
        for qid, value in res.answers.items():
            fields.append((f"answer.{qid}", qid, value if isinstance(value, bool)
                           else _answer_text(encode_value(value))))
        for note in res.notes:
            fields.append(("note", a.t("meeting.col.note"), note.text))
    if m.reason:
        fields.append(("reason", a.t("meeting.col.reason"), m.reason))
    emit_record(a, fmt, fields, title=a.t("meeting.title", id=m.id))


def _answer_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and "date" in value:
        return str(value["date"])
    return str(value)


# --------------------------------------------------------------------------- agenda


def script_chooser(library: ScriptLibrary) -> Any:
    from rusenhet.interview.select import select_script

    def choose_script(age: int) -> str | None:
        try:
            return select_script(library, age).script.id
        except InputError:
            return None

    return choose_script


def agenda(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help=H("help.opt.days"))] = 14,
    counsellor: Annotated[str | None, typer.Option("--counsellor",
                                                   help=H("help.opt.counsellor"))] = None,
    fmt: FormatOpt = Format.TABLE, as_json: JsonOpt = False, scripts: ScriptsOpt = None,
) -> None:
    from rusenhet import meetings

    a = app_context(ctx)
    vault = _open(a)
    items = meetings.agenda(vault, days, counsellor, script_chooser(load_library(scripts)))
    render_agenda(a, items, choose(fmt, as_json))
    if choose(fmt, as_json) is Format.TABLE:  # follow-ups due: `followup list --due` for data
        from rusenhet import followups
        from rusenhet.cli.followup import render_due

        due = followups.listing(vault, open_only=True, days=days, counsellor=counsellor)
        if due:
            render_due(a, due, a.t("followup.due_title"))


def render_agenda(a: AppContext, items: list[meetings.AgendaItem], fmt: Format) -> None:
    rows = [{"meeting": i.meeting_id, "at": i.at, "place": i.place, "counsellor": i.counsellor,
             "referral": i.referral_number, "name": i.name, "age_band": i.age_band,
             "script": i.script_id, "deadline": i.deadline, "days_left": i.days_left,
             "overdue": i.overdue} for i in items]
    if fmt is not Format.TABLE:
        emit(a, fmt, [
            ("meeting", a.t("meeting.col.id")), ("at", a.t("meeting.col.at")),
            ("place", a.t("meeting.col.place")), ("counsellor", a.t("meeting.col.counsellor")),
            ("referral", a.t("meeting.col.referral")), ("name", a.t("label.name")),
            ("age_band", a.t("meeting.col.age_band")), ("script", a.t("meeting.col.script")),
            ("deadline", a.t("meeting.col.deadline")),
            ("days_left", a.t("meeting.col.days_left")),
            ("overdue", a.t("meeting.col.overdue"))], rows, title=a.t("meeting.agenda_title"))
        return
    # On screen: fewer, fuller columns, so that a laptop terminal shows whole dates.
    screen = [{
        "when": display_value(i.at, a.lang) if i.at else a.t("meeting.not_booked_yet"),
        "where": i.place or "",
        "who": f"{i.referral_number}  {i.name}",
        "band": i.age_band, "script": i.script_id or "–", "counsellor": i.counsellor,
        "deadline": a.t("meeting.deadline_days", date=display_value(i.deadline, a.lang),
                        days=i.days_left),
    } for i in items]
    emit(a, fmt, [("when", a.t("meeting.col.at")), ("where", a.t("meeting.col.place")),
                  ("who", a.t("meeting.col.referral")), ("band", a.t("meeting.col.age_band")),
                  ("script", a.t("meeting.col.script")),
                  ("counsellor", a.t("meeting.col.counsellor")),
                  ("deadline", a.t("meeting.col.deadline"))], screen,
         title=a.t("meeting.agenda_title"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="meeting", help=H("help.meeting_group"))
    root.command("agenda", help=H("help.agenda"))(agenda)
    from rusenhet.cli import followup

    followup.register(root)
