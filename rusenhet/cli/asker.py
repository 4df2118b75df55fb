"""The interview :class:`~rusenhet.interview.Asker` with questionary prompts.

Navigation is reachable from every question: in choice prompts as extra entries below a
separator (back, skip where allowed, note, pause); in text, integer and date prompts as
typed commands ``:b`` (back), ``:s`` (skip), ``:n`` (note), ``:p`` (pause) — an answer
that really starts with ``:`` is typed with ``::``. The commands are listed in the
catalogue (``interview.ask.commands``) and shown under every text prompt.

Always ``unsafe_ask()``: it raises KeyboardInterrupt on Ctrl-C, which the CLI turns into
exit 130 (every answer is already saved). ``ask()`` would return None instead, which
looks like an empty answer. Tests pass ``input=create_pipe_input()`` and
``output=DummyOutput()`` (DESIGN §2b).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.output import Output

from rusenhet.i18n import Translator
from rusenhet.interview import (
    AddNote,
    Answer,
    Back,
    Finish,
    Pause,
    Prompt,
    Reply,
    Skip,
)
from rusenhet.interview.model import NO, YES, Question, QuestionType

_BACK, _SKIP, _NOTE, _PAUSE, _FINISH = ":back", ":skip", ":note", ":pause", ":finish"
_COMMANDS = {":b": _BACK, ":s": _SKIP, ":n": _NOTE, ":p": _PAUSE}


class QuestionaryAsker:
    """Asks the counsellor through questionary, in Norwegian (nb) or English (en)."""

    def __init__(
        self, lang: str = "nb", *, input: Input | None = None, output: Output | None = None
    ) -> None:
        self.lang = lang
        self._t = Translator(lang)
        self._io: dict[str, Any] = {"input": input, "output": output}
        self._output = output

    def ask(self, prompt: Prompt) -> Reply:
        self._header(prompt)
        q = prompt.question
        if q is None:
            return self._finish(prompt)
        if q.type in (QuestionType.SINGLE, QuestionType.YESNO):
            return self._select(prompt, q)
        if q.type is QuestionType.MULTI:
            return self._checkbox(prompt, q)
        return self._typed(prompt, q)

    # -- output ---------------------------------------------------------------------
    def _say(self, text: str) -> None:
        print_formatted_text(text, output=self._output)

    def _header(self, prompt: Prompt) -> None:
        if prompt.new_section and prompt.section is not None:
            section = prompt.section
            process = self._t(f"interview.process.{section.process.value}")
            self._say(f"\n== {process}: {section.title.render(self.lang)} ==")
            if section.intro is not None:
                self._say(section.intro.render(self.lang))
        if prompt.question is not None:
            self._say(self._t("interview.ask.progress", number=prompt.number, total=prompt.total))
            if prompt.question.help is not None:
                self._say("  " + prompt.question.help.render(self.lang))
        if prompt.error is not None:
            self._say("! " + prompt.error.render(self.lang))

    # -- prompts --------------------------------------------------------------------
    def _navigation(self, prompt: Prompt) -> list[questionary.Choice]:
        entries = []
        if prompt.can_back:
            entries.append((self._t("interview.ask.back"), _BACK))
        if prompt.can_skip:
            entries.append((self._t("interview.ask.skip"), _SKIP))
        entries.append((self._t("interview.ask.note"), _NOTE))
        entries.append((self._t("interview.ask.pause"), _PAUSE))
        return [questionary.Choice(title, value=value) for title, value in entries]

    def _navigate(self, value: str) -> Reply:
        if value == _BACK:
            return Back()
        if value == _SKIP:
            return Skip()
        if value == _PAUSE:
            return Pause()
        if value == _FINISH:
            return Finish()
        text = _ask(questionary.text(self._t("interview.ask.note_prompt"), **self._io))
        return AddNote(str(text or ""))

    def _select(self, prompt: Prompt, q: Question) -> Reply:
        choices: list[Any] = [
            questionary.Choice(o.label.render(self.lang), value=o.code) for o in q.options
        ]
        default: str | None = None
        if isinstance(prompt.default, bool):
            default = YES if prompt.default else NO
        elif isinstance(prompt.default, str):
            default = prompt.default
        choices += [questionary.Separator(), *self._navigation(prompt)]
        value = _ask(questionary.select(
            q.prompt.render(self.lang),
            choices=choices,
            default=default,
            instruction=self._t("interview.ask.select_instruction"),
            **self._io,
        ))
        if value.startswith(":"):
            return self._navigate(value)
        if q.type is QuestionType.YESNO:
            return Answer(value == YES)
        return Answer(value)

    def _checkbox(self, prompt: Prompt, q: Question) -> Reply:
        chosen = prompt.default if isinstance(prompt.default, tuple) else ()
        choices: list[Any] = [
            questionary.Choice(o.label.render(self.lang), value=o.code, checked=o.code in chosen)
            for o in q.options
        ]
        choices += [questionary.Separator(), *self._navigation(prompt)]
        # questionary would leave «done (2 selections)» on the screen; the prompt is erased
        # instead and the choice repeated in the user's language.
        values = _ask(questionary.checkbox(
            q.prompt.render(self.lang),
            choices=choices,
            instruction=self._t("interview.ask.checkbox_instruction"),
            erase_when_done=True,
            **self._io,
        ))
        labels = {o.code: o.label.render(self.lang) for o in q.options}
        chosen_text = ", ".join(labels.get(v, v) for v in values if not v.startswith(":"))
        done = self._t("interview.ask.done", chosen=chosen_text or "–")
        self._say(f"? {q.prompt.render(self.lang)} {done}")
        navigation = [v for v in values if v.startswith(":")]
        if navigation:  # a navigation entry ticked wins over the options
            return self._navigate(navigation[0])
        return Answer(tuple(values))

    def _typed(self, prompt: Prompt, q: Question) -> Reply:
        hint = ""
        if q.type is QuestionType.INTEGER:
            hint = self._t("interview.ask.integer_hint", min=q.minimum, max=q.maximum)
        elif q.type is QuestionType.DATE:
            hint = self._t("interview.ask.date_hint")
        commands = "commands" if prompt.can_skip else "commands_no_skip"
        self._say("  " + self._t(f"interview.ask.{commands}"))
        while True:
            text = str(
                _ask(questionary.text(
                    q.prompt.render(self.lang),
                    default=self._default_text(prompt.default),
                    instruction=f"({hint})" if hint else None,
                    **self._io,
                ))
                or ""
            )
            stripped = text.strip()
            if stripped.startswith("::"):
                return Answer(stripped[1:])
            if not stripped.startswith(":"):
                return Answer(text)
            command = _COMMANDS.get(stripped.lower())
            if command is not None:  # the engine refuses a skip where it is not allowed
                return self._navigate(command)
            self._say("! " + self._t("interview.ask.unknown_command"))

    def _default_text(self, value: object) -> str:
        if value is None or isinstance(value, bool):
            return ""
        if isinstance(value, date):
            return value.strftime("%d.%m.%Y") if self.lang == "nb" else value.isoformat()
        return str(value)

    def _finish(self, prompt: Prompt) -> Reply:
        risk = self._t(f"interview.risk.{prompt.risk.value}")
        choices = [questionary.Choice(self._t("interview.ask.finish"), value=_FINISH)]
        choices += self._navigation(prompt)
        value = _ask(questionary.select(
            self._t("interview.ask.finish_question", risk=risk),
            choices=choices,
            instruction=self._t("interview.ask.select_instruction"),
            **self._io,
        ))
        return self._navigate(str(value))


def _interrupt(event: KeyPressEvent) -> None:
    event.app.exit(exception=KeyboardInterrupt, style="class:aborting")


_SIGINT_BINDINGS = KeyBindings()
# A Ctrl-C that reaches the process as a signal — typed while the terminal is still in
# line mode, just before the prompt switches it to raw mode, or sent with `kill -INT` —
# becomes prompt_toolkit's <sigint> key, which questionary leaves unbound, so it was
# silently ignored and the counsellor could not get out (issue 16, item 10).
_SIGINT_BINDINGS.add(Keys.SIGINT, eager=True)(_interrupt)


def _ask(question: questionary.Question) -> Any:
    """``unsafe_ask()`` with Ctrl-C honoured however it arrives."""
    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(),
                                           _SIGINT_BINDINGS])
    return question.unsafe_ask()
