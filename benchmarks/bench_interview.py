"""Interview engine and script loading speed. Not part of pytest.

    python benchmarks/bench_interview.py [--repeat 20]

Prints, for every bundled script, the engine's time per question — input excluded, with
an in-memory save callback that serialises each event to JSON as the vault would — for
an interactive run and for ``run_with_answers``; and the time to load and to check all
bundled scripts. Every figure is also given as a ratio to a baseline measured in the
same run: ``tomllib.loads`` of the same template files. Target: ≤ 20 ms per question
including the save (the vault transaction is measured by bench_meeting.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tomllib
from collections.abc import Callable

from rusenhet.interview import (
    Answer,
    Event,
    Finish,
    Interview,
    InterviewScript,
    MeetingContext,
    Prompt,
    Reply,
    ScriptLibrary,
    bundled_scripts_dir,
    check,
    event_to_json,
)
from rusenhet.interview.model import Question, QuestionType

AGES = {"barn-under-16": 15, "ungdom-16-17": 16, "ung-voksen-18-24": 20, "voksen-25": 40}


#: Answers that keep the guards satisfied (a guard would otherwise send the asker back
#: to the same question, answered the same way, again and again).
CALM = {"u16_skole": "bra", "u16_selvskading": "nei", "u17_selvskading": "nei",
        "vh_kjoring": "nei"}


def answer_for(q: Question) -> object:
    if q.id in CALM:
        return CALM[q.id]
    if q.type is QuestionType.YESNO:
        return True
    if q.type is QuestionType.SINGLE:
        return q.options[-1].code  # the highest scores: the high-risk module is asked too
    if q.type is QuestionType.MULTI:
        return (q.options[0].code,)
    if q.type is QuestionType.INTEGER:
        return q.minimum
    if q.type is QuestionType.DATE:
        return "2025-05-02"
    return "kort notat"


class InstantAsker:
    """Answers at once and keeps its own time so it can be taken out of the total."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.questions = 0

    def ask(self, prompt: Prompt) -> Reply:
        start = time.perf_counter()
        q = prompt.question
        reply: Reply = Finish() if q is None else Answer(answer_for(q))
        self.questions += q is not None
        self.spent += time.perf_counter() - start
        return reply


def json_saver() -> tuple[Callable[[Event], None], list[str]]:
    rows: list[str] = []
    return (lambda event: rows.append(json.dumps(event_to_json(event)))), rows


def best(fn: Callable[[], float], repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def per_question_interactive(script: InterviewScript, age: int) -> float:
    save, _ = json_saver()
    interview = Interview(script, MeetingContext(age), save)
    asker = InstantAsker()
    start = time.perf_counter()
    interview.run(asker)
    return (time.perf_counter() - start - asker.spent) / asker.questions


def per_question_batch(script: InterviewScript, age: int, answers: dict[str, object]) -> float:
    save, rows = json_saver()
    interview = Interview(script, MeetingContext(age), save)
    start = time.perf_counter()
    interview.run_with_answers(answers)
    return (time.perf_counter() - start) / (len(rows) - 2)  # minus started and complete


def answers_of(script: InterviewScript, age: int) -> dict[str, object]:
    save, _ = json_saver()
    result = Interview(script, MeetingContext(age), save).run(InstantAsker()).result
    assert result is not None
    return dict(result.answers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = bundled_scripts_dir()
    files = sorted(folder.glob("*.toml"))
    texts = {f: f.read_bytes() for f in files}

    def parse_all() -> float:
        start = time.perf_counter()
        for data in texts.values():
            tomllib.loads(data.decode("utf-8"))
        return time.perf_counter() - start

    def timed(fn: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        return run

    baseline = best(parse_all, args.repeat)
    load = best(timed(ScriptLibrary.load), args.repeat)
    checked = best(timed(lambda: check([folder])), max(3, args.repeat // 4))
    print(f"{len(files)} bundled template files, tomllib.loads of all: {baseline * 1e3:.2f} ms")
    print(f"  ScriptLibrary.load(): {load * 1e3:.1f} ms = {load / baseline:.1f}x tomllib")
    print(f"  check() incl. never-shown search: {checked * 1e3:.1f} ms = "
          f"{checked / baseline:.1f}x tomllib")  # fmt: skip

    library = ScriptLibrary.load()
    print("engine time per question (input excluded, each event saved as JSON):")
    for script_id, age in AGES.items():
        script = library.get(script_id)
        one_parse = best(
            timed(lambda s=script: tomllib.loads(s.script.source.data.decode("utf-8"))),
            args.repeat,
        )
        interactive = statistics.median(
            per_question_interactive(script, age) for _ in range(args.repeat)
        )
        answers = answers_of(script, age)
        batch = statistics.median(
            per_question_batch(script, age, answers) for _ in range(args.repeat)
        )
        print(
            f"  {script_id:18} interactive {interactive * 1e3:.3f} ms "
            f"({interactive / one_parse:.2f}x tomllib.loads of the script), "
            f"run_with_answers {batch * 1e3:.3f} ms ({batch / one_parse:.2f}x); target <= 20 ms"
        )


if __name__ == "__main__":
    main()
