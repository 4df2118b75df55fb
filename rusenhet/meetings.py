"""Advisory meetings: booking, the lifecycle, interview events, results and facts.

Lifecycle (DESIGN §1): ``booked → in_progress → paused → completed``, plus
``cancelled``, ``no_show`` and ``amended`` (a completed meeting corrected later with a
reason; the original answers stay in the history). ``meeting start`` picks up a booked
meeting for the referral or creates one. Completing a meeting marks the referral as
attended; the counsellor closes the referral, since a follow-up may be agreed.

Every interview event is appended in its own short vault transaction, so a crash or
Ctrl-C loses at most the question being answered. Each meeting stores the script id,
version and the sha256 of the exact template bytes of the script and every module it
used, and the bytes themselves go into the vault the first time they are used, so old
meetings stay readable and re-scorable after the bundled scripts change (DESIGN §4).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from rusenhet import audit, clock, facts, followups, referrals
from rusenhet.errors import InputError
from rusenhet.interview.events import Completed, Event, event_from_json, event_to_json
from rusenhet.interview.model import SourceFile
from rusenhet.interview.resolve import InterviewScript
from rusenhet.interview.result import MeetingResult, result_from_json, result_to_json
from rusenhet.interview.templates import ScriptLibrary
from rusenhet.participants import Participants as Participants  # meetings.Participants
from rusenhet.people import age_on, parse_date
from rusenhet.referral_records import case_db
from rusenhet.referrals import Referral, Status
from rusenhet.vault import Vault


class MeetingState(StrEnum):
    BOOKED = "booked"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    AMENDED = "amended"


HELD = (MeetingState.COMPLETED, MeetingState.AMENDED)
ACTIVE = (MeetingState.IN_PROGRESS, MeetingState.PAUSED)
#: Two bookings of one counsellor closer than this clash.
CLASH_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True, repr=False)
class Meeting:
    id: int
    referral_number: int
    state: MeetingState
    at: datetime | None
    place: str | None
    counsellor: str
    held_on: date | None
    script_id: str | None
    script_version: str | None
    participants: Participants
    result: MeetingResult | None
    reason: str | None
    fact_id: str | None

    def __repr__(self) -> str:
        return f"Meeting(id={self.id})"


@dataclass(frozen=True)
class BookingCaution:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- rows


_COLUMNS = ("id, referral_id, state, at, place, counsellor, held_on, script_id, script_version,"
            " participants, result, reason, fact_id")


def _from_row(row: sqlite3.Row) -> Meeting:
    return Meeting(
        id=int(row["id"]), referral_number=int(row["referral_id"]),
        state=MeetingState(row["state"]),
        at=datetime.fromisoformat(row["at"]) if row["at"] else None,
        place=row["place"], counsellor=row["counsellor"],
        held_on=date.fromisoformat(row["held_on"]) if row["held_on"] else None,
        script_id=row["script_id"], script_version=row["script_version"],
        participants=Participants.from_json(json.loads(row["participants"] or "{}")),
        result=result_from_json(json.loads(row["result"])) if row["result"] else None,
        reason=row["reason"], fact_id=row["fact_id"])


def _conn(v: Vault) -> sqlite3.Connection:
    return case_db(v)


def parse_meeting_id(text: str | int) -> int:
    try:
        value = int(str(text).strip().removeprefix("M").removeprefix("m"))
    except ValueError:
        raise InputError("meeting.unknown", id=str(text)) from None
    if value <= 0:
        raise InputError("meeting.unknown", id=str(text))
    return value


def fetch(v: Vault, meeting_id: int | str) -> Meeting:
    mid = parse_meeting_id(meeting_id)
    row = _conn(v).execute(f"SELECT {_COLUMNS} FROM meeting WHERE id = ?", (mid,)).fetchone()  # noqa: S608
    if row is None:
        raise InputError("meeting.unknown", id=str(meeting_id))
    return _from_row(row)


def of_referral(v: Vault, number: int) -> list[Meeting]:
    rows = _conn(v).execute(f"SELECT {_COLUMNS} FROM meeting WHERE referral_id = ? ORDER BY id",  # noqa: S608
                            (number,)).fetchall()
    return [_from_row(r) for r in rows]


def all_meetings(v: Vault) -> list[Meeting]:
    return [_from_row(r) for r in _conn(v).execute(f"SELECT {_COLUMNS} FROM meeting ORDER BY id")]  # noqa: S608


def booked_meetings(v: Vault) -> list[Meeting]:
    """Booked meetings only: the agenda and the clash check need no held meeting's
    answers, and parsing every result is what made them slow in a large vault."""
    return [_from_row(r) for r in _conn(v).execute(
        f"SELECT {_COLUMNS} FROM meeting WHERE state = ? ORDER BY id",  # noqa: S608
        (MeetingState.BOOKED.value,))]


def _history(v: Vault, meeting_id: int, action: str, reason: str | None = None,
             data: Any = None) -> None:
    _conn(v).execute(
        "INSERT INTO meeting_history (meeting_id, time, user, action, reason, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (meeting_id, clock.now(v).isoformat(), v.user, action, reason,
         None if data is None else json.dumps(data, ensure_ascii=False)))


def history(v: Vault, meeting_id: int) -> list[dict[str, Any]]:
    rows = _conn(v).execute("SELECT time, user, action, reason, data FROM meeting_history"
                            " WHERE meeting_id = ? ORDER BY id", (meeting_id,)).fetchall()
    return [{"time": r["time"], "user": r["user"], "action": r["action"], "reason": r["reason"],
             "data": json.loads(r["data"]) if r["data"] else None} for r in rows]


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InputError("meeting.reason_required")
    if len(reason) > 500:
        raise InputError("meeting.reason_too_long")
    return reason


# --------------------------------------------------------------------------- booking


def parse_when(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` or ``dd.mm.yyyy HH:MM`` (local time, minutes); the time may
    also be written the bokmål way, ``kl. 10.00``."""
    flat = " ".join(text.replace("T", " ").replace("kl.", " ").split())
    day_text, _, time_text = flat.rpartition(" ")
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", time_text)
    try:
        if match is None:
            raise ValueError(text)
        return datetime.combine(parse_date(day_text),
                                time(int(match.group(1)), int(match.group(2))))
    except (InputError, ValueError):
        raise InputError("meeting.bad_time", value=text.strip()) from None


