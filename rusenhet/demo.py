"""Synthetic demo data: a few months of referrals, meetings across all age bands and
risk levels, bookings and no-shows — for ``rusenhet demo`` on its demo-flagged vault.

Every name is invented and every ID number synthetic (month + 80, Skatteetaten's Tenor
test data), from a seeded generator, so the demo looks the same every time (relative to
today's date).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rusenhet import clock, meetings, people, referrals
from rusenhet.errors import InputError
from rusenhet.interview import (
    Answer,
    Finish,
    Interview,
    MeetingContext,
    MeetingResult,
    Prompt,
    Reply,
    ScriptLibrary,
    Skip,
    select_script,
)
from rusenhet.interview.model import Question, QuestionType, Records
from rusenhet.vault import Vault


@dataclass(frozen=True)
class DemoReferral:
    """One invented person's referral; ``age`` is the age when it was received."""

    name: str
    age: int
    days_ago: int
    basis: str
    authority: str
    id_number: bool = True
    sex: str = ""
    guardians: tuple[str, ...] = ()
    closed: referrals.CloseReason | None = None
    same_person_as: int | None = None  # index of an earlier entry: a repeat referral
    #: what happens next: a held meeting with this risk profile, a no-show, a booking
    plan: str = ""


# Invented names; every ID number is synthetic. One person is referred twice, one has no
# ID number, several have foresatte; every age band and risk level of the default setting
# is used; two meetings are booked ahead and one person did not come.
DEMO_REFERRALS = (
    DemoReferral("Emma Solheim Dahl", 15, 40, "paatale", "Øst politidistrikt", sex="female",
                 guardians=("Hilde Solheim, tlf. +47 00 00 00 01",), plan="low"),
    DemoReferral("Sander Bakkevik", 16, 95, "paatale", "Oslo politidistrikt", sex="male",
                 guardians=("Geir Bakkevik, tlf. +47 00 00 00 02",),
                 closed=referrals.CloseReason.ATTENDED, plan="moderate"),
    DemoReferral("Sara Haugland", 17, 20, "paatale", "Vest politidistrikt", sex="female",
                 guardians=("Anne Haugland, tlf. +47 00 00 00 03",), plan="book"),
    DemoReferral("Maja Sandvik", 18, 65, "paatale", "Trøndelag politidistrikt",
                 plan="no-show"),
    DemoReferral("Elias Berntsen Vik", 20, 120, "paatale", "Oslo politidistrikt", sex="male",
                 closed=referrals.CloseReason.NOT_ATTENDED),
    DemoReferral("Nora Kristiansen", 21, 12, "paatale", "Agder politidistrikt", sex="female",
                 plan="book"),
    DemoReferral("Ingrid Lunde", 23, 55, "betinget-dom", "Sør-Vest politidistrikt",
                 plan="high"),
    DemoReferral("Elias Berntsen Vik", 20, 10, "paatale", "Oslo politidistrikt", sex="male",
                 same_person_as=4),
    DemoReferral("Aksel Haugen Strand", 27, 30, "betinget-dom", "Innlandet politidistrikt",
                 sex="male", plan="moderate"),
    DemoReferral("Thea Johansen Moe", 31, 25, "paatale", "Sør-Øst politidistrikt",
                 id_number=False, sex="female", plan="low"),
    DemoReferral("Kristian Aasen", 42, 80, "betinget-dom", "Nordland politidistrikt",
                 sex="male", closed=referrals.CloseReason.WITHDRAWN),
    DemoReferral("Jonas Eriksen Holm", 19, 70, "paatale", "Møre og Romsdal politidistrikt",
                 closed=referrals.CloseReason.ATTENDED, plan="high"),
)

PROFILES = ("low", "moderate", "high")


