"""From a TOML table to a :class:`Script` or :class:`Module`, rejecting unknown keys.

Problems are collected, not raised, so that a script author sees all of them at once;
each carries the key path it is about (:mod:`.source` turns paths into lines). Checks
that need more than one table — names in expressions, ids across modules — are in
:mod:`.resolve`.

The format (see ``templates/*.toml`` for complete examples; texts are always a table
``{ nb = "...", en = "..." }``)::

    kind = "script"                       # or "module"
    id = "ung-voksen-18-24"               # lower case, digits, "-"
    version = "1.0.0"
    title = { nb = "...", en = "..." }
    ages = [18, 24]                       # inclusive; [25] = 25 and over   (scripts)
    risk_levels = ["low", "moderate", "high"]                             # (scripts)
    include = ["felles-informasjon", "felles-utfall"]                     # (scripts)
    place = "opening"        # modules: "opening" | "follow-up" | "outcome"

    [[scale]]                # option lists shared by questions of this file
    id = "hyppighet"
    options = [ { code = "aldri", score = 0, label = { nb = "Aldri", en = "Never" } }, ... ]

    [[section]]
    process = "focusing"     # engaging | focusing | evoking | planning
    title = { nb = "...", en = "..." }
    intro = { nb = "...", en = "..." }                                    # optional

    [[section.question]]
    id = "dudit_01"          # a lower-case identifier, unique across script + modules
    type = "single"          # single | multi | yesno | integer | date | text
    prompt = { nb = "...", en = "..." }
    help = { nb = "...", en = "..." }                                     # optional
    scale = "hyppighet"      # or options = [...]            (single and multi only)
    scores = { yes = 1, no = 0 }          # yes/no only; this is the default
    min = 0                  # integer only, both required
    max = 10
    show_if = "expression"   # asked only when true (see expr.py for the language)
    required = true          # default true; false: may be left empty
    skippable = false        # default false; true: the counsellor may skip it
    records = "referrals"    # advice | referrals | outcome | follow-up | substances |
                             # concerns | notifications | actions (choice only)
    consent_for = "tsb"      # yes/no only: consent for that referral code

    [[section.question.constraint]]
    expr = "expression"      # must hold for the answer to be accepted
    message = { nb = "...", en = "..." }

    [[computed]]             # a computed value, e.g. a screening total
    id = "dudit"
    expr = "sum(score(dudit_01), score(dudit_02))"
    [[computed.band]]        # the first band whose `when` holds applies
    code = "problembruk"
    when = "dudit >= (6 if sex == 'male' else 2)"

    [[rule]]                 # scripts: risk is the highest any matching rule sets
    id = "dudit-avhengighet"
    when = "dudit >= 25"
    risk = "high"
    pull = ["hoy-risiko"]    # follow-up modules asked when the rule holds

    [[guard]]                # scripts and modules: checked when the meeting is completed
    id = "barnevern-melding"
    when = "age < 18 and sik_barnevern == 'ja'"      # the situation that calls for action
    require = "'barnevern' in sik_meldinger"          # what must then have been recorded
    message = { nb = "...", en = "..." }              # why, and what to record

A guard may read every question and computed value of the script and the modules it
uses (a module's guard only its own), since it is checked only at completion. A guard
whose ``require`` can never hold while ``when`` holds is a ``script check`` error.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from typing import Any

from rusenhet.interview.expr import FUNCTIONS
from rusenhet.interview.messages import Text
from rusenhet.interview.model import (
    CODE_PATTERN,
    CONTEXT_NAMES,
    ID_PATTERN,
    NO,
    SCRIPT_ID_PATTERN,
    YES,
    Band,
    Computed,
    Constraint,
    Guard,
    Module,
    Option,
    Place,
    Process,
    Question,
    QuestionType,
    Records,
    RiskLevel,
    Rule,
    Script,
    Section,
    SourceFile,
    Template,
)
from rusenhet.interview.reader import RawProblem, TableReader
from rusenhet.interview.source import KeyPath

RESERVED_NAMES = CONTEXT_NAMES | FUNCTIONS | frozenset(keyword.kwlist)

_COMMON_KEYS = {"kind", "id", "version", "title", "scale", "section", "computed", "guard"}
SCRIPT_KEYS = frozenset(_COMMON_KEYS | {"ages", "risk_levels", "include", "rule"})
MODULE_KEYS = frozenset(_COMMON_KEYS | {"place"})
SECTION_KEYS = frozenset({"process", "title", "intro", "question"})
QUESTION_KEYS = frozenset(
    {
        "id", "type", "prompt", "help", "options", "scale", "scores", "min", "max",
        "show_if", "required", "skippable", "constraint", "records", "consent_for",
    }
)  # fmt: skip
OPTION_KEYS = frozenset({"code", "label", "score"})
CONSTRAINT_KEYS = frozenset({"expr", "message"})
COMPUTED_KEYS = frozenset({"id", "expr", "title", "band"})
BAND_KEYS = frozenset({"code", "when", "label"})
RULE_KEYS = frozenset({"id", "when", "risk", "pull"})
GUARD_KEYS = frozenset({"id", "when", "require", "message"})
SCALE_KEYS = frozenset({"id", "options"})

#: Keys that only make sense for some question types.
_TYPE_KEYS: dict[str, frozenset[QuestionType]] = {
    "options": frozenset({QuestionType.SINGLE, QuestionType.MULTI}),
    "scale": frozenset({QuestionType.SINGLE, QuestionType.MULTI}),
    "records": frozenset({QuestionType.SINGLE, QuestionType.MULTI}),
    "scores": frozenset({QuestionType.YESNO}),
    "consent_for": frozenset({QuestionType.YESNO}),
    "min": frozenset({QuestionType.INTEGER}),
    "max": frozenset({QuestionType.INTEGER}),
}

YES_LABEL = Text("Ja", "Yes")
NO_LABEL = Text("Nei", "No")


def parse_template(
    data: Mapping[str, Any], source: SourceFile
) -> tuple[Template | None, list[RawProblem]]:
    """Build the template; it is None when any problem was found."""
    reader = _Reader()
    template = reader.template(data, source)
    return (template if not reader.problems else None), reader.problems


class _Reader(TableReader):
    def __init__(self) -> None:
        super().__init__()
        self.scales: dict[str, tuple[Option, ...]] = {}

    # -- templates --------------------------------------------------------------------
    def template(self, data: Mapping[str, Any], source: SourceFile) -> Template | None:
        kind = data.get("kind")
        if kind not in ("script", "module"):
            self.problem(("kind",), "bad_kind", value=str(kind))
            return None
        allowed = SCRIPT_KEYS if kind == "script" else MODULE_KEYS
        required = {"kind", "id", "version", "title", "section"}
        required |= {"ages", "risk_levels"} if kind == "script" else {"place"}
        d = self.table(data, (), allowed, required)
        if d is None:
            return None
        tid = self.string(d, "id", (), SCRIPT_ID_PATTERN)
        version = self.string(d, "version", ())
        title = self.text(d, "title", ())
        for path, raw in self.tables(d, "scale", ()):
            self.scale(raw, path)
        sections = tuple(s for p, r in self.tables(d, "section", ()) if (s := self.section(r, p)))
        computed = tuple(c for p, r in self.tables(d, "computed", ()) if (c := self.computed(r, p)))
        guards = self.guards(d)
        if kind == "module":
            place = self.enum(d, "place", (), Place)
            if tid is None or version is None or title is None or place is None:
                return None
            return Module(
                id=tid, version=version, title=title, sections=sections, computed=computed,
                guards=guards, source=source, place=place,
            )  # fmt: skip
        ages = self.ages(d)
        levels = self.risk_levels(d)
        rules = self.rules(d)
        include = self.ids(d, "include", ())
        if tid is None or version is None or title is None or ages is None or levels is None:
            return None
        return Script(
            id=tid, version=version, title=title, sections=sections, computed=computed,
            guards=guards, source=source, ages=ages, risk_levels=levels, include=include,
            rules=rules,
        )  # fmt: skip

    def ages(self, d: Mapping[str, Any]) -> tuple[int, int | None] | None:
        value = d.get("ages")
        ok = (
            isinstance(value, list)
            and len(value) in (1, 2)
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
            and (len(value) == 1 or value[0] <= value[1])
        )
        if not ok or not isinstance(value, list):
            if value is not None:
                self.problem(("ages",), "bad_ages")
            return None
        return (value[0], value[1] if len(value) == 2 else None)

    def risk_levels(self, d: Mapping[str, Any]) -> tuple[RiskLevel, ...] | None:
        value = d.get("risk_levels")
        allowed = {r.value for r in RiskLevel}
        if not isinstance(value, list) or not value or not all(v in allowed for v in value):
            if value is not None:
                self.problem(("risk_levels",), "bad_risk_levels", allowed=", ".join(allowed))
            return None
        return tuple(RiskLevel(v) for v in value)

    def rules(self, d: Mapping[str, Any]) -> tuple[Rule, ...]:
        rules: list[Rule] = []
        seen: set[str] = set()
        for path, raw in self.tables(d, "rule", ()):
            r = self.table(raw, path, RULE_KEYS, {"id", "when"})
            if r is None:
                continue
            rid = self.string(r, "id", path, CODE_PATTERN)
            when = self.expr(r, "when", path)
            risk = self.enum(r, "risk", path, RiskLevel)
            pull = self.ids(r, "pull", path)
            if "risk" not in r and "pull" not in r:
                self.problem(path, "rule_does_nothing")
            if rid is not None and rid in seen:
                self.problem((*path, "id"), "duplicate_rule", id=rid)
            if rid is not None and when is not None:
                seen.add(rid)
                rules.append(Rule(rid, when, risk, pull))
        return tuple(rules)

    def guards(self, d: Mapping[str, Any]) -> tuple[Guard, ...]:
        guards: list[Guard] = []
        seen: set[str] = set()
        for path, raw in self.tables(d, "guard", ()):
            g = self.table(raw, path, GUARD_KEYS, set(GUARD_KEYS))
            if g is None:
                continue
            gid = self.string(g, "id", path, CODE_PATTERN)
            when = self.expr(g, "when", path)
            require = self.expr(g, "require", path)
            message = self.text(g, "message", path)
            if gid is not None and gid in seen:
                self.problem((*path, "id"), "duplicate_guard", id=gid)
            elif gid is not None and when is not None and require is not None and message:
                seen.add(gid)
                guards.append(Guard(gid, when, require, message))
        return tuple(guards)

    def scale(self, raw: object, path: KeyPath) -> None:
        d = self.table(raw, path, SCALE_KEYS, {"id", "options"})
        if d is None:
            return
        sid = self.string(d, "id", path, ID_PATTERN)
        options = self.options(d, path)
        if sid is not None and sid in self.scales:
            self.problem((*path, "id"), "duplicate_scale", id=sid)
        elif sid is not None and options is not None:
            self.scales[sid] = options

    def section(self, raw: object, path: KeyPath) -> Section | None:
        d = self.table(raw, path, SECTION_KEYS, {"process", "title", "question"})
        if d is None:
            return None
        process = self.enum(d, "process", path, Process)
        title = self.text(d, "title", path)
        intro = self.text(d, "intro", path)
        items = self.tables(d, "question", path)
        questions = tuple(q for p, r in items if (q := self.question(r, p)))
        if process is None or title is None or len(questions) != len(items):
            return None
        return Section(process, title, questions, intro)

    def computed(self, raw: object, path: KeyPath) -> Computed | None:
        d = self.table(raw, path, COMPUTED_KEYS, {"id", "expr"})
        if d is None:
            return None
        cid = self.name(d, path)
        expr = self.expr(d, "expr", path)
        title = self.text(d, "title", path)
        bands: list[Band] = []
        seen: set[str] = set()
        for bpath, braw in self.tables(d, "band", path):
            b = self.table(braw, bpath, BAND_KEYS, {"code", "when"})
            if b is None:
                continue
            code = self.string(b, "code", bpath, CODE_PATTERN)
            when = self.expr(b, "when", bpath)
            if code is not None and code in seen:
                self.problem((*bpath, "code"), "duplicate_code", code=code)
            elif code is not None and when is not None:
                seen.add(code)
                bands.append(Band(code, when, self.text(b, "label", bpath)))
        if cid is None or expr is None:
            return None
        return Computed(cid, expr, title, tuple(bands))

    def name(self, d: Mapping[str, Any], path: KeyPath) -> str | None:
        """A question or computed id: a lower-case identifier that is not reserved."""
        value = self.string(d, "id", path, ID_PATTERN)
        if value is not None and value in RESERVED_NAMES:
            self.problem((*path, "id"), "reserved_name", value=value)
            return None
        return value

    # -- questions --------------------------------------------------------------------
    def question(self, raw: object, path: KeyPath) -> Question | None:
        d = self.table(raw, path, QUESTION_KEYS, {"id", "type", "prompt"})
        if d is None:
            return None
        before = len(self.problems)
        qid = self.name(d, path)
        qtype = self.enum(d, "type", path, QuestionType)
        prompt = self.text(d, "prompt", path)
        if qtype is not None:
            for key, types in _TYPE_KEYS.items():
                if key in d and qtype not in types:
                    self.problem((*path, key), "not_for_type", key=key, type=qtype.value)
        constraints: list[Constraint] = []
        for cpath, craw in self.tables(d, "constraint", path):
            c = self.table(craw, cpath, CONSTRAINT_KEYS, set(CONSTRAINT_KEYS))
            if c is not None:
                expr, message = self.expr(c, "expr", cpath), self.text(c, "message", cpath)
                if expr is not None and message is not None:
                    constraints.append(Constraint(expr, message))
        options = self.question_options(d, path, qtype)
        minimum, maximum = self.integer(d, "min", path), self.integer(d, "max", path)
        if qtype is QuestionType.INTEGER:
            if minimum is None or maximum is None:
                self.problem(path, "integer_bounds")
            elif minimum > maximum:
                self.problem((*path, "min"), "min_above_max", min=minimum, max=maximum)
        q = Question(
            id=qid or "",
            type=qtype or QuestionType.TEXT,
            prompt=prompt or Text("", ""),
            help=self.text(d, "help", path),
            options=options,
            minimum=minimum,
            maximum=maximum,
            show_if=self.expr(d, "show_if", path),
            required=self.boolean(d, "required", path, True),
            skippable=self.boolean(d, "skippable", path, False),
            constraints=tuple(constraints),
            records=self.enum(d, "records", path, Records),
            consent_for=self.string(d, "consent_for", path, CODE_PATTERN),
        )
        return q if len(self.problems) == before else None

    def question_options(
        self, d: Mapping[str, Any], path: KeyPath, qtype: QuestionType | None
    ) -> tuple[Option, ...]:
        if qtype is QuestionType.YESNO:
            scores: Mapping[str, Any] = {YES: 1, NO: 0}
            if "scores" in d:
                scores = self.table(d["scores"], (*path, "scores"), frozenset({YES, NO}),
                                    {YES, NO}) or scores  # fmt: skip
            yes, no = (self.integer(scores, k, (*path, "scores")) for k in (YES, NO))
            return (Option(YES, YES_LABEL, yes), Option(NO, NO_LABEL, no))
        if qtype not in (QuestionType.SINGLE, QuestionType.MULTI):
            return ()
        if ("options" in d) == ("scale" in d):
            self.problem(path, "options_or_scale")
            return ()
        if "scale" in d:
            sid = self.string(d, "scale", path)
            if sid is not None and sid not in self.scales:
                self.problem((*path, "scale"), "unknown_scale", id=sid)
            return self.scales.get(sid or "", ())
        return self.options(d, path) or ()

    def options(self, d: Mapping[str, Any], path: KeyPath) -> tuple[Option, ...] | None:
        items = self.tables(d, "options", path)
        out: list[Option] = []
        seen: set[str] = set()
        for opath, raw in items:
            o = self.table(raw, opath, OPTION_KEYS, {"code", "label"})
            if o is None:
                continue
            code = self.string(o, "code", opath, CODE_PATTERN)
            label = self.text(o, "label", opath)
            score = self.integer(o, "score", opath)
            if code is not None and code in seen:
                self.problem((*opath, "code"), "duplicate_code", code=code)
            elif code is not None and label is not None:
                seen.add(code)
                out.append(Option(code, label, score))
        if len(items) < 2:
            self.problem((*path, "options"), "too_few_options")
        return tuple(out) if len(out) == len(items) else None
