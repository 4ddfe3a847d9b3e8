"""Bolt glue for /club: help, settings and the officer list."""

from __future__ import annotations

import re

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club import ids, service, views
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack, is_channel_id
from slackapp.slack.forms import form_values

# With "escape" on, Slack sends mentions as <@U123|name>; people also paste raw IDs.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")


def on_command(ack, command, respond, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    words = (command.get("text") or "").split()
    first = first_word(command.get("text")) or "help"
    if first == "help":
        ack(**ephemeral("What I can do", views.help_blocks()))
    elif first == "config":
        club.require_officer(user_id, views.NOT_OFFICER)
        ack()
        slack.open_modal(command["trigger_id"], views.config_form(club.settings))
    elif first == "officers":
        answer = manage_officers(club, session, store, user_id, words[1:], command.get("text") or "")
        ack()
        respond(**ephemeral(answer))
    else:
        ack(**ephemeral(views.unknown_command(first), views.help_blocks()))


def manage_officers(club: Club, session: Session, store: Store, user_id: str, words: list[str], raw_text: str) -> str:
    verb = words[0].lower() if words else "list"
    configured = club.officers.configured
    if verb == "list":
        listed = service.listed_officers(session, team_id=club.team_id)
        return views.officer_list(listed, configured)
    if verb not in ("add", "remove"):
        return views.OFFICERS_USAGE
    targets = list(dict.fromkeys(a or b for a, b in _MENTION.findall(raw_text)))
    if not targets:
        return views.whom_to(verb)
    club.require_officer(user_id, views.NOT_OFFICER)
    with store.writing(session):
        if verb == "add":
            done = [views.officer_added(target, service.add_officer(session, team_id=club.team_id, user_id=target, added_by=user_id)) for target in targets]
        else:
            done = [
                views.officer_removed(target, service.remove_officer(session, team_id=club.team_id, user_id=target), configured=target in configured)
                for target in targets
            ]
    return "\n".join(done)


def on_config(ack, view, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    values = form_values(view)
    if not club.is_officer(user_id):
        raise UserError(views.NOT_OFFICER, field=ids.TIMEZONE)
    for block_id in ids.CHANNELS:
        if values.get(block_id) is not None and not is_channel_id(values.get(block_id)):
            raise UserError(views.PICK_A_CHANNEL, field=block_id)
    day = str(values.get(ids.DIGEST_DAY) or 0)
    change = service.ConfigChange(
        timezone=str(values.get(ids.TIMEZONE) or ""),
        leads_channel=values.get(ids.LEADS_CHANNEL),
        digest_weekday=int(day) if day.isdigit() else -1,
        digest_time=str(values.get(ids.DIGEST_TIME) or "09:00"),
        gigs_channel=values.get(ids.GIGS_CHANNEL),
        events_channel=values.get(ids.EVENTS_CHANNEL),
        officers_channel=values.get(ids.OFFICERS_CHANNEL),
        approve_first_leads="on" in (values.get(ids.APPROVE_FIRST_LEADS) or []),
        helpers_channel=values.get(ids.HELPERS_CHANNEL),
        intro_weekday=_weekday(values.get(ids.INTRO_DAY)),
    )
    with store.writing(session):
        service.configure(session, team_id=club.team_id, change=change)
    ack()
    # Joining now means the first announcement doesn't fail; a private channel needs an invitation.
    chosen = dict.fromkeys(filter(None, (change.leads_channel, change.events_channel, change.gigs_channel, change.officers_channel, change.helpers_channel)))
    unjoinable = [channel for channel in chosen if not slack.join(channel)]
    if unjoinable:
        with store.writing(session):
            for channel in unjoinable:
                outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.cannot_join(channel))


def _weekday(value: object) -> int:
    """A day picked in the form; the default (Monday) when the form had none."""
    text = str(value if value is not None else 0)
    return int(text) if text.isdigit() else -1


def register(app: App) -> None:
    app.command(ids.COMMAND)(on_command)
    app.view(ids.CONFIG_FORM)(on_config)
