"""Reading typed values out of TOML tables, collecting problems by key path.

The template parser builds on this: every reader returns None (and records a problem)
instead of raising, so that one run reports every problem in a file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from rusenhet.interview.expr import Expr, ExprError, parse_expr
from rusenhet.interview.messages import Msg, Text
from rusenhet.interview.model import SCRIPT_ID_PATTERN
from rusenhet.interview.source import KeyPath

E = TypeVar("E", bound=StrEnum)

TEXT_KEYS = frozenset({"nb", "en"})


@dataclass(frozen=True)
class RawProblem:
    """A problem located by key path; ``file`` is set when it is not the file being read."""

    path: KeyPath
    msg: Msg
    file: str | None = None


def problem_msg(name: str, /, **params: object) -> Msg:
    """The catalogue message ``interview.problem.<name>``."""
    return Msg(f"interview.problem.{name}", params)


class TableReader:
    """Typed access to TOML values; problems go to ``self.problems``."""

    def __init__(self) -> None:
        self.problems: list[RawProblem] = []

    def problem(self, path: KeyPath, name: str, /, **params: object) -> None:
        self.problems.append(RawProblem(path, problem_msg(name, **params)))

    # -- generic values ---------------------------------------------------------------
    def table(
        self, value: object, path: KeyPath, allowed: frozenset[str], required: set[str]
    ) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problem(path, "not_table")
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                if close:
                    self.problem((*path, key), "unknown_key_hint", key=key, hint=close[0])
                else:
                    self.problem((*path, key), "unknown_key", key=key)
        for key in sorted(required - set(value)):
            self.problem(path, "missing_key", key=key)
        return value

    def tables(self, d: Mapping[str, Any], key: str, path: KeyPath) -> list[tuple[KeyPath, Any]]:
        value = d.get(key, [])
        if not isinstance(value, list):
            self.problem((*path, key), "not_list", key=key)
            return []
        return [((*path, key, i), item) for i, item in enumerate(value)]

    def string(
        self, d: Mapping[str, Any], key: str, path: KeyPath, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        value = d.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem((*path, key), "not_string", key=key)
            return None
        if pattern is not None and not pattern.match(value):
            self.problem((*path, key), "bad_id", key=key, value=value)
            return None
        return value

    def integer(self, d: Mapping[str, Any], key: str, path: KeyPath) -> int | None:
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem((*path, key), "not_integer", key=key)
            return None
        return value

    def boolean(self, d: Mapping[str, Any], key: str, path: KeyPath, default: bool) -> bool:
        value = d.get(key, default)
        if not isinstance(value, bool):
            self.problem((*path, key), "not_boolean", key=key)
            return default
        return value

    def enum(self, d: Mapping[str, Any], key: str, path: KeyPath, kind: type[E]) -> E | None:
        value = d.get(key)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            self.problem((*path, key), "bad_choice", key=key, value=value, allowed=allowed)
            return None

    def text(self, d: Mapping[str, Any], key: str, path: KeyPath) -> Text | None:
        if key not in d:
            return None
        t = self.table(d[key], (*path, key), TEXT_KEYS, set(TEXT_KEYS))
        if t is None:
            return None
        nb, en = self.string(t, "nb", (*path, key)), self.string(t, "en", (*path, key))
        return Text(nb, en) if nb is not None and en is not None else None

    def expr(self, d: Mapping[str, Any], key: str, path: KeyPath) -> Expr | None:
        if key not in d:
            return None
        try:
            return parse_expr(d[key])
        except ExprError as exc:
            reason = Msg(exc.key, exc.params)
            self.problem((*path, key), "expression", expr=str(d[key]), reason=reason)
            return None

    def ids(self, d: Mapping[str, Any], key: str, path: KeyPath) -> tuple[str, ...]:
        value = d.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem((*path, key), "not_list", key=key)
            return ()
        for i, v in enumerate(value):
            if not SCRIPT_ID_PATTERN.match(v):
                self.problem((*path, key, i), "bad_id", key=key, value=v)
        return tuple(value)
