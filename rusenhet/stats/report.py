"""The annual report for the municipality's årsmelding: words, tables and charts made
only of figures that passed publishing.

``stats report YEAR`` publishes the year through :func:`rusenhet.stats.publish.publish`
(so the release is suppressed, audited and recorded in the ledger like any other) and
builds the report from that release alone, plus the quarter releases of the same year
already in the ledger for the trend. No exact internal count reaches the report: every
figure carries the ledger pattern it was published under, and a suppressed one is
shown as ":" — in tables, in the text and in the charts — never as 0.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rusenhet import __version__, clock, settings
from rusenhet.i18n import Translator
from rusenhet.stats import publish
from rusenhet.stats.disclosure import PublishedTable, Status
from rusenhet.stats.ledger import QUARTERS, LedgerEntry
from rusenhet.stats.periods import parse_period
from rusenhet.vault import Vault

SUPPRESSED = ":"


@dataclass(frozen=True)
class Figure:
    """One published figure and the ledger pattern it was published under."""

    pattern: Mapping[str, str]
    value: int | None  #: None when suppressed

    @property
    def text(self) -> str:
        return SUPPRESSED if self.value is None else str(self.value)


@dataclass(frozen=True)
class Table:
    name: str
    dimensions: tuple[str, ...]
    columns: tuple[str, ...]  #: column headings (codes of the last dimension, or "n")
    rows: tuple[tuple[str, tuple[Figure, ...]], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    labels: tuple[str, ...]
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Report:
    year: int
    unit_name: str
    kommunenummer: str
    release_id: str
    t: int
    p: int
    tables: tuple[Table, ...]
    summary: Mapping[str, Figure | None]
    charts: tuple[Chart, ...]
    quarters_released: int
    made: str


def _figure(table: PublishedTable, codes: tuple[str, ...]) -> Figure:
    cell = table.cell(*codes)
    # The ledger leaves out dimensions at their total (the year is the month total).
    pattern = {d.name: c for d, c in zip(table.dimensions, codes, strict=True) if c != d.total}
    return Figure(pattern, cell.value if cell.status is Status.PUBLISHED else None)


def _table(table: PublishedTable, t: Translator) -> Table:
    label = _labeller(t)
    if len(table.dimensions) == 1:
        dim = table.dimensions[0]
        rows = tuple((label(dim.name, c, dim.total), (_figure(table, (c,)),)) for c in dim.codes)
        return Table(table.name, (dim.name,), (t("stats.persons"),), rows)
    row_dim, col_dim = table.dimensions
    columns = tuple(label(col_dim.name, c, col_dim.total) for c in col_dim.codes)
    rows2: tuple[tuple[str, tuple[Figure, ...]], ...] = tuple(
        (label(row_dim.name, r, row_dim.total),
         tuple(_figure(table, (r, c)) for c in col_dim.codes)) for r in row_dim.codes)
    return Table(table.name, (row_dim.name, col_dim.name), columns, rows2)


def _labeller(t: Translator) -> Callable[[str, str, str], str]:
    def label(dim: str, code: str, total: str) -> str:
        if code == total:
            return t("stats.total")
        key = f"stats.value.{dim.replace('_', '-')}.{code}"
        text = t(key)
        return code if text == key else text

    return label


def _quarter_trend(vault: Vault, year: int) -> tuple[list[str], list[Figure]]:
    """Persons per quarter, from the quarter releases of ``year`` in the ledger (the
    newest version of each); quarters never published are left out."""
    latest: dict[str, LedgerEntry] = {}
    for entry in publish.ledger(vault):
        if entry.period.startswith(f"{year:04d}-Q"):
            latest[entry.period] = entry
    labels, figures = [], []
    for label in sorted(latest):
        pattern = {"month": label}
        found: Figure | None = None
        for name, fig in latest[label].figures.items():
            if name == QUARTERS:  # snapshot ids of the year's quarters, not figures
                continue
            if any(p == pattern for p, _ in fig["published"]):
                value = next(int(v) for p, v in fig["published"] if p == pattern)
                found = Figure(pattern, value)
            elif pattern in fig["suppressed"] and found is None:
                found = Figure(pattern, None)
        if found is not None:
            labels.append(label)
            figures.append(found)
    return labels, figures


def build(vault: Vault, year: int, lang: str) -> Report:
    """Publish ``year`` (recorded in the ledger) and build the report from the release."""
    t = Translator(lang)
    period = parse_period(str(year))
    pub = publish.publish(vault, period.label)
    tables = {tab.name: tab for tab in pub.tables}
    summary: dict[str, Figure | None] = {
        "persons": _figure(tables["age"], (tables["age"].dimensions[0].total,)),
        "attended": _figure(tables["age-attendance"],
                            (tables["age-attendance"].dimensions[0].total, "attended")),
        "referred": _figure(tables["referral-made"], ("yes",)),
        "high_risk": _figure(tables["risk"], ("high",)),
    }
    label = _labeller(t)
    charts = []
    q_labels, q_figures = _quarter_trend(vault, year)
    if q_figures:
        charts.append(Chart("trend", tuple(q_labels), tuple(q_figures)))
    for name in ("age", "risk"):
        dim = tables[name].dimensions[0]
        charts.append(Chart(name, tuple(label(dim.name, c, dim.total) for c in dim.leaves),
                            tuple(_figure(tables[name], (c,)) for c in dim.leaves)))
    values = settings.read_all(vault)
    return Report(year, str(values.get("unit-name", "")), str(values.get("kommunenummer", "")),
                  pub.release_id, pub.t, pub.p, tuple(_table(tab, t) for tab in pub.tables),
                  summary, tuple(charts), len(q_figures),
                  clock.today(vault).isoformat())


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto;
       color: #1d1d1d; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #bbb; padding: .25em .6em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td, tr.total th { font-weight: bold; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.note { font-size: .9em; color: #444; }
"""


