"""``rusenhet meeting show``: one meeting laid out for the counsellor.

Codes (answer values, score bands, outcome codes) appear only in ``--json``; the other
formats show the script's question texts and answer labels in the chosen language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rusenhet.cli.context import AppContext
from rusenhet.cli.render import Format, emit_record

if TYPE_CHECKING:
    from rusenhet import meetings
    from rusenhet.referrals import Referral


def render_meeting(a: AppContext, m: meetings.Meeting, r: Referral, hist: list[dict[str, Any]],
                   fmt: Format, *, number: int = 1) -> None:
    from rusenhet.interview.events import encode_value
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
        import json

        a.out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    fields: list[tuple[str, str, Any]] = [
        ("referral", a.t("meeting.col.referral"), m.referral_number),
        ("meeting", a.t("meeting.col.id"), number),
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
        for qid, value in res.answers.items():
            fields.append((f"answer.{qid}", qid, value if isinstance(value, bool)
                           else _answer_text(encode_value(value))))
        for note in res.notes:
            fields.append(("note", a.t("meeting.col.note"), note.text))
    if m.reason:
        fields.append(("reason", a.t("meeting.col.reason"), m.reason))
    emit_record(a, fmt, fields,
                title=a.t("meeting.title", referral=m.referral_number, number=number))


def _answer_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and "date" in value:
        return str(value["date"])
    return str(value)


