"""A micro-internship's timed and owed messages, sent by the scheduler: the approval request to the
officers, reminders to an accepted student (1 day before each milestone, 3 days and 1 day before the
due date, at 9:00 on the club's clock) and, once, a notice to the officers about a student who
hasn't submitted by the due date."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import posts
from slackapp.club import service as club
from slackapp.db import team_row
from slackapp.localtime import at_local, end_of_day, local
from slackapp.micro import service, views
from slackapp.micro.models import Bid, BidStatus, Milestone, Project
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

DUE = "micro_due_reminder"
MILESTONE = "micro_milestone_reminder"
OVERDUE = "micro_overdue"
APPROVAL = "micro_approval"
DAYS_BEFORE_DUE = (3, 1)
AT = time(9, 0)


def _reminder(session: Session, *, bid: Bid, kind: str, key: str, day, tz: str, now: datetime, payload: dict) -> None:
    due = at_local(day, AT, tz)
    if due > now:
        # A reminder about a day is only true on that day; after it, it is dropped, not sent late.
        queue.plan(session, team_id=bid.team_id, kind=kind, key=key, target=bid.user_id, due_at=due, expires_at=end_of_day(day, tz), payload=payload)


def plan_reminders(session: Session, *, bid: Bid, project: Project, tz: str, now: datetime) -> None:
    """At acceptance: the student's reminders before each milestone and the due date."""
    for days in DAYS_BEFORE_DUE:
        key = f"{DUE}:{bid.id}:{project.due_date.isoformat()}:{days}"
        payload = {"bid_id": bid.id, "days": days, "due_date": project.due_date.isoformat()}
        _reminder(session, bid=bid, kind=DUE, key=key, day=project.due_date - timedelta(days=days), tz=tz, now=now, payload=payload)
    for milestone in service.milestones_of(session, project=project):
        key = f"{MILESTONE}:{bid.id}:{milestone.id}"
        payload = {"bid_id": bid.id, "milestone_id": milestone.id, "date": milestone.due_date.isoformat()}
        _reminder(session, bid=bid, kind=MILESTONE, key=key, day=milestone.due_date - timedelta(days=1), tz=tz, now=now, payload=payload)


def _working(session: Session, job: Job) -> tuple[Bid, Project]:
    """The job's bid and project, while the student is still working on it."""
    bid = team_row(session, Bid, team_id=job.team_id, row_id=int(job.payload["bid_id"]))
    if bid is None or bid.status != BidStatus.in_progress.value:
        raise Skip("the work was submitted, or the bid is gone")
    return bid, service.get_project(session, team_id=job.team_id, project_id=bid.project_id)


def render_due(session: Session, job: Job, now: datetime) -> Outgoing:
    _, project = _working(session, job)
    if project.due_date.isoformat() != job.payload["due_date"]:
        raise Skip("the due date changed")
    text, blocks = views.due_reminder(project, days=int(job.payload["days"]))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def render_milestone(session: Session, job: Job, now: datetime) -> Outgoing:
    _, project = _working(session, job)
    milestone = team_row(session, Milestone, team_id=job.team_id, row_id=int(job.payload["milestone_id"]))
    if milestone is None or milestone.due_date.isoformat() != job.payload["date"]:
        raise Skip("the milestone changed")
    return Outgoing(channel=job.target, text=views.milestone_reminder(project, milestone))


def plan(session: Session, now: datetime) -> int:
    """Flag, once, each accepted student who hasn't submitted by the due date: to the officers'
    channel, else to each listed officer, else to the poster."""
    teams = set(session.scalars(select(Bid.team_id).where(Bid.status == BidStatus.in_progress.value)))
    planned = 0
    for team_id in teams:
        workspace = club.workspace(session, team_id=team_id)
        officers = [officer.user_id for officer in club.listed_officers(session, team_id=team_id)]
        for bid, project in service.overdue(session, team_id=team_id, today=local(now, workspace.timezone).date()):
            for target in [workspace.officers_channel] if workspace.officers_channel else officers or [project.posted_by]:
                planned += queue.plan(
                    session, team_id=team_id, kind=OVERDUE, key=f"{OVERDUE}:{bid.id}:{target}", target=target,
                    due_at=now, expires_at=now + timedelta(days=2), payload={"bid_id": bid.id},
                )
    return planned


def render_overdue(session: Session, job: Job, now: datetime) -> Outgoing:
    bid, project = _working(session, job)
    text, blocks = views.overdue(project, bid)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


# --- asking the officers to approve a project ----------------------------------------------------


PROJECT_APPROVAL = posts.OfficersAsked(model=Project, kind=APPROVAL, id_key="project_id", render=views.approval_request, asker=lambda project: project.posted_by, no_reviewers=views.NO_REVIEWERS)


def ask_officers(session: Session, *, project: Project, reviewers: list[str]) -> None:
    PROJECT_APPROVAL.ask_officers(session, row=project, reviewers=reviewers)


RENDERERS = {
    DUE: render_due,
    MILESTONE: render_milestone,
    OVERDUE: render_overdue,
    **PROJECT_APPROVAL.work(),
}
PLANNERS = (plan,)
