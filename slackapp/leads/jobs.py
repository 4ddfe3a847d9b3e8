"""A lead's messages, sent by the scheduler: its announcement, updates of that post, and deadline
nudges (a DM 3 days and 1 day before a saved lead closes, until the member applies)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import posts
from slackapp.club import service as club
from slackapp.leads import views
from slackapp.leads.models import Lead, SavedLead, Stage
from slackapp.localtime import at_local, end_of_day
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

KIND = "nudge"
ANNOUNCE = "lead_announcement"
POST = "lead_post"
DAYS_BEFORE = (3, 1)
AT = time(9, 0)


def _prefix(lead_id: int, user_id: str | None = None) -> str:
    return f"nudge:{lead_id}:" + (f"{user_id}:" if user_id else "")


def plan_for(session: Session, *, team_id: str, user_id: str, lead: Lead, tz: str, now: datetime) -> int:
    """Plan this member's nudges for `lead`; ones whose moment has passed are not planned."""
    if lead.deadline is None or lead.closed_at is not None:
        return 0
    planned = 0
    for days in DAYS_BEFORE:
        day = lead.deadline - timedelta(days=days)
        due = at_local(day, AT, tz)
        if due <= now:
            continue
        planned += queue.plan(
            session,
            team_id=team_id,
            kind=KIND,
            key=f"{_prefix(lead.id, user_id)}{lead.deadline.isoformat()}:{days}",
            target=user_id,
            due_at=due,
            # "Closes in 3 days" is only true on its own day; after that it is dropped, not sent wrong.
            expires_at=end_of_day(day, tz),
            payload={"lead_id": lead.id, "days": days, "deadline": lead.deadline.isoformat(), "tz": tz},
        )
    return planned


def cancel_for(session: Session, *, team_id: str, lead_id: int, now: datetime, user_id: str | None = None, reason: str) -> int:
    return queue.cancel(session, team_id=team_id, kind=KIND, key_prefix=_prefix(lead_id, user_id), reason=reason, now=now)


def replan_lead(session: Session, *, lead: Lead, club_tz: str, now: datetime) -> None:
    """After a deadline change: drop the old nudges and plan new ones for everyone still deciding."""
    cancel_for(session, team_id=lead.team_id, lead_id=lead.id, now=now, reason="the deadline changed")
    savers = list(
        session.scalars(
            select(SavedLead.user_id).where(SavedLead.team_id == lead.team_id, SavedLead.lead_id == lead.id, SavedLead.stage == Stage.saved.value)
        )
    )
    zones = queue.member_timezones(session, team_id=lead.team_id, user_ids=savers)
    for user_id in savers:
        plan_for(session, team_id=lead.team_id, user_id=user_id, lead=lead, tz=zones.get(user_id, club_tz), now=now)


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    lead_id = int(job.payload["lead_id"])
    saved = session.scalar(
        select(SavedLead).where(SavedLead.team_id == job.team_id, SavedLead.user_id == job.target, SavedLead.lead_id == lead_id)
    )
    if saved is None:
        raise Skip("the member no longer has the lead saved")
    if saved.stage != Stage.saved.value:
        raise Skip(f"the member already moved it to {saved.stage}")
    lead = saved.lead
    if lead.closed_at is not None:
        raise Skip("the lead was closed")
    if lead.deadline is None or lead.deadline.isoformat() != job.payload["deadline"]:
        raise Skip("the deadline changed")
    text, blocks = views.nudge(lead, days=int(job.payload["days"]), tz=job.payload.get("tz") or "UTC")
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def _post(session: Session, lead: Lead) -> tuple[str, list]:
    return views.announcement(lead, club.workspace(session, team_id=lead.team_id).timezone)


ANNOUNCEMENT = posts.AnnouncedPost(
    model=Lead,
    announce_kind=ANNOUNCE,
    update_kind=POST,
    render=_post,
    no_channel=views.NO_LEADS_CHANNEL,
    not_announced=views.NOT_ANNOUNCED,
)


def announce(session: Session, *, lead: Lead, channel: str | None, poster: str) -> None:
    """Owe the lead's announcement in `channel`; with no channel to announce in, tell the poster."""
    ANNOUNCEMENT.announce(session, row=lead, channel=channel, poster=poster)


def refresh(session: Session, *, lead: Lead) -> None:
    ANNOUNCEMENT.refresh(session, row=lead)


RENDERERS = {KIND: render, **ANNOUNCEMENT.work()}
PLANNERS = ()
