"""Bolt glue for /gigs: posting and announcing gigs, requests from other organizations, volunteering."""

from __future__ import annotations

from slack_bolt import App

from slackapp.gigs import ids
from slackapp.gigs.handlers import posting, requests, volunteering


def register(app: App) -> None:
    app.command(ids.COMMAND)(posting.on_command)
    app.view(ids.FORM)(posting.on_gig_form)
    app.view(ids.REQUEST_FORM)(requests.on_request_form)
    app.action(ids.REQUEST)(requests.on_request_open)
    app.action(ids.APPROVE)(requests.on_approve)
    app.action(ids.DECLINE)(requests.on_decline)
    app.view(ids.DECLINE_FORM)(requests.on_decline_form)
    app.action(ids.VOLUNTEER)(volunteering.on_volunteer)
    app.action(ids.WITHDRAW)(volunteering.on_withdraw)
    app.action(ids.DONE)(volunteering.on_done)
    app.view(ids.FINISH_FORM)(volunteering.on_finish_form)
