"""Line numbers for keys of a TOML file.

``tomllib`` returns plain dicts without positions, so problems found after parsing would
have no line. This module scans the (already valid) TOML text once and records the line
of every key, ``[table]`` / ``[[array]]`` header and array element, addressed by the same
path the parser uses: ``("section", 2, "question", 0, "show_if")``.

The scanner trusts tomllib to have rejected malformed files; on anything unexpected it
stops and keeps what it has, so a lookup falls back to the nearest enclosing table.
"""

from __future__ import annotations

import contextlib
import re

KeyPath = tuple[str | int, ...]

# TOML strings: multi-line basic and literal first (up to two quotes may end the
# content), then single-line basic (with escapes) and literal.
_STRINGS = re.compile(
    r'"""((?:[^"\\]|\\.|"(?!""))*"{0,2})"""'
    r"|'''((?:[^']|'(?!''))*'{0,2})'''"
    r'|"((?:[^"\\\n]|\\.)*)"'
    r"|'([^'\n]*)'",
    re.DOTALL,
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")


class SourceIndex:
    """Maps key paths of one TOML text to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        scan = _Scan(text)
        # On anything unexpected keep the lines found so far; lookups fall back to tables.
        with contextlib.suppress(IndexError, ValueError):
            scan.run()
        self._lines = scan.lines

    def line(self, path: KeyPath) -> int | None:
        """Line of ``path``, or of its nearest enclosing key or table."""
        while path:
            found = self._lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None


def format_path(path: KeyPath) -> str:
    """``section[2].question[0].show_if`` — for problems without a line."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class _Scan:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.lineno = 1
        self.lines: dict[KeyPath, int] = {}
        self.arrays: dict[KeyPath, int] = {}

    # -- characters -----------------------------------------------------------------
    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def take(self, k: int = 1) -> str:
        chunk = self.s[self.i : self.i + k]
        self.lineno += chunk.count("\n")
        self.i += len(chunk)
        return chunk

    def skip(self, newlines: bool) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (c == "\n" and newlines):
                self.take()
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end
            else:
                return

    def record(self, path: KeyPath) -> None:
        self.lines.setdefault(path, self.lineno)

    # -- structure ------------------------------------------------------------------
    def run(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.s):
                return
            start = self.i
            if self.peek() == "[":
                table = self.header()
            else:
                self.keyval(table)
            if self.i == start:  # never loop on text we do not understand
                raise ValueError("stuck")

    def header(self) -> KeyPath:
        double = self.peek(1) == "["
        self.take(2 if double else 1)
        keys = self.keys()
        self.skip(newlines=False)
        self.take(2 if double else 1)
        path: KeyPath = ()
        for key in keys[:-1]:
            path = (*path, key)
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        path = (*path, keys[-1])
        if double:
            self.arrays[path] = self.arrays.get(path, 0) + 1
            path = (*path, self.arrays[path] - 1)
        self.record(path)
        return path

    def keys(self) -> list[str]:
        out: list[str] = []
        while True:
            self.skip(newlines=False)
            c = self.peek()
            if c in ('"', "'"):
                out.append(self.string())
            else:
                match = _BARE_KEY.match(self.s, self.i)
                if match is None:
                    raise ValueError("key expected")
                self.jump(match.end())
                out.append(match.group())
            self.skip(newlines=False)
            if self.peek() != ".":
                return out
            self.take()

    def keyval(self, table: KeyPath) -> None:
        line = self.lineno
        path = (*table, *self.keys())
        self.lines.setdefault(path, line)
        self.skip(newlines=False)
        if self.take() != "=":
            raise ValueError("= expected")
        self.skip(newlines=False)
        self.value(path)

    def value(self, path: KeyPath) -> None:
        c = self.peek()
        if c == "[":
            self.take()
            index = 0
            while True:
                self.skip(newlines=True)
                if self.peek() in ("]", ""):
                    self.take()
                    return
                self.record((*path, index))
                self.value((*path, index))
                index += 1
                self.skip(newlines=True)
                if self.peek() == ",":
                    self.take()
        elif c == "{":
            self.take()
            while True:
                self.skip(newlines=False)
                if self.peek() in ("}", ""):
                    self.take()
                    return
                self.keyval(path)
                self.skip(newlines=False)
                if self.peek() == ",":
                    self.take()
        elif c in ('"', "'"):
            self.string()
        else:  # numbers, booleans, dates: up to the next delimiter
            match = _SCALAR.match(self.s, self.i)
            self.jump(match.end() if match else len(self.s))

    def jump(self, to: int) -> None:
        self.lineno += self.s.count("\n", self.i, to)
        self.i = to

    def string(self) -> str:
        """Skip a string; return its raw content (good enough for quoted keys)."""
        match = _STRINGS.match(self.s, self.i)
        if match is None:
            raise ValueError("unterminated string")
        self.jump(match.end())
        return next(g for g in match.groups() if g is not None)
