"""Turning what was typed or read from an answers file into a valid answer.

The same rules serve the interactive engine and ``run_with_answers``: a value of the
right type, a known option, inside the bounds, not empty when required. Constraints,
which need the other answers, are checked by the engine.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rusenhet.errors import InputError
from rusenhet.files import MIB, read_text
from rusenhet.interview.model import AnswerValue, Question, QuestionType

_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class AnswerError(InputError):
    """An answer that does not fit its question."""

    default_key = "interview.answer.invalid"


def normalise(q: Question, raw: object) -> AnswerValue | None:
    """The stored form of ``raw`` for ``q``; None for an empty optional answer."""
    if isinstance(raw, str) and q.type is not QuestionType.TEXT:
        raw = raw.strip()
    if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
        if q.required:
            raise AnswerError("interview.answer.required")
        return None
    if q.type is QuestionType.TEXT:
        if not isinstance(raw, str):
            raise AnswerError("interview.answer.need_text")
        return raw.strip()
    if q.type is QuestionType.YESNO:
        if not isinstance(raw, bool):
            raise AnswerError("interview.answer.need_yesno")
        return raw
    if q.type is QuestionType.INTEGER:
        return _integer(q, raw)
    if q.type is QuestionType.DATE:
        return parse_date(raw)
    if q.type is QuestionType.SINGLE:
        if not isinstance(raw, str) or raw not in q.codes:
            raise AnswerError("interview.answer.not_option", value=str(raw), allowed=_allowed(q))
        return raw
    return _codes(q, raw)


def _allowed(q: Question) -> str:
    return ", ".join(q.codes)


def _integer(q: Question, raw: object) -> int:
    if isinstance(raw, str) and _INTEGER.match(raw):
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise AnswerError("interview.answer.need_integer")
    low, high = q.minimum, q.maximum
    if (low is not None and raw < low) or (high is not None and raw > high):
        raise AnswerError("interview.answer.out_of_range", value=raw, min=low, max=high)
    return raw


def parse_date(raw: object) -> date:
    """A date, or text as ``YYYY-MM-DD`` or ``dd.mm.yyyy`` (DESIGN §1)."""
    if isinstance(raw, datetime):
        raise AnswerError("interview.answer.need_date")
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            if m := _NORWEGIAN_DATE.match(raw):
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if len(raw) == 10:
                return date.fromisoformat(raw)
        except ValueError:
            pass
    raise AnswerError("interview.answer.need_date")


def _codes(q: Question, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple):
        raise AnswerError("interview.answer.need_list", allowed=_allowed(q))
    for code in raw:
        if not isinstance(code, str) or code not in q.codes:
            raise AnswerError("interview.answer.not_option", value=str(code), allowed=_allowed(q))
    if len(set(raw)) != len(raw):
        raise AnswerError("interview.answer.duplicate")
    if not raw and q.required:
        raise AnswerError("interview.answer.required")
    return tuple(c for c in q.codes if c in raw)  # option order, whatever order was given


ANSWERS_FILE_LIMIT = 4 * MIB


def read_answers_file(path: Path) -> dict[str, Any]:
    """An answers file: a TOML or JSON table of question id → value."""
    try:
        text = read_text(path, limit=ANSWERS_FILE_LIMIT)  # regular, bounded (issue 16)
    except InputError as exc:
        if exc.key in ("io.too_large", "io.not_regular", "io.name_too_long"):
            raise
        raise InputError("interview.answers.unreadable", file=str(path)) from None
    try:
        data: object = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except RecursionError:
        raise InputError("io.too_deep", path=str(path)) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError):
        raise InputError("interview.answers.unparsable", file=str(path)) from None
    except ValueError:  # an integer of more than 4300 digits
        raise InputError("io.number_too_long", path=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("interview.answers.not_table", file=str(path))
    return data
