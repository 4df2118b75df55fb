"""Interview scripts and the engine that runs them (DESIGN §4).

The public API the CLI uses:

- :class:`ScriptLibrary` (``load``, ``from_sources``, ``get``), :func:`check`,
  :func:`bundled_scripts_dir`, :class:`Problem`, :class:`ScriptError`;
- :func:`select_script` → :class:`ScriptChoice`;
- :class:`Interview` (``run``, ``resume``, ``run_with_answers``, ``result``) with an
  :class:`Asker`, :class:`MeetingContext` and a ``save_event`` callback;
- events and results to and from JSON.

Nothing in this package touches the terminal; ``rusenhet.cli.asker`` is the questionary
side of :class:`Asker`.
"""

from rusenhet.interview.answers import AnswerError, read_answers_file
from rusenhet.interview.engine import AnswersError, GuardError, Interview
from rusenhet.interview.events import (
    Answered,
    Completed,
    Event,
    NoteAdded,
    Paused,
    Skipped,
    Started,
    WentBack,
    event_from_json,
    event_to_json,
)
from rusenhet.interview.expr import ExprError
from rusenhet.interview.messages import Msg, Text
from rusenhet.interview.model import AnswerValue, Question, QuestionType, RiskLevel
from rusenhet.interview.protocol import (
    AddNote,
    Answer,
    Asker,
    Back,
    Finish,
    Pause,
    Prompt,
    Reply,
    RunOutcome,
    Skip,
)
from rusenhet.interview.resolve import InterviewScript, ModuleIdentity, ScriptIdentity
from rusenhet.interview.result import MeetingResult, Referral, result_from_json, result_to_json
from rusenhet.interview.scoring import MeetingContext
from rusenhet.interview.select import ScriptChoice, select_script
from rusenhet.interview.templates import (
    Problem,
    ScriptError,
    ScriptLibrary,
    bundled_scripts_dir,
    check,
    read_sources,
)

__all__ = [
    "AddNote",
    "Answer",
    "AnswerError",
    "AnswerValue",
    "Answered",
    "AnswersError",
    "Asker",
    "Back",
    "Completed",
    "Event",
    "ExprError",
    "Finish",
    "GuardError",
    "Interview",
    "InterviewScript",
    "MeetingContext",
    "MeetingResult",
    "ModuleIdentity",
    "Msg",
    "NoteAdded",
    "Pause",
    "Paused",
    "Problem",
    "Prompt",
    "Question",
    "QuestionType",
    "Referral",
    "Reply",
    "RiskLevel",
    "RunOutcome",
    "ScriptChoice",
    "ScriptError",
    "ScriptIdentity",
    "ScriptLibrary",
    "Skip",
    "Skipped",
    "Started",
    "Text",
    "WentBack",
    "bundled_scripts_dir",
    "check",
    "event_from_json",
    "event_to_json",
    "read_answers_file",
    "read_sources",
    "result_from_json",
    "result_to_json",
    "select_script",
]
