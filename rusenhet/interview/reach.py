"""Finding questions that can never be shown.

A ``show_if`` is tried against every combination of values of the questions (and context
names) it depends on, directly or through computed values — but only when all of them
have a small finite domain (choices, yes/no, bounded integers, sex, risk, age within the
script's range) and the combinations stay below a bound. Every value includes None (not
answered or hidden), so "never shown" is a proof, not a guess; undecidable cases are
simply not reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from rusenhet.interview.expr import Expr, ExprError, Value, truth
from rusenhet.interview.model import SEXES, AnswerValue, Question, QuestionType
from rusenhet.interview.resolve import InterviewScript
from rusenhet.interview.scoring import MeetingContext, ScriptEnv

#: Combinations tried per question; beyond this the question is not judged.
MAX_COMBINATIONS = 20_000
#: Assumed highest age when a script has no upper age.
MAX_AGE = 120
_MAX_INTEGER_SPAN = 200


def never_shown(script: InterviewScript) -> list[int]:
    """Positions of questions whose ``show_if`` is false for every reachable value."""
    out: list[int] = []
    for position, q in enumerate(script.questions):
        if q.show_if is not None and _never(script, q.show_if) is True:
            out.append(position)
    return out


def dependencies(script: InterviewScript, names: frozenset[str]) -> set[str]:
    """Questions and context names that ``names`` read, directly or through computed values."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        computed = script.computed_by_id.get(name)
        if computed is not None:
            todo += computed.expr.names
    return {n for n in seen if n not in script.computed_by_id}


def _domain(script: InterviewScript, name: str) -> Sequence[Value] | None:
    if name == "sex":
        return (*SEXES, None)
    if name == "risk":
        return tuple(r.value for r in script.script.risk_levels)
    if name == "age":
        low, high = script.script.ages
        return range(low, (high if high is not None else MAX_AGE) + 1)
    return _question_domain(script.question(name))


def _question_domain(q: Question) -> Sequence[Value] | None:
    if q.type is QuestionType.YESNO:
        return (True, False, None)
    if q.type is QuestionType.SINGLE:
        return (*q.codes, None)
    if q.type is QuestionType.MULTI:
        if len(q.codes) > 14:
            return None
        subsets = (
            combo for r in range(len(q.codes) + 1) for combo in itertools.combinations(q.codes, r)
        )
        return (*subsets, None)
    if (
        q.type is QuestionType.INTEGER
        and q.minimum is not None
        and q.maximum is not None
        and q.maximum - q.minimum <= _MAX_INTEGER_SPAN
    ):
        return (*range(q.minimum, q.maximum + 1), None)
    return None


def _domains(script: InterviewScript, names: Sequence[str]) -> list[Sequence[Value]] | None:
    """The value domain of each name; None when one is not finite or they are too many."""
    domains: list[Sequence[Value]] = []
    size = 1
    for name in names:
        domain = _domain(script, name)
        if domain is None:
            return None
        domains.append(domain)
        size *= len(domain)
        if size > MAX_COMBINATIONS:
            return None
    return domains


def _never(script: InterviewScript, show_if: Expr) -> bool | None:
    """True if never shown, False if shown for some values, None if undecided."""
    names = sorted(dependencies(script, show_if.names))
    domains = _domains(script, names)
    if domains is None:
        return None
    for combo in itertools.product(*domains):
        values = dict(zip(names, combo, strict=True))
        age = values.pop("age", script.script.ages[0])
        sex = values.pop("sex", None)
        risk = values.pop("risk", None)
        context = MeetingContext(
            age if isinstance(age, int) else 0, sex if isinstance(sex, str) else None
        )
        env = ScriptEnv(
            script, context, _answers(values), risk=risk if isinstance(risk, str) else None
        )
        try:
            if truth(show_if.evaluate(env)):
                return False
        except ExprError:
            return None
    return True


def can_hold_together(script: InterviewScript, exprs: Sequence[Expr]) -> bool | None:
    """Whether some answers make every expression in ``exprs`` true at once.

    Questions are taken with their own ``show_if`` (a hidden question has no value), so
    the names those read are enumerated too; a conditional module is assumed to be in
    use, which can only make more combinations possible. True or False is a proof;
    None means undecided (a domain too large or not finite).
    """
    todo = set().union(*(e.names for e in exprs))
    names: set[str] = set()
    while todo:
        found = dependencies(script, frozenset(todo)) - names
        names |= found
        todo = set()
        for name in found:
            if name in script.index:
                q = script.question(name)
                if q.show_if is not None:
                    todo |= q.show_if.names
    ordered = sorted(names, key=lambda n: script.index.get(n, -1))
    domains = _domains(script, ordered)
    if domains is None:
        return None
    for combo in itertools.product(*domains):
        values = dict(zip(ordered, combo, strict=True))
        age, sex, risk = values.pop("age", None), values.pop("sex", None), values.pop("risk", None)
        context = MeetingContext(
            age if isinstance(age, int) else script.script.ages[0],
            sex if isinstance(sex, str) else None,
        )
        env = ScriptEnv(script, context, risk=risk if isinstance(risk, str) else None)
        answers = _answers(values)
        try:
            for qid in (n for n in ordered if n in script.index):
                q = script.question(qid)
                shown = q.show_if is None or truth(q.show_if.evaluate(env))
                env.values[qid] = answers.get(qid) if shown else None
            if all(truth(e.evaluate(env)) for e in exprs):
                return True
        except ExprError:
            return None
    return False


def _answers(values: dict[str, Value]) -> dict[str, AnswerValue | None]:
    out: dict[str, AnswerValue | None] = {}
    for name, value in values.items():
        if value is None or isinstance(value, str | bool | int):
            out[name] = value
        elif isinstance(value, tuple):
            out[name] = tuple(str(v) for v in value)
    return out
