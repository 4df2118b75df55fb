"""Reading a CSV file the way Excel writes it on Norwegian Windows, streamed.

Excel saves "CSV (semikolondelt)" with ``;`` (the comma is the decimal separator in
Norwegian), in Windows-1252 or, for "CSV UTF-8", in UTF-8 with a byte order mark, and
with CRLF line ends; other tools write ``,`` and UTF-8 without a mark. This module
accepts all of these: the separator is taken from the header line, and the encoding is
decided line by line (a line with bytes above 127 is UTF-8 if it decodes as UTF-8,
else Windows-1252), so a file that mixes the two — rows pasted from another file — is
refused rather than half-misread. Nothing is read whole: lines are decoded one at a
time, and a file above :data:`MAX_FILE_BYTES` is refused before it is read.

No domain knowledge here: the caller names the columns it knows (in any language) and
gets, for every record, its first physical line and the cells by column.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from rusenhet.errors import InputError

#: Refused above this size (a unit's register is a few thousand rows; 64 MiB holds
#: several hundred thousand). Below it the file is still streamed, never read whole.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
#: One physical line longer than this is not a spreadsheet row.
MAX_LINE_BYTES: Final = 64 * 1024
_SEPARATORS: Final = (";", ",", "\t")
_XLSX_MAGIC: Final = b"PK\x03\x04"
_UTF16_MARKS: Final = (b"\xff\xfe", b"\xfe\xff")


def header_key(text: str) -> str:
    """A column heading for matching: NFC (ø typed composed or decomposed), case and
    surrounding spaces ignored."""
    return unicodedata.normalize("NFC", text).strip().casefold()


@dataclass(frozen=True)
class Record:
    line: int  # the physical line the record starts on (1 is the header)
    cells: Mapping[str, str]  # canonical column name → the cell, stripped


class _Lines:
    """Decoded physical lines of a binary file, with their encoding checked."""

    def __init__(self, fh: BinaryIO, name: str) -> None:
        self.fh = fh
        self.name = name
        self.line = 0
        self.encodings: dict[str, int] = {}  # encoding → first line that used it
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        self.bytes_read += len(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise InputError("csv.line_too_long", file=self.name, line=self.line,
                             max=MAX_LINE_BYTES // 1024)
        if b"\x00" in raw:
            raise InputError("csv.not_text", file=self.name)
        if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text, encoding = raw.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise InputError("csv.not_text", file=self.name) from None
        self.encodings.setdefault(encoding, self.line)
        if len(self.encodings) > 1:
            first, second = sorted(self.encodings.items(), key=lambda item: item[1])
            raise InputError("csv.mixed_encodings", file=self.name, first=first[0],
                             first_line=first[1], second=second[0], second_line=second[1])
        return text


def _check_start(path: Path) -> int:
    """The file's size, after refusing what is plainly not a CSV text file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except (FileNotFoundError, IsADirectoryError):
        raise InputError("csv.missing", file=str(path)) from None
    except PermissionError:
        raise InputError("csv.unreadable", file=str(path)) from None
    if size > MAX_FILE_BYTES:
        raise InputError("csv.too_large", file=str(path), max=MAX_FILE_BYTES // 2**20)
    if head.startswith(_XLSX_MAGIC):
        raise InputError("csv.workbook", file=str(path))
    if head.startswith(_UTF16_MARKS):
        raise InputError("csv.utf16", file=str(path))
    if b"\x00" in head:  # images, PDFs, databases: no text file holds a NUL byte
        raise InputError("csv.not_text", file=str(path))
    return size


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    return max(_SEPARATORS, key=lambda sep: counts[sep])  # ties: ";" as Excel writes it


@dataclass
class Sheet:
    """An open CSV file: its columns, and its records streamed by :meth:`records`."""

    path: Path
    size: int
    columns: tuple[str, ...]  # canonical names, in the file's order
    _fh: BinaryIO
    _lines: _Lines
    _reader: Iterator[list[str]]

    @property
    def bytes_read(self) -> int:
        return self._lines.bytes_read

    def records(self) -> Iterator[Record]:
        """Every non-empty record. A record with more cells than the header raises."""
        width = len(self.columns)
        end = 1  # the physical line the previous record ended on
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                raise InputError("csv.malformed", file=str(self.path),
                                 line=self._lines.line) from None
            start, end = end + 1, self._lines.line
            if not any(c.strip() for c in cells):
                continue  # Excel leaves rows of separators only (";;;;") at the end
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise InputError("csv.too_many_cells", file=str(self.path), line=start,
                                 count=len(cells), width=width)
            cells += [""] * (width - len(cells))
            yield Record(start, {col: cell.strip() for col, cell in
                                 zip(self.columns, cells, strict=False)})

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sheet(path: Path, known: Callable[[str], str | None],
               expected: str) -> Sheet:
    """Open ``path`` and read its header. ``known`` maps a heading (see
    :func:`header_key`) to its canonical column name, or None for an unknown heading;
    ``expected`` lists the headings for the message when none is known."""
    size = _check_start(path)
    fh = path.open("rb")
    try:
        lines = _Lines(fh, str(path))
        first = next(lines, None)
        if first is None or not first.strip():
            raise InputError("csv.empty", file=str(path))
        separator = _separator(first)
        reader = csv.reader(_chain(first, lines), delimiter=separator)
        headings = next(reader)
        columns: list[str] = []
        unknown: list[str] = []
        for heading in headings:
            name = known(header_key(heading))
            if name is None:
                if heading.strip():
                    unknown.append(heading.strip())
                columns.append("")
            elif name in columns:
                raise InputError("csv.repeated_column", file=str(path), column=heading.strip())
            else:
                columns.append(name)
        if not any(columns):
            raise InputError("csv.no_known_columns", file=str(path), expected=expected)
        if unknown:
            raise InputError("csv.unknown_column", file=str(path), column=unknown[0],
                             expected=expected)
        return Sheet(path, size, tuple(columns), fh, lines, reader)
    except BaseException:
        fh.close()
        raise


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
