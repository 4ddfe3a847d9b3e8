"""Alerts' timed work: matching what became shown against the alerts (every tick), the DMs it owes
(instant: at once; daily: 09:00 in the member's zone), and alerts pausing themselves.

Each match names the DM it goes out in (`AlertMatch.job_key`), written in the same transaction
as that DM's job; the DM is rendered when it is sent, from the matches still shown."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.alerts import service, views
from slackapp.alerts.models import Alert, AlertState, Delivery
from slackapp.club.models import Workspace
from slackapp.db import utcnow
from slackapp.localtime import local
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip, Work
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts

INSTANT = "alert_instant"
DAILY = "alert_daily"
IDLE = "alert_idle"
# An instant DM that Slack can't take within a day is no longer news.
INSTANT_USEFUL_FOR = timedelta(days=1)
# A daily DM that couldn't go out at 09:00 is still sent until noon, then dropped.
DAILY_USEFUL_FOR = timedelta(hours=3)
IDLE_USEFUL_FOR = timedelta(days=2)


def instant_prefix(user_id: str) -> str:
    return f"alerts:instant:{user_id}:"


def daily_prefix(user_id: str) -> str:
    return f"alerts:daily:{user_id}:"


def _club_zones(session: Session, team_ids: list[str]) -> dict[str, str]:
    if not team_ids:
        return {}
    return dict(session.execute(select(Workspace.team_id, Workspace.timezone).where(Workspace.team_id.in_(team_ids))).all())


def match(session: Session, now: datetime) -> int:
    """The planner: match every lead, project and upcoming event that became shown since the last
    turn; the DMs planned (new ones)."""
    teams = service.teams_with_unmatched(session, now)
    zones = _club_zones(session, teams)
    return sum(match_team(session, team_id=team_id, club_tz=zones.get(team_id) or "UTC", now=now) for team_id in teams)


def match_team(session: Session, *, team_id: str, club_tz: str, now: datetime) -> int:
    postgres = session.get_bind().dialect.name == "postgresql"
    today = local(now, club_tz).date()
    alerts = service.active_alerts(session, team_id=team_id)
    if not alerts:
        # Nobody to alert: all that is new is matched at once, in two statements.
        service.mark_all_matched(session, team_id=team_id, today=today, now=now)
        return 0
    service.prepare(session, team_id)
    leads, projects = service.unmatched(session, team_id=team_id, today=today, lock=postgres)
    events = service.unmatched_events(session, team_id=team_id, now=now, lock=postgres)
    if not leads and not projects and not events:
        return 0
    items = [service.lead_candidate(lead) for lead in leads] + [service.project_candidate(project) for project in projects]
    items += [service.event_candidate(event) for event in events]
    owed = service.owed(alerts, items)
    # Matched, whoever it matched: an alert made later is for what is new from then on.
    service.mark_matched(session, leads=leads, projects=projects, events=events, now=now)
    if not owed:
        return 0
    instant_users = sorted({user for (user, _, _), alert in owed.items() if alert.delivery == Delivery.instant.value})
    daily_users = sorted({user for (user, _, _), alert in owed.items() if alert.delivery != Delivery.instant.value})
    instant = _instant_keys(session, team_id=team_id, users=instant_users, lock=postgres)
    daily = _daily_slots(session, team_id=team_id, users=daily_users, club_tz=club_tz, now=now, lock=postgres)
    rows = []
    for (user, kind, item_id), alert in owed.items():
        key = instant[user] if alert.delivery == Delivery.instant.value else daily[user][0]
        rows.append({"team_id": team_id, "user_id": user, "item_kind": kind, "item_id": item_id, "alert_id": alert.id, "job_key": key, "matched_at": now})
    planned = 0
    for user, key in sorted(service.record_matches(session, rows)):
        if key == instant.get(user):
            planned += queue.plan(session, team_id=team_id, kind=INSTANT, key=key, target=user, due_at=now, expires_at=now + INSTANT_USEFUL_FOR)
        else:
            _, due, tz = daily[user]
            planned += queue.plan(session, team_id=team_id, kind=DAILY, key=key, target=user, due_at=due, expires_at=due + DAILY_USEFUL_FOR, payload={"tz": tz})
    return planned


def _instant_keys(session: Session, *, team_id: str, users: list[str], lock: bool) -> dict[str, str]:
    """Each member's instant DM still waiting to be sent, or a new one. The waiting row is locked
    (PostgreSQL), so a sender can't take it before these matches are committed; one a sender took
    already is no longer pending, and the matches go in a new DM."""
    if not users:
        return {}
    statement = select(Job.target, Job.key).where(
        Job.team_id == team_id, Job.kind == INSTANT, Job.status == JobStatus.pending.value, Job.target.in_(users)
    ).order_by(Job.id)
    if lock:
        statement = statement.with_for_update()
    waiting: dict[str, str] = {}
    for target, key in session.execute(statement):
        waiting.setdefault(target, key)
    return {user: waiting.get(user) or f"{instant_prefix(user)}{uuid.uuid4().hex[:16]}" for user in users}


def _daily_slots(session: Session, *, team_id: str, users: list[str], club_tz: str, now: datetime, lock: bool) -> dict[str, tuple[str, datetime, str]]:
    """Each member's next daily DM: (key, due, zone). 09:00 in their own zone (else the club's);
    a day later when that DM is already being sent or was sent."""
    if not users:
        return {}
    zones = queue.member_timezones(session, team_id=team_id, user_ids=users)
    slots = {}
    for user in users:
        tz = zones.get(user) or club_tz
        due = service.next_daily(now, tz)
        for _ in range(3):
            key = f"{daily_prefix(user)}{local(due, tz).date().isoformat()}"
            statement = select(Job.status).where(Job.team_id == team_id, Job.key == key)
            status = session.scalar(statement.with_for_update() if lock else statement)
            if status in (None, JobStatus.pending.value, JobStatus.cancelled.value):
                break
            due = service.next_daily(due, tz)
        slots[user] = (key, due, tz)
    return slots


def pause_quiet(session: Session, now: datetime) -> int:
    """The planner: alerts whose DMs got no click for 8 weeks pause themselves and say so, once."""
    planned = 0
    for alert in service.quiet(session, now=now):
        alert.state = AlertState.idle.value
        planned += queue.plan(
            session, team_id=alert.team_id, kind=IDLE, key=f"alerts:idle:{alert.id}:{alert.unclicked_since.isoformat()}",
            target=alert.user_id, due_at=now, expires_at=now + IDLE_USEFUL_FOR, payload={"alert_id": alert.id},
        )
    return planned


def _today(session: Session, team_id: str, now: datetime):
    return local(now, _club_zones(session, [team_id]).get(team_id) or "UTC").date()


def _contents(session: Session, job: Job, now: datetime) -> service.Contents:
    return service.contents(session, team_id=job.team_id, user_id=job.target, job_key=job.key, today=_today(session, job.team_id, now), now=now)


def render(session: Session, job: Job, now: datetime) -> Outgoing:
    found = _contents(session, job, now)
    if not found.items:
        raise Skip("nothing left to send: what matched was closed, hidden or removed, or its alerts paused or deleted")
    # Deadlines read in the member's own zone (kept when they made the alert), else the club's.
    tz = (
        job.payload.get("tz")
        or queue.member_timezone(session, team_id=job.team_id, user_id=job.target)
        or _club_zones(session, [job.team_id]).get(job.team_id)
        or "UTC"
    )
    text, blocks = views.digest(found, tz=tz)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def sent(session: Session, job: Job, channel: str | None, ts: str | None) -> None:
    """In the transaction that records the DM sent: its alerts count quiet weeks from now on,
    unless they already were."""
    at = session.scalar(select(Job.finished_at).where(Job.id == job.id)) or utcnow()
    found = _contents(session, job, at)
    service.started_quiet(session, team_id=job.team_id, user_id=job.target, alert_ids=set(found.came_by.values()), at=at)


def render_idle(session: Session, job: Job, now: datetime) -> Outgoing:
    alert = session.scalar(select(Alert).where(Alert.team_id == job.team_id, Alert.id == int(job.payload["alert_id"]), Alert.user_id == job.target))
    if alert is None:
        raise Skip("the alert was deleted")
    if alert.state != AlertState.idle.value:
        raise Skip("the alert was resumed or paused by its member meanwhile")
    text, blocks = views.went_idle(alert)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def cancel_all(session: Session, *, team_id: str, user_id: str, now: datetime, reason: str) -> int:
    """The member's alert DMs still to come (they have no alerts left)."""
    return sum(
        queue.cancel(session, team_id=team_id, kind=kind, key_prefix=prefix, reason=reason, now=now)
        for kind, prefix in ((INSTANT, instant_prefix(user_id)), (DAILY, daily_prefix(user_id)))
    )


RENDERERS = {INSTANT: Work(render, sent=sent), DAILY: Work(render, sent=sent), IDLE: render_idle}
PLANNERS = (match, pause_quiet)
