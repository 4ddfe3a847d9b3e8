"""Introductions' timed work: holding each round (on the club's intro day), the intro DMs at 10:00
in each person's own zone, "Did you meet?" halfway to the next round, and the pause notice.

A round is held once (its row is unique per workspace and day) from the day before its day (UTC),
so the intro DM can reach people in every zone at their own 10:00; its DMs are jobs planned in
the same transaction and rendered when sent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.models import Workspace
from slackapp.intros import service, views
from slackapp.intros.models import IntroMember, State
from slackapp.intros.pairing import PEERS, Person
from slackapp.localtime import at_local
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Outgoing, Skip
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

INTRO = "intro"
CHECK_IN = "intro_check_in"
PAUSED = "intro_paused"
AT = time(10, 0)
INTRO_USEFUL_FOR = timedelta(days=1)
CHECK_IN_USEFUL_FOR = timedelta(days=3)
NOTICE_USEFUL_FOR = timedelta(days=2)


def round_days(now: datetime, weekday: int) -> list[date]:
    """The round days whose round is held now: today's and tomorrow's (UTC), when on the intro day."""
    today = now.date()
    return [day for day in (today, today + timedelta(days=1)) if day.weekday() == weekday]


def plan(session: Session, now: datetime) -> int:
    planned = 0
    for team_id, weekday in service.teams_with_members(session):
        for day in round_days(now, weekday):
            planned += hold(session, team_id=team_id, day=day, now=now)
    return planned


def hold(session: Session, *, team_id: str, day: date, now: datetime) -> int:
    """Hold the round of `day` (once) and plan what it owes; how many jobs."""
    listed = {officer.user_id for officer in club_service.listed_officers(session, team_id=team_id)}
    held = service.plan(session, team_id=team_id, day=day, listed_officers=listed)
    if held.round is None:
        return 0
    users = [user for _, group in held.intros for user in group] + held.paused
    zones = queue.member_timezones(session, team_id=team_id, user_ids=users)
    club_zone = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id)) or "UTC"
    work: list[queue.Planned] = []
    for intro, group in held.intros:
        for user in group:
            zone = zones.get(user) or club_zone
            due, check = at_local(day, AT, zone), at_local(intro.check_in_on, AT, zone)
            payload = {"intro": intro.id}
            work.append(queue.Planned(INTRO, f"intros:intro:{intro.id}:{user}", user, due, due + INTRO_USEFUL_FOR, payload))
            work.append(queue.Planned(CHECK_IN, f"intros:check_in:{intro.id}:{user}", user, check, check + CHECK_IN_USEFUL_FOR, payload))
    for user in held.paused:
        work.append(queue.Planned(PAUSED, f"intros:paused:{user}:{day.isoformat()}", user, now, now + NOTICE_USEFUL_FOR))
    # A round of thousands: a few statements, not one a DM (the write lock is held meanwhile).
    return queue.plan_many(session, team_id=team_id, work=work)


def _people(session: Session, team_id: str, users: list[str]) -> dict[str, Person]:
    members = {m.user_id: m for m in session.scalars(select(IntroMember).where(IntroMember.team_id == team_id, IntroMember.user_id.in_(users)))}
    profiles = service.profiles_of(session, team_id=team_id, users=users)
    listed = {officer.user_id for officer in club_service.listed_officers(session, team_id=team_id)}
    return {
        user: service.person_of(members[user], profiles.get(user), listed) if user in members else Person(user_id=user, kind=PEERS, open_to=frozenset())
        for user in users
    }


def render_intro(session: Session, job: Job, now: datetime) -> Outgoing:
    found = service.group(session, team_id=job.team_id, intro_id=int(job.payload["intro"]))
    if found is None or found.of(job.target) is None:
        raise Skip("the intro is gone")
    people = _people(session, job.team_id, [person.user_id for person in found.people])
    text, blocks = views.intro_dm(found.intro.id, people[job.target], [people[user] for user in found.others(job.target)])
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def render_check_in(session: Session, job: Job, now: datetime) -> Outgoing:
    found = service.group(session, team_id=job.team_id, intro_id=int(job.payload["intro"]))
    mine = found.of(job.target) if found else None
    if mine is None:
        raise Skip("the intro is gone")
    if mine.answer is not None:
        raise Skip("already answered")
    settings = service.member(session, team_id=job.team_id, user_id=job.target)
    if settings is None or settings.state != State.on.value:
        raise Skip("the member paused or left introductions")
    text, blocks = views.check_in(found.intro.id, found.others(job.target))
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def render_paused(session: Session, job: Job, now: datetime) -> Outgoing:
    settings = service.member(session, team_id=job.team_id, user_id=job.target)
    if settings is None or settings.state != State.paused.value:
        raise Skip("the member is no longer paused")
    text, blocks = views.paused_by_app()
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {INTRO: render_intro, CHECK_IN: render_check_in, PAUSED: render_paused}
PLANNERS = (plan,)
