"""Attendance by month as a PNG (matplotlib), for `/club review`."""

from __future__ import annotations

import io


def bar_chart(bars: list[tuple[str, int | None]], *, title: str, hidden_label: str, note: str) -> bytes:
    """A bar per month; a month whose figure is hidden (None) is drawn at 0 and labelled
    `hidden_label`, so the chart shows nothing the summary doesn't."""
    # Loaded on use, without pyplot (its global state is not for a threaded server): serving
    # processes that never draw a chart never load matplotlib.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [label for label, _ in bars]
    heights = [value or 0 for _, value in bars]
    figure = Figure(figsize=(max(6.0, 0.6 * len(bars) + 2), 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    drawn = axes.bar(range(len(bars)), heights, color="#4a6fa5")
    axes.bar_label(drawn, labels=[hidden_label if value is None else str(value) for _, value in bars], padding=2, fontsize=8)
    axes.set_xticks(range(len(bars)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("check-ins")
    axes.set_ylim(0, max([*heights, 1]) * 1.15)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.text(0.01, 0.01, note, fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
