"""Safe expressions for interview scripts: ``show_if``, constraints, computed values, rules.

An expression is parsed with :mod:`ast` and every node is checked against a whitelist,
then turned into a tree of plain Python closures. Nothing is ever handed to ``eval``,
``exec`` or ``compile``; an expression can only read the values the engine gives it.

Allowed: literals (int, str, True/False, None, lists/tuples of literals), names (question
ids, computed values, ``age``, ``sex`` and — after the script's own sections — ``risk``),
comparisons (chained too), ``and``/``or``/``not``, ``+ - * //``, unary minus, ``in``/``not
in``, ``a if cond else b`` and the functions ``count(q)``, ``score(q)``, ``answered(q)``
(whose argument is a question id), ``sum(...)``, ``min(...)``, ``max(...)``.

Semantics of missing values — a question that is unanswered, skipped, left empty or hidden
by ``show_if`` has the value ``None``:

- ``+ - * //`` with ``None`` give ``None``; ``x // 0`` gives ``None``.
- ``< <= > >=`` with ``None`` on either side are ``False``; ``==`` and ``!=`` treat ``None``
  as an ordinary value (``sex != 'male'`` is ``True`` when sex is unknown).
- ``x in [...]`` is ``False`` when x is ``None``; ``'code' in q`` is ``False`` when the
  multiple-choice question q has no answer; ``not in`` is always the negation of ``in``.
- ``and``, ``or``, ``not`` and the condition of ``a if c else b`` treat ``None`` as ``False``
  and always give ``True`` or ``False``.
- ``count(q)`` and ``score(q)`` are 0 for an unanswered question; ``answered(q)`` is
  ``True`` only when q has an answer.
- ``sum(...)`` counts ``None`` as 0; ``min``/``max`` ignore ``None`` (all ``None`` → ``None``).

Types are checked when the script is loaded (:mod:`rusenhet.interview.exprcheck`); the
runtime checks below only guard against expressions that were never checked.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from rusenhet.errors import InputError
from rusenhet.interview.messages import Msg

#: Longer expressions belong in computed values; the limits also bound parser recursion.
MAX_LENGTH = 1000
MAX_DEPTH = 32

QUESTION_FUNCTIONS = frozenset({"count", "score", "answered"})
VALUE_FUNCTIONS = frozenset({"sum", "min", "max"})
FUNCTIONS = QUESTION_FUNCTIONS | VALUE_FUNCTIONS

Scalar = int | str | bool | date | None
Value = Scalar | tuple[Scalar, ...]


class ExprError(InputError):
    """An expression is malformed, not allowed, refers to unknown names or mixes types."""

    default_key = "interview.expr.invalid"


class Env(Protocol):
    """What an expression may read while it is evaluated."""

    def value(self, name: str) -> Value: ...

    def count(self, question_id: str) -> int: ...

    def score(self, question_id: str) -> int: ...

    def answered(self, question_id: str) -> bool: ...


Evaluator = Callable[[Env], Value]


@dataclass(frozen=True, eq=False)
class Expr:
    """A checked, compiled expression."""

    source: str
    tree: ast.expr = field(repr=False)
    #: every name the expression reads, including the question arguments of functions
    names: frozenset[str]
    #: (function, question id) for each use of count/score/answered
    calls: tuple[tuple[str, str], ...]
    run: Evaluator = field(repr=False)

    def evaluate(self, env: Env) -> Value:
        return self.run(env)


def parse_expr(source: object) -> Expr:
    """Parse and compile ``source``; raise :class:`ExprError` for anything not allowed."""
    if not isinstance(source, str):
        raise ExprError("interview.expr.not_text")
    if len(source) > MAX_LENGTH:
        raise ExprError("interview.expr.too_long", limit=MAX_LENGTH)
    # Newlines become spaces (same length, so columns stay right): TOML multi-line strings
    # are then fine without parentheses.
    text = source.replace("\r", " ").replace("\n", " ").replace("\t", " ").strip()
    if not text:
        raise ExprError("interview.expr.empty")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExprError("interview.expr.syntax", col=exc.offset or 0) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ExprError("interview.expr.syntax", col=0) from None
    return compile_tree(tree.body, source)


def compile_tree(tree: ast.expr, source: str = "") -> Expr:
    """Check an already parsed tree against the whitelist and compile it."""
    compiler = _Compiler()
    run = compiler.compile(tree, 0)
    return Expr(
        source=source,
        tree=tree,
        names=frozenset(compiler.names),
        calls=tuple(compiler.calls),
        run=run,
    )


def _col(node: ast.AST) -> int:
    return int(getattr(node, "col_offset", -1)) + 1


#: Plain-language names for constructs people try; anything else is "this construct".
CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Slice: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.Dict: "dict",
    ast.Set: "dict",
    ast.JoinedStr: "fstring",
    ast.NamedExpr: "walrus",
    ast.Starred: "starred",
    ast.Await: "other",
}


def not_allowed(node: ast.AST) -> ExprError:
    construct = CONSTRUCTS.get(type(node), "other")
    what = Msg(f"interview.expr.construct.{construct}")
    return ExprError("interview.expr.not_allowed", what=what, col=_col(node))


BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
}
CMPOPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def _constant(node: ast.Constant) -> Scalar:
    value = node.value
    if value is None or isinstance(value, int | str):  # bool is an int; floats are not
        return value
    raise ExprError("interview.expr.literal", col=_col(node))


def literal_value(node: ast.expr) -> Scalar:
    """The value of a literal list element (a constant or a negative integer)."""
    if isinstance(node, ast.Constant):
        return _constant(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = node.operand
        if isinstance(inner, ast.Constant):
            value = _constant(inner)
            if isinstance(value, int) and not isinstance(value, bool):
                return -value
    raise ExprError("interview.expr.list_literal", col=_col(node))


class _Compiler:
    """Checks nodes against the whitelist and builds closures."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: list[tuple[str, str]] = []

    def compile(self, node: ast.expr, depth: int) -> Evaluator:
        if depth > MAX_DEPTH:
            raise ExprError("interview.expr.too_deep", limit=MAX_DEPTH)
        d = depth + 1
        if isinstance(node, ast.Constant):
            const = _constant(node)
            return lambda env: const
        if isinstance(node, ast.Name):
            name = node.id
            if not isinstance(name, str) or not name.isidentifier():
                raise ExprError("interview.expr.syntax", col=_col(node))
            self.names.add(name)
            return lambda env: env.value(name)
        if isinstance(node, ast.List | ast.Tuple):
            items = tuple(literal_value(elt) for elt in node.elts)
            return lambda env: items
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, d)
        if isinstance(node, ast.BinOp):
            op = BINOPS.get(type(node.op))
            if op is None:
                raise ExprError("interview.expr.operator", col=_col(node))
            left, right = self.compile(node.left, d), self.compile(node.right, d)
            return lambda env: arithmetic(op, left(env), right(env))
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v, d) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda env: all(truth(p(env)) for p in parts)
            return lambda env: any(truth(p(env)) for p in parts)
        if isinstance(node, ast.Compare):
            return self._compare(node, d)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.compile(n, d) for n in (node.test, node.body, node.orelse))
            return lambda env: body(env) if truth(test(env)) else orelse(env)
        if isinstance(node, ast.Call):
            return self._call(node, d)
        raise not_allowed(node)

    def _unary(self, node: ast.UnaryOp, depth: int) -> Evaluator:
        operand = self.compile(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return lambda env: not truth(operand(env))
        if isinstance(node.op, ast.USub):
            return lambda env: arithmetic("-", 0, operand(env))
        raise ExprError("interview.expr.operator", col=_col(node))

    def _compare(self, node: ast.Compare, depth: int) -> Evaluator:
        if not node.ops or len(node.ops) != len(node.comparators):
            raise ExprError("interview.expr.syntax", col=_col(node))
        ops: list[str] = []
        for op in node.ops:
            symbol = CMPOPS.get(type(op))
            if symbol is None:
                raise ExprError("interview.expr.operator", col=_col(node))
            ops.append(symbol)
        first = self.compile(node.left, depth)
        rest = [self.compile(c, depth) for c in node.comparators]

        def run(env: Env) -> Value:
            left = first(env)
            for op, part in zip(ops, rest, strict=True):
                right = part(env)
                if not compare(op, left, right):
                    return False
                left = right
            return True

        return run

    def _call(self, node: ast.Call, depth: int) -> Evaluator:
        if not isinstance(node.func, ast.Name):
            raise not_allowed(node.func)  # e.g. x.method(): the attribute is the problem
        if node.func.id not in FUNCTIONS or node.keywords:
            raise ExprError("interview.expr.function", col=_col(node))
        func = node.func.id
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise not_allowed(arg)
        if func in QUESTION_FUNCTIONS:
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
                raise ExprError("interview.expr.needs_question", function=func, col=_col(node))
            qid = node.args[0].id
            self.names.add(qid)
            self.calls.append((func, qid))
            if func == "count":
                return lambda env: env.count(qid)
            if func == "score":
                return lambda env: env.score(qid)
            return lambda env: env.answered(qid)
        if not node.args:
            raise ExprError("interview.expr.arity", function=func, col=_col(node))
        args = [self.compile(a, depth) for a in node.args]
        reduce = _REDUCERS[func]
        return lambda env: reduce([a(env) for a in args])


def _ints(values: Sequence[Value], func: str) -> list[int]:
    out: list[int] = []
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            raise ExprError("interview.expr.runtime_type", op=func)
        out.append(v)
    return out


def _sum(values: Sequence[Value]) -> Value:
    return sum(_ints(values, "sum"))


def _min(values: Sequence[Value]) -> Value:
    ints = _ints(values, "min")
    return min(ints) if ints else None


def _max(values: Sequence[Value]) -> Value:
    ints = _ints(values, "max")
    return max(ints) if ints else None


_REDUCERS: dict[str, Callable[[Sequence[Value]], Value]] = {
    "sum": _sum,
    "min": _min,
    "max": _max,
}


def truth(value: Value) -> bool:
    """Truth of a condition: None is False, anything but a bool is a type error."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise ExprError("interview.expr.runtime_type", op="bool")


def arithmetic(op: str, a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not isinstance(a, int)
        or not isinstance(b, int)
    ):
        raise ExprError("interview.expr.runtime_type", op=op)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a // b


def _same_kind(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return any(isinstance(a, t) and isinstance(b, t) for t in (int, str, date, tuple))


def _member(a: Value, items: tuple[Scalar, ...]) -> bool:
    for item in items:
        if a is None or item is None:
            if a is item:
                return True
        elif _same_kind(a, item) and a == item:
            return True
    return False


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare(op: str, a: Value, b: Value) -> bool:
    if op in ("in", "not in"):
        if b is not None and not isinstance(b, tuple):
            raise ExprError("interview.expr.runtime_type", op=op)
        found = b is not None and _member(a, b)
        return found if op == "in" else not found
    if op in ("==", "!="):
        if a is None or b is None:
            equal = a is b
        elif _same_kind(a, b):
            equal = a == b
        else:
            raise ExprError("interview.expr.runtime_type", op=op)
        return equal if op == "==" else not equal
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool) or not _same_kind(a, b):
        raise ExprError("interview.expr.runtime_type", op=op)
    if isinstance(a, int | date):
        return _ORDER[op](a, b)
    raise ExprError("interview.expr.runtime_type", op=op)
