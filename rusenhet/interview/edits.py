"""``QUESTION=VALUE`` corrections: one answer changed, the whole meeting re-validated.

``meeting amend N --set QUESTION=VALUE`` and ``meeting resume N --set ...`` start from
the answers already recorded, change the named ones and hand the result to the engine,
which validates the whole meeting again (types, options, constraints, visibility and
guards) exactly as for an answers file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rusenhet.errors import InputError
from rusenhet.interview.answers import AnswerError, normalise
from rusenhet.interview.messages import Msg
from rusenhet.interview.model import AnswerValue, QuestionType
from rusenhet.interview.resolve import InterviewScript
from rusenhet.interview.scoring import MeetingContext, snapshot

_YES = frozenset({"ja", "yes", "true", "j", "y"})
_NO = frozenset({"nei", "no", "false", "n"})


def parse_settings(script: InterviewScript,
                   settings: Sequence[str]) -> dict[str, AnswerValue | None]:
    """``QUESTION=VALUE`` texts as answers; an empty VALUE removes the answer (None).

    Multiple choice takes codes separated by commas; yes/no takes ja/nei (yes/no).
    """
    out: dict[str, AnswerValue | None] = {}
    for item in settings:
        qid, sep, text = item.partition("=")
        qid, text = qid.strip(), text.strip()
        if not sep or not qid:
            raise InputError("interview.set.bad_format", value=item)
        if qid not in script.index:
            raise InputError("interview.set.unknown_question", question=qid, script=script.id)
        if qid in out:
            raise InputError("interview.set.repeated", question=qid)
        q = script.question(qid)
        value: object = text
        if not text:
            value = None
        elif q.type is QuestionType.YESNO:
            if text.lower() not in _YES | _NO:
                raise InputError("interview.set.need_yesno", question=qid)
            value = text.lower() in _YES
        elif q.type is QuestionType.MULTI:
            value = [c.strip() for c in text.split(",") if c.strip()]
        try:
            out[qid] = None if value is None else normalise(q, value)
        except AnswerError as exc:
            raise InputError("interview.set.bad_value", question=qid,
                             reason=Msg(exc.key, exc.params)) from None
    return out


def merged_answers(script: InterviewScript, context: MeetingContext,
                   base: Mapping[str, AnswerValue], changes: Mapping[str, AnswerValue | None]
                   ) -> dict[str, AnswerValue]:
    """``base`` with ``changes`` applied. Earlier answers to questions that the changes
    hide are dropped (they stay in the history); a change to a hidden question is left
    for the engine to refuse."""
    merged: dict[str, AnswerValue] = {k: v for k, v in base.items() if k not in changes}
    merged.update({k: v for k, v in changes.items() if v is not None})
    visible = snapshot(script, context, merged).visible
    for position, q in enumerate(script.questions):
        if not visible[position] and q.id in merged and q.id not in changes:
            del merged[q.id]
    return merged

