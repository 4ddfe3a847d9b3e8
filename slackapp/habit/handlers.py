"""Bolt glue for `/internships habit …` and the checklist's checkboxes."""

from __future__ import annotations

from datetime import date, datetime, timezone

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.habit import ids, jobs, service, views
from slackapp.leads import sections
from slackapp.localtime import local, week_start
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import starting_with

VERBS = ("", "on", "off", "day")


def on_habit(ack, command, club: Club, session: Session, store: Store, team_id: str, user_id: str):
    words = (command.get("text") or "").split()[1:]
    verb = words[0].lower() if words else ""
    if verb not in VERBS:
        ack(**ephemeral(views.USAGE))
        return
    if verb:
        tz = club.member_timezone(user_id)
        found = change_schedule(club, session, store, user_id=user_id, verb=verb, words=words[1:])
        ack(**ephemeral(views.schedule_confirmed(found, tz) if found.enabled else views.TURNED_OFF))
        return
    tz = club.member_timezone(user_id)
    this_week = week_start(local(datetime.now(timezone.utc), tz).date())
    found = service.member(session, team_id=team_id, user_id=user_id)
    mine = service.history(session, team_id=team_id, user_id=user_id, this_week=this_week)
    club_view = service.club_habit(session, team_id=team_id, this_week=this_week) if club.is_officer(user_id) else None
    blocks = views.my_history(found, mine, tz) + (views.club_summary(club_view) if club_view else [])
    ack(**ephemeral("Your weekly job-search habit", blocks))


def change_schedule(club: Club, session: Session, store: Store, *, user_id: str, verb: str, words: list[str]):
    team_id = club.team_id
    with store.writing(session):
        # Check-ins come at the member's own 9:00: the clock needs their zone.
        club.keep_timezone(user_id)
        if verb == "day":
            weekday, at = service.parse_schedule(words)
            found = service.reschedule(session, team_id=team_id, user_id=user_id, weekday=weekday, at=at)
        else:
            found = service.turn(session, team_id=team_id, user_id=user_id, on=verb == "on")
        jobs.cancel_upcoming(session, team_id=team_id, user_id=user_id, now=datetime.now(timezone.utc))
    return found


def on_tick(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    try:
        week = date.fromisoformat((action.get("block_id") or "").removeprefix(ids.BLOCK_PREFIX))
    except ValueError:
        raise UserError(views.BROKEN_CHECKLIST) from None
    ticked = {option.get("value") for option in action.get("selected_options") or []}
    with store.writing(session):
        service.record(session, team_id=team_id, user_id=user_id, week=week, ticked=ticked, now=datetime.now(timezone.utc))
        streak = service.streak(session, team_id=team_id, user_id=user_id, this_week=week)
    text, blocks = views.checklist(week, ticked, streak)
    ack()
    respond(text=text, blocks=blocks, replace_original=True)


def register(app: App) -> None:
    sections.answer_word(ids.SUBCOMMAND)
    app.command(ids.COMMAND, matchers=[starting_with(ids.SUBCOMMAND)])(on_habit)
    app.action(ids.TICK)(on_tick)
