"""The safe expression interpreter: whitelist, documented None semantics, load-time
types, and hypothesis — arbitrary input raises only our own error type."""

from __future__ import annotations

import ast
import contextlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rusenhet.errors import InputError
from rusenhet.interview.expr import ExprError, Value, compile_tree, parse_expr
from rusenhet.interview.exprcheck import BOOL, INT, ExprType, Kind, Symbol, infer
from rusenhet.interview.model import QuestionType


class Env:
    """Values by name; the question functions read the same table."""

    def __init__(self, values: dict[str, Value], scores: dict[str, int] | None = None) -> None:
        self.values = values
        self.scores = scores or {}

    def value(self, name: str) -> Value:
        if name not in self.values:
            raise ExprError("interview.expr.unknown_name", name=name)
        return self.values[name]

    def count(self, question_id: str) -> int:
        v = self.values.get(question_id)
        return len(v) if isinstance(v, tuple) else 0

    def score(self, question_id: str) -> int:
        return self.scores.get(question_id, 0)

    def answered(self, question_id: str) -> bool:
        return self.values.get(question_id) is not None


def ev(source: str, **values: Value) -> Value:
    return parse_expr(source).evaluate(Env(values))


# -- semantics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("-(2 - 5)", 3),
        ("1 < 2 < 3", True),
        ("1 < 3 < 2", False),
        ("'a' in ['a', 'b']", True),
        ("3 not in [1, -2]", True),
        ("1 if True else 2", 1),
        ("not (1 == 2) and (2 >= 2 or False)", True),
        ("sum(1, 2, 3)", 6),
        ("min(4, 2, 9)", 2),
        ("max(4, 2, 9)", 9),
        ("None == None", True),
    ],
)
def test_literal_arithmetic_and_logic(source: str, expected: Value) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x + 1", None),  # arithmetic with None gives None
        ("-x", None),
        ("x > 1", False),  # ordering with None is False ...
        ("x <= 1", False),
        ("not (x > 1)", True),  # ... so its negation is True
        ("x == None", True),  # == and != treat None as a value
        ("x != 'male'", True),  # unknown sex is not 'male': the protective branch
        ("6 if x == 'male' else 2", 2),
        ("x in ['a']", False),
        ("x not in ['a']", True),
        ("'a' in x", False),  # an unanswered multiple choice contains nothing
        ("x and True", False),  # None is False in conditions
        ("x or True", True),
        ("1 if x else 2", 2),
        ("sum(x, 2)", 2),  # sum counts None as 0
        ("min(x, 3)", 3),  # min/max ignore None
        ("max(x, x)", None),
        ("count(x)", 0),
        ("score(x)", 0),
        ("answered(x)", False),
    ],
)
def test_none_semantics(source: str, expected: Value) -> None:
    assert ev(source, x=None) == expected


def test_values_of_answers() -> None:
    env = Env({"multi": ("a", "c"), "d": date(2025, 1, 2), "e": date(2025, 3, 1)}, {"s": 7})
    assert parse_expr("'c' in multi and count(multi) == 2").evaluate(env) is True
    assert parse_expr("d < e").evaluate(env) is True
    assert parse_expr("score(s) + 1").evaluate(env) == 8
    assert parse_expr("answered(multi)").evaluate(env) is True
    assert ev("5 // x", x=0) is None  # no division error in the middle of a meeting


def test_multi_line_expression_from_toml() -> None:
    assert ev("sum(1,\n  2,\n  3) >= 6") is True


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("__import__('os')", "interview.expr.function"),
        ("open('x')", "interview.expr.function"),
        ("eval('1')", "interview.expr.function"),
        ("x.real", "interview.expr.not_allowed"),
        ("x.bit_length()", "interview.expr.not_allowed"),
        ("x[0]", "interview.expr.not_allowed"),
        ("lambda: 1", "interview.expr.not_allowed"),
        ("[y for y in x]", "interview.expr.not_allowed"),
        ("{1: 2}", "interview.expr.not_allowed"),
        ("f'{x}'", "interview.expr.not_allowed"),
        ("(y := 1)", "interview.expr.not_allowed"),
        ("sum(*x)", "interview.expr.not_allowed"),
        ("2 ** 10", "interview.expr.operator"),
        ("7 / 2", "interview.expr.operator"),
        ("7 % 2", "interview.expr.operator"),
        ("x is None", "interview.expr.operator"),
        ("~1", "interview.expr.operator"),
        ("+1", "interview.expr.operator"),
        ("1.5", "interview.expr.literal"),
        ("b'x'", "interview.expr.literal"),
        ("[x]", "interview.expr.list_literal"),
        ("count(1)", "interview.expr.needs_question"),
        ("count(a, b)", "interview.expr.needs_question"),
        ("sum()", "interview.expr.arity"),
        ("max(key=1)", "interview.expr.function"),
        ("1 +", "interview.expr.syntax"),
        ("x = 1", "interview.expr.syntax"),
        ("", "interview.expr.empty"),
        ("a" * 1001, "interview.expr.too_long"),
        ("-" * 40 + "1", "interview.expr.too_deep"),
    ],
)
def test_rejected_at_parse_time(source: str, key: str) -> None:
    with pytest.raises(ExprError) as err:
        parse_expr(source)
    assert err.value.key == key
    assert isinstance(err.value, InputError)


