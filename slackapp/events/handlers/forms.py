"""The event form: new, edit, or from an officer's own message (which becomes the RSVP post)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import ids, jobs, series, service, views
from slackapp.events.handlers.roster import managed
from slackapp.scheduler import outbox
from slackapp.slack.facade import Slack, is_channel_id
from slackapp.slack.forms import form_values, metadata, number_in
from slackapp.slack.text import unescape


def event_form(club: Club, user_id: str, *, channel=None, values=None, event_id=None, rsvp_ts=None, in_series=False) -> dict:
    """The form, for an officer (a new event) or whoever manages the event (editing it)."""
    if event_id is None:
        club.require_officer(user_id, views.ONLY_OFFICERS_CREATE)
    return views.event_form(values, event_id=event_id, channel=channel, rsvp_ts=rsvp_ts, events_channel=club.settings.events_channel, in_series=in_series)


def on_new(ack, body, club: Club, slack: Slack, user_id: str):
    form = event_form(club, user_id, channel=(body.get("channel") or {}).get("id"))
    ack()
    slack.open_modal(body["trigger_id"], form)


def on_edit(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    event, _ = managed(club, session, user_id, action)
    form = event_form(club, user_id, values=views.draft_values(event), event_id=event.id, in_series=event.series_id is not None)
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
    raw = form_values(view)
    draft = service.validate(raw, now=utcnow(), editing=bool(editing))
    # Repeats is in the form of a new event only (not of a message made an RSVP post).
    repeat = None if editing or meta.get("rsvp_ts") else series.validate_repeat(raw, draft=draft, tz=club.timezone)
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        if editing and raw.get("scope") == ids.SCOPE_REST:
            _edit_rest(session, club, user_id, event_id=number_in(editing), is_officer=is_officer, draft=draft)
        elif editing:
            _edit(session, club, user_id, event_id=number_in(editing), is_officer=is_officer, draft=draft)
        elif repeat is not None:
            _create_series(session, club, user_id, is_officer=is_officer, draft=draft, repeat=repeat, meta=meta)
        else:
            _create(session, club, user_id, is_officer=is_officer, draft=draft, meta=meta)
    ack()


def _edit(session: Session, club: Club, user_id: str, *, event_id: int, is_officer: bool, draft: service.EventDraft) -> None:
    updated = service.update_event(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=is_officer, draft=draft)
    if updated.time_changed:
        jobs.replan_reminders(session, event=updated.event, now=utcnow())
    for promoted in updated.promoted:
        outbox.dm(session, team_id=club.team_id, user_id=promoted, text=views.promoted(updated.event))
    if updated.event.series_id is not None:
        # One date of a series changed: whoever answered it is told, once.
        for member in service.roster(session, event=updated.event).answered:
            outbox.dm(session, team_id=club.team_id, user_id=member, text=views.occurrence_changed(updated.event))
    jobs.refresh(session, event=updated.event)


def _edit_rest(session: Session, club: Club, user_id: str, *, event_id: int, is_officer: bool, draft: service.EventDraft) -> None:
    now = utcnow()
    changed = series.update_rest(session, team_id=club.team_id, event_id=event_id, user_id=user_id, is_officer=is_officer, draft=draft, now=now)
    jobs.plan_series_change(session, changed=changed, now=now, cancelled=False)


def _create_series(session: Session, club: Club, user_id: str, *, is_officer: bool, draft: service.EventDraft, repeat: series.RepeatDraft, meta: dict) -> None:
    """A repeating event: its series, and the dates already due to be announced (the planner
    makes the later ones); the officer gets a DM saying when the first post goes out."""
    workspace = club_service.ensure_workspace(session, team_id=club.team_id)
    channel = draft.channel or workspace.events_channel or meta.get("channel")
    made = series.create_series(session, team_id=club.team_id, user_id=user_id, is_officer=is_officer, draft=draft, repeat=repeat)
    made.channel = channel if isinstance(channel, str) else None
    description = series.describe(series.rule_of(made), made.local_start, made.timezone)
    now = utcnow()
    outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.series_saved(made, description, now))
    jobs.occurrences_due(session, made, now=now)


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
