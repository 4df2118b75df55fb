"""A script with its modules, in the fixed order the engine asks them, checked as a whole.

Order: opening modules, the script's own sections, follow-up modules (included ones, then
those only rules pull in), outcome modules. Rules may read only the opening modules and
the script's own sections, so the modules they pull in never change what pulled them in;
``risk`` is known from the first follow-up question on.

A module is checked on its own (its expressions see only its own names and the meeting
context), so that it means the same in every script that uses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rusenhet.interview.expr import Expr, ExprError
from rusenhet.interview.exprcheck import BOOL, INT, ExprType, Kind, Symbol, infer
from rusenhet.interview.messages import Msg
from rusenhet.interview.model import (
    SEXES,
    Computed,
    Guard,
    Module,
    Place,
    Question,
    QuestionType,
    Records,
    RiskLevel,
    Script,
    Section,
    Template,
)
from rusenhet.interview.reader import RawProblem, problem_msg
from rusenhet.interview.source import KeyPath

_EXPR_TYPES = {
    QuestionType.YESNO: BOOL,
    QuestionType.INTEGER: INT,
    QuestionType.DATE: ExprType(Kind.DATE),
    QuestionType.TEXT: ExprType(Kind.STR),
}


@dataclass(frozen=True)
class ModuleIdentity:
    id: str
    version: str
    sha256: str


@dataclass(frozen=True)
class ScriptIdentity:
    """What to store with every answer set (DESIGN §4)."""

    id: str
    version: str
    sha256: str
    modules: tuple[ModuleIdentity, ...]


@dataclass(frozen=True)
class PlacedSection:
    section: Section
    module: str | None  #: None for the script's own sections


@dataclass(frozen=True, eq=False)
class InterviewScript:
    """A script ready for the engine: every question in asking order, names checked."""

    script: Script
    modules: tuple[Module, ...]
    sections: tuple[PlacedSection, ...]
    questions: tuple[Question, ...]
    index: Mapping[str, int]
    section_of: tuple[int, ...]  #: for each question, its index in ``sections``
    #: modules used only when a rule pulls them in
    conditional: frozenset[str]
    computed: tuple[Computed, ...]  #: in dependency order
    computed_by_id: Mapping[str, Computed]
    symbols: Mapping[str, Symbol]
    #: questions [0, rules_boundary) are the ones rules may read
    rules_boundary: int
    identity: ScriptIdentity
    #: every guard with the module it comes from (None: the script's own)
    guards: tuple[tuple[Guard, str | None], ...] = ()

    @property
    def id(self) -> str:
        return self.script.id

    def question(self, qid: str) -> Question:
        return self.questions[self.index[qid]]

    def module_of(self, position: int) -> str | None:
        return self.sections[self.section_of[position]].module

    def template_of(self, position: int) -> Template:
        module = self.module_of(position)
        return self.script if module is None else next(m for m in self.modules if m.id == module)

    def locate(self, position: int) -> tuple[str, KeyPath]:
        """File and key path of the question at ``position``, for problems."""
        template = self.template_of(position)
        section = self.sections[self.section_of[position]].section
        si = next(i for i, s in enumerate(template.sections) if s is section)
        qi = next(i for i, q in enumerate(section.questions) if q is self.questions[position])
        return template.source.name, ("section", si, "question", qi)


def question_paths(t: Template) -> Iterator[tuple[Question, KeyPath]]:
    for si, section in enumerate(t.sections):
        for qi, q in enumerate(section.questions):
            yield q, ("section", si, "question", qi)


def question_type(q: Question) -> ExprType:
    if q.type is QuestionType.SINGLE:
        return ExprType(Kind.STR, frozenset(q.codes))
    if q.type is QuestionType.MULTI:
        return ExprType(Kind.CODES, frozenset(q.codes))
    return _EXPR_TYPES[q.type]


def context_symbols(risk_levels: Sequence[RiskLevel], risk_position: float) -> dict[str, Symbol]:
    return {
        "age": Symbol(INT, -1),
        "sex": Symbol(ExprType(Kind.STR, frozenset(SEXES)), -1),
        "risk": Symbol(ExprType(Kind.STR, frozenset(r.value for r in risk_levels)), risk_position),
    }


class _Checker:
    def __init__(self) -> None:
        self.problems: list[RawProblem] = []

    def problem(self, file: str, path: KeyPath, name: str, /, **params: object) -> None:
        self.problems.append(RawProblem(path, problem_msg(name, **params), file))

    def expr(
        self, file: str, path: KeyPath, expr: Expr, symbols: Mapping[str, Symbol], *,
        before: float = float("inf"), expect_bool: bool = True,
    ) -> ExprType | None:  # fmt: skip
        try:
            return infer(expr, symbols, before=before, expect_bool=expect_bool)
        except ExprError as exc:
            reason = Msg(exc.key, exc.params)
            self.problem(file, path, "expression", expr=expr.source, reason=reason)
            return None

    def computed(
        self, items: Sequence[tuple[Computed, str, KeyPath, bool]], symbols: dict[str, Symbol]
    ) -> list[Computed]:
        """Add computed values to ``symbols`` in dependency order; report each cycle once."""
        by_id = {c.id: (c, file, path, report) for c, file, path, report in items}
        cyclic = self._cycles(by_id)
        for cid in cyclic:  # known but typeless: no follow-on "unknown name" problems
            symbols[cid] = Symbol(ExprType(Kind.NONE), -1)
        order: list[Computed] = []
        done: set[str] = set(cyclic)

        def visit(cid: str) -> None:
            if cid in done:
                return
            done.add(cid)
            c, file, path, report = by_id[cid]
            for dep in sorted(c.expr.names & by_id.keys()):
                visit(dep)
            order.append(c)
            if report:
                t = self.expr(file, (*path, "expr"), c.expr, symbols, expect_bool=False)
                if t is not None and t.kind == Kind.LIST:
                    self.problem(file, (*path, "expr"), "computed_list")
            else:  # a module's own check reports its problems
                try:
                    t = infer(c.expr, symbols)
                except ExprError:
                    t = None
            positions = [symbols[n].position for n in c.expr.names if n in symbols]
            symbols[cid] = Symbol(t or ExprType(Kind.NONE), max(positions, default=-1))

        for cid in by_id:
            visit(cid)
        for c, file, path, report in items:
            for bi, band in enumerate(c.bands if report else ()):
                self.expr(file, (*path, "band", bi, "when"), band.when, symbols)
        return order

    def _cycles(self, by_id: Mapping[str, tuple[Computed, str, KeyPath, bool]]) -> set[str]:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        cyclic: set[str] = set()

        def walk(cid: str, trail: list[str]) -> None:
            if state.get(cid) == 1:
                cycle = [*trail[trail.index(cid) :], cid]
                cyclic.update(cycle)
                _, file, path, report = by_id[cid]
                if report:
                    self.problem(file, (*path, "expr"), "cycle", cycle=" → ".join(cycle))
                return
            if state.get(cid) == 2:
                return
            state[cid] = 1
            for dep in sorted(by_id[cid][0].expr.names & by_id.keys()):
                walk(dep, [*trail, cid])
            state[cid] = 2

        for cid in by_id:
            walk(cid, [])
        return cyclic

    def questions(
        self, t: Template, symbols: Mapping[str, Symbol], positions: Mapping[str, int]
    ) -> None:
        file = t.source.name
        for q, path in question_paths(t):
            at = positions[q.id]
            if q.show_if is not None:
                self.expr(file, (*path, "show_if"), q.show_if, symbols, before=at)
            for ci, c in enumerate(q.constraints):
                self.expr(file, (*path, "constraint", ci, "expr"), c.expr, symbols, before=at + 0.5)


    def guards(self, t: Template, symbols: Mapping[str, Symbol]) -> None:
        """Guards are checked at completion, so they may read every name."""
        for gi, guard in enumerate(t.guards):
            for key, expr in (("when", guard.when), ("require", guard.require)):
                self.expr(t.source.name, ("guard", gi, key), expr, symbols)


def check_module(module: Module) -> list[RawProblem]:
    """Check a module on its own: its expressions see only its names and the context."""
    checker = _Checker()
    file = module.source.name
    positions: dict[str, int] = {}
    risk_at = float("inf") if module.place is Place.OPENING else -1  # opening: not known yet
    symbols = context_symbols(list(RiskLevel), risk_at)
    for q, path in question_paths(module):
        if q.id in positions or q.id in symbols:
            checker.problem(file, (*path, "id"), "duplicate_question", id=q.id)
            continue
        positions[q.id] = len(positions)
        symbols[q.id] = Symbol(question_type(q), positions[q.id], q.type)
    _check_computed_ids(checker, module, set(symbols))
    items = [(c, file, ("computed", i), True) for i, c in enumerate(module.computed)]
    checker.computed(items, symbols)
    checker.questions(module, symbols, positions)
    checker.guards(module, symbols)
    return checker.problems


def _check_computed_ids(checker: _Checker, t: Template, taken: set[str]) -> None:
    """Computed ids share the name space of questions and context names."""
    for i, c in enumerate(t.computed):
        if c.id in taken:
            checker.problem(t.source.name, ("computed", i, "id"), "duplicate_question", id=c.id)
        taken.add(c.id)


def resolve(
    script: Script, modules: Mapping[str, Module]
) -> tuple[InterviewScript | None, list[RawProblem]]:
    """Assemble ``script`` with its modules; None (and problems) when anything is wrong."""
    checker = _Checker()
    file = script.source.name
    used: dict[str, Module] = {}
    pulled: list[str] = []
    for i, mid in enumerate(script.include):
        if mid not in modules:
            checker.problem(file, ("include", i), "unknown_module", id=mid)
        else:
            used[mid] = modules[mid]
    for ri, rule in enumerate(script.rules):
        if rule.risk is not None and rule.risk not in script.risk_levels:
            checker.problem(file, ("rule", ri, "risk"), "risk_not_targeted", risk=rule.risk.value)
        for pi, mid in enumerate(rule.pull):
            if mid not in modules:
                checker.problem(file, ("rule", ri, "pull", pi), "unknown_module", id=mid)
            elif modules[mid].place is not Place.FOLLOW_UP:
                checker.problem(file, ("rule", ri, "pull", pi), "pull_place", id=mid)
            elif mid not in used and mid not in pulled:
                pulled.append(mid)
    conditional = frozenset(pulled)
    for mid in pulled:
        used[mid] = modules[mid]
    by_place = {p: [m for m in used.values() if m.place is p] for p in Place}
    if not by_place[Place.OUTCOME]:
        checker.problem(file, ("include",), "no_outcome")

    placed: list[PlacedSection] = []
    for m in by_place[Place.OPENING]:
        placed += [PlacedSection(s, m.id) for s in m.sections]
    placed += [PlacedSection(s, None) for s in script.sections]
    boundary = sum(len(p.section.questions) for p in placed)
    for m in by_place[Place.FOLLOW_UP] + by_place[Place.OUTCOME]:
        placed += [PlacedSection(s, m.id) for s in m.sections]
    ordered_modules = [m for p in Place for m in by_place[p]]

    # One name space for the whole script: ids must be unique across all its files.
    symbols = context_symbols(script.risk_levels, boundary - 0.5)
    positions: dict[str, int] = {}
    in_order: list[Template] = [
        *by_place[Place.OPENING],
        script,
        *by_place[Place.FOLLOW_UP],
        *by_place[Place.OUTCOME],
    ]
    first_seen: dict[str, tuple[Template, KeyPath]] = {}
    for t in in_order:
        for q, path in question_paths(t):
            if q.id in symbols:
                # Report in the script where possible: it chose to use the module.
                first = first_seen.get(q.id)
                in_script = first is not None and first[0] is script and t is not script
                at, at_path = first if first is not None and in_script else (t, path)
                checker.problem(at.source.name, (*at_path, "id"), "duplicate_question", id=q.id)
                continue
            first_seen[q.id] = (t, path)
            positions[q.id] = len(positions)
            symbols[q.id] = Symbol(question_type(q), positions[q.id], q.type)
    computed_items: list[tuple[Computed, str, KeyPath, bool]] = []
    taken = set(symbols)
    for t in in_order:
        _check_computed_ids(checker, t, taken)
        computed_items += [
            (c, t.source.name, ("computed", i), t is script) for i, c in enumerate(t.computed)
        ]
    if checker.problems:
        return None, checker.problems

    computed = checker.computed(computed_items, symbols)
    checker.questions(script, symbols, positions)
    for ri, rule in enumerate(script.rules):
        checker.expr(file, ("rule", ri, "when"), rule.when, symbols, before=boundary - 0.5)
    checker.guards(script, symbols)
    _check_scores_and_records(checker, in_order)

    questions = tuple(q for p in placed for q in p.section.questions)
    section_of = tuple(i for i, p in enumerate(placed) for _ in p.section.questions)
    identity = ScriptIdentity(
        script.id,
        script.version,
        script.source.sha256,
        tuple(ModuleIdentity(m.id, m.version, m.source.sha256) for m in ordered_modules),
    )
    if checker.problems:
        return None, checker.problems
    return (
        InterviewScript(
            script=script,
            modules=tuple(ordered_modules),
            sections=tuple(placed),
            questions=questions,
            index={q.id: i for i, q in enumerate(questions)},
            section_of=section_of,
            conditional=conditional,
            computed=tuple(computed),
            computed_by_id={c.id: c for c in computed},
            symbols=symbols,
            rules_boundary=boundary,
            identity=identity,
            guards=(*((g, None) for g in script.guards),
                    *((g, m.id) for m in ordered_modules for g in m.guards)),
        ),
        [],
    )


def _all_exprs(t: Template) -> Iterator[Expr]:
    for q in t.questions:
        if q.show_if is not None:
            yield q.show_if
        yield from (c.expr for c in q.constraints)
    for c in t.computed:
        yield c.expr
        yield from (b.when for b in c.bands)
    if isinstance(t, Script):
        yield from (r.when for r in t.rules)
    for g in t.guards:
        yield g.when
        yield g.require


def _check_scores_and_records(checker: _Checker, templates: Sequence[Template]) -> None:
    """Scored questions need a score on every option; consent codes must be referrals."""
    scored = {qid for t in templates for e in _all_exprs(t) for f, qid in e.calls if f == "score"}
    referral_codes = {
        code
        for t in templates
        for q in t.questions
        if q.records is Records.REFERRALS
        for code in q.codes
    }
    for t in templates:
        for q, path in question_paths(t):
            if q.id in scored:
                for oi, option in enumerate(q.options):
                    if option.score is None:
                        checker.problem(
                            t.source.name, (*path, "options", oi), "missing_score",
                            id=q.id, code=option.code,
                        )  # fmt: skip
            if q.consent_for is not None and q.consent_for not in referral_codes:
                checker.problem(
                    t.source.name, (*path, "consent_for"), "unknown_consent", code=q.consent_for
                )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