def _now_local(v: Vault) -> datetime:
    fixed = clock.today(v)
    real = datetime.now().replace(second=0, microsecond=0)
    return real if real.date() == fixed else datetime.combine(fixed, datetime.min.time())


def _open_referral(v: Vault, number: int | str) -> Referral:
    r = referrals.fetch(v, number)
    if r.status is not Status.OPEN:
        raise InputError("meeting.referral_closed", number=r.number)
    return r


def _check_counsellor(v: Vault, name: str) -> str:
    from rusenhet.roles import CASE_ROLES, Role

    if not any(u["name"] == name and Role(u["role"]) in CASE_ROLES for u in v.users()):
        raise InputError("meeting.bad_counsellor", name=name)
    return name


def booking_cautions(v: Vault, number: int | str, at: datetime, counsellor: str,
                     *, ignore: int | None = None) -> list[BookingCaution]:
    """Warnings that need confirmation: after the deadline; clash with the same
    counsellor's other booking."""
    r = referrals.fetch(v, number)
    out = []
    if at.date() > r.deadline:
        out.append(BookingCaution("meeting.caution.after_deadline",
                                  {"deadline": r.deadline}))
    for m in booked_meetings(v):
        if (m.id != ignore and m.state is MeetingState.BOOKED and m.counsellor == counsellor
                and m.at is not None and abs(m.at - at) < CLASH_WINDOW):
            out.append(BookingCaution("meeting.caution.clash",
                                      {"other": m.referral_number, "at": m.at}))
    return out


def _validate_booking(v: Vault, number: int | str, at: datetime, counsellor: str,
                      allow_past: bool = False) -> Referral:
    r = _open_referral(v, number)
    if allow_past and not v.demo:
        raise InputError("meeting.in_past")  # backdated bookings exist only in demo data
    if at < _now_local(v) and not allow_past:
        raise InputError("meeting.in_past")
    _check_counsellor(v, counsellor)
    return r