def test_non_text_expression() -> None:
    with pytest.raises(ExprError) as err:
        parse_expr(5)
    assert err.value.key == "interview.expr.not_text"


def test_names_and_question_calls_are_collected() -> None:
    e = parse_expr("score(a) + count(b) > c and answered(d)")
    assert e.names == {"a", "b", "c", "d"}
    assert e.calls == (("score", "a"), ("count", "b"), ("answered", "d"))


# -- load-time types ------------------------------------------------------------------------

SYMBOLS = {
    "n": Symbol(INT, 0, QuestionType.INTEGER),
    "yn": Symbol(BOOL, 1, QuestionType.YESNO),
    "one": Symbol(ExprType(Kind.STR, frozenset({"a", "b"})), 2, QuestionType.SINGLE),
    "many": Symbol(ExprType(Kind.CODES, frozenset({"x", "y"})), 3, QuestionType.MULTI),
    "when": Symbol(ExprType(Kind.DATE), 4, QuestionType.DATE),
    "note": Symbol(ExprType(Kind.STR), 5, QuestionType.TEXT),
    "total": Symbol(INT, 3),
}


@pytest.mark.parametrize(
    "source",
    [
        "n > 3 and yn",
        "one == 'a' or one in ['a', 'b']",
        "'x' in many and count(many) >= 1",
        "score(one) + score(many) + score(yn) > total",
        "when == None or note != 'ok'",
        "(6 if one == 'a' else 2) <= n",
        "not answered(note)",
    ],
)
def test_well_typed(source: str) -> None:
    assert infer(parse_expr(source), SYMBOLS, expect_bool=True) == BOOL


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("n == 'tolv'", "interview.expr.type_mismatch"),
        ("n + yn", "interview.expr.type_mismatch"),
        ("n and yn", "interview.expr.type_mismatch"),
        ("when > 3", "interview.expr.type_mismatch"),
        ("one < 'b'", "interview.expr.type_mismatch"),
        ("n in many", "interview.expr.type_mismatch"),
        ("n in ['a']", "interview.expr.type_mismatch"),
        ("[1, 'a'] == [1]", "interview.expr.type_mismatch"),
        ("one == 'c'", "interview.expr.unknown_code"),
        ("one in ['a', 'c']", "interview.expr.unknown_code"),
        ("'z' in many", "interview.expr.unknown_code"),
        ("count(one) > 0", "interview.expr.count_needs_multi"),
        ("score(n) > 0", "interview.expr.score_needs_choice"),
        ("answered(total)", "interview.expr.needs_question"),
        ("unknown > 1", "interview.expr.unknown_name"),
        ("n + 1", "interview.expr.expected_bool"),
    ],
)
def test_type_errors_at_load_time(source: str, key: str) -> None:
    with pytest.raises(ExprError) as err:
        infer(parse_expr(source), SYMBOLS, expect_bool=True)
    assert err.value.key == key


def test_forward_references() -> None:
    expr = parse_expr("many == None or n > 1")
    infer(expr, SYMBOLS, before=4)
    with pytest.raises(ExprError) as err:
        infer(expr, SYMBOLS, before=3)
    assert err.value.key == "interview.expr.forward_ref" and err.value.params == {"name": "many"}


# -- hypothesis -----------------------------------------------------------------------------

NAMES = ["a", "b", "many", "n", "count", "sum", "score", "x"]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=5),
    st.dates(),
    st.tuples(st.sampled_from(["x", "y"])),
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=2)), max_size=3).map(tuple),
)

