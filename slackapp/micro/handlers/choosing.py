"""Choosing: the poster's and officers' review of bids (filtered by school, major and year),
accepting a bid (the kickoff DM and reminders), closing bidding (a thank-you to everyone not chosen)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.micro import jobs, service, views
from slackapp.micro.handlers.access import as_officer
from slackapp.micro.models import Project
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral, section
from slackapp.slack.forms import number_in

BROKEN_FILTER = "That filter is broken. Press Review bids again."


def review_message(club: Club, session: Session, user_id: str, project_id: int, filters: service.Filters = service.Filters(), note: str | None = None) -> dict:
    """The review of a project's bids; `note` (what was just done) heads it."""
    is_officer = as_officer(club, session, user_id, project_id=project_id)
    found = service.review(session, team_id=club.team_id, project_id=project_id, user_id=user_id, is_officer=is_officer, filters=filters)
    blocks = views.review_blocks(found)
    return ephemeral(note or f"Bids on {found.project.title}", [section(note), *blocks] if note else blocks)


def on_review(ack, action, respond, club: Club, session: Session, user_id: str):
    message = review_message(club, session, user_id, number_in(action.get("value")))
    ack()
    respond(**message, replace_original=False)


def filters_in(value: str) -> tuple[int, service.Filters]:
    """A filter option's value (views.filter_value) back to the project and the filters."""
    try:
        state = json.loads(value)
        year = state.get("y")
        filters = service.Filters(school=state.get("s") or None, major=state.get("m") or None, year=int(year) if year else None)
        return number_in(state.get("p")), filters
    except (ValueError, TypeError, AttributeError, RecursionError):
        raise UserError(BROKEN_FILTER) from None


def on_filter(ack, action, respond, club: Club, session: Session, user_id: str):
    project_id, filters = filters_in((action.get("selected_option") or {}).get("value") or "")
    ack()
    respond(**review_message(club, session, user_id, project_id, filters), replace_original=True)


def thank_the_others(session: Session, project: Project, bidders: list[str]) -> None:
    for bidder in bidders:
        outbox.dm(session, team_id=project.team_id, user_id=bidder, text=views.not_selected(project))


def on_accept(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    bid_id = number_in(action.get("value"))
    is_officer = as_officer(club, session, user_id, bid_id=bid_id)
    tz = club.timezone
    with store.writing(session):
        accepted = service.accept_bid(session, team_id=club.team_id, bid_id=bid_id, user_id=user_id, is_officer=is_officer)
        bid, project = accepted.bid, accepted.project
        text, blocks = views.kickoff(project, service.milestones_of(session, project=project), bid)
        outbox.dm(session, team_id=club.team_id, user_id=bid.user_id, text=text, blocks=blocks)
        jobs.plan_reminders(session, bid=bid, project=project, tz=tz, now=datetime.now(timezone.utc))
        thank_the_others(session, project, accepted.not_selected)
    ack()
    respond(**review_message(club, session, user_id, project.id, note=views.accepted(project, bid.user_id)), replace_original=True)


def on_close(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    project_id = number_in(action.get("value"))
    is_officer = as_officer(club, session, user_id, project_id=project_id)
    with store.writing(session):
        project, told = service.close_bidding(session, team_id=club.team_id, project_id=project_id, user_id=user_id, is_officer=is_officer)
        thank_the_others(session, project, told)
    ack()
    respond(**review_message(club, session, user_id, project_id, note=views.closed(project, len(told))), replace_original=True)
