"""Importing a unit's existing register from a spreadsheet (``referral import``).

Units that start using the tool keep their referrals in a spreadsheet; the import moves
a year (or several) of it into the vault in one step, so that the statistics do not
lose the months before the switch. Every row is checked with the very functions
``referral add`` uses (:func:`referral_details.details_from` for the fields, the ID
number's check digits and the 2032 rule, :func:`referrals.cautions` for under-15 and an
open referral of the same person) and registered with :func:`referrals.register`;
closing uses :func:`referrals.close_on`, and a meeting held before the switch
(``attended_on``) goes through :func:`meetings.record_held`, which writes the same
held-meeting fact row as a completed interview (without answers: risk not assessed).

All or nothing: the rows are applied inside one vault transaction, each row within its
own savepoint; if any row has a problem, every problem is reported as
``file:line: message`` and nothing is saved. ``--dry-run`` runs the same code and rolls
everything back. The import is one access-log entry with the number of rows. A problem
that names a referral already in the vault reveals personal data, so it is logged
(``referral.import_check``) before it is shown — the same rule as ``referral add``'s
warning about another open referral.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from rusenhet import audit, people, referrals
from rusenhet.errors import InputError
from rusenhet.referral_details import Form, LegalBasis
from rusenhet.referral_records import case_db
from rusenhet.referrals import CautionKind, CloseReason, Status
from rusenhet.spreadsheet import Record, Sheet, header_key, open_sheet
from rusenhet.vault import Vault

#: Each column's English and Norwegian heading (either is accepted, in any case).
COLUMNS: Final = {
    "id_number": ("id_number", "fødselsnummer"),
    "name": ("name", "navn"),
    "birth_date": ("birth_date", "fødselsdato"),
    "sex": ("sex", "kjønn"),
    "received": ("received", "mottatt"),
    "deadline": ("deadline", "frist"),
    "legal_basis": ("legal_basis", "grunnlag"),
    "authority": ("authority", "påtalemyndighet"),
    "police_reference": ("police_reference", "politiets_referanse"),
    "counsellor": ("counsellor", "veileder"),
    "status": ("status", "status"),
    "closed": ("closed", "avsluttet"),
    "close_reason": ("close_reason", "avslutningsgrunn"),
    "attended_on": ("attended_on", "møtt_dato"),
}
REQUIRED: Final = ("name", "received", "deadline", "legal_basis", "authority")
_HEADINGS: Final = {header_key(h): name for name, pair in COLUMNS.items() for h in pair}

# Codes as the CLI writes them, and the Norwegian words a spreadsheet is likely to hold.
_LEGAL_BASIS: Final = {"paatale": LegalBasis.PAATALE, "påtaleunnlatelse": LegalBasis.PAATALE,
                       "betinget-dom": LegalBasis.BETINGET_DOM,
                       "betinget dom": LegalBasis.BETINGET_DOM}
_STATUS: Final = {"open": Status.OPEN, "åpen": Status.OPEN, "closed": Status.CLOSED,
                  "avsluttet": Status.CLOSED, "lukket": Status.CLOSED}
_CLOSE_REASON: Final = {
    "attended": CloseReason.ATTENDED, "møtte": CloseReason.ATTENDED,
    "not-attended": CloseReason.NOT_ATTENDED, "møtte ikke": CloseReason.NOT_ATTENDED,
    "møtte-ikke": CloseReason.NOT_ATTENDED, "withdrawn": CloseReason.WITHDRAWN,
    "trukket tilbake": CloseReason.WITHDRAWN, "trukket": CloseReason.WITHDRAWN,
    "transferred": CloseReason.TRANSFERRED, "overført": CloseReason.TRANSFERRED}
_SEX: Final = {"female": "female", "kvinne": "female", "male": "male", "mann": "male",
               "unknown": "unknown", "ukjent": "unknown"}


@dataclass(frozen=True)
class Problem:
    """One bad row: its line in the file and a catalogue message."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    rows: int = 0
    numbers: list[int] = field(default_factory=list)  # referral numbers, in file order
    repeats: int = 0  # rows whose person was registered already (earlier row or vault)
    meetings: int = 0  # meetings held before the switch (attended_on)
    closed: int = 0
    problems: list[Problem] = field(default_factory=list)
    revealed: list[int] = field(default_factory=list)  # vault referrals named in problems


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__("import refused")
        self.outcome = outcome


Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


