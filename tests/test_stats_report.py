"""``stats report YEAR``: the annual report holds only figures that passed publishing.

The HTML is parsed and every figure in it — in the text, the tables and the charts'
data — is looked up in the release ledger; a suppressed figure must be shown as ":"
and never as a number. The PDF is checked to be a PDF with the same title; the page
opens in a headless browser when one is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_referral_kit import Register
from test_stats_publish import reg, run  # noqa: F401 - the fixture with nine persons

from rusenhet.errors import ExitCode
from rusenhet.stats.ledger import QUARTERS
from rusenhet.stats.publish import ledger


class Figures(HTMLParser):
    """(pattern, text) of every figure element; the page's external references."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[tuple[dict[str, str], str]] = []
        self.external: list[str] = []
        self._open: dict[str, str] | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe") or any(
                k in a for k in ("src", "href")):
            self.external.append(tag)
        if "data-pattern" in a:
            self._open = json.loads(a["data-pattern"] or "{}")
        if "data-figures" in a:
            self.figures += [(p, text) for p, text in json.loads(a["data-figures"] or "[]")]
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.figures.append((self._open, data.strip()))
            self._open = None
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def _key(pattern: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pattern.items())


def test_report_holds_only_figures_the_ledger_published(reg: Register, tmp_path: Path) -> None:  # noqa: F811
    assert run(reg, "stats", "publish", "2024-Q1", "--out", str(tmp_path / "q1.md")).exit_code == 0
    out = tmp_path / "arsrapport.html"
    result = run(reg, "stats", "report", "2024", "--out", str(out))
    assert result.exit_code == 0, result.output
    entries = ledger(reg.open("siv"))
    assert [e.period for e in entries] == ["2024-Q1", "2024"]  # the report's own release
    published: dict[frozenset[tuple[str, str]], int] = {}
    suppressed: set[frozenset[tuple[str, str]]] = set()
    for entry in entries:
        for name, component in entry.figures.items():
            if name == QUARTERS:  # snapshot ids, not figures
                continue
            for pattern, value in component["published"]:
                published[_key(pattern)] = int(value)
            suppressed.update(_key(p) for p in component["suppressed"])

    page = Figures()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.external == []  # self-contained: inline CSS and SVG only
    assert len(page.figures) > 40
    shown_suppressed = 0
    for pattern, text in page.figures:
        if text == ":":
            assert _key(pattern) in suppressed, pattern
            shown_suppressed += 1
        else:
            assert _key(pattern) in published, pattern
            assert int(text) == published[_key(pattern)], pattern
            assert _key(pattern) not in suppressed or _key(pattern) in published
    assert shown_suppressed > 0  # this small unit has suppressed figures, shown as ":"
    assert {"month": "2024-Q1"} in [p for p, _ in page.figures]  # the quarter trend
    assert "årsrapport 2024" in page.title

    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert out.stat().st_mode & 0o077 == 0  # written owner-only, like every --out file


def test_report_refuses_bad_requests_and_records_nothing(reg: Register, tmp_path: Path) -> None:  # noqa: F811
    before = len(ledger(reg.open("siv")))
    out = tmp_path / "r.html"
    not_ended = run(reg, "--lang", "en", "stats", "report", "2025", "--out", str(out))
    assert not_ended.exit_code == ExitCode.INPUT and not out.exists()
    counsellor = run(reg, "stats", "report", "2024", "--out", str(out), user="ola")
    assert counsellor.exit_code == ExitCode.ACCESS and not out.exists()
    out.with_suffix(".pdf").write_text("old", encoding="utf-8")
    exists = run(reg, "--lang", "en", "stats", "report", "2024", "--out", str(out))
    assert exists.exit_code == ExitCode.INPUT and "Traceback" not in exists.output
    assert not out.exists()
    assert len(ledger(reg.open("siv"))) == before


def test_charting_libraries_stay_out_of_cli_start_up() -> None:
    code = ("import sys, rusenhet.cli.app; "
            "print(sorted(m for m in ('matplotlib', 'fpdf') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)


@pytest.mark.skipif(BROWSER is None, reason="no headless browser (chromium) installed")
def test_report_opens_in_a_headless_browser(reg: Register, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "arsrapport.html"
    assert run(reg, "stats", "report", "2024", "--out", str(out)).exit_code == 0
    assert BROWSER is not None
    dom = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", out.as_uri()], capture_output=True, text=True,
                         timeout=60, check=False)
    assert dom.returncode == 0, dom.stderr
    assert "<svg" in dom.stdout and "årsrapport 2024" in dom.stdout