class ProfileAsker:
    """Answers a script the way a person of a given risk profile might: low picks the
    lowest-scored options, high the highest, moderate those in between. A refused answer
    (a constraint) moves on to the next candidate."""

    def __init__(self, profile: str, today: date) -> None:
        if profile not in PROFILES:
            raise ValueError(profile)
        self.profile = profile
        self.today = today
        self._attempt = 0
        self._attempts: dict[str, int] = {}
        self._tried: dict[str, list[object]] = {}
        self._yes_no = 0

    def _candidates(self, q: Question) -> list[object]:
        if q.type is QuestionType.YESNO:
            # moderate: every other yes (e.g. three of six screening items)
            yes_first = self.profile == "high" or (self.profile == "moderate"
                                                   and self._yes_no % 2 == 0)
            return [yes_first, not yes_first]
        if q.type in (QuestionType.SINGLE, QuestionType.MULTI):
            ranked = sorted(q.options, key=lambda o: o.score or 0)
            if self.profile == "high":
                ranked.reverse()
            elif self.profile == "moderate":
                # a third of the way up: some use, well below the dependence range
                third = len(ranked) // 3
                ranked = ranked[third:] + ranked[:third]
            codes = [o.code for o in ranked]
            if q.records is Records.CONCERNS:  # demo people are not in acute danger
                codes.sort(key=lambda c: c != "ingen")
            if q.type is QuestionType.MULTI:
                return [(c,) for c in codes]
            return list(codes)
        if q.type is QuestionType.INTEGER:
            low = q.minimum if q.minimum is not None else 0
            high = q.maximum if q.maximum is not None else low + 10
            return [{"low": high, "moderate": (low + high) // 2, "high": low}[self.profile],
                    low, high]
        if q.type is QuestionType.DATE:
            return [(self.today + timedelta(days=14)).isoformat()]
        return ["Demo"]

    def ask(self, prompt: Prompt) -> Reply:
        q = prompt.question
        if q is None:
            return Finish()
        # A refused answer, or a guard that sent us back here: try the next candidate.
        self._attempt = self._attempts.get(q.id, -1) + 1 if prompt.error is not None else 0
        self._attempts[q.id] = self._attempt
        if self._attempt == 0 and q.type is QuestionType.YESNO:
            self._yes_no += 1
        # The same candidates when a guard sends us back to a question answered earlier.
        candidates = self._tried.setdefault(q.id, self._candidates(q))
        if self._attempt < len(candidates):
            return Answer(candidates[self._attempt])
        if prompt.can_skip:
            return Skip()
        raise InputError("demo.cannot_answer", question=q.id)


def run_profile(interview: Interview, profile: str, today: date) -> MeetingResult:
    outcome = interview.run(ProfileAsker(profile, today))
    if not outcome.completed or outcome.result is None:  # pragma: no cover - never pauses
        raise InputError("demo.cannot_answer", question="?")
    return outcome.result


def hold_meeting(vault: Vault, library: ScriptLibrary, number: int, held_on: date,
                 profile: str) -> tuple[int, MeetingResult]:
    """A meeting held on ``held_on``, answered by :class:`ProfileAsker`."""
    r = referrals.fetch(vault, number)
    age = people.age_on(r.birth_date, held_on)
    script = select_script(library, age).script
    started = meetings.start(vault, number, script, meetings.Participants(
        guardians=len(r.guardians)), held_on=held_on)
    interview = Interview(script, MeetingContext(age, r.sex.value if r.sex else None),
                          meetings.event_saver(vault, started.meeting_id))
    result = run_profile(interview, profile, held_on)
    meetings.complete(vault, started.meeting_id, result)
    return started.meeting_id, result


def seed(vault: Vault, counsellor: str, library: ScriptLibrary, *,
         progress: Callable[[int, int], None] = lambda done, total: None,
         seed_value: int = 2024) -> Sequence[int]:
    """Register the demo referrals, hold their meetings, book, record no-shows and close.
    Returns the referral numbers. Only for demo-flagged vaults."""
    if not vault.demo:
        raise InputError("demo.not_demo_vault", path=str(vault.path))
    rng = random.Random(seed_value)  # noqa: S311 - reproducible demo data, not a secret
    today = clock.today(vault)
    made: list[tuple[str, date]] = []
    numbers: list[int] = []
    total = 2 * len(DEMO_REFERRALS)
    for index, item in enumerate(DEMO_REFERRALS):
        received = today - timedelta(days=item.days_ago)
        if item.same_person_as is not None:
            id_number, birth = made[item.same_person_as]
        else:
            birth = received - timedelta(days=365 * item.age + rng.randint(30, 300))
            id_number = people.synthetic_id_number(birth, rng) if item.id_number else ""
        made.append((id_number, birth))
        form = referrals.Form(
            id_number=id_number, name=item.name, birth_date=birth.isoformat(),
            sex=item.sex, received=received.isoformat(), legal_basis=item.basis,
            authority=item.authority,
            police_reference=str(rng.randint(10**7, 10**8 - 1)),
            deadline=(received + timedelta(days=56)).isoformat(),
            phone=f"+47 00 00 {index // 10}{index % 10} {rng.randint(10, 99)}",
            guardians=item.guardians, counsellor=counsellor)
        details = referrals.details_from(vault, form)
        # Demo data knowingly includes past deadlines and repeat referrals.
        numbers.append(referrals.add(vault, details, accept=set(referrals.CautionKind)).number)
        progress(index + 1, total)
    for index, (item, number) in enumerate(zip(DEMO_REFERRALS, numbers, strict=True)):
        received = today - timedelta(days=item.days_ago)
        if item.plan in PROFILES:
            hold_meeting(vault, library, number, min(today, received + timedelta(days=12)),
                         item.plan)
        elif item.plan == "no-show":
            at = datetime.combine(received + timedelta(days=14), time(9, 30))
            mid = meetings.book(vault, number, at, place="Rådhuset, rom 2", counsellor=None,
                                accept=True, allow_past=True)
            meetings.no_show(vault, mid)
        elif item.plan == "book":
            at = datetime.combine(today + timedelta(days=2 + 3 * (index % 2)),
                                  time(10 + 3 * (index % 2), 0))
            meetings.book(vault, number, at, place="Rådhuset, rom 2", counsellor=None,
                          accept=True)
        if item.closed is not None:
            referrals.close(vault, number, item.closed)
        progress(len(DEMO_REFERRALS) + index + 1, total)
    return numbers
