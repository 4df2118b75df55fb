"""The outcome of a meeting: answers, scores, bands, risk and what was agreed."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rusenhet.errors import InputError
from rusenhet.interview.events import (
    decode_value,
    encode_value,
    identity_from_json,
    identity_to_json,
)
from rusenhet.interview.expr import Value
from rusenhet.interview.model import AnswerValue, Records, RiskLevel
from rusenhet.interview.resolve import ScriptIdentity
from rusenhet.interview.scoring import Snapshot


@dataclass(frozen=True)
class Referral:
    code: str
    #: the answer to the script's consent question for this code; None if not asked
    consent: bool | None


@dataclass(frozen=True)
class Note:
    question: str | None
    text: str


@dataclass(frozen=True)
class MeetingResult:
    script: ScriptIdentity
    #: answers of visible questions; optional questions left empty are absent
    answers: Mapping[str, AnswerValue]
    skipped: tuple[str, ...]
    #: every computed value of the script and its modules
    scores: Mapping[str, Value]
    #: computed id → code of the band that applies
    bands: Mapping[str, str]
    risk: RiskLevel
    modules: tuple[str, ...]
    outcome_codes: tuple[str, ...]
    referrals: tuple[Referral, ...]
    advice_codes: tuple[str, ...]
    follow_up_needs: tuple[str, ...]
    notes: tuple[Note, ...]
    #: substances reported (codes; «ingen» and «vil-ikke-svare» are codes too)
    substances: tuple[str, ...] = ()
    #: concerns raised (acute risk, child protection), apart from the drug-risk level
    concerns: tuple[str, ...] = ()
    #: notifications made under a duty (opplysningsplikt), never consent-based referrals
    notifications: tuple[str, ...] = ()
    #: immediate actions taken at acute risk
    actions: tuple[str, ...] = ()


#: The code of "none" in choice lists; dropped from concerns, notifications and actions
#: (they list what happened), kept elsewhere where scripts and statistics read it.
NONE_CODE = "ingen"
_ONLY_WHAT_HAPPENED = frozenset({Records.CONCERNS, Records.NOTIFICATIONS, Records.ACTIONS})


def _codes(value: AnswerValue | None) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return (value,) if isinstance(value, str) else ()


def build_result(
    snap: Snapshot,
    answers: Mapping[str, AnswerValue | None],
    skipped: Collection[str],
    notes: Sequence[Note],
) -> MeetingResult:
    script = snap.env.script
    recorded: dict[Records, list[str]] = {r: [] for r in Records}
    consent: dict[str, bool] = {}
    shown_answers: dict[str, AnswerValue] = {}
    shown_skipped: list[str] = []
    for position, q in enumerate(script.questions):
        if not snap.visible[position]:
            continue
        value = answers.get(q.id)
        if q.id in skipped:
            shown_skipped.append(q.id)
        elif value is not None:
            shown_answers[q.id] = value
        if q.records is not None:
            recorded[q.records] += [
                c for c in _codes(value)
                if c not in recorded[q.records]
                and not (c == NONE_CODE and q.records in _ONLY_WHAT_HAPPENED)
            ]
        if q.consent_for is not None and isinstance(value, bool):
            consent[q.consent_for] = value
    return MeetingResult(
        script=script.identity,
        answers=shown_answers,
        skipped=tuple(shown_skipped),
        scores=snap.scores(),
        bands=snap.env.bands(),
        risk=snap.risk,
        modules=snap.modules,
        outcome_codes=tuple(recorded[Records.OUTCOME]),
        referrals=tuple(Referral(c, consent.get(c)) for c in recorded[Records.REFERRALS]),
        advice_codes=tuple(recorded[Records.ADVICE]),
        follow_up_needs=tuple(recorded[Records.FOLLOW_UP]),
        notes=tuple(notes),
        substances=tuple(recorded[Records.SUBSTANCES]),
        concerns=tuple(recorded[Records.CONCERNS]),
        notifications=tuple(recorded[Records.NOTIFICATIONS]),
        actions=tuple(recorded[Records.ACTIONS]),
    )


def result_to_json(result: MeetingResult) -> dict[str, Any]:
    return {
        "script": identity_to_json(result.script),
        "answers": {k: encode_value(v) for k, v in result.answers.items()},
        "skipped": list(result.skipped),
        "scores": {k: encode_value(v) for k, v in result.scores.items()},
        "bands": dict(result.bands),
        "risk": result.risk.value,
        "modules": list(result.modules),
        "outcome_codes": list(result.outcome_codes),
        "referrals": [{"code": r.code, "consent": r.consent} for r in result.referrals],
        "advice_codes": list(result.advice_codes),
        "follow_up_needs": list(result.follow_up_needs),
        "notes": [{"question": n.question, "text": n.text} for n in result.notes],
        "substances": list(result.substances),
        "concerns": list(result.concerns),
        "notifications": list(result.notifications),
        "actions": list(result.actions),
    }


def result_from_json(data: Mapping[str, Any]) -> MeetingResult:
    """Inverse of :func:`result_to_json`; InputError for anything malformed."""
    try:
        return MeetingResult(
            script=identity_from_json(data["script"]),
            answers={str(k): decode_value(v) for k, v in data["answers"].items()},
            skipped=tuple(str(q) for q in data["skipped"]),
            scores={str(k): decode_value(v) for k, v in data["scores"].items()},
            bands={str(k): str(v) for k, v in data["bands"].items()},
            risk=RiskLevel(data["risk"]),
            modules=tuple(str(m) for m in data["modules"]),
            outcome_codes=tuple(str(c) for c in data["outcome_codes"]),
            referrals=tuple(Referral(str(r["code"]), r["consent"]) for r in data["referrals"]),
            advice_codes=tuple(str(c) for c in data["advice_codes"]),
            follow_up_needs=tuple(str(c) for c in data["follow_up_needs"]),
            notes=tuple(Note(n["question"], str(n["text"])) for n in data["notes"]),
            # absent in results stored before these fields existed
            substances=tuple(str(c) for c in data.get("substances", [])),
            concerns=tuple(str(c) for c in data.get("concerns", [])),
            notifications=tuple(str(c) for c in data.get("notifications", [])),
            actions=tuple(str(c) for c in data.get("actions", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError("interview.error.bad_result") from None