atoms = st.one_of(
    st.sampled_from(NAMES),
    st.integers(-(10**9), 10**9).map(str),
    st.text(max_size=4).map(repr),
    st.sampled_from(["None", "True", "False", "[]", "[1, -2]", "['x', None]", "1.5", "x.y"]),
    st.sampled_from(["x[0]", "lambda: 1", "{}", "(y := 2)", "f'{a}'", "__import__('os')"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(
        children,
        st.sampled_from(
            [
                "+",
                "-",
                "*",
                "//",
                "/",
                "**",
                "%",
                "==",
                "!=",
                "<",
                "<=",
                ">",
                ">=",
                "in",
                "not in",
                "and",
                "or",
                "is",
                "&",
                "if True else",
            ]
        ),
        children,
    ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = st.tuples(st.sampled_from(["not ", "-", "+", "~"]), children).map("".join)
    call = st.tuples(
        st.sampled_from(["count", "sum", "score", "answered", "min", "max", "len", "abs"]),
        st.lists(children, max_size=3),
    ).map(lambda t: f"{t[0]}({', '.join(t[1])})")
    ifexp = st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    return st.one_of(binary, unary, call, ifexp)


expressions = st.recursive(atoms, _combine, max_leaves=12)


def _only_our_error(source: str, env_values: dict[str, Value]) -> None:
    try:
        expr = parse_expr(source)
    except ExprError:
        return
    with contextlib.suppress(ExprError):  # anything else fails the test
        infer(expr, SYMBOLS)
    with contextlib.suppress(ExprError):
        expr.evaluate(Env(env_values, {"a": 1}))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80), st.dictionaries(st.sampled_from(NAMES), values))
def test_arbitrary_text_raises_only_expr_error(source: str, env: dict[str, Value]) -> None:
    _only_our_error(source, env)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.dictionaries(st.sampled_from(NAMES), values))
def test_generated_expressions_raise_only_expr_error(source: str, env: dict[str, Value]) -> None:
    _only_our_error(source, env)


@settings(max_examples=300, deadline=None)
@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_arithmetic_agrees_with_integers(a: int, b: int, c: int) -> None:
    env = Env({"a": a, "b": b, "c": c})
    assert parse_expr("a + b * c").evaluate(env) == a + b * c
    assert parse_expr("(a - b) // c").evaluate(env) == (None if c == 0 else (a - b) // c)
    assert parse_expr("a < b <= c").evaluate(env) == (a < b <= c)
    assert parse_expr("max(a, b, c) - min(a, b, c) >= 0").evaluate(env) is True


# Arbitrary trees, built node by node (including nodes and values the parser would
# never produce), go straight to the compiler.
_leaf = st.one_of(
    st.builds(
        ast.Constant,
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**12), 10**12),
            st.text(max_size=3),
            st.floats(allow_nan=True),
            st.binary(max_size=2),
            st.just(...),
        ),
    ),
    st.builds(ast.Name, st.sampled_from([*NAMES, "", "1x", "__class__"]), st.just(ast.Load())),
)
_ops = st.sampled_from([ast.Add(), ast.Sub(), ast.Mult(), ast.FloorDiv(), ast.Pow(), ast.Div(),
                        ast.Mod(), ast.MatMult(), ast.BitOr()])  # fmt: skip
_cmps = st.sampled_from([ast.Eq(), ast.NotEq(), ast.Lt(), ast.GtE(), ast.In(), ast.NotIn(),
                         ast.Is(), ast.IsNot()])  # fmt: skip


def _nodes(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        st.builds(ast.BinOp, children, _ops, children),
        st.builds(
            ast.UnaryOp,
            st.sampled_from([ast.Not(), ast.USub(), ast.UAdd(), ast.Invert()]),
            children,
        ),
        st.builds(ast.BoolOp, st.sampled_from([ast.And(), ast.Or()]), st.lists(children)),
        st.builds(
            ast.Compare, children, st.lists(_cmps, max_size=3), st.lists(children, max_size=3)
        ),
        st.builds(ast.IfExp, children, children, children),
        st.builds(ast.List, st.lists(children, max_size=3), st.just(ast.Load())),
        st.builds(ast.Tuple, st.lists(children, max_size=3), st.just(ast.Load())),
        st.builds(
            ast.Call,
            st.one_of(
                st.builds(
                    ast.Name,
                    st.sampled_from(["count", "sum", "score", "min", "answered", "len"]),
                    st.just(ast.Load()),
                ),
                children,
            ),
            st.lists(children, max_size=3),
            st.just([]),
        ),
        st.builds(ast.Attribute, children, st.just("real"), st.just(ast.Load())),
        st.builds(ast.Subscript, children, children, st.just(ast.Load())),
    )


trees = st.recursive(_leaf, _nodes, max_leaves=10)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees, st.dictionaries(st.sampled_from(NAMES), values))
def test_arbitrary_trees_raise_only_expr_error(tree: ast.expr, env: dict[str, Value]) -> None:
    try:
        expr = compile_tree(tree)
    except ExprError:
        return
    with contextlib.suppress(ExprError):
        infer(expr, SYMBOLS)
    with contextlib.suppress(ExprError):
        expr.evaluate(Env(env, {"a": 1}))
