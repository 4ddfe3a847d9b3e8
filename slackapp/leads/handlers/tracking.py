"""A member's own tracking of leads: save, move along the stages, remove, "I applied".

Each change is stored, with the nudges it plans or cancels, before Slack is answered. Nudges come
at 9:00 in the member's own zone (users.info, cached for a few minutes)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.leads import jobs, service, views
from slackapp.leads.handlers.browse import lead_list, my_leads
from slackapp.leads.models import Stage
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import number_in


def on_save(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    listed = views.saved_from_list(action.get("value"))
    lead_id = listed[0] if listed else number_in(action.get("value"))
    tz = club.member_timezone(user_id)
    with store.writing(session):
        club.keep_timezone(user_id)
        fresh = service.save_lead(session, team_id=club.team_id, user_id=user_id, lead_id=lead_id)
        lead = service.get_lead(session, team_id=club.team_id, lead_id=lead_id)
        if fresh:
            jobs.plan_for(session, team_id=club.team_id, user_id=user_id, lead=lead, tz=tz, now=datetime.now(timezone.utc))
    ack()
    if listed:
        _, words, page = listed
        respond(**lead_list(club, session, user_id, service.parse_query(words), page), replace_original=True)
    else:
        respond(**ephemeral(views.saved(lead, fresh=fresh)), replace_original=False)


def move(club: Club, session: Session, store: Store, user_id: str, lead_id: int, stage: str) -> None:
    """Move a saved lead along; nudges only go to members who haven't applied yet."""
    tz = club.member_timezone(user_id) if stage == Stage.saved.value else None
    now = datetime.now(timezone.utc)
    with store.writing(session):
        club.keep_timezone(user_id)
        saved = service.move_stage(session, team_id=club.team_id, user_id=user_id, lead_id=lead_id, stage=stage)
        if saved.stage == Stage.saved.value:
            jobs.plan_for(session, team_id=club.team_id, user_id=user_id, lead=saved.lead, tz=tz, now=now)
        else:
            jobs.cancel_for(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, now=now, reason=f"moved to {saved.stage}")


def on_stage(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    lead_id, _, stage = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    move(club, session, store, user_id, number_in(lead_id), stage)
    ack()
    respond(**my_leads(club, session, user_id), replace_original=True)


def on_nudge_applied(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    move(club, session, store, user_id, number_in(action.get("value")), Stage.applied.value)
    ack()
    respond(text=views.APPLIED, replace_original=True)


def on_unsave(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    lead_id = number_in(action.get("value"))
    with store.writing(session):
        service.unsave(session, team_id=club.team_id, user_id=user_id, lead_id=lead_id)
        jobs.cancel_for(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, now=datetime.now(timezone.utc), reason="no longer saved")
    ack()
    respond(**my_leads(club, session, user_id), replace_original=True)
