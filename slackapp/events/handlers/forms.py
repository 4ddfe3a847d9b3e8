"""The event form (new, edit, or from an officer's own message) and announcing the event."""

from __future__ import annotations

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import jobs, service, views
from slackapp.events.handlers.roster import managed
from slackapp.events.handlers.rsvp import refresh_post
from slackapp.events.models import EMOJI, Event
from slackapp.slack.facade import CannotPost, Slack, is_channel_id
from slackapp.slack.forms import form_values, metadata, number_in
from slackapp.slack.text import unescape


def open_form(slack: Slack, club: Club, trigger_id: str, user_id: str, *, channel=None, values=None, event_id=None, rsvp_ts=None) -> None:
    if event_id is None:
        club.require_officer(user_id, views.ONLY_OFFICERS_CREATE)
    slack.open_modal(trigger_id, views.event_form(values, event_id=event_id, channel=channel, rsvp_ts=rsvp_ts))


def on_new(ack, body, club: Club, slack: Slack, user_id: str):
    ack()
    open_form(slack, club, body["trigger_id"], user_id, channel=(body.get("channel") or {}).get("id"))


def on_edit(ack, body, action, club: Club, slack: Slack, store: Store, user_id: str):
    ack()
    event, _ = managed(club, store, user_id, action)
    open_form(slack, club, body["trigger_id"], user_id, values=views.draft_values(event), event_id=event.id)


def on_shortcut(ack, shortcut, club: Club, slack: Slack, store: Store, user_id: str):
    """Message menu → Make RSVP post: an officer's own announcement becomes the event's RSVP post."""
    ack()
    message = shortcut.get("message") or {}
    if message.get("user") != user_id:
        raise UserError(views.NOT_YOUR_MESSAGE)
    channel = (shortcut.get("channel") or {}).get("id") or ""
    with store.read() as session:
        service.ensure_message_free(session, team_id=club.team_id, channel=channel, ts=message.get("ts") or "")
    title, _, description = unescape(message.get("text") or "").strip().partition("\n")
    values = {"title": title[:150], "description": description.strip()[:2000] or None}
    open_form(slack, club, shortcut["trigger_id"], user_id, channel=channel, values=values, rsvp_ts=message.get("ts") or shortcut.get("message_ts"))


def on_form(ack, view, club: Club, slack: Slack, store: Store, user_id: str):
    meta = metadata(view)
    editing = meta.get("event_id")
    draft = service.validate(form_values(view), now=utcnow(), editing=bool(editing))
    if editing:
        with store.write() as session:
            updated = service.update_event(
                session, team_id=club.team_id, event_id=number_in(editing), user_id=user_id, is_officer=club.is_officer(user_id), draft=draft
            )
            if updated.time_changed:
                jobs.replan_reminders(session, event=updated.event, now=utcnow())
        ack()
        for promoted in updated.promoted:
            slack.dm(promoted, views.promoted(updated.event))
        refresh_post(slack, store, team_id=club.team_id, event_id=updated.event.id)
        return
    with store.write() as session:
        club_service.ensure_workspace(session, team_id=club.team_id)
        if meta.get("rsvp_ts"):
            service.ensure_message_free(session, team_id=club.team_id, channel=str(meta.get("channel") or ""), ts=str(meta["rsvp_ts"]))
        event = service.create_event(session, team_id=club.team_id, user_id=user_id, is_officer=club.is_officer(user_id), draft=draft)
        events_channel = club_service.workspace(session, team_id=club.team_id).events_channel
    ack()
    if meta.get("rsvp_ts") and is_channel_id(meta.get("channel")):
        adopt_message(slack, store, event, channel=meta["channel"], rsvp_ts=str(meta["rsvp_ts"]), poster=user_id)
    else:
        announce(slack, store, event, channel=draft.channel or events_channel or meta.get("channel"), poster=user_id)


def announce(slack: Slack, store: Store, event: Event, *, channel: str | None, poster: str) -> None:
    with store.read() as session:
        roster = service.roster(session, event=event)
    text, blocks = views.announcement(event, roster)
    posted = slack.announce(channel, text, blocks, poster=poster, no_channel=views.NO_EVENTS_CHANNEL, cannot_post=views.NOT_ANNOUNCED)
    if not posted:
        return
    channel, ts = posted
    with store.write() as session:
        service.record_posts(session, team_id=event.team_id, event_id=event.id, channel=channel, rsvp_ts=ts, post_ts=ts)
    # The bot's own reactions are a prompt; reaction events from the bot are ignored.
    slack.react(channel, ts, list(EMOJI))


def adopt_message(slack: Slack, store: Store, event: Event, *, channel: str, rsvp_ts: str, poster: str) -> None:
    """An officer's own message becomes the RSVP post; the counts live in the bot's reply under it."""
    with store.read() as session:
        roster = service.roster(session, event=event)
    text, blocks = views.announcement(event, roster, own_post=False)
    try:
        _, reply_ts = slack.post(channel, text, blocks, thread_ts=rsvp_ts)
    except CannotPost:
        slack.dm(poster, views.NO_COUNTS_REPLY)
        reply_ts = None
    with store.write() as session:
        service.record_posts(session, team_id=event.team_id, event_id=event.id, channel=channel, rsvp_ts=rsvp_ts, post_ts=reply_ts)
    slack.react(channel, rsvp_ts, list(EMOJI))
