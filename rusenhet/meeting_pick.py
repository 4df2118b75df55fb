"""One number per case: a counsellor names a case by its referral number only.

A referral's meetings are numbered 1, 2, … in the order they were booked or started
(``samtale 2 for henvisning 12``); the vault's internal meeting ids never reach the
counsellor. A command picks the one meeting of the referral that is in a state the
command acts on; only when several are, ``--meeting N`` chooses. So no command can act
on — or write a letter about — a person other than the one of the referral it names
(issue 12: ``letter invite 1`` once wrote to the person of referral 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rusenhet import referrals
from rusenhet.errors import InputError
from rusenhet.meetings import ACTIVE, HELD, Meeting, MeetingState, of_referral
from rusenhet.vault import Vault

BOOKED = (MeetingState.BOOKED,)
CANCELLABLE = (MeetingState.BOOKED, MeetingState.PAUSED)
RUNNING = ACTIVE
DONE = HELD


@dataclass(frozen=True, repr=False)
class Picked:
    meeting: Meeting
    number: int  #: the meeting's number within its referral (1, 2, …)
    referral: int
    name: str
    count: int  #: how many meetings the referral has


def numbered(v: Vault, referral_number: int) -> list[tuple[int, Meeting]]:
    """The referral's meetings with their numbers, oldest first."""
    return list(enumerate(of_referral(v, referral_number), start=1))


def number_of(v: Vault, meeting: Meeting) -> int:
    """A meeting's number within its referral."""
    for n, m in numbered(v, meeting.referral_number):
        if m.id == meeting.id:
            return n
    return 0  # pragma: no cover - a meeting always belongs to its referral


def parse_ordinal(text: str | int | None) -> int | None:
    if text is None:
        return None
    value = str(text).strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 10_000:
        raise InputError("meeting.pick.bad_number", value=value)
    return int(value)


def pick(vault: Vault, referral: str | int, ordinal: str | int | None,
         states: Sequence[MeetingState] | None, missing: str) -> Picked:
    """The meeting of ``referral`` a command acts on.

    ``states`` limits the candidates (None: every meeting, the newest when several and
    no ``--meeting`` was given); ``missing`` is the message key when none fits."""
    referrals.require_access(vault)
    r = referrals.fetch(vault, referral)
    found = numbered(vault, r.number)
    wanted = parse_ordinal(ordinal)
    listed = ", ".join(str(n) for n, _ in found)
    if wanted is not None:
        for n, m in found:
            if n == wanted:
                return Picked(m, n, r.number, r.name, len(found))
        raise InputError("meeting.pick.no_such", referral=r.number, number=wanted,
                         numbers=listed or "–")
    fitting = [(n, m) for n, m in found if states is None or m.state in states]
    if not fitting:
        raise InputError(missing, referral=r.number)
    if len(fitting) > 1 and states is not None:
        raise InputError("meeting.pick.several", referral=r.number,
                         numbers=", ".join(str(n) for n, _ in fitting))
    n, m = fitting[-1]
    return Picked(m, n, r.number, r.name, len(found))