def book(vault: Vault, number: int | str, at: datetime, *, place: str | None,
         counsellor: str | None, accept: bool, allow_past: bool = False) -> int:
    """Book a meeting; cautions must have been shown and ``accept``ed. ``allow_past`` is
    for synthetic demo history only and is refused outside demo-flagged vaults."""
    referrals.require_access(vault)

    def change(v: Vault) -> int:
        who = counsellor or v.user
        r = _validate_booking(v, number, at, who, allow_past)
        if booking_cautions(v, number, at, who) and not accept:
            raise InputError("meeting.caution_unconfirmed")
        cur = _conn(v).execute(
            "INSERT INTO meeting (referral_id, state, at, place, counsellor, participants)"
            " VALUES (?, ?, ?, ?, ?, '{}')",
            (r.number, MeetingState.BOOKED.value, at.isoformat(timespec="minutes"),
             (place or "").strip() or None, who))
        mid = int(cur.lastrowid or 0)
        _history(v, mid, "book", data={"at": at.isoformat(timespec="minutes")})
        audit.append(v, "meeting.book", str(mid))
        return mid

    return vault.transact(change)


def _booked(v: Vault, meeting_id: int | str, error: str) -> Meeting:
    m = fetch(v, meeting_id)
    if m.state is not MeetingState.BOOKED:
        raise InputError(error, id=m.id, state=m.state.value)
    return m


def reschedule(vault: Vault, meeting_id: int | str, at: datetime, *, accept: bool) -> None:
    referrals.require_access(vault)

    def change(v: Vault) -> None:
        m = _booked(v, meeting_id, "meeting.not_booked")
        _validate_booking(v, m.referral_number, at, m.counsellor)
        if booking_cautions(v, m.referral_number, at, m.counsellor, ignore=m.id) and not accept:
            raise InputError("meeting.caution_unconfirmed")
        _conn(v).execute("UPDATE meeting SET at = ? WHERE id = ?",
                         (at.isoformat(timespec="minutes"), m.id))
        _history(v, m.id, "reschedule", data={"from": m.at.isoformat() if m.at else None,
                                              "to": at.isoformat(timespec="minutes")})
        audit.append(v, "meeting.reschedule", str(m.id))

    vault.transact(change)


def cancel(vault: Vault, meeting_id: int | str, reason: str) -> None:
    referrals.require_access(vault)
    reason = _require_reason(reason)

    def change(v: Vault) -> None:
        m = fetch(v, meeting_id)
        if m.state not in (MeetingState.BOOKED, MeetingState.PAUSED):
            raise InputError("meeting.cannot_cancel", id=m.id, state=m.state.value)
        _conn(v).execute("UPDATE meeting SET state = ?, reason = ? WHERE id = ?",
                         (MeetingState.CANCELLED.value, reason, m.id))
        _history(v, m.id, "cancel", reason)
        audit.append(v, "meeting.cancel", str(m.id))

    vault.transact(change)


def no_show(vault: Vault, meeting_id: int | str) -> None:
    """The person did not come. The referral stays open; a no-show fact row is written."""
    referrals.require_access(vault)

    def change(v: Vault) -> None:
        m = _booked(v, meeting_id, "meeting.no_show_not_booked")
        if m.at is not None and m.at.date() > clock.today(v):
            raise InputError("meeting.no_show_future", id=m.id)
        r = referrals.fetch(v, m.referral_number)
        fact_id = facts.new_fact_id()
        _conn(v).execute("UPDATE meeting SET state = ?, fact_id = ? WHERE id = ?",
                         (MeetingState.NO_SHOW.value, fact_id, m.id))
        day = m.at.date() if m.at is not None else clock.today(v)
        _write_fact(v, fact_id, r, day, kind="no-show", result=None)
        _history(v, m.id, "no-show")
        audit.append(v, "meeting.no_show", str(m.id))

    vault.transact(change)


# --------------------------------------------------------------------------- facts


