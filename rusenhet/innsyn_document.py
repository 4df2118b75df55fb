"""The innsyn answer as a document to the person (GDPR art. 15), in plain language.

Article 15 asks for more than a copy of the data: the purposes, the categories of data,
the recipients, how long the data are kept, the rights to rectification and erasure, the
right to complain to the supervisory authority (Datatilsynet), and where the data came
from. The JSON variant (``--format json``) carries the same data for a machine.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rusenhet import datetext
from rusenhet.i18n import Translator


def _day(value: Any, lang: str) -> str:
    if not value:
        return ""
    text = str(value)
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text).astimezone()
            clock = moment.strftime("%H.%M" if lang == "nb" else "%H:%M")
            return f"{datetext.day(moment.date(), lang)} {clock}"
        return datetext.day(date.fromisoformat(text), lang)
    except ValueError:
        return text


def _label(t: Translator, key: str) -> str:
    text = t(key)
    return "" if text == key else text


def render(data: dict[str, Any], lang: str, today: date) -> str:
    t = Translator(lang)
    unit = data["unit"]
    person = data["person"]
    refs = data["referrals"]
    out = [f"# {t('innsyn.doc.title', unit=unit['name'])}", "",
           t("innsyn.doc.intro", name=person["name"], unit=unit["name"], date=today), ""]

    def section(key: str, *paragraphs: str) -> None:
        out.extend([f"## {t(f'innsyn.doc.{key}')}", ""])
        for p in paragraphs:
            out.extend([p, ""])

    bases = sorted({r["legal_basis"] for r in refs})
    section("who", t("innsyn.doc.who_text", unit=unit["name"], kommune=unit["kommunenummer"],
                     contact=unit["contact"] or t("innsyn.doc.no_contact")))
    section("purpose", t("innsyn.doc.purpose_text"))
    section("basis", t("innsyn.doc.basis_text"),
            *(t(f"innsyn.doc.basis_{b}") for b in bases))
    section("source", t("innsyn.doc.source_text"))

    # The data themselves.
    out.extend([f"## {t('innsyn.doc.data')}", "", f"### {t('innsyn.doc.you')}", ""])
    sex = _label(t, f"referral.sex.{person.get('sex')}") if person.get("sex") else ""
    for key, value in (("name", person["name"]), ("id_number", person.get("id_number")),
                       ("birth_date", _day(person.get("birth_date"), lang)), ("sex", sex)):
        if value:
            out.append(f"- {t(f'referral.field.{key}')}: {value}")
    out.append("")
    for r in refs:
        out.extend([f"### {t('innsyn.doc.referral', number=r['id'])}", ""])
        status = _label(t, f"referral.status.{r['status']}")
        for key, value in (
                ("received", _day(r["received"], lang)),
                ("legal_basis", _label(t, f"referral.basis_long.{r['legal_basis']}")),
                ("authority", r["authority"]), ("police_reference", r.get("police_reference")),
                ("deadline", _day(r["deadline"], lang)), ("phone", r.get("phone")),
                ("counsellor", r["counsellor"]), ("status", status),
                ("close_reason", _label(t, f"referral.close_reason.{r.get('close_reason')}")),
                ("attendance", _label(t, f"referral.attendance.{r.get('attendance')}"))):
            if value:
                out.append(f"- {t(f'referral.field.{key}')}: {value}")
        guardians = [g for g in data["guardians"] if g["referral_id"] == r["id"]]
        if guardians:
            out.append(f"- {t('referral.field.guardians')}: "
                       + "; ".join(f"{g['name']} ({g['contact']})" for g in guardians))
        changes = [h for h in data["referral_history"] if h["referral_id"] == r["id"]
                   and h["action"] != "add"]
        for h in changes:
            out.append("- " + t("innsyn.doc.change", date=_day(h["time"], lang),
                                user=h["user"],
                                what=_label(t, f"referral.field.{h['field']}") or
                                _label(t, f"referral.action.{h['action']}") or h["action"],
                                reason=h.get("reason") or "–"))
        out.append("")
        for m in (m for m in data["meetings"] if m["referral_id"] == r["id"]):
            when = _day(m.get("held_on") or m.get("at"), lang)
            state = _label(t, f"meeting.state.{m['state']}")
            out.extend([f"#### {t('innsyn.doc.meeting', date=when, state=state)}", ""])
            words = (m.get("in_words") or {}).get(lang) or {}
            if words:
                out.append(f"- {t('meeting.col.risk')}: {words['risk']}")
                section_title = None
                for line in words["answers"]:
                    if not line["answer"].strip():
                        continue
                    if line["section"] != section_title:
                        section_title = line["section"]
                        out.extend(["", f"*{section_title}*", ""])
                    out.append(f"- {line['question']} **{line['answer']}**")
            notes = (m.get("result") or {}).get("notes") or []
            for note in notes:
                text = note.get("text") if isinstance(note, dict) else note
                out.append(f"- {t('meeting.col.note')}: {text}")
            out.append("")

    # Who received data, how long they are kept, who looked at them.
    confirmations = [e for e in data["access_log"] if e["action"] == "confirm.issue"]
    recipients = [t("innsyn.doc.recipients_text"), ""]
    recipients += ["- " + t("innsyn.doc.confirmation_sent", date=_day(e["time"], lang))
                   for e in confirmations]
    consented = [x for m in data["meetings"] for x in
                 ((m.get("in_words") or {}).get(lang) or {}).get("referrals_with_consent", [])]
    recipients += ["- " + t("innsyn.doc.referred_with_consent", to=x) for x in consented]
    section("recipients", "\n".join(recipients))
    section("retention", t("innsyn.doc.retention_text", months=unit["retention_months"]))
    log = [f"- {_day(e['time'], lang)} · {e['user']} · "
           f"{_label(t, 'innsyn.action.' + e['action']) or e['action']}"
           for e in data["access_log"]]
    section("log", t("innsyn.doc.log_text"), "\n".join(log) or t("innsyn.none"))
    section("rights", t("innsyn.doc.rights_text", contact=unit["contact"] or unit["name"]),
            t("innsyn.doc.complain_text"))
    return "\n".join(out).rstrip() + "\n"
