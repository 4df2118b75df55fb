"""Dates and times inside sentences, in the form each language writes them.

Bokmål (Språkrådet): ``onsdag 03.07.2024 kl. 10.00`` — a full stop between hours and
minutes, «kl.» before the time, the weekday in lower case. English: ISO dates and a colon
(``Wednesday 2024-07-03 at 10:00``). JSON always keeps ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime

_WEEKDAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def day(d: date, lang: str, *, weekday: bool = False) -> str:
    """``03.07.2024`` (nb) or ``2024-07-03`` (en), with the weekday first if asked."""
    text = d.strftime("%d.%m.%Y" if lang == "nb" else "%Y-%m-%d")
    return f"{weekday_name(d, lang)} {text}" if weekday else text


def weekday_name(d: date, lang: str) -> str:
    return _WEEKDAYS.get(lang, _WEEKDAYS["en"])[d.weekday()]


def clock_time(t: datetime, lang: str) -> str:
    """``kl. 10.00`` (nb) or ``10:00`` (en)."""
    return t.strftime("kl. %H.%M" if lang == "nb" else "%H:%M")


def moment(t: datetime, lang: str, *, weekday: bool = True) -> str:
    """``onsdag 03.07.2024 kl. 10.00`` / ``Wednesday 2024-07-03 at 10:00``."""
    joiner = " " if lang == "nb" else " at "
    return f"{day(t.date(), lang, weekday=weekday)}{joiner}{clock_time(t, lang)}"