def _attr(pattern: Mapping[str, str]) -> str:
    return html.escape(json.dumps(dict(pattern), sort_keys=True, ensure_ascii=False),
                       quote=True)


def _number(fig: Figure | None, tag: str = "span") -> str:
    if fig is None:
        return SUPPRESSED
    return f'<{tag} class="n" data-pattern="{_attr(fig.pattern)}">{fig.text}</{tag}>'


def render_html(report: Report, lang: str, charts_svg: Sequence[bytes]) -> str:
    """A self-contained HTML page (inline CSS and SVG, nothing fetched)."""
    t = Translator(lang)
    e = html.escape
    s = report.summary
    out = [f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "nb"}">\n<head>',
           '<meta charset="utf-8">',
           f"<title>{e(t('report.title', year=report.year, unit=report.unit_name))}</title>",
           f"<style>{_CSS}</style>\n</head>\n<body>",
           f"<h1>{e(t('report.title', year=report.year, unit=report.unit_name))}</h1>",
           f"<p class=\"note\">{e(t('report.made', date=report.made, release=report.release_id, version=__version__, kommune=report.kommunenummer))}</p>",  # noqa: E501
           f"<h2>{e(t('report.activity'))}</h2>",
           "<p>" + t("report.activity_text", year=report.year,
                     persons=_number(s["persons"]), attended=_number(s["attended"]),
                     referred=_number(s["referred"]), high=_number(s["high_risk"])) + "</p>",
           f"<p>{e(t('report.symbols'))}</p>"]
    out.append(f"<h2>{e(t('report.charts'))}</h2>")
    if report.quarters_released == 0:
        out.append(f"<p>{e(t('report.no_quarters', year=report.year))}</p>")
    for chart, svg in zip(report.charts, charts_svg, strict=True):
        listed = [[dict(f.pattern), f.text] for f in chart.figures]
        data = html.escape(json.dumps(listed, ensure_ascii=False, sort_keys=True), quote=True)
        out.append(f'<figure data-figures="{data}">{svg.decode("utf-8")}'
                   f"<figcaption>{e(t(f'report.chart.{chart.key}'))}</figcaption></figure>")
    out.append(f"<h2>{e(t('report.tables'))}</h2>")
    for table in report.tables:
        out.append(f"<h3>{e(t(f'stats.table.{table.name}'))}</h3>")
        head = "".join(f"<th>{e(c)}</th>" for c in table.columns)
        out.append(f"<table><thead><tr><th>{e(t(f'stats.pubdim.{table.dimensions[0]}'))}"
                   f"</th>{head}</tr></thead><tbody>")
        for i, (label, row) in enumerate(table.rows):
            cls = ' class="total"' if i == len(table.rows) - 1 else ""
            cells = "".join(_number(f, "td") for f in row)
            out.append(f"<tr{cls}><th>{e(label)}</th>{cells}</tr>")
        out.append("</tbody></table>")
    out.append(f"<h2>{e(t('report.method'))}</h2>")
    out.append(f"<p>{e(t('stats.footnote.suppression', t=report.t, p=report.p))}</p>")
    out.append(f"<p>{e(t('report.method_text'))}</p>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)