def _write_fact(v: Vault, fact_id: str, r: Referral, day: date, *, kind: str,
                result: MeetingResult | None, meeting_id: int | None = None) -> None:
    """The de-identified meeting fact (stats section): codes, bands and months only."""
    age = age_on(r.birth_date, day)
    band = referrals.age_bands(v).band_for(age)
    row = {
        "fact_id": fact_id, "person_token": r.person_token, "referral_fact_id": r.fact_id,
        "month": facts.month(day), "age_band": band,
        "sex": r.sex.value if r.sex is not None else None,
        "legal_basis": r.legal_basis.value, "kind": kind,
        "script_id": result.script.id if result else None,
        "script_version": result.script.version if result else None,
        "risk_level": result.risk.value if result else None,
        "score_bands": json.dumps(dict(sorted(result.bands.items()))) if result else None,
        "outcome_codes": json.dumps(sorted(result.outcome_codes)) if result else None,
        "advice_codes": json.dumps(sorted(result.advice_codes)) if result else None,
        "referral_codes": json.dumps(sorted({x.code for x in result.referrals}))
        if result else None,
        "days_to_meeting": (day - r.received).days,
        "within_deadline": int(day <= r.deadline),
        "repeat_referral": int(r.repeat),
        "substance_codes": _codes(result.substances if result else None),
        "concern_codes": _codes(result.concerns if result else None),
        "notification_codes": _codes(result.notifications if result else None),
        "action_codes": _codes(result.actions if result else None),
        "followup_codes": json.dumps(followups.fact_codes(v, meeting_id))
        if result is not None and meeting_id is not None else None,
    }
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    v.stats_conn.execute(f"INSERT OR REPLACE INTO meeting_fact ({cols}) VALUES ({marks})",  # noqa: S608
                         tuple(row.values()))


def _codes(codes: Sequence[str] | None) -> str | None:
    return None if codes is None else json.dumps(sorted(set(codes)))


def resync_facts(v: Vault, referral_number: int | None = None) -> None:
    """Rewrite the meeting facts of one referral (or all) from the case section: after a
    correction of the person's birth date or sex, or a change of the unit's age bands.
    A held meeting without a result (recorded by the import) keeps its fact row too."""
    # One referral's meetings through the index: this runs at every referral change.
    found = all_meetings(v) if referral_number is None else of_referral(v, referral_number)
    for m in found:
        if m.fact_id is None:
            continue
        r = referrals.fetch(v, m.referral_number)
        if m.state in HELD:
            _write_fact(v, m.fact_id, r, m.held_on or clock.today(v), kind="held",
                        result=m.result, meeting_id=m.id)
        elif m.state is MeetingState.NO_SHOW:
            _write_fact(v, m.fact_id, r, m.at.date() if m.at else clock.today(v),
                        kind="no-show", result=None)


MEETING_FACT_COLUMNS = ("fact_id", "person_token", "referral_fact_id", "month", "age_band",
                        "sex", "legal_basis", "kind", "script_id", "script_version",
                        "risk_level", "score_bands", "outcome_codes", "advice_codes",
                        "referral_codes", "days_to_meeting", "within_deadline",
                        "repeat_referral", "substance_codes", "concern_codes",
                        "notification_codes", "action_codes", "followup_codes")


# --------------------------------------------------------------------------- interviews


def _store_templates(v: Vault, script: InterviewScript) -> None:
    """Keep the exact bytes of the script and its modules, the first time they are used."""
    sources = [("script", script.script.id, script.script.version, script.script.source)]
    sources += [("module", m.id, m.version, m.source) for m in script.modules]
    for kind, tid, version, src in sources:
        _conn(v).execute(
            "INSERT OR IGNORE INTO template_version (sha256, kind, template_id, version,"
            " file_name, content, first_used) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (src.sha256, kind, tid, version, _base_name(src.name), src.data,
             clock.today(v).isoformat()))


def _base_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def stored_library(v: Vault, meeting: Meeting) -> ScriptLibrary:
    """The script and modules exactly as they were when the meeting was held."""
    events = load_events(v, meeting.id)
    started = events[0] if events else None
    identity = getattr(started, "script", None)
    if identity is None:
        raise InputError("meeting.no_script", id=meeting.id)
    hashes = [identity.sha256, *(m.sha256 for m in identity.modules)]
    conn = _conn(v)
    sources = []
    for digest in hashes:
        row = conn.execute("SELECT file_name, content FROM template_version WHERE sha256 = ?",
                           (digest,)).fetchone()
        if row is None:
            raise InputError("meeting.template_missing", id=meeting.id)
        sources.append(SourceFile(f"vault:{row['file_name']}", bytes(row["content"]), digest))
    return ScriptLibrary.from_sources(sources)


def load_events(v: Vault, meeting_id: int) -> list[Event]:
    rows = _conn(v).execute("SELECT data FROM meeting_event WHERE meeting_id = ? ORDER BY seq",
                            (meeting_id,)).fetchall()
    return [event_from_json(json.loads(r["data"])) for r in rows]


@dataclass(frozen=True)
class Started:
    meeting_id: int
    referral: Referral
    age: int
    resumed: bool


