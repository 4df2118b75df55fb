"""Asking who takes part in a meeting (the person, foresatte, an interpreter and the
language, others), with defaults by age from :func:`rusenhet.participants.default_participants`.

Only roles, a count and a language are recorded, never names (data minimisation).
Always ``unsafe_ask()``: Ctrl-C raises KeyboardInterrupt, which the CLI turns into
exit 130 before anything is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import questionary

from rusenhet.cli.context import AppContext

if TYPE_CHECKING:
    from rusenhet.meetings import Participants


def ask_participants(a: AppContext, age: int, default: Participants) -> Participants:
    from rusenhet import participants

    t = a.t
    a.info(t("meeting.participants.heading"))
    person = bool(questionary.confirm(t("meeting.participants.person"),
                                      default=default.person).unsafe_ask())
    guardians = default.guardians
    if age < 18:  # foresatte are asked about for minors only
        hint = (t("meeting.participants.guardians_hint")
                if age < participants.GUARDIANS_BY_DEFAULT_BELOW else None)
        choices = [str(n) for n in range(participants.MAX_GUARDIANS + 1)]
        guardians = int(questionary.select(
            t("meeting.participants.guardians"), choices=choices,
            default=str(default.guardians), instruction=hint).unsafe_ask())
    language: str | None = None
    if questionary.confirm(t("meeting.participants.interpreter"), default=False).unsafe_ask():
        limit = participants.MAX_PARTICIPANT_TEXT
        language = str(questionary.text(
            t("meeting.participants.language"),
            validate=lambda text: (0 < len(text.strip()) <= limit)
            or t("meeting.participants.too_long", limit=limit)).unsafe_ask())
    others = str(questionary.text(t("meeting.participants.others")).unsafe_ask())
    return participants.make_participants(person, guardians, language, others.split(","))