def expected_headings() -> str:
    return ", ".join(f"{en}/{nb}" for en, nb in COLUMNS.values())


def open_file(path: Path) -> Sheet:
    """Open the file and check its columns (file-level problems raise ``InputError``)."""
    sheet = open_sheet(path, _HEADINGS.get, expected_headings())
    missing = [COLUMNS[c][1] for c in REQUIRED if c not in sheet.columns]
    if "id_number" not in sheet.columns and "birth_date" not in sheet.columns:
        missing.insert(0, f"{COLUMNS['id_number'][1]}/{COLUMNS['birth_date'][1]}")
    if missing:
        sheet.close()
        raise InputError("import.missing_columns", file=str(path), columns=", ".join(missing))
    return sheet


def import_file(vault: Vault, path: Path, *, dry_run: bool,
                progress: Progress = _no_progress) -> Outcome:
    """Check (``dry_run``) or import every row of ``path``; see the module docstring.
    Returns the outcome; with problems, nothing was saved (but see ``revealed``)."""
    referrals.require_access(vault)
    with open_file(path) as sheet:
        if dry_run:
            outcome = _apply(vault, sheet, progress, keep=False)
        else:
            def change(v: Vault) -> Outcome:
                out = _apply(v, sheet, progress, keep=True)
                if out.problems:
                    raise _Refused(out)  # transact restores the state: nothing is saved
                audit.append(v, "referral.import", f"n={len(out.numbers)}")
                return out

            try:
                outcome = vault.transact(change)
            except _Refused as refused:
                outcome = refused.outcome
    if outcome.revealed:
        record = ",".join(str(n) for n in sorted(set(outcome.revealed)))
        vault.transact(lambda v: audit.append(v, "referral.import_check", record))
    return outcome


@contextmanager
def _savepoint(vault: Vault, name: str, keep: Callable[[], bool]) -> Iterator[None]:
    """A savepoint on both sections; rolled back unless ``keep()`` says otherwise."""
    conns = [c for c in (vault.case_conn, vault.stats_conn) if c is not None]
    for conn in conns:
        conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    finally:
        undo = not keep()
        for conn in conns:
            if undo:
                conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")


def _apply(vault: Vault, sheet: Sheet, progress: Progress, *, keep: bool) -> Outcome:
    outcome = Outcome()
    lines: dict[int, int] = {}  # referral number → line, for the rows of this file
    with _savepoint(vault, "import_file", lambda: keep and not outcome.problems):
        for record in sheet.records():
            outcome.rows += 1
            found: list[Problem] = []

            def clean(found: list[Problem] = found) -> bool:
                return not found

            with _savepoint(vault, "import_row", clean):
                try:
                    _row(vault, record, lines, outcome, found)
                except InputError as exc:
                    found.append(Problem(record.line, exc.key, dict(exc.params)))
            outcome.problems += found
            if outcome.rows % 250 == 0:
                progress(sheet.bytes_read, sheet.size)
        progress(sheet.size, sheet.size)
    if outcome.rows == 0:
        raise InputError("import.no_rows", file=str(sheet.path))
    return outcome


def _word(record: Record, column: str, words: dict[str, Any], key: str) -> Any:
    text = record.cells.get(column, "")
    if not text:
        return None
    value = words.get(" ".join(header_key(text).split()))
    if value is None:
        raise InputError(key, value=text)
    return value


def _day(record: Record, column: str) -> date | None:
    text = record.cells.get(column, "")
    if not text:
        return None
    try:
        return people.parse_date(text)
    except InputError:
        raise InputError("import.bad_date", column=_heading(column), value=text) from None


def _heading(column: str) -> str:
    return COLUMNS[column][1]


