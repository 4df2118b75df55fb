"""Innsyn (GDPR art. 15): everything held about one person, across all their referrals.

Admin, or a counsellor responsible for one of the person's referrals; the export is
logged. The CLI writes it only to a file the user names with ``--out`` (owner-only, no
overwrite without --force) — the one place personal data may lie on disk in the clear.
"""

from __future__ import annotations

import json
from typing import Any

from rusenhet import audit, referrals, settings
from rusenhet.errors import AccessDenied, InputError
from rusenhet.i18n import LANGUAGES, Translator
from rusenhet.roles import Role
from rusenhet.vault import Vault

SCHEMA = "rusenhet.innsyn/1"
_REFERRAL_ACTIONS = ("referral.", "confirm.")
_MEETING_ACTIONS = ("meeting.", "letter.")


def _person_id(v: Vault, query: str) -> int:
    text = "".join(query.split())
    if len(text) == 11 and text.isdigit():
        conn = v.case_conn
        assert conn is not None  # noqa: S101 - require_access ran
        row = conn.execute("SELECT id FROM person WHERE id_pseudonym = ?",
                           (referrals.pseudonym(v, text),)).fetchone()
        if row is None:
            raise InputError("innsyn.unknown_person")
        return int(row[0])
    return referrals.fetch(v, query).person_id


def _decode(row: dict[str, Any], *columns: str) -> dict[str, Any]:
    for column in columns:
        if row.get(column):
            row[column] = json.loads(row[column])
    return row


def _in_words(v: Vault, row: dict[str, Any]) -> dict[str, Any]:
    """A held meeting's answers and agreed referrals in words, in both languages, from
    the script version the meeting used (kept in the vault)."""
    from rusenhet import meeting_text, meetings

    result = row.get("result")
    if not isinstance(result, dict) or not row.get("script_id"):
        return {}
    m = meetings.fetch(v, int(row["id"]))
    if m.result is None:
        return {}
    script = meetings.stored_library(v, m).get(m.script_id or "")
    out: dict[str, Any] = {}
    for lang in LANGUAGES:
        labels = meeting_text.option_labels(script, lang)
        out[lang] = {
            "answers": [line.__dict__ for line in
                        meeting_text.answer_lines(script, m.result.answers, lang)],
            "referrals_with_consent": [labels.get(x.code, x.code) for x in m.result.referrals
                                       if x.consent is not False],
            "risk": Translator(lang)(f"interview.risk.{m.result.risk.value}"),
        }
    return out


def export(vault: Vault, query: str) -> dict[str, Any]:
    referrals.require_access(vault)

    def read(v: Vault) -> dict[str, Any]:
        import sqlite_utils  # lazily: it pulls in click, which no other command needs

        assert v.case_conn is not None  # noqa: S101 - require_access ran
        db = sqlite_utils.Database(v.case_conn)
        pid = _person_id(v, query)
        refs = list(db["referral"].rows_where("person_id = ?", [pid], order_by="id"))
        if v.role is not Role.ADMIN and all(r["counsellor"] != v.user for r in refs):
            raise AccessDenied("innsyn.not_responsible")
        numbers = [r["id"] for r in refs]
        marks = ", ".join("?" for _ in numbers)
        person = next(db["person"].rows_where("id = ?", [pid]))
        # Internal links (a keyed hash, the random stats token and fact ids) mean nothing
        # to the person, and outside the vault they could link the export to statistics.
        for key in ("id_pseudonym", "token"):
            person.pop(key, None)
        for r in refs:
            r.pop("fact_id", None)
        meetings = [_decode({k: x for k, x in m.items() if k != "fact_id"}, "participants",
                            "result") for m in
                    db["meeting"].rows_where(f"referral_id IN ({marks})", numbers,
                                             order_by="id")]
        meeting_ids = [m["id"] for m in meetings]
        mmarks = ", ".join("?" for _ in meeting_ids) or "NULL"
        log = [dict(e.__dict__) for e in audit.entries(v)
               if (e.record_id in {str(n) for n in numbers}
                   and e.action.startswith(_REFERRAL_ACTIONS))
               or (e.record_id in {str(m) for m in meeting_ids}
                   and e.action.startswith(_MEETING_ACTIONS))]
        for entry in log:
            for key in ("prev_hash", "hash", "signature"):
                entry.pop(key, None)
        values = settings.read_all(v)
        for m in meetings:
            m["in_words"] = _in_words(v, m)
        data = {
            "schema": SCHEMA,
            "unit": {"name": values["unit-name"], "kommunenummer": values["kommunenummer"],
                     "contact": values["unit-contact"],
                     "retention_months": int(values["retention-months"])},
            "person": person,
            "referrals": refs,
            "guardians": list(db["guardian"].rows_where(f"referral_id IN ({marks})", numbers,
                                                        order_by="id")),
            "referral_history": list(db["referral_history"].rows_where(
                "person_id = ?", [pid], order_by="id")),
            "meetings": meetings,
            "meeting_events": [_decode(e, "data") for e in db["meeting_event"].rows_where(
                f"meeting_id IN ({mmarks})", meeting_ids, order_by="meeting_id, seq")],
            "meeting_history": [_decode(h, "data") for h in db["meeting_history"].rows_where(
                f"meeting_id IN ({mmarks})", meeting_ids, order_by="id")],
            "referral_followups": list(db["referral_followup"].rows_where(
                f"meeting_id IN ({mmarks})", meeting_ids, order_by="id")),
            "access_log": log,
        }
        audit.append(v, "person.export", str(numbers[0]) if numbers else None)
        return data

    return vault.transact(read)
