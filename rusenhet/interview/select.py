"""Choosing the bundled script for a person's age at the meeting date.

Scripts carry an age range, not an age band: the unit's statistical age bands may
change, what a script was written for does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from rusenhet.errors import InputError
from rusenhet.interview.messages import Msg, msg
from rusenhet.interview.resolve import InterviewScript
from rusenhet.interview.templates import ScriptLibrary


@dataclass(frozen=True)
class ScriptChoice:
    script: InterviewScript
    #: why this script: render with ``reason.render(lang)``
    reason: Msg


def select_script(library: ScriptLibrary, age: int) -> ScriptChoice:
    """The bundled script whose age range holds ``age``; InputError if none or several.

    A unit's own scripts are never picked automatically; the CLI lets the counsellor
    name one with ``--script``.
    """
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        raise InputError("interview.error.bad_age", age=age)
    fitting = [s for s in library if s.id in library.bundled and s.script.fits_age(age)]
    if not fitting:
        raise InputError("interview.select.none", age=age)
    if len(fitting) > 1:
        raise InputError(
            "interview.select.ambiguous", age=age, ids=", ".join(s.id for s in fitting)
        )
    script = fitting[0]
    low, high = script.script.ages
    if high is None:
        return ScriptChoice(
            script, msg("interview.select.from_age", age=age, id=script.id, min=low)
        )
    return ScriptChoice(
        script, msg("interview.select.in_range", age=age, id=script.id, min=low, max=high)
    )
