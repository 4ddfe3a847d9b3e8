"""Officers' roster: who answered, CSV export, cancel and delete; and anyone's calendar file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store, utcnow
from slackapp.errors import UserError
from slackapp.events import calendar, jobs, service, views
from slackapp.events.models import Event
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import number_in


def managed(club: Club, session: Session, user_id: str, action: dict) -> tuple[Event, bool]:
    """The event a button names, if this person may manage it; with whether they act as an officer."""
    event = service.get_event(session, team_id=club.team_id, event_id=number_in(action.get("value")))
    # The creator manages their own event; only someone else needs the (slower) officer check.
    is_officer = event.created_by != user_id and club.is_officer(user_id)
    if not service.may_manage(event, user_id=user_id, is_officer=is_officer):
        raise UserError(views.NOT_MANAGER)
    return event, is_officer


def roster_of(club: Club, session: Session, user_id: str, *, words: str) -> dict:
    """`/events roster <number or title>`, for officers."""
    club.require_officer(user_id, views.ONLY_OFFICERS_ROSTER)
    event = service.find(session, team_id=club.team_id, words=words, now=utcnow())
    roster = service.roster(session, event=event)
    return ephemeral(views.roster_title(event), views.roster_view(event, roster))


def on_roster_dm(ack, action, club: Club, session: Session, store: Store, user_id: str):
    """App Home's Roster button: the roster (with its buttons) as a DM, where its buttons can answer."""
    club.require_officer(user_id, views.ONLY_OFFICERS_ROSTER)
    with store.writing(session):
        event = service.get_event(session, team_id=club.team_id, event_id=number_in(action.get("value")))
        roster = service.roster(session, event=event)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.roster_title(event), blocks=views.roster_view(event, roster))
    ack()


def on_cancel(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    event, is_officer = managed(club, session, user_id, action)
    with store.writing(session):
        event, answered = service.cancel_event(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        jobs.plan_cancellation(session, event=event, users=answered, now=utcnow())
        jobs.refresh(session, event=event)
    ack()
    respond(**ephemeral(views.cancelled(event, len(answered))), replace_original=False)


def on_delete(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    event, is_officer = managed(club, session, user_id, action)
    with store.writing(session):
        service.delete_event(session, team_id=club.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        # The bot's own post goes (for an adopted message that is the counts reply, not the officer's message).
        if event.channel and event.post_ts:
            outbox.delete(session, team_id=club.team_id, channel=event.channel, ts=event.post_ts)
    ack()
    respond(**ephemeral(views.deleted(event)), replace_original=False)


def on_csv(ack, action, respond, club: Club, slack: Slack, session: Session, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS_EXPORT)
    event = service.get_event(session, team_id=club.team_id, event_id=number_in(action.get("value")))
    roster = service.roster(session, event=event)
    names = {member: slack.name_of(club.team_id, member) for member in dict.fromkeys(roster.answered + roster.attended)}
    ack()
    sent = slack.send_file(
        user_id,
        filename=f"roster-event-{event.id}.csv",
        title=views.roster_title(event, escaped=False),
        content=views.roster_csv(event, roster, names),
        comment=views.roster_comment(event),
    )
    if sent:
        respond(**ephemeral(views.ROSTER_SENT), replace_original=False)


def on_calendar(ack, action, respond, slack: Slack, session: Session, team_id: str, user_id: str):
    event = service.get_event(session, team_id=team_id, event_id=number_in(action.get("value")))
    ack()
    respond(**ephemeral(views.calendar_links(event, calendar.template_link(event))), replace_original=False)
    slack.send_file(user_id, filename=f"event-{event.id}.ics", title=event.title, content=calendar.ics(event))
