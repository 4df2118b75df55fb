"""Append-only interview events and their JSON form.

The engine hands every event to the caller's ``save_event`` before applying it, so the
stored events are the interview: replaying them rebuilds the state exactly. JSON values
are plain (lists for multiple choice, ``{"date": "YYYY-MM-DD"}`` for dates) and times
are ISO 8601 with offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rusenhet.errors import InputError
from rusenhet.interview.model import AnswerValue
from rusenhet.interview.resolve import ModuleIdentity, ScriptIdentity


@dataclass(frozen=True)
class Started:
    """First event: which exact script (and module) versions the answers belong to."""

    script: ScriptIdentity
    at: datetime


@dataclass(frozen=True)
class Answered:
    """An answer; None means an optional question was left empty."""

    question: str
    value: AnswerValue | None
    at: datetime


@dataclass(frozen=True)
class Skipped:
    """The question was skipped on purpose (only where the script allows it)."""

    question: str
    at: datetime


@dataclass(frozen=True)
class WentBack:
    """The answer to ``question`` was withdrawn to ask it again."""

    question: str
    at: datetime


@dataclass(frozen=True)
class NoteAdded:
    question: str | None  #: None at the final step
    text: str
    at: datetime


@dataclass(frozen=True)
class Paused:
    at: datetime


@dataclass(frozen=True)
class Completed:
    at: datetime


Event = Started | Answered | Skipped | WentBack | NoteAdded | Paused | Completed

_TYPES: dict[type[Any], str] = {
    Started: "started",
    Answered: "answer",
    Skipped: "skip",
    WentBack: "back",
    NoteAdded: "note",
    Paused: "pause",
    Completed: "complete",
}


def encode_value(value: object) -> Any:
    """JSON form of an answer or score value."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, Mapping) and set(value) == {"date"}:
        return date.fromisoformat(str(value["date"]))
    if isinstance(value, list):
        return tuple(decode_value(v) for v in value)
    return value


def identity_to_json(identity: ScriptIdentity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "version": identity.version,
        "sha256": identity.sha256,
        "modules": [
            {"id": m.id, "version": m.version, "sha256": m.sha256} for m in identity.modules
        ],
    }


def identity_from_json(data: Mapping[str, Any]) -> ScriptIdentity:
    return ScriptIdentity(
        str(data["id"]),
        str(data["version"]),
        str(data["sha256"]),
        tuple(
            ModuleIdentity(str(m["id"]), str(m["version"]), str(m["sha256"]))
            for m in data["modules"]
        ),
    )


def event_to_json(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _TYPES[type(event)], "at": event.at.isoformat()}
    if isinstance(event, Started):
        out["script"] = identity_to_json(event.script)
    elif isinstance(event, Answered):
        out["question"] = event.question
        out["value"] = encode_value(event.value)
    elif isinstance(event, Skipped | WentBack):
        out["question"] = event.question
    elif isinstance(event, NoteAdded):
        out["question"] = event.question
        out["text"] = event.text
    return out


def event_from_json(data: Mapping[str, Any]) -> Event:
    """Inverse of :func:`event_to_json`; InputError for anything malformed."""
    try:
        kind = data["type"]
        at = datetime.fromisoformat(data["at"])
        if kind == "started":
            return Started(identity_from_json(data["script"]), at)
        if kind == "answer":
            return Answered(str(data["question"]), decode_value(data["value"]), at)
        if kind == "skip":
            return Skipped(str(data["question"]), at)
        if kind == "back":
            return WentBack(str(data["question"]), at)
        if kind == "note":
            question = data["question"]
            return NoteAdded(None if question is None else str(question), str(data["text"]), at)
        if kind == "pause":
            return Paused(at)
        if kind == "complete":
            return Completed(at)
    except (KeyError, TypeError, ValueError):
        pass
    raise InputError("interview.error.bad_event")
