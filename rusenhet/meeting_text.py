"""A meeting's answers in words: the script's question texts and answer labels in one
language, section by section. Used by ``meeting show`` and by the innsyn document, so
that the person and the counsellor read the same record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rusenhet import datetext
from rusenhet.i18n import Translator
from rusenhet.interview.model import NO, YES, AnswerValue, Question
from rusenhet.interview.resolve import InterviewScript


@dataclass(frozen=True)
class AnswerLine:
    section: str
    question: str
    answer: str


def option_labels(script: InterviewScript | None, lang: str) -> dict[str, str]:
    """Every option code of the script → its label (outcome, referral and advice codes
    are option codes of the questions that record them)."""
    out: dict[str, str] = {}
    for q in script.questions if script is not None else ():
        for o in q.options:
            out.setdefault(o.code, o.label.render(lang))
    return out


def answer_text(q: Question, value: AnswerValue, lang: str) -> str:
    labels = {o.code: o.label.render(lang) for o in q.options}
    if isinstance(value, bool):
        return labels.get(YES if value else NO) or Translator(lang)(
            "label.yes" if value else "label.no")
    if isinstance(value, tuple):
        return ", ".join(labels.get(v, v) for v in value)
    if isinstance(value, date):
        return datetext.day(value, lang)
    return labels.get(value, value) if isinstance(value, str) else str(value)


def answer_lines(script: InterviewScript, answers: Mapping[str, AnswerValue],
                 lang: str) -> list[AnswerLine]:
    """The answered questions in asking order, each with its section's title."""
    lines = []
    for position, q in enumerate(script.questions):
        if q.id in answers:
            section = script.sections[script.section_of[position]].section
            lines.append(AnswerLine(section.title.render(lang), q.prompt.render(lang),
                                    answer_text(q, answers[q.id], lang)))
    return lines


def band_meaning(script: InterviewScript | None, score: str, band: str, lang: str) -> str:
    """The script's own label for a score band, else the catalogue's meaning of its code."""
    c = script.computed_by_id.get(score) if script is not None else None
    for b in c.bands if c is not None else ():
        if b.code == band and b.label is not None:
            return b.label.render(lang)
    key = f"band.{band}"
    text = Translator(lang)(key)
    return band if text == key else text
