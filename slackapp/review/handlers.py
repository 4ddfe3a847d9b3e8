"""Bolt glue for `/club review <from> <to>`: officers get the club's summary for a period, with a
chart of attendance by month and a CSV per area in their DM."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import utcnow
from slackapp.review import chart, ids, service, views
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import starting_with
from slackapp.slack.facade import Slack


def on_review(ack, command, respond, club: Club, slack: Slack, session: Session, user_id: str):
    club.require_officer(user_id, views.NOT_OFFICER)
    span = service.parse_period((command.get("text") or "").split()[1:])
    found = service.review(session, team_id=club.team_id, span=span, tz=club.timezone, now=utcnow())
    ack()
    # Drawn after the ack: loading matplotlib takes a while the first time.
    png = chart.bar_chart(views.attendance_bars(found), title=views.chart_title(found), hidden_label=views.HIDDEN, note=views.chart_note())
    if slack.send_files(user_id, [views.chart_file(found, png), *views.csv_files(found)], comment=views.comment(found)):
        respond(**ephemeral(views.title(span), views.summary_blocks(found)))


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[starting_with(ids.WORD)])(on_review)
