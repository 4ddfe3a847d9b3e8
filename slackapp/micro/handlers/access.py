"""Who acts on a project as an officer. The poster acts on their own project as themselves; only
someone else needs the (slower) officer check, asked before any write transaction opens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.micro import service


def as_officer(club: Club, session: Session, user_id: str, *, project_id: int | None = None, bid_id: int | None = None) -> bool:
    if bid_id is not None:
        project_id = service.get_bid(session, team_id=club.team_id, bid_id=bid_id).project_id
    project = service.get_project(session, team_id=club.team_id, project_id=project_id)
    return user_id != project.posted_by and club.is_officer(user_id)
