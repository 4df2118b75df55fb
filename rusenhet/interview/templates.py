"""Finding, loading and checking interview scripts (DESIGN §2b, §4).

Bundled scripts ship in the top-level ``templates/`` folder; a unit may add its own
folders (``--scripts DIR`` / ``RUSENHET_SCRIPTS``, resolved by the CLI). Every problem is
reported as ``file:line: message`` in the caller's language; :class:`ScriptLibrary`
refuses to load when there is any, so a meeting never runs on a broken script.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rusenhet.errors import InputError
from rusenhet.files import MIB, read_input
from rusenhet.interview.messages import Msg
from rusenhet.interview.model import Module, Script, SourceFile, Template
from rusenhet.interview.parse import parse_template
from rusenhet.interview.reach import can_hold_together, never_shown
from rusenhet.interview.reader import RawProblem, problem_msg
from rusenhet.interview.resolve import InterviewScript, check_module, resolve, sha256
from rusenhet.interview.source import KeyPath, SourceIndex, format_path

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass(frozen=True, eq=False)
class Problem:
    """One problem in one file; ``line`` is None when only the key path is known."""

    file: str
    line: int | None
    msg: Msg
    where: str = ""

    def render(self, lang: str = "nb") -> str:
        if self.line is not None:
            place = f"{self.file}:{self.line}"
        else:
            place = f"{self.file}: {self.where}" if self.where else self.file
        return f"{place}: {self.msg.render(lang)}"

    def _key(self) -> tuple[object, ...]:
        params = repr(sorted(self.msg.params.items()))
        return (self.file, self.line, self.where, self.msg.key, params)


class ScriptError(InputError):
    """Scripts that cannot be used; ``problems`` holds every problem found."""

    default_key = "interview.error.scripts_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(
            self.default_key, file=first.file, line=first.line or 0, count=len(problems)
        )
        self.problems = tuple(problems)


def bundled_scripts_dir() -> Path:
    """The bundled ``templates/`` folder.

    A wheel carries it as ``rusenhet/templates`` (hatch force-include); an editable
    install does not, so fall back to the checkout's top-level folder (DESIGN §2b).
    """
    try:
        packaged = resources.files("rusenhet") / "templates"
        if packaged.is_dir():
            return Path(str(packaged))
    except (FileNotFoundError, NotADirectoryError):
        pass
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise InputError("interview.error.no_bundled_scripts")


SCRIPT_FILE_LIMIT = 4 * MIB


def read_sources(paths: Iterable[Path]) -> list[SourceFile]:
    """The ``*.toml`` files of the given files and folders (folders are not recursed)."""
    out: list[SourceFile] = []
    for path in paths:
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for file in files:
            # A regular file of bounded size: `script check /dev/zero` or a FIFO must
            # fail at once, not hang or fill the memory (issue 16).
            try:
                data = read_input(file, limit=SCRIPT_FILE_LIMIT)
            except InputError as exc:
                if exc.key in ("io.too_large", "io.not_regular", "io.name_too_long"):
                    raise
                raise InputError("interview.error.unreadable", file=str(file),
                                 reason=str(exc.params.get("reason", ""))) from None
            out.append(SourceFile(str(file), data, sha256(data)))
    return out


@dataclass(frozen=True)
class _Loaded:
    scripts: dict[str, InterviewScript]
    modules: dict[str, Module]
    problems: list[Problem]


def _load(sources: Sequence[SourceFile], *, lint: bool) -> _Loaded:
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    indexes: dict[str, SourceIndex] = {}  # built only for files with problems

    def add(file: str, raw: Iterable[RawProblem]) -> None:
        for p in raw:
            name = p.file or file
            if name not in indexes and name in texts:
                indexes[name] = SourceIndex(texts[name])
            index = indexes.get(name)
            line = index.line(p.path) if index is not None else None
            problems.append(Problem(name, line, p.msg, format_path(p.path)))

    scripts: list[Script] = []
    modules: dict[str, Module] = {}
    seen: dict[str, str] = {}  # template id → file
    broken: set[str] = set()  # ids of templates with problems of their own
    for source in sources:
        parsed = _parse_toml(source, problems)
        if parsed is None:
            continue
        texts[source.name] = parsed[1]
        template, raw = parse_template(parsed[0], source)
        add(source.name, raw)
        if template is None:
            broken.add(str(parsed[0].get("id")))
        elif template.id in seen:
            other = seen[template.id]
            add(source.name, [RawProblem(("id",), problem_msg("duplicate_template", id=template.id,
                                                        other=other))])  # fmt: skip
        elif isinstance(template, Module):
            seen[template.id] = source.name
            module_problems = check_module(template)
            add(source.name, module_problems)
            if module_problems:
                broken.add(template.id)
            else:
                modules[template.id] = template
        elif isinstance(template, Script):
            seen[template.id] = source.name
            scripts.append(template)

    resolved: dict[str, InterviewScript] = {}
    for script in scripts:
        uses = {*script.include, *(m for r in script.rules for m in r.pull)}
        if uses & broken:
            continue  # the module's own problems are reported
        result, raw = resolve(script, modules)
        add(script.source.name, raw)
        if result is not None:
            resolved[script.id] = result
    if lint:
        for file, path, qid in _never_shown(resolved.values()):
            add(file, [RawProblem((*path, "show_if"), problem_msg("never_shown", id=qid))])
        for file, path, key, gid in _impossible_guards(resolved.values()):
            problem = (problem_msg("guard_never_applies", id=gid) if key == "when"
                       else problem_msg("guard_unsatisfiable", id=gid))
            add(file, [RawProblem((*path, key), problem)])
    unique: dict[tuple[object, ...], Problem] = {}
    for p in problems:
        unique.setdefault(p._key(), p)
    order = {s.name: i for i, s in enumerate(sources)}
    ordered = sorted(unique.values(), key=lambda p: (order.get(p.file, 0), p.line or 0))
    return _Loaded(resolved, modules, ordered)


def _never_shown(scripts: Iterable[InterviewScript]) -> list[tuple[str, KeyPath, str]]:
    """Questions never shown; a module's question only if so in every script using it."""
    verdicts: dict[tuple[str, KeyPath, str], list[bool]] = {}
    for script in scripts:
        never = set(never_shown(script))
        for position, q in enumerate(script.questions):
            if q.show_if is not None:
                file, path = script.locate(position)
                verdicts.setdefault((file, path, q.id), []).append(position in never)
    return [key for key, never in verdicts.items() if all(never)]