def start(vault: Vault, number: int | str, script: InterviewScript,
          participants: Participants, *, held_on: date | None = None) -> Started:
    """Pick up the booked meeting of an open referral (or create one) and mark it in
    progress with ``script``. An interview already in progress must be resumed.

    ``held_on`` registers a meeting held earlier (e.g. noted on paper during an outage);
    it may not lie in the future or before the referral was received."""
    referrals.require_access(vault)

    def change(v: Vault) -> Started:
        r = _open_referral(v, number)
        existing = of_referral(v, r.number)
        active = [m for m in existing if m.state in ACTIVE]
        if active:
            raise InputError("meeting.already_active", id=active[0].id, referral=r.number)
        today = clock.today(v)
        if held_on is not None:
            if held_on > today or held_on < r.received:
                raise InputError("meeting.bad_held_on")
            today = held_on
        booked = [m for m in existing if m.state is MeetingState.BOOKED]
        if booked:
            mid = booked[0].id
        else:
            cur = _conn(v).execute(
                "INSERT INTO meeting (referral_id, state, counsellor, participants)"
                " VALUES (?, ?, ?, '{}')", (r.number, MeetingState.BOOKED.value, v.user))
            mid = int(cur.lastrowid or 0)
        _store_templates(v, script)
        _conn(v).execute(
            "UPDATE meeting SET state = ?, held_on = ?, script_id = ?, script_version = ?,"
            " script_sha256 = ?, participants = ? WHERE id = ?",
            (MeetingState.IN_PROGRESS.value, today.isoformat(), script.id,
             script.script.version, script.identity.sha256,
             json.dumps(participants.to_json(), ensure_ascii=False), mid))
        _history(v, mid, "start", data={"script": script.id,
                                        "version": script.script.version})
        audit.append(v, "meeting.start", str(mid))
        return Started(mid, r, age_on(r.birth_date, today), resumed=False)

    return vault.transact(change)


def event_saver(vault: Vault, meeting_id: int) -> Callable[[Event], None]:
    """The engine's ``save_event``: one short transaction per event."""
    def save(event: Event) -> None:
        def change(v: Vault) -> None:
            m = fetch(v, meeting_id)
            if m.state not in ACTIVE:
                raise InputError("meeting.not_active", id=m.id, state=m.state.value)
            conn = _conn(v)
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM meeting_event"
                               " WHERE meeting_id = ?", (meeting_id,)).fetchone()[0]
            conn.execute("INSERT INTO meeting_event (meeting_id, seq, data) VALUES (?, ?, ?)",
                         (meeting_id, seq, json.dumps(event_to_json(event),
                                                      ensure_ascii=False)))
            state = None
            if type(event).__name__ == "Paused":
                state = MeetingState.PAUSED
            elif m.state is MeetingState.PAUSED:
                state = MeetingState.IN_PROGRESS
            if state is not None:
                conn.execute("UPDATE meeting SET state = ? WHERE id = ?", (state.value, m.id))

        vault.transact(change)

    return save


def resume_target(vault: Vault, meeting_id: int | str) -> tuple[Meeting, Referral,
                                                                  InterviewScript, list[Event]]:
    """What the engine needs to continue: the meeting, its referral, the script as stored
    in the vault, and the events so far."""
    referrals.require_access(vault)

    def read(v: Vault) -> tuple[Meeting, Referral, InterviewScript, list[Event]]:
        m = fetch(v, meeting_id)
        if m.state not in ACTIVE:
            raise InputError("meeting.not_active", id=m.id, state=m.state.value)
        library = stored_library(v, m)
        script = library.get(m.script_id or "")
        audit.append(v, "meeting.resume", str(m.id))
        return m, referrals.fetch(v, m.referral_number), script, load_events(v, m.id)

    return vault.transact(read)


