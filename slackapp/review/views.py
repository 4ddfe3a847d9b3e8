"""What `/club review` shows and sends: the summary, the chart's figures, one CSV per area. Pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from slackapp.csvfile import csv_text
from slackapp.review.service import SMALLEST_GROUP, Area, Figure, Review, Span
from slackapp.slack.blocks import context, header, section
from slackapp.slack.phrases import day_with_year

NOT_OFFICER = "Only club officers can do that. `/club officers list` shows who they are."
HIDDEN = f"<{SMALLEST_GROUP}"
SENT = "The chart of attendance by month and a CSV for each area are in our DM."


def amount(value: Decimal) -> str:
    """12, 7.5: hours keep their tenth, counts have none."""
    return f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))


def shown(figure: Figure, *, mrkdwn: bool = True) -> str:
    """The figure, or <5 when it is about fewer than SMALLEST_GROUP members."""
    value = figure.shown
    if value is None:
        return HIDDEN.replace("<", "&lt;") if mrkdwn else HIDDEN
    return amount(value)


def period_label(span: Span) -> str:
    return f"{day_with_year(span.start)} to {day_with_year(span.end)}"


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


def summary_lines(review: Review) -> list[str]:
    """The review in a few lines of mrkdwn (the ephemeral answer's and the DM's)."""
    lines = [f"*Events held:* {len(review.events)} · *check-ins:* {shown(review.attendance.total)}"]
    lines += [f"*{area.label}:* {shown(area.total)}" for area in review.areas]
    points = " · ".join(f"{category.label} {shown(category.points)}" for category in review.points)
    lines.append(f"*Passport points:* {shown(review.points_total)} — {points}")
    return lines


def footnote() -> str:
    return f"A figure about fewer than {SMALLEST_GROUP} members shows as &lt;{SMALLEST_GROUP}, so none points at one member."


def title(span: Span) -> str:
    return f"The club's review, {period_label(span)}"


def summary_blocks(review: Review) -> list:
    return [header(title(review.span)), section("\n".join(summary_lines(review))), context(f"{footnote()} {SENT}")]


def comment(review: Review) -> str:
    """The files' message in the DM: the summary again, so the DM reads on its own."""
    return "\n".join([f"*{title(review.span)}*", *summary_lines(review), footnote()])


def attendance_bars(review: Review) -> list[tuple[str, int | None]]:
    """The chart's bars: check-ins per month, None for a month about fewer than SMALLEST_GROUP members."""
    return [(month_label(month), None if figure.shown is None else int(figure.shown)) for month, figure in review.attendance.by_month()]


# --- the CSVs ------------------------------------------------------------------------------------


def events_csv(review: Review) -> str:
    rows = [[event.title, event.day.isoformat(), event.kind, shown(event.attended, mrkdwn=False)] for event in review.events]
    rows.append(["All events", "", "", shown(review.attendance.total, mrkdwn=False)])
    return csv_text(["event", "date", "kind", "checked_in"], rows)


def monthly_csv(area: Area) -> str:
    rows = [[f"{month:%Y-%m}", shown(figure, mrkdwn=False)] for month, figure in area.by_month()]
    rows.append(["total", shown(area.total, mrkdwn=False)])
    return csv_text(["month", area.label.lower()], rows)


def points_csv(review: Review) -> str:
    rows = [[category.label, shown(category.points, mrkdwn=False)] for category in review.points]
    rows.append(["total", shown(review.points_total, mrkdwn=False)])
    return csv_text(["category", "points after caps"], rows)


def csv_files(review: Review) -> list[dict]:
    """One CSV per area, as slack.send_files takes them."""
    span = f"{review.span.start}-{review.span.end}"
    files = [("events", "Events and check-ins", events_csv(review))]
    files += [(area.key, area.label, monthly_csv(area)) for area in review.areas]
    files.append(("passport", "Passport points by category", points_csv(review)))
    return [{"filename": f"review-{key}-{span}.csv", "title": label, "content": content} for key, label, content in files]


def chart_file(review: Review, png: bytes) -> dict:
    return {"filename": f"review-attendance-{review.span.start}-{review.span.end}.png", "title": "Event check-ins by month", "content": png}


def chart_title(review: Review) -> str:
    return f"Event check-ins by month, {period_label(review.span)}"


def chart_note() -> str:
    return f"{HIDDEN}: fewer than {SMALLEST_GROUP} members, not shown"
