"""Publishing a member's Home: when they open it, and when something on it changes (planned every
tick from what changed, so the features that change things need not know about Home)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.home import ids, service, views
from slackapp.scheduler import outbox
from slackapp.scheduler.dispatch import Call, Skip
from slackapp.scheduler.models import Job


def publish(session: Session, *, team_id: str, user_id: str) -> None:
    """Owe this member a fresh Home (one waits at a time; it shows what is true when it is sent)."""
    outbox.refresh(session, team_id=team_id, kind=ids.PUBLISH, subject=user_id)


def publish_officers(session: Session, team_id: str) -> None:
    """Owe a fresh Home to every officer who has opened it: what waits for officers changed."""
    for user_id in service.officer_viewers(session, team_id=team_id):
        publish(session, team_id=team_id, user_id=user_id)


def plan(session: Session, now: datetime) -> int:
    changed = service.changed_viewers(session, now=now)
    for viewer in changed:
        publish(session, team_id=viewer.team_id, user_id=viewer.user_id)
    return len(changed)


def render(session: Session, job: Job, now: datetime) -> Call:
    viewer = service.viewer(session, team_id=job.team_id, user_id=job.target)
    if viewer is None:
        raise Skip("they have not opened the app's Home")
    tz = club.workspace(session, team_id=job.team_id).timezone
    board = service.dashboard(session, team_id=job.team_id, user_id=job.target, officer=viewer.officer, now=now, tz=tz)
    return Call("views.publish", {"user_id": job.target, "view": views.home_view(board)})


RENDERERS = {ids.PUBLISH: render}
PLANNERS = (plan,)
