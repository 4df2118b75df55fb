"""Bar charts for the annual report, drawn with matplotlib (imported only here, and only
when a report is made, so that CLI start-up stays light).

A suppressed figure is never drawn as a bar of height 0: its place on the axis is
marked with ":" (Statistics Norway's symbol for confidential), so a reader cannot mistake
a hidden figure for zero.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

SUPPRESSED = ":"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int | None], *,
              image: str = "svg") -> bytes:
    """One bar per label; ``None`` is a suppressed figure, shown as ":" without a bar.
    ``image`` is "svg" (for HTML; text stays text) or "png" (for the PDF)."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rusenhet",
                                "font.family": "DejaVu Sans", "font.size": 9}):
        fig = Figure(figsize=(6.0, 2.6), dpi=150)
        ax = fig.subplots()
        heights = [v if v is not None else 0 for v in values]
        bars = ax.bar(range(len(labels)), heights, color="#3b6ea5")
        top = max([1, *(v for v in values if v is not None)])
        for i, (bar, value) in enumerate(zip(bars, values, strict=True)):
            if value is None:
                bar.set_visible(False)
                ax.text(i, top * 0.02, SUPPRESSED, ha="center", va="bottom", fontsize=12,
                        color="#444444")
            else:
                ax.text(i, value + top * 0.02, str(value), ha="center", va="bottom")
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, top * 1.25)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if image == "svg" else {}
        fig.savefig(buffer, format=image, metadata=metadata)
    data = buffer.getvalue()
    if image == "svg":  # inline in HTML: drop the XML prolog and the DOCTYPE
        text = data.decode("utf-8")
        text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
        text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
        data = text.encode("utf-8")
    return data
