"""The term's end: 14 days before a role's term ends, each officer gets the handover checklist by
DM (at 9:00 on the club's clock), once per term end; it is written when it is sent, so it shows
the roles and open items as they are then."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from slackapp.club.models import Officer, Workspace
from slackapp.localtime import at_local, end_of_day, local
from slackapp.roles import ids, openitems, service, views
from slackapp.roles.models import OfficerRole
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

AT = time(9, 0)


def plan(session: Session, now: datetime) -> int:
    """Owe the checklist for every term end that came within 14 days and wasn't owed yet."""
    # Every zone's today lies within a day of UTC's.
    soonest, latest = now.date() - timedelta(days=1), now.date() + service.CHECKLIST_BEFORE + timedelta(days=1)
    candidates = list(session.scalars(
        select(OfficerRole).where(
            OfficerRole.term_end.between(soonest, latest),
            or_(OfficerRole.checklist_for.is_(None), OfficerRole.checklist_for != OfficerRole.term_end),
        ).order_by(OfficerRole.team_id, OfficerRole.id)
    ))
    if not candidates:
        return 0
    teams = sorted({role.team_id for role in candidates})
    zones = dict(session.execute(select(Workspace.team_id, Workspace.timezone).where(Workspace.team_id.in_(teams))).all())
    planned = 0
    for role in candidates:
        tz = zones.get(role.team_id) or "UTC"
        today = local(now, tz).date()
        if not role.term_end - service.CHECKLIST_BEFORE <= today <= role.term_end:
            continue
        role.checklist_for = role.term_end
        officers = set(session.scalars(select(Officer.user_id).where(Officer.team_id == role.team_id)))
        officers |= {other.holder for other in service.ending(session, team_id=role.team_id, term_end=role.term_end) if other.holder}
        due = max(now, at_local(role.term_end - service.CHECKLIST_BEFORE, AT, tz))
        for officer in sorted(officers):
            planned += queue.plan(
                session, team_id=role.team_id, kind=ids.CHECKLIST, key=f"{ids.CHECKLIST}:{role.term_end.isoformat()}:{officer}", target=officer,
                due_at=due, expires_at=end_of_day(role.term_end, tz), payload={"term_end": role.term_end.isoformat()},
            )
    return planned


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    term_end = date.fromisoformat(job.payload["term_end"])
    roles = [role for role in service.ending(session, team_id=job.team_id, term_end=term_end)]
    if not roles:
        raise Skip("every role ending then was handed over or given a new term")
    text, blocks = views.checklist(term_end, roles, openitems.by_owner(session, team_id=job.team_id, now=now))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {ids.CHECKLIST: render}
PLANNERS = (plan,)
