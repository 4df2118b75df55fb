"""Fuzzing the files the tool reads besides the vault (which test_faults.py covers):
script TOML and answers files. Whatever the bytes, the result is a clean error —
our own exception type in-process, exit 1 and one line through the CLI — never a
traceback."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rusenhet.errors import AppError
from rusenhet.interview import Interview, MeetingContext, ScriptLibrary
from rusenhet.interview.answers import read_answers_file
from rusenhet.interview.templates import bundled_scripts_dir, check

BUNDLED = sorted(bundled_scripts_dir().glob("*.toml"))
SCRIPT = ScriptLibrary.load().get("ung-voksen-18-24")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data)
    for pos, value in edits:
        buffer[pos % len(buffer)] = value
    return bytes(buffer)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(source=st.sampled_from(BUNDLED), edits=st.lists(st.tuples(st.integers(0, 10**6),
                                                                 st.integers(0, 255)),
                                                       min_size=1, max_size=6),
       tail=st.binary(max_size=40))
def test_mutated_scripts_give_problems_not_crashes(env: Env, source: Path,
                                                   edits: list[tuple[int, int]],
                                                   tail: bytes) -> None:
    target = env.root / "fuzz" / source.name.replace(".toml", "-fuzz.toml")
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(_mutate(source.read_bytes(), edits) + tail)
    try:
        problems = check([target], with_bundled=True)
    except AppError:
        return
    for problem in problems:
        assert problem.render("en").startswith(str(target))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.dictionaries(st.sampled_from([q.id for q in SCRIPT.questions] + ["x", ""]),
                               json_values, max_size=12),
       as_toml=st.booleans(), junk=st.binary(max_size=30))
def test_fuzzed_answers_files_raise_only_our_errors(env: Env, answers: dict[str, object],
                                                    as_toml: bool, junk: bytes) -> None:
    path = env.root / ("a.toml" if as_toml else "a.json")
    text = json.dumps(answers).encode()
    path.write_bytes(junk + text if as_toml else text + junk)
    try:
        data = read_answers_file(path)
        Interview(SCRIPT, MeetingContext(20), lambda _e: None).run_with_answers(data)
    except AppError:
        pass


def test_garbage_files_through_the_cli(env: Env) -> None:
    bad = env.root / "bad.toml"
    for content in (b"\x00\xff\xfe", b"[script\nid = ", b"id = 1\n" * 3, "ø = «»".encode()):
        bad.write_bytes(content)
        result = env.run(["script", "check", str(bad)])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
    missing = env.run(["script", "check", str(env.root / "nope.toml")])
    assert missing.exit_code == 1 and missing.stderr.count("\n") == 1
