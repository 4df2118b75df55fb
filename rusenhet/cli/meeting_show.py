"""``rusenhet meeting show``: one meeting laid out for the counsellor.

On screen every answer appears with the script's question text and answer labels in the
chosen language, grouped by the script's sections; each score with what its band means;
what was agreed (outcome, referrals, advice) in words. Codes appear only in ``--json``
(and CSV/Excel, which are for programs).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rusenhet import meeting_text
from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, emit, emit_record, machine

if TYPE_CHECKING:
    from rusenhet import meetings
    from rusenhet.interview.resolve import InterviewScript
    from rusenhet.interview.result import MeetingResult
    from rusenhet.referrals import Referral


def render_meeting(a: AppContext, m: meetings.Meeting, r: Referral, hist: list[dict[str, Any]],
                   fmt: Format, *, number: int = 1,
                   script: InterviewScript | None = None) -> None:
    from rusenhet.interview.result import result_to_json

    if fmt is Format.JSON:
        payload = {"referral": m.referral_number, "meeting": number, "id": m.id,
                   "state": m.state.value,
                   "at": m.at.isoformat() if m.at else None, "place": m.place,
                   "counsellor": m.counsellor,
                   "held_on": m.held_on.isoformat() if m.held_on else None,
                   "participants": m.participants.to_json(),
                   "result": result_to_json(m.result) if m.result else None,
                   "reason": m.reason, "history": hist}
        a.out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    title = f"{script.script.title.render(a.lang)} ({m.script_version})" \
        if script is not None else m.script_id
    fields: list[tuple[str, str, Any]] = [
        ("referral", a.t("meeting.col.referral"), m.referral_number),
        ("meeting", a.t("meeting.col.id"), number),
        ("name", a.t("label.name"), r.name),
        ("state", a.t("meeting.col.state"), a.t(f"meeting.state.{m.state.value}")),
        ("at", a.t("meeting.col.at"), m.at), ("place", a.t("meeting.col.place"), m.place),
        ("counsellor", a.t("meeting.col.counsellor"), m.counsellor),
        ("held_on", a.t("meeting.col.held_on"), m.held_on),
        ("script", a.t("meeting.col.script"), title),
    ]
    res = m.result
    if res is not None:
        fields += _result_fields(a, res, script)
    if m.reason:
        fields.append(("reason", a.t("meeting.col.reason"), m.reason))
    emit_record(a, fmt, fields,
                title=a.t("meeting.title", referral=m.referral_number, number=number))
    if res is not None and (res.answers or res.notes):
        a.say("")
        emit(a, fmt, [("question", a.t("meeting.col.question")),
                      ("answer", a.t("meeting.col.answer"))],
             _answer_rows(a, res, script, machine(fmt)), title=a.t("meeting.answers_title"))


def _result_fields(a: AppContext, res: MeetingResult, script: InterviewScript | None
                   ) -> list[tuple[str, str, Any]]:
    words = meeting_text.option_labels(script, a.lang)
    fields: list[tuple[str, str, Any]] = [
        ("risk", a.t("meeting.col.risk"), a.t(f"interview.risk.{res.risk.value}"))]
    computed = script.computed_by_id if script is not None else {}
    for name, value in res.scores.items():
        c = computed.get(name)
        label = c.title.render(a.lang) if c is not None and c.title is not None else name
        text = str(value)
        band = res.bands.get(name)
        if band is not None:
            text += f" – {meeting_text.band_meaning(script, name, band, a.lang)}"
        fields.append((f"score.{name}", label, text))

    def said(codes: Any) -> str:
        return ", ".join(words.get(c, c) for c in codes)

    fields.append(("outcome", a.t("meeting.col.outcome"), said(res.outcome_codes)))
    fields.append(("referrals", a.t("meeting.col.referrals"), ", ".join(
        words.get(x.code, x.code) + ("" if x.consent is None else a.t(
            "meeting.consent_yes" if x.consent else "meeting.consent_no"))
        for x in res.referrals)))
    fields.append(("advice", a.t("meeting.col.advice"), said(res.advice_codes)))
    if res.follow_up_needs:
        fields.append(("follow_up", a.t("meeting.col.follow_up"), said(res.follow_up_needs)))
    # What the safety guards are about, each in its own field (never part of the risk).
    for key in ("substances", "concerns", "notifications", "actions"):
        codes = getattr(res, key)
        if codes:
            fields.append((key, a.t(f"meeting.col.{key}"), said(codes)))
    return fields


def _answer_rows(a: AppContext, res: MeetingResult, script: InterviewScript | None,
                 codes: bool) -> list[dict[str, Any]]:
    from rusenhet.interview.events import encode_value

    if codes or script is None:
        rows = [{"question": qid, "answer": json.dumps(encode_value(v), ensure_ascii=False)
                 if codes else str(encode_value(v))} for qid, v in res.answers.items()]
    else:
        rows = []
        section = None
        for line in meeting_text.answer_lines(script, res.answers, a.lang):
            if line.section != section:
                section = line.section
                rows.append({"question": f"— {section} —", "answer": ""})
            rows.append({"question": line.question, "answer": line.answer})
    for note in res.notes:
        rows.append({"question": a.t("meeting.col.note"), "answer": note.text})
    return rows