def _row(v: Vault, record: Record, lines: dict[int, int], outcome: Outcome,
         found: list[Problem]) -> None:
    """Check and register one row; problems go to ``found`` (or raise ``InputError``)."""
    cells = record.cells
    empty = [_heading(c) for c in REQUIRED if not cells.get(c)]
    if not cells.get("id_number") and not cells.get("birth_date"):
        empty.insert(0, f"{_heading('id_number')}/{_heading('birth_date')}")
    if empty:
        raise InputError("import.empty_cells", columns=", ".join(empty))
    basis = _word(record, "legal_basis", _LEGAL_BASIS, "import.bad_legal_basis")
    sex = _word(record, "sex", _SEX, "import.bad_sex")
    id_number = cells.get("id_number", "")
    if len(id_number) == 10 and id_number.isascii() and id_number.isdigit():
        # Excel stores an ID number as a number unless the column is text, and a number
        # drops the leading zero of days 01-09; the check digits still vouch for it.
        id_number = "0" + id_number
    form = Form(id_number=id_number, name=cells["name"],
                birth_date=cells.get("birth_date") or None, sex=sex,
                received=cells["received"], legal_basis=basis.value,
                authority=cells["authority"], police_reference=cells.get("police_reference", ""),
                deadline=cells["deadline"], counsellor=cells.get("counsellor") or None)
    details = referrals.details_from(v, form)
    status = _word(record, "status", _STATUS, "import.bad_status")
    closed_on, attended_on = _day(record, "closed"), _day(record, "attended_on")
    reason = _word(record, "close_reason", _CLOSE_REASON, "import.bad_close_reason")
    _check_state(status, closed_on, reason, attended_on)

    for caution in referrals.cautions(v, details):
        if caution.kind is CautionKind.UNDER_CRIMINAL_AGE:
            found.append(Problem(record.line, caution.key, dict(caution.params)))
        elif caution.kind is CautionKind.OPEN_REFERRAL:
            numbers = [int(n) for n in str(caution.params["numbers"]).split(", ")]
            same = _same_day(v, numbers, details.received)
            _name(record, same or numbers[0], lines, outcome,
                  "open_referral" if same is None else "duplicate", found)
        # A deadline in the past is what an imported register is made of: not a problem.
    if found:
        return
    added = referrals.register(v, details, accept=set(CautionKind), action="import")
    same = _same_day(v, list(added.earlier), details.received)
    if same is not None:  # the row's savepoint takes the new referral back out
        _name(record, same, lines, outcome, "duplicate", found)
        return
    lines[added.number] = record.line
    if attended_on is not None:
        from rusenhet import meetings  # the interview engine is not needed otherwise

        meetings.record_held(v, added.number, attended_on)
    if closed_on is not None and reason is not None:
        referrals.close_on(v, added.number, reason, closed_on)
    outcome.numbers.append(added.number)
    outcome.repeats += bool(added.earlier)
    outcome.meetings += attended_on is not None
    outcome.closed += closed_on is not None


def _same_day(v: Vault, numbers: list[int], received: date) -> int | None:
    """The first of ``numbers`` (one person's referrals) received on the same day: the
    same referral twice."""
    if not numbers:
        return None
    marks = ", ".join("?" for _ in numbers)
    row = case_db(v).execute(
        f"SELECT id FROM referral WHERE id IN ({marks}) AND received = ? ORDER BY id",  # noqa: S608
        (*numbers, received.isoformat())).fetchone()
    return None if row is None else int(row[0])


def _name(record: Record, number: int, lines: dict[int, int], outcome: Outcome, kind: str,
          found: list[Problem]) -> None:
    """A problem naming another referral: its line in this file, or its number in the
    vault (revealed, so logged)."""
    if number in lines:
        found.append(Problem(record.line, f"import.{kind}_in_file", {"line": lines[number]}))
    else:
        outcome.revealed.append(number)
        found.append(Problem(record.line, f"import.{kind}_in_vault", {"number": number}))


def _check_state(status: Status | None, closed_on: date | None, reason: CloseReason | None,
                 attended_on: date | None) -> None:
    """The optional columns must tell one story (the vault's history cannot be revised
    silently later, so contradictions are refused rather than guessed at)."""
    closed = status is Status.CLOSED or (status is None and closed_on is not None)
    if status is Status.OPEN and (closed_on is not None or reason is not None):
        raise InputError("import.open_but_closed")
    if closed and closed_on is None:
        raise InputError("import.closed_date_needed")
    if closed and reason is None:
        raise InputError("import.close_reason_needed")
    if reason is not None and not closed:
        raise InputError("import.reason_without_closed")
    if reason is CloseReason.ATTENDED and attended_on is None:
        raise InputError("import.attended_date_needed")
    if reason is CloseReason.NOT_ATTENDED and attended_on is not None:
        raise InputError("import.attended_but_not")
    if closed_on is not None and attended_on is not None and attended_on > closed_on:
        raise InputError("import.attended_after_closed")