def complete(vault: Vault, meeting_id: int, result: MeetingResult) -> None:
    """Record the result, write the fact row and mark the referral as attended."""
    referrals.require_access(vault)

    def change(v: Vault) -> None:
        m = fetch(v, meeting_id)
        if m.state not in ACTIVE:
            raise InputError("meeting.not_active", id=m.id, state=m.state.value)
        events = load_events(v, m.id)
        if not events or not isinstance(events[-1], Completed):
            raise InputError("meeting.not_finished", id=m.id)
        r = referrals.fetch(v, m.referral_number)
        held = m.held_on or clock.today(v)
        fact_id = m.fact_id or facts.new_fact_id()
        _conn(v).execute("UPDATE meeting SET state = ?, result = ?, fact_id = ? WHERE id = ?",
                         (MeetingState.COMPLETED.value,
                          json.dumps(result_to_json(result), ensure_ascii=False), fact_id, m.id))
        followups.sync(v, m.id, held, [x.code for x in result.referrals])
        _write_fact(v, fact_id, r, held, kind="held", result=result, meeting_id=m.id)
        _history(v, m.id, "complete")
        referrals.mark_attendance(v, r.number, True, held)
        audit.append(v, "meeting.complete", str(m.id))

    vault.transact(change)


def amend(vault: Vault, meeting_id: int | str, reason: str,
          rerun: Callable[[InterviewScript, Referral, Meeting], tuple[list[Event], MeetingResult]]
          ) -> MeetingResult:
    """Correct a completed meeting: ``rerun`` produces new events and a result with the
    same stored script; the original events and result stay in the history."""
    referrals.require_access(vault)
    reason = _require_reason(reason)

    def change(v: Vault) -> MeetingResult:
        m = fetch(v, meeting_id)
        if m.state not in HELD:
            raise InputError("meeting.not_completed", id=m.id, state=m.state.value)
        library = stored_library(v, m)
        script = library.get(m.script_id or "")
        r = referrals.fetch(v, m.referral_number)
        old_events = load_events(v, m.id)
        new_events, result = rerun(script, r, m)
        conn = _conn(v)
        _history(v, m.id, "amend", reason, data={
            "original_result": result_to_json(m.result) if m.result else None,
            "original_events": [event_to_json(e) for e in old_events]})
        conn.execute("DELETE FROM meeting_event WHERE meeting_id = ?", (m.id,))
        for seq, event in enumerate(new_events, start=1):
            conn.execute("INSERT INTO meeting_event (meeting_id, seq, data) VALUES (?, ?, ?)",
                         (m.id, seq, json.dumps(event_to_json(event), ensure_ascii=False)))
        conn.execute("UPDATE meeting SET state = ?, result = ?, reason = ? WHERE id = ?",
                     (MeetingState.AMENDED.value,
                      json.dumps(result_to_json(result), ensure_ascii=False), reason, m.id))
        held = m.held_on or clock.today(v)
        followups.sync(v, m.id, held, [x.code for x in result.referrals])
        _write_fact(v, m.fact_id or facts.new_fact_id(), r, held, kind="held", result=result,
                    meeting_id=m.id)
        audit.append(v, "meeting.amend", str(m.id))
        return result

    return vault.transact(change)


def show(vault: Vault, meeting_id: int | str) -> tuple[Meeting, Referral, list[dict[str, Any]]]:
    """A meeting with its referral and history; the read is logged before it is shown."""
    referrals.require_access(vault)

    def read(v: Vault) -> tuple[Meeting, Referral, list[dict[str, Any]]]:
        m = fetch(v, meeting_id)
        audit.append(v, "meeting.show", str(m.id))
        return m, referrals.fetch(v, m.referral_number), history(v, m.id)

    return vault.transact(read)


def record_held(v: Vault, number: int, held_on: date) -> int:
    """A meeting held before the unit used this tool (the import's ``attended_on``):
    completed, without answers, with the same held-meeting fact row as :func:`complete`
    writes (risk not assessed), so it counts in the statistics; the referral is marked
    as attended. Inside ``vault.transact``, no log (the caller logs). Returns its id."""
    referrals.record_attendance(v, number, True, held_on)  # checks the date first
    r = referrals.fetch(v, number)
    fact_id = facts.new_fact_id()
    cur = _conn(v).execute(
        "INSERT INTO meeting (referral_id, state, counsellor, held_on, participants, fact_id)"
        " VALUES (?, ?, ?, ?, '{}', ?)",
        (r.number, MeetingState.COMPLETED.value, r.counsellor, held_on.isoformat(), fact_id))
    mid = int(cur.lastrowid or 0)
    _write_fact(v, fact_id, r, held_on, kind="held", result=None)
    _history(v, mid, "import")
    return mid


def held_meetings(v: Vault, number: int) -> Sequence[Meeting]:
    return [m for m in of_referral(v, number) if m.state in HELD]
