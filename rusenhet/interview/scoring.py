"""Evaluating a script against answers: visibility, computed scores, bands, risk, modules.

One forward pass over the questions in asking order decides which are visible (their
module is in use and their ``show_if`` holds) and gives hidden questions the value None.
Because expressions may only look backwards (checked at load time), a single pass is
exact, and it is cheap enough to repeat after every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rusenhet.errors import InputError
from rusenhet.interview.expr import ExprError, Value, truth
from rusenhet.interview.model import SEXES, AnswerValue, Guard, RiskLevel
from rusenhet.interview.resolve import InterviewScript


@dataclass(frozen=True)
class MeetingContext:
    """What a script may know about the person besides the answers.

    ``age`` is the age on the meeting date (the CLI computes it from the birth date);
    ``sex`` is "male", "female" or None when unknown — scripts then use the lower, more
    protective threshold where screening thresholds differ by sex.
    """

    age: int
    sex: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.age, bool) or not isinstance(self.age, int) or self.age < 0:
            raise InputError("interview.error.bad_age", age=self.age)
        if self.sex is not None and self.sex not in SEXES:
            raise InputError("interview.error.bad_sex", sex=self.sex, allowed=", ".join(SEXES))


class ScriptEnv:
    """The :class:`~rusenhet.interview.expr.Env` of one script, context and set of values."""

    def __init__(
        self,
        script: InterviewScript,
        context: MeetingContext,
        values: dict[str, AnswerValue | None] | None = None,
        *,
        risk: str | None = None,
    ) -> None:
        self.script = script
        self.context = context
        self.values: dict[str, AnswerValue | None] = values if values is not None else {}
        self._computed: dict[str, Value] = {}
        self._rules: tuple[RiskLevel, tuple[str, ...]] | None = None
        self._risk_override = risk

    def value(self, name: str) -> Value:
        if name in self.script.index:
            return self.values.get(name)
        if name == "age":
            return self.context.age
        if name == "sex":
            return self.context.sex
        if name == "risk":
            return self._risk_override or self.rules()[0].value
        if name not in self._computed:
            computed = self.script.computed_by_id.get(name)
            if computed is None:
                raise ExprError("interview.expr.unknown_name", name=name)
            self._computed[name] = computed.expr.evaluate(self)
        return self._computed[name]

    def count(self, question_id: str) -> int:
        v = self.values.get(question_id)
        return len(v) if isinstance(v, tuple) else 0

    def score(self, question_id: str) -> int:
        v = self.values.get(question_id)
        if v is None:
            return 0
        q = self.script.question(question_id)
        if isinstance(v, bool):
            codes: tuple[str, ...] = ("yes",) if v else ("no",)
        elif isinstance(v, tuple):
            codes = v
        else:
            codes = (str(v),)
        options = (q.option(code) for code in codes)
        return sum(option.score or 0 for option in options if option is not None)

    def answered(self, question_id: str) -> bool:
        return self.values.get(question_id) is not None

    def rules(self) -> tuple[RiskLevel, tuple[str, ...]]:
        """Risk level (the highest any matching rule sets; low when none) and pulled modules."""
        if self._rules is None:
            risk = RiskLevel.LOW
            pulled: list[str] = []
            for rule in self.script.script.rules:
                if truth(rule.when.evaluate(self)):
                    if rule.risk is not None and rule.risk.rank > risk.rank:
                        risk = rule.risk
                    pulled += [m for m in rule.pull if m not in pulled]
            self._rules = (risk, tuple(pulled))
        return self._rules

    def bands(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.script.computed:
            for band in c.bands:
                if truth(band.when.evaluate(self)):
                    out[c.id] = band.code
                    break
        return out


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Visibility of every question and the values expressions see."""

    visible: tuple[bool, ...]
    env: ScriptEnv

    @property
    def risk(self) -> RiskLevel:
        return self.env.rules()[0]

    @property
    def modules(self) -> tuple[str, ...]:
        """Modules in use, in asking order."""
        pulled = self.env.rules()[1]
        script = self.env.script
        return tuple(
            m.id for m in script.modules if m.id not in script.conditional or m.id in pulled
        )

    def scores(self) -> dict[str, Value]:
        return {c.id: self.env.value(c.id) for c in self.env.script.computed}

    def failing_guards(self) -> list[Guard]:
        """Guards of the script and the modules in use whose ``when`` holds but whose
        ``require`` does not: while any fails, the meeting cannot be completed."""
        in_use = set(self.modules)
        return [
            guard
            for guard, module in self.env.script.guards
            if (module is None or module in in_use)
            and truth(guard.when.evaluate(self.env))
            and not truth(guard.require.evaluate(self.env))
        ]


def snapshot(
    script: InterviewScript,
    context: MeetingContext,
    answers: Mapping[str, AnswerValue | None],
    *,
    upto: int | None = None,
) -> Snapshot:
    """Walk the questions in order (up to and including position ``upto``)."""
    env = ScriptEnv(script, context)
    visible: list[bool] = []
    for i, q in enumerate(script.questions):
        if upto is not None and i > upto:
            break
        module = script.module_of(i)
        shown = (module not in script.conditional or module in env.rules()[1]) and (
            q.show_if is None or truth(q.show_if.evaluate(env))
        )
        visible.append(shown)
        if shown and q.id in answers:
            env.values[q.id] = answers[q.id]
    return Snapshot(tuple(visible), env)
