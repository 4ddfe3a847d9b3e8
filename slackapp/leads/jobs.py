"""A lead's messages, sent by the scheduler: its announcement, updates of that post, deadline
nudges (a DM 3 days and 1 day before a saved lead closes, until the member applies), and its
freshness: the poster's "Still open?" DM 3 days before it expires, and its expiry."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import posts
from slackapp.club import service as club
from slackapp.club.models import Workspace
from slackapp.leads import freshness, views
from slackapp.leads.models import Lead, SavedLead, Stage
from slackapp.localtime import at_local, end_of_day, latest_today, local
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

KIND = "nudge"
ANNOUNCE = "lead_announcement"
POST = "lead_post"
STILL_OPEN = "lead_still_open"
# The "Still open?" DM is planned this long before it is due (the clock comes by every few seconds).
ASK_PLANNED_AHEAD = timedelta(hours=1)
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
    if not lead.is_shown or freshness.is_expired(lead, today=local(now, job.payload.get("tz") or "UTC").date()):
        raise Skip("the lead was closed")
    if lead.deadline is None or lead.deadline.isoformat() != job.payload["deadline"]:
        raise Skip("the deadline changed")
    text, blocks = views.nudge(lead, days=int(job.payload["days"]), tz=job.payload.get("tz") or "UTC")
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def _post(session: Session, lead: Lead) -> tuple[str, list]:
    return views.announcement(lead, club.workspace(session, team_id=lead.team_id).timezone)


ANNOUNCEMENT = posts.AnnouncedPost(model=Lead, announce_kind=ANNOUNCE, update_kind=POST, render=_post, no_channel=views.NO_LEADS_CHANNEL, not_announced=views.NOT_ANNOUNCED)


def announce(session: Session, *, lead: Lead, channel: str | None, poster: str) -> None:
    """Owe the lead's announcement in `channel`; with no channel to announce in, tell the poster."""
    ANNOUNCEMENT.announce(session, row=lead, channel=channel, poster=poster)


def refresh(session: Session, *, lead: Lead) -> None:
    ANNOUNCEMENT.refresh(session, row=lead)


# --- freshness ----------------------------------------------------------------------------------


def plan_freshness(session: Session, now: datetime) -> int:
    """Record the expiry of leads whose last day has passed (in their workspace's zone), and owe
    each poster one "Still open?" DM per expiry, at 9:00 their time 3 days before it. A lead
    shared less than 3 days before its expiry isn't asked about."""
    # Only what needs something now, in some zone: the tick comes by every few seconds, and a lead
    # already asked about need not be read again until its last day has passed.
    candidates = freshness.to_look_at(
        session, expired_before=latest_today(now), ask_until=latest_today(now + ASK_PLANNED_AHEAD) + freshness.ASK_BEFORE
    )
    if not candidates:
        return 0
    teams = {lead.team_id for lead in candidates}
    zones = dict(session.execute(select(Workspace.team_id, Workspace.timezone).where(Workspace.team_id.in_(teams))).all())
    posters: dict[str, dict[str, str]] = {}
    planned = 0
    for lead in candidates:
        club_tz = zones.get(lead.team_id) or "UTC"
        if freshness.is_expired(lead, today=local(now, club_tz).date()):
            freshness.expire(session, lead=lead, now=now)
            refresh(session, lead=lead)
            continue
        if not freshness.needs_asking(lead):
            continue
        if lead.team_id not in posters:
            who = {row.posted_by for row in candidates if row.team_id == lead.team_id}
            posters[lead.team_id] = queue.member_timezones(session, team_id=lead.team_id, user_ids=sorted(who))
        tz = posters[lead.team_id].get(lead.posted_by, club_tz)
        due = at_local(freshness.ask_day(lead), AT, tz)
        if due > now + ASK_PLANNED_AHEAD:
            continue  # not yet: looked at again on a later tick
        lead.still_open_asked_for = lead.expires_on
        if due < lead.created_at:
            continue
        planned += queue.plan(
            session,
            team_id=lead.team_id,
            kind=STILL_OPEN,
            key=f"{STILL_OPEN}:{lead.id}:{lead.expires_on.isoformat()}",
            target=lead.posted_by,
            due_at=max(due, now),
            # Once it has expired the question is moot: it can be kept open from /internships mine no more.
            expires_at=end_of_day(lead.expires_on, club_tz),
            payload={"lead_id": lead.id, "expires_on": lead.expires_on.isoformat(), "tz": tz},
        )
    return planned


def render_still_open(session: Session, job: Job, now: datetime) -> Outgoing:
    lead = session.scalar(select(Lead).where(Lead.team_id == job.team_id, Lead.id == int(job.payload["lead_id"])))
    if lead is None or not lead.is_shown:
        raise Skip("the lead is closed, hidden or removed")
    if lead.expires_on.isoformat() != job.payload["expires_on"]:
        raise Skip("it was kept open or its deadline changed")
    text, blocks = views.still_open(lead)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {KIND: render, STILL_OPEN: render_still_open, **ANNOUNCEMENT.work()}
PLANNERS = (plan_freshness,)


# --- moderation: the officers' review queue and first leads waiting for approval --------------------
# (imported here, not at the top, so this section stays apart from the rest of the file)

from sqlalchemy.orm import object_session

from slackapp.leads import moderation, moderation_views

REVIEW = "lead_review"
APPROVAL = "lead_approval"


def _review_request(lead: Lead) -> tuple[str, list]:
    session = object_session(lead)
    tz = club.workspace(session, team_id=lead.team_id).timezone
    return moderation_views.review_request(lead, moderation.reports_of(session, lead=lead), moderation.last_decision(session, lead=lead), tz)


def _approval_request(lead: Lead) -> tuple[str, list]:
    session = object_session(lead)
    tz = club.workspace(session, team_id=lead.team_id).timezone
    return moderation_views.approval_request(lead, moderation.last_decision(session, lead=lead), tz)


REVIEW_ASKED = posts.OfficersAsked(
    model=Lead, kind=REVIEW, id_key="lead_id", render=_review_request, asker=lambda lead: lead.posted_by, no_reviewers=moderation_views.NO_REVIEWERS
)
APPROVAL_ASKED = posts.OfficersAsked(
    model=Lead, kind=APPROVAL, id_key="lead_id", render=_approval_request, asker=lambda lead: lead.posted_by, no_reviewers=moderation_views.NO_REVIEWERS
)


def ask_review(session: Session, *, lead: Lead, hidden: int, reviewers: list[str]) -> None:
    """`hidden` (the id of the history line that hid the lead) tells this time in review apart from a later one."""
    REVIEW_ASKED.ask_officers(session, row=lead, reviewers=reviewers, occasion=str(hidden))


def ask_approval(session: Session, *, lead: Lead, reviewers: list[str]) -> None:
    APPROVAL_ASKED.ask_officers(session, row=lead, reviewers=reviewers)


RENDERERS = {**RENDERERS, **REVIEW_ASKED.work(), **APPROVAL_ASKED.work()}
