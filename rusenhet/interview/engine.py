"""The interview engine: navigation, validation and append-only events (DESIGN §4).

questionary has no "back", so the engine owns navigation. The state is the set of
answers and skips; the current question is always the first visible question without
one. *Back* withdraws the answer to the visible question before the current one (its old
value is offered as the default); *skip* is allowed only where the script says so; a
*note* can be added anywhere; *pause* ends the run and ``resume`` picks it up again.

Every event goes to the caller's ``save_event`` **before** the engine applies it — the
CLI wraps that in a short vault transaction — so a crash loses at most the question
being answered. Ctrl-C (KeyboardInterrupt from the asker) is not caught: everything
answered is already saved, and the meeting resumes from the stored events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from rusenhet.errors import InputError
from rusenhet.interview.answers import AnswerError, normalise
from rusenhet.interview.events import (
    Answered,
    Completed,
    Event,
    NoteAdded,
    Paused,
    Skipped,
    Started,
    WentBack,
)
from rusenhet.interview.expr import truth
from rusenhet.interview.messages import Msg, Text, msg
from rusenhet.interview.model import AnswerValue, Question
from rusenhet.interview.protocol import (
    AddNote,
    Asker,
    Back,
    Finish,
    Pause,
    Prompt,
    Reply,
    RunOutcome,
    Skip,
)
from rusenhet.interview.reach import dependencies
from rusenhet.interview.resolve import InterviewScript
from rusenhet.interview.result import MeetingResult, Note, build_result
from rusenhet.interview.scoring import MeetingContext, Snapshot, snapshot

#: Free text is for short notes; anything longer belongs elsewhere (data minimisation).
MAX_TEXT = 4000


class AnswersError(InputError):
    """An answers file was refused; ``problems`` names each question and rule."""

    default_key = "interview.answers.invalid"

    def __init__(self, problems: list[Msg]) -> None:
        super().__init__(self.default_key, count=len(problems))
        self.problems = tuple(problems)


class GuardError(InputError):
    """The meeting cannot be completed: a guard fails. ``problems`` holds each guard's
    message (why, and what to record)."""

    default_key = "interview.guard.failed"

    def __init__(self, problems: list[Text], key: str | None = None, /,
                 **params: object) -> None:
        super().__init__(key or self.default_key, count=len(problems), **params)
        self.problems = tuple(problems)


def _now() -> datetime:
    return datetime.now(UTC)


class Interview:
    """One meeting's interview over one script."""

    def __init__(
        self,
        script: InterviewScript,
        context: MeetingContext,
        save_event: Callable[[Event], None],
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.script = script
        self.context = context
        self._save = save_event
        self._clock = clock
        self._events: list[Event] = []
        self._answers: dict[str, AnswerValue | None] = {}
        self._skipped: set[str] = set()
        self._earlier: dict[str, AnswerValue | None] = {}
        self._notes: list[Note] = []
        self._completed = False
        self._paused = False
        self._snap: Snapshot | None = None

    # -- state ----------------------------------------------------------------------
    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def completed(self) -> bool:
        return self._completed

    def snapshot(self) -> Snapshot:
        if self._snap is None:
            self._snap = snapshot(self.script, self.context, self._answers)
        return self._snap

    def result(self) -> MeetingResult:
        """The result from the answers so far (final once completed)."""
        return build_result(self.snapshot(), self._answers, self._skipped, self._notes)

    def _done(self, qid: str) -> bool:
        return qid in self._answers or qid in self._skipped

    def current(self) -> int | None:
        """Position of the question to ask now; None at the final step."""
        visible = self.snapshot().visible
        for position, q in enumerate(self.script.questions):
            if visible[position] and not self._done(q.id):
                return position
        return None

    def _previous(self, position: int | None) -> int | None:
        visible = self.snapshot().visible
        end = len(visible) if position is None else position
        for j in range(end - 1, -1, -1):
            if visible[j] and self._done(self.script.questions[j].id):
                return j
        return None

    # -- events ---------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        self._save(event)  # first: if saving fails, the state does not move on
        self._apply(event)

    def _apply(self, event: Event) -> None:
        if self._completed:
            raise InputError("interview.engine.already_completed")
        if isinstance(event, Answered | Skipped | WentBack) and event.question not in (
            self.script.index
        ):
            raise InputError("interview.resume.unknown_question", question=event.question)
        if isinstance(event, Started):
            if self._events:
                raise InputError("interview.resume.not_fresh")
            if event.script != self.script.identity:
                raise InputError(
                    "interview.resume.script_changed", id=event.script.id,
                    version=event.script.version,
                )  # fmt: skip
        elif not self._events:
            raise InputError("interview.resume.no_start")
        elif isinstance(event, Answered):
            self._answers[event.question] = event.value
            self._earlier[event.question] = event.value
            self._skipped.discard(event.question)
        elif isinstance(event, Skipped):
            self._skipped.add(event.question)
            self._answers.pop(event.question, None)
        elif isinstance(event, WentBack):
            self._answers.pop(event.question, None)
            self._skipped.discard(event.question)
        elif isinstance(event, NoteAdded):
            self._notes.append(Note(event.question, event.text))
        elif isinstance(event, Completed):
            self._completed = True
        self._events.append(event)
        if isinstance(event, Answered | Skipped | WentBack):
            self._snap = None

    def _start(self) -> None:
        if not self._events:
            self._emit(Started(self.script.identity, self._clock()))

    def resume(self, events: Iterable[Event]) -> None:
        """Rebuild the state from stored events (they are not saved again)."""
        if self._events:
            raise InputError("interview.resume.not_fresh")
        for event in events:
            self._apply(event)

    # -- interactive ----------------------------------------------------------------
    def run(self, asker: Asker) -> RunOutcome:
        """Ask until the meeting is completed or paused."""
        self._start()
        self._paused = False
        error: Msg | Text | None = None
        while not self._completed:
            error = self.submit(asker.ask(self.prompt(error)))
            if self._paused:
                return RunOutcome(False)
        return RunOutcome(True, self.result())

    def prompt(self, error: Msg | Text | None = None) -> Prompt:
        position = self.current()
        snap = self.snapshot()
        previous = self._previous(position)
        if position is None:
            return Prompt(
                None, None, False, sum(snap.visible) + 1, sum(snap.visible), None, error,
                previous is not None, False, snap.risk,
            )  # fmt: skip
        q = self.script.questions[position]
        section_index = self.script.section_of[position]
        new_section = previous is None or self.script.section_of[previous] != section_index
        return Prompt(
            question=q,
            section=self.script.sections[section_index].section,
            new_section=new_section,
            number=sum(snap.visible[:position]) + 1,
            total=sum(snap.visible),
            default=self._earlier.get(q.id),
            error=error,
            can_back=previous is not None,
            can_skip=q.skippable,
            risk=snap.risk,
        )

    def submit(self, reply: Reply) -> Msg | Text | None:
        """Apply one reply; returns why it was refused, or None."""
        self._start()
        if self._completed:
            raise InputError("interview.engine.already_completed")
        position = self.current()
        q = None if position is None else self.script.questions[position]
        if isinstance(reply, AddNote):
            if reply.text.strip():
                self._emit(NoteAdded(q.id if q else None, reply.text.strip(), self._clock()))
        elif isinstance(reply, Pause):
            self._emit(Paused(self._clock()))
            self._paused = True
        elif isinstance(reply, Back):
            previous = self._previous(position)
            if previous is None:
                return Msg("interview.engine.cannot_back")
            self._emit(WentBack(self.script.questions[previous].id, self._clock()))
        elif isinstance(reply, Finish):
            if q is not None:
                return Msg("interview.engine.not_finished")
            failing = self.snapshot().failing_guards()
            if failing:
                # Take the counsellor to the question that records what is missing.
                target = self._guard_target(failing[0].require.names)
                if target is not None:
                    self._emit(WentBack(target, self._clock()))
                return msg("interview.guard.refused", reason=failing[0].message)
            self._emit(Completed(self._clock()))
        elif q is None or position is None:
            return Msg("interview.engine.finish_expected")
        elif isinstance(reply, Skip):
            if not q.skippable:
                return Msg("interview.engine.cannot_skip")
            self._emit(Skipped(q.id, self._clock()))
        else:
            try:
                value = self._validate(position, q, reply.value, self._answers)
            except AnswerError as exc:
                return Msg(exc.key, exc.params)
            except _ConstraintFailed as exc:
                return exc.message
            self._emit(Answered(q.id, value, self._clock()))
        return None

    def _guard_target(self, names: frozenset[str]) -> str | None:
        """The first visible, answered question a guard's ``require`` reads."""
        wanted = dependencies(self.script, names)
        visible = self.snapshot().visible
        for position, q in enumerate(self.script.questions):
            if q.id in wanted and visible[position] and self._done(q.id):
                return q.id
        return None

    def _validate(
        self, position: int, q: Question, raw: object, answers: Mapping[str, AnswerValue | None]
    ) -> AnswerValue | None:
        value = normalise(q, raw)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise AnswerError("interview.answer.too_long", limit=MAX_TEXT)
        if q.constraints:
            env = snapshot(self.script, self.context, {**answers, q.id: value}, upto=position).env
            for constraint in q.constraints:
                if not truth(constraint.expr.evaluate(env)):
                    raise _ConstraintFailed(constraint.message)
        return value

    # -- non-interactive ------------------------------------------------------------
    def run_with_answers(self, answers: Mapping[str, object]) -> MeetingResult:
        """Answer the whole script from a mapping of question id → value, then complete.

        Refused as a whole (:class:`AnswersError`, nothing saved) for an unknown question
        id, a missing required answer, a value that is not an option or outside the
        bounds, a failed constraint, or an answer to a question that is hidden. A
        skippable question left out counts as skipped; an optional one as left empty.
        """
        if any(not isinstance(e, Started) for e in self._events):
            raise InputError("interview.resume.not_fresh")
        return self.apply_answers(answers)

    def answers(self) -> dict[str, AnswerValue]:
        """The answers given so far (empty optional answers and skips left out), in the
        form :meth:`run_with_answers` accepts."""
        return {k: v for k, v in self._answers.items() if v is not None}

    def apply_answers(self, answers: Mapping[str, object]) -> MeetingResult:
        """Bring the interview (fresh or resumed) to exactly ``answers``, validated as a
        whole as in :meth:`run_with_answers`, then complete it. Only what differs from
        the answers so far becomes a new event."""
        accepted, skipped = self._read_answers(answers)
        self._start()
        for q in self.script.questions:
            if q.id in accepted:
                if q.id not in self._answers or self._answers[q.id] != accepted[q.id]:
                    self._emit(Answered(q.id, accepted[q.id], self._clock()))
            elif q.id in skipped:
                if q.id not in self._skipped:
                    self._emit(Skipped(q.id, self._clock()))
            elif self._done(q.id):
                self._emit(WentBack(q.id, self._clock()))
        failing = self.snapshot().failing_guards()
        if failing:
            self._emit(Paused(self._clock()))
            raise GuardError([g.message for g in failing])
        self._emit(Completed(self._clock()))
        return self.result()

    def _read_answers(
        self, answers: Mapping[str, object]
    ) -> tuple[dict[str, AnswerValue | None], set[str]]:
        problems = [
            msg("interview.answers.unknown_question", question=str(key))
            for key in answers
            if key not in self.script.index
        ]
        accepted: dict[str, AnswerValue | None] = {}
        skipped: set[str] = set()
        refused: set[str] = set()  # unreadable values: what depends on them is unsure
        for position, q in enumerate(self.script.questions):
            visible = snapshot(self.script, self.context, accepted, upto=position).visible[-1]
            given = q.id in answers
            unsure = bool(refused) and self._depends_on(position, refused)
            if not visible:
                if given and not unsure:
                    problems.append(self._hidden_problem(position, q))
            elif not given:
                if q.skippable:
                    skipped.add(q.id)
                elif not q.required:
                    accepted[q.id] = None
                elif not unsure:
                    problems.append(msg("interview.answers.missing", question=q.id))
            else:
                try:
                    accepted[q.id] = self._validate(position, q, answers[q.id], accepted)
                except AnswerError as exc:
                    refused.add(q.id)
                    reason = Msg(exc.key, exc.params)
                    problems.append(msg("interview.answers.problem", question=q.id, reason=reason))
                except _ConstraintFailed as exc:
                    accepted[q.id] = normalise(q, answers[q.id])  # readable: keep for show_if
                    reason_text = exc.message
                    problems.append(
                        msg("interview.answers.constraint", question=q.id, reason=reason_text)
                    )
        if problems:
            raise AnswersError(problems)
        return accepted, skipped

    def _depends_on(self, position: int, names: set[str]) -> bool:
        """Whether the visibility of the question at ``position`` depends on ``names``."""
        q = self.script.questions[position]
        used = dependencies(self.script, q.show_if.names) if q.show_if is not None else set()
        if self.script.module_of(position) in self.script.conditional:
            for rule in self.script.script.rules:
                used |= dependencies(self.script, rule.when.names)
        return bool(used & names)

    def _hidden_problem(self, position: int, q: Question) -> Msg:
        module = self.script.module_of(position)
        if q.show_if is None and module is not None:
            return msg("interview.answers.module_not_used", question=q.id, module=module)
        rule = q.show_if.source if q.show_if is not None else ""
        return msg("interview.answers.hidden", question=q.id, rule=rule)


class _ConstraintFailed(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__("constraint")
        self.message = message
