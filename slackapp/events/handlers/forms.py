"""The event form: new, edit, or from an officer's own message (which becomes the RSVP post)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import jobs, service, views
from slackapp.events.handlers.roster import managed
from slackapp.scheduler import outbox
from slackapp.slack.facade import Slack, is_channel_id
from slackapp.slack.forms import form_values, metadata, number_in
from slackapp.slack.text import unescape


def event_form(club: Club, user_id: str, *, channel=None, values=None, event_id=None, rsvp_ts=None) -> dict:
    """The form, for an officer (a new event) or whoever manages the event (editing it)."""
    if event_id is None:
        club.require_officer(user_id, views.ONLY_OFFICERS_CREATE)
    return views.event_form(values, event_id=event_id, channel=channel, rsvp_ts=rsvp_ts, events_channel=club.settings.events_channel)


def on_new(ack, body, club: Club, slack: Slack, user_id: str):
    form = event_form(club, user_id, channel=(body.get("channel") or {}).get("id"))
    ack()
    slack.open_modal(body["trigger_id"], form)


def on_edit(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    event, _ = managed(club, session, user_id, action)
    form = event_form(club, user_id, values=views.draft_values(event), event_id=event.id)
    ack()
    slack.open_modal(body["trigger_id"], form)


def on_shortcut(ack, shortcut, club: Club, slack: Slack, session: Session, user_id: str):
    """Message menu → Make RSVP post: an officer's own announcement becomes the event's RSVP post."""
    message = shortcut.get("message") or {}
    if message.get("user") != user_id:
        raise UserError(views.NOT_YOUR_MESSAGE)
    channel = (shortcut.get("channel") or {}).get("id") or ""
    service.ensure_message_free(session, team_id=club.team_id, channel=channel, ts=message.get("ts") or "")
    title, _, description = unescape(message.get("text") or "").strip().partition("\n")
    values = {"title": title[:150], "description": description.strip()[:2000] or None}
    form = event_form(club, user_id, channel=channel, values=values, rsvp_ts=message.get("ts") or shortcut.get("message_ts"))
    ack()
    slack.open_modal(shortcut["trigger_id"], form)


def on_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """New or edited event: stored, with the posts and DMs it owes, before the form closes."""
    meta = metadata(view)
    editing = meta.get("event_id")
    draft = service.validate(form_values(view), now=utcnow(), editing=bool(editing))
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        if editing:
            _edit(session, club, user_id, event_id=number_in(editing), is_officer=is_officer, draft=draft)
        else:
            _create(session, club, user_id, is_officer=is_officer, draft=draft, meta=meta)
    ack()


def _edit(session: Session, club: Club, user_id: str, *, event_id: int, is_officer: bool, draft: service.EventDraft) -> None:
    updated = service.update_event(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=is_officer, draft=draft)
    if updated.time_changed:
        jobs.replan_reminders(session, event=updated.event, now=utcnow())
    for promoted in updated.promoted:
        outbox.dm(session, team_id=club.team_id, user_id=promoted, text=views.promoted(updated.event))
    jobs.refresh(session, event=updated.event)


def _create(session: Session, club: Club, user_id: str, *, is_officer: bool, draft: service.EventDraft, meta: dict) -> None:
    club_service.ensure_workspace(session, team_id=club.team_id)
    rsvp_ts = str(meta.get("rsvp_ts") or "")
    if rsvp_ts:
        service.ensure_message_free(session, team_id=club.team_id, channel=str(meta.get("channel") or ""), ts=rsvp_ts)
    event = service.create_event(session, team_id=club.team_id, user_id=user_id, is_officer=is_officer, draft=draft)
    if rsvp_ts and is_channel_id(meta.get("channel")):
        jobs.adopt(session, event=event, channel=meta["channel"], rsvp_ts=rsvp_ts, poster=user_id)
    else:
        events_channel = club_service.workspace(session, team_id=club.team_id).events_channel
        jobs.announce(session, event=event, channel=draft.channel or events_channel or meta.get("channel"), poster=user_id)
