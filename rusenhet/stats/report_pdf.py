"""The annual report as PDF (fpdf2), with the same content as the HTML page: the
unit's activity in words, the charts, the published tables and the method note.

The DejaVu fonts shipped with matplotlib cover æ, ø, å, «», – and ≤ (fpdf2's built-in
fonts are Latin-1 only). Charts are PNG images drawn by :mod:`.report_charts`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

from rusenhet import __version__
from rusenhet.i18n import Translator
from rusenhet.stats.report import Figure, Report

_TAGS = re.compile(r"<[^>]+>")


def _plain(fig: Figure | None) -> str:
    return ":" if fig is None else fig.text


def render_pdf(report: Report, lang: str, charts_png: Sequence[bytes]) -> bytes:
    import matplotlib
    from fpdf import FPDF

    t = Translator(lang)
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(format="A4")
    pdf.set_title(t("report.title", year=report.year, unit=report.unit_name))
    pdf.set_creator(f"rusenhet {__version__}")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)

    def paragraph(text: str) -> None:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    heading(t("report.title", year=report.year, unit=report.unit_name), 16)
    paragraph(t("report.made", date=report.made, release=report.release_id,
                version=__version__, kommune=report.kommunenummer))
    heading(t("report.activity"))
    s = report.summary
    paragraph(_TAGS.sub("", t("report.activity_text", year=report.year,
                              persons=_plain(s["persons"]), attended=_plain(s["attended"]),
                              referred=_plain(s["referred"]), high=_plain(s["high_risk"]))))
    paragraph(t("report.symbols"))
    heading(t("report.charts"))
    if report.quarters_released == 0:
        paragraph(t("report.no_quarters", year=report.year))
    for chart, png in zip(report.charts, charts_png, strict=True):
        pdf.image(io.BytesIO(png), w=160)
        paragraph(t(f"report.chart.{chart.key}"))
    heading(t("report.tables"))
    for table in report.tables:
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, t(f"stats.table.{table.name}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        with pdf.table(text_align="LEFT", first_row_as_headings=True,
                       width=min(180, 45 + 25 * len(table.columns))) as grid:
            head = grid.row()
            head.cell(t(f"stats.pubdim.{table.dimensions[0]}"))
            for column in table.columns:
                head.cell(column)
            for label, figures in table.rows:
                row = grid.row()
                row.cell(label)
                for fig in figures:
                    row.cell(fig.text)
        pdf.ln(3)
    heading(t("report.method"))
    pdf.set_font("DejaVu", "", 10)
    paragraph(t("stats.footnote.suppression", t=report.t, p=report.p))
    paragraph(t("report.method_text"))
    return bytes(pdf.output())