def _impossible_guards(
    scripts: Iterable[InterviewScript],
) -> list[tuple[str, KeyPath, str, str]]:
    """Guards that can never apply, or never be satisfied once they apply (proved by
    enumeration; a module's guard only if so in every script using it)."""
    verdicts: dict[tuple[str, KeyPath, str, str], list[bool]] = {}
    for script in scripts:
        templates: dict[str | None, Template] = {m.id: m for m in script.modules}
        templates[None] = script.script
        for guard, module in script.guards:
            template = templates[module]
            gi = template.guards.index(guard)
            file = template.source.name
            applies = can_hold_together(script, [guard.when])
            holds = (None if applies is False
                     else can_hold_together(script, [guard.when, guard.require]))
            verdicts.setdefault((file, ("guard", gi), "when", guard.id),
                                []).append(applies is False)
            verdicts.setdefault((file, ("guard", gi), "require", guard.id),
                                []).append(applies is not False and holds is False)
    return [key for key, bad in verdicts.items() if all(bad)]


def _parse_toml(
    source: SourceFile, problems: list[Problem]
) -> tuple[dict[str, object], str] | None:
    try:
        text = source.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = source.data[: exc.start].count(b"\n") + 1
        problems.append(Problem(source.name, bad_line, problem_msg("encoding")))
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        line: int | None = None
        if m := _TOML_POSITION.search(detail):
            line, detail = int(m.group(1)), detail[: m.start()]
        elif m := _TOML_END.search(detail):
            line, detail = text.count("\n") + 1, detail[: m.start()]
        problems.append(Problem(source.name, line, problem_msg("toml", detail=detail)))
        return None
    except (RecursionError, ValueError):  # nested too deeply, or an int over 4300 digits
        problems.append(Problem(source.name, None, problem_msg(
            "toml", detail="nested too deeply or a number with too many digits")))
        return None


@dataclass(frozen=True, eq=False)
class ScriptLibrary:
    """Every usable script and module, bundled and the unit's own."""

    scripts: dict[str, InterviewScript]
    modules: dict[str, Module]
    #: ids of scripts that came from the bundled folder
    bundled: frozenset[str]

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = (), *, with_bundled: bool = True) -> ScriptLibrary:
        """Load bundled scripts and those in ``extra_dirs``; raise ScriptError on any problem."""
        bundled = read_sources([bundled_scripts_dir()]) if with_bundled else []
        return cls.from_sources(bundled, read_sources(extra_dirs))

    @classmethod
    def from_sources(
        cls, bundled: Sequence[SourceFile], extra: Sequence[SourceFile] = ()
    ) -> ScriptLibrary:
        """Load from bytes already read — e.g. template versions stored in the vault."""
        loaded = _load([*bundled, *extra], lint=False)
        if loaded.problems:
            raise ScriptError(loaded.problems)
        names = {s.name for s in bundled}
        ids = frozenset(s.id for s in loaded.scripts.values() if s.script.source.name in names)
        return cls(loaded.scripts, loaded.modules, ids)

    def get(self, script_id: str) -> InterviewScript:
        try:
            return self.scripts[script_id]
        except KeyError:
            known = ", ".join(sorted(self.scripts))
            raise InputError("interview.error.unknown_script", id=script_id, known=known) from None

    def __iter__(self) -> Iterator[InterviewScript]:
        return iter(sorted(self.scripts.values(), key=lambda s: (s.script.ages[0], s.id)))


def check(paths: Sequence[Path], *, with_bundled: bool = True) -> list[Problem]:
    """Every problem in the scripts and modules at ``paths`` (files or folders).

    Bundled modules are available to the checked scripts (``with_bundled``); problems are
    reported for the given files only, plus ids they duplicate. Render each with
    ``problem.render(lang)``.
    """
    given = read_sources(paths)
    given_names = {str(Path(s.name).resolve()) for s in given}
    support: list[SourceFile] = []
    if with_bundled:
        support = [
            s for s in read_sources([bundled_scripts_dir()])
            if str(Path(s.name).resolve()) not in given_names
        ]  # fmt: skip
    loaded = _load([*support, *given], lint=True)
    wanted = {s.name for s in given}
    return [p for p in loaded.problems if p.file in wanted]
