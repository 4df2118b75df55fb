"""Letters as PDF, for the municipality's post and archive systems (fpdf2).

The font is DejaVu Sans, bundled in rusenhet/data/fonts with its licence: PDF's core
fonts stop at Latin-1, which lacks the dash and quotation marks the letters use, and a
bundled font looks the same on every laptop. The PDF holds personal data: it is written
only to a file named with ``--out``, like every letter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

from rusenhet.letter_text import Block

_FONT = "DejaVu"


def to_pdf(blocks: list[Block], title: str, issued: datetime | None = None) -> bytes:
    from fpdf import FPDF  # imported here: only letters need it

    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, margin=20)
    font = resources.files("rusenhet") / "data" / "fonts" / "DejaVuSans.ttf"
    with resources.as_file(font) as path:
        pdf.add_font(_FONT, "", str(path))
    pdf.set_title(title)
    pdf.set_creator("rusenhet")
    # A fixed creation date (the letter's own date) keeps the file free of the clock.
    pdf.set_creation_date(issued or datetime(2000, 1, 1, tzinfo=UTC))
    pdf.add_page()
    for block in blocks:
        size, height = (14, 8) if block.kind == "title" else (11, 5.5)
        pdf.set_font(_FONT, size=size)
        pdf.multi_cell(0, height, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    return bytes(pdf.output())
