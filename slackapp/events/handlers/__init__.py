"""Bolt glue for /events: the command, the event form, RSVPs, rosters and check-in."""

from __future__ import annotations

from slack_bolt import App

from slackapp.events import ids
from slackapp.events.handlers import checkin, commands, forms, roster, rsvp, series


def register_reactions(app: App) -> None:
    """Registered before every other listener of the app (app.BUSIEST): a storm of reactions is
    the busiest traffic it gets."""
    app.event("reaction_added")(rsvp.on_reaction)
    app.event("reaction_removed")(rsvp.on_reaction)


def register(app: App) -> None:
    app.command(ids.COMMAND)(commands.on_command)
    app.action(ids.NEW)(forms.on_new)
    app.action(ids.EDIT)(forms.on_edit)
    app.shortcut(ids.SHORTCUT)(forms.on_shortcut)
    app.view(ids.FORM)(forms.on_form)
    app.action(ids.CANCEL)(roster.on_cancel)
    app.action(ids.CANCEL_REST)(series.on_cancel_rest)
    app.action(ids.SERIES_JOIN)(series.on_join)
    app.action(ids.SERIES_LEAVE)(series.on_leave)
    app.action(ids.DELETE)(roster.on_delete)
    app.action(ids.ROSTER_CSV)(roster.on_csv)
    app.action(ids.ROSTER_DM)(roster.on_roster_dm)
    app.action(ids.CALENDAR)(roster.on_calendar)
    for action_id in rsvp.BUTTON_ANSWERS:
        app.action(action_id)(rsvp.on_button)
    app.action(ids.OPEN_CHECKIN)(checkin.on_open_checkin)
    app.action(ids.HERE)(checkin.on_here)
    app.action(ids.MARK_ATTENDED)(checkin.on_mark)
