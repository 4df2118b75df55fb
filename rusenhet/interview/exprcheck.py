"""Load-time checks of expressions: known names, no forward references, matching types.

Every name has a *position* in the script's fixed question order; an expression may only
read names that come before the place it is evaluated (a ``show_if`` before its
question, a constraint up to and including its question). Types come from the
questions: comparing an integer question with a string, or a choice question with a
code it does not have, is found here rather than in the middle of a meeting.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from rusenhet.interview.expr import BINOPS, CMPOPS, Expr, ExprError, literal_value, not_allowed
from rusenhet.interview.messages import Msg
from rusenhet.interview.model import QuestionType


class Kind(StrEnum):
    INT = "int"
    STR = "str"
    BOOL = "bool"
    DATE = "date"
    CODES = "codes"  #: the selected codes of a multiple-choice question
    LIST = "list"
    NONE = "none"


@dataclass(frozen=True)
class ExprType:
    kind: Kind
    #: STR / CODES: the codes the value can take, when known
    codes: frozenset[str] | None = None
    #: LIST: the kind of its elements (None for an empty list)
    elem: Kind | None = None


BOOL = ExprType(Kind.BOOL)
INT = ExprType(Kind.INT)


@dataclass(frozen=True)
class Symbol:
    type: ExprType
    #: position in the question order; context names are -1
    position: float
    #: set for questions, so that count/score/answered can check their argument
    question_type: QuestionType | None = None


def kind_msg(kind: Kind) -> Msg:
    return Msg(f"interview.kind.{kind.value}")


def infer(
    expr: Expr,
    symbols: Mapping[str, Symbol],
    *,
    before: float = float("inf"),
    expect_bool: bool = False,
) -> ExprType:
    """Type of ``expr``; every name must exist and have a position below ``before``."""
    result = _Infer(symbols, before).visit(expr.tree)
    if expect_bool and result.kind not in (Kind.BOOL, Kind.NONE):
        raise ExprError("interview.expr.expected_bool", got=kind_msg(result.kind))
    return result


class _Infer:
    def __init__(self, symbols: Mapping[str, Symbol], before: float) -> None:
        self.symbols = symbols
        self.before = before

    def lookup(self, name: str) -> Symbol:
        symbol = self.symbols.get(name)
        if symbol is None:
            raise ExprError("interview.expr.unknown_name", name=name)
        if symbol.position >= self.before:
            raise ExprError("interview.expr.forward_ref", name=name)
        return symbol

    def visit(self, node: ast.expr) -> ExprType:
        if isinstance(node, ast.Constant):
            return _literal_type(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id).type
        if isinstance(node, ast.List | ast.Tuple):
            return self.list_type(node)
        if isinstance(node, ast.UnaryOp):
            inner = self.visit(node.operand)
            want = BOOL if isinstance(node.op, ast.Not) else INT
            self.need(inner, want.kind, "not" if want is BOOL else "-")
            return want
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if {left.kind, right.kind} - {Kind.INT, Kind.NONE}:
                raise ExprError(
                    "interview.expr.type_mismatch", op=BINOPS.get(type(node.op), "?"),
                    left=kind_msg(left.kind), right=kind_msg(right.kind),
                )  # fmt: skip
            return INT
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.need(self.visit(value), Kind.BOOL, type(node.op).__name__.lower())
            return BOOL
        if isinstance(node, ast.IfExp):
            self.need(self.visit(node.test), Kind.BOOL, "if")
            return _unify(self.visit(node.body), self.visit(node.orelse), "if")
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            lnode = node.left
            for cmp, comp in zip(node.ops, node.comparators, strict=True):
                right = self.visit(comp)
                self.compare(cmp, left, right, lnode, comp)
                left, lnode = right, comp
            return BOOL
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.call(node.func.id, node.args)
        raise not_allowed(node)  # parse_expr already refuses this

    @staticmethod
    def need(t: ExprType, kind: Kind, op: str) -> None:
        if t.kind not in (kind, Kind.NONE):
            raise ExprError(
                "interview.expr.type_mismatch", op=op, left=kind_msg(kind), right=kind_msg(t.kind)
            )

    def list_type(self, node: ast.List | ast.Tuple) -> ExprType:
        kinds = {_literal_type(literal_value(e)).kind for e in node.elts} - {Kind.NONE}
        if len(kinds) > 1:
            a, b = sorted(kinds)[:2]  # three kinds (bool, number, text) name the first two
            raise ExprError(
                "interview.expr.type_mismatch", op="[]", left=kind_msg(a), right=kind_msg(b)
            )
        codes = frozenset(v for e in node.elts if isinstance(v := literal_value(e), str))
        return ExprType(Kind.LIST, codes or None, kinds.pop() if kinds else None)

    def compare(
        self, op: ast.cmpop, left: ExprType, right: ExprType, lnode: ast.expr, rnode: ast.expr
    ) -> None:
        name = CMPOPS.get(type(op), "?")
        if isinstance(op, ast.In | ast.NotIn):
            if right.kind == Kind.CODES:
                self.need(left, Kind.STR, name)
                _check_codes(right, rnode, left, lnode)
            elif right.kind == Kind.LIST:
                if right.elem is not None:
                    self.need(left, right.elem, name)
                _check_codes(left, lnode, right, rnode)
            elif right.kind != Kind.NONE:
                raise ExprError(
                    "interview.expr.type_mismatch", op=name, left=kind_msg(left.kind),
                    right=kind_msg(right.kind),
                )  # fmt: skip
            return
        if isinstance(op, ast.Eq | ast.NotEq):
            _unify(left, right, name)
            if left.kind == Kind.STR and right.kind == Kind.STR:
                _check_codes(left, lnode, right, rnode)
                _check_codes(right, rnode, left, lnode)
            return
        for side in (left, right):
            if side.kind not in (Kind.INT, Kind.DATE, Kind.NONE):
                raise ExprError(
                    "interview.expr.type_mismatch", op=name, left=kind_msg(left.kind),
                    right=kind_msg(right.kind),
                )  # fmt: skip
        _unify(left, right, name)

    def call(self, func: str, args: list[ast.expr]) -> ExprType:
        if func in ("count", "score", "answered"):
            arg = args[0]
            if not isinstance(arg, ast.Name):  # parse_expr already refuses this
                raise ExprError("interview.expr.needs_question", function=func)
            symbol = self.lookup(arg.id)
            qtype = symbol.question_type
            if qtype is None:
                raise ExprError("interview.expr.needs_question", function=func)
            if func == "count" and qtype is not QuestionType.MULTI:
                raise ExprError("interview.expr.count_needs_multi", name=arg.id)
            if func == "score" and qtype not in (
                QuestionType.SINGLE, QuestionType.MULTI, QuestionType.YESNO
            ):  # fmt: skip
                raise ExprError("interview.expr.score_needs_choice", name=arg.id)
            return BOOL if func == "answered" else INT
        for arg in args:
            self.need(self.visit(arg), Kind.INT, func)
        return INT


def _literal_type(value: object) -> ExprType:
    if value is None:
        return ExprType(Kind.NONE)
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, str):
        return ExprType(Kind.STR, frozenset({value}))
    raise ExprError("interview.expr.literal")


def _unify(a: ExprType, b: ExprType, op: str) -> ExprType:
    if a.kind == Kind.NONE:
        return b
    if b.kind == Kind.NONE or a == b:
        return a
    if a.kind != b.kind:
        raise ExprError(
            "interview.expr.type_mismatch", op=op, left=kind_msg(a.kind), right=kind_msg(b.kind)
        )
    codes = None if a.codes is None or b.codes is None else a.codes | b.codes
    return ExprType(a.kind, codes, a.elem or b.elem)


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant | ast.List | ast.Tuple)


def _check_codes(known: ExprType, known_node: ast.expr, probe: ExprType, node: ast.expr) -> None:
    """Literal codes compared with a value of known codes must be among them."""
    if known.codes is None or probe.codes is None:
        return
    if _is_literal(known_node) or not _is_literal(node):
        return  # only a literal is checked against a question's (or context's) codes
    unknown = sorted(probe.codes - known.codes)
    if unknown:
        raise ExprError(
            "interview.expr.unknown_code", code=unknown[0], allowed=", ".join(sorted(known.codes))
        )
