"""Companies' timed work: linking new leads, projects and events to their company records (every
tick, before alerts match), and asking the officers about reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.club import posts
from slackapp.companies import service, views
from slackapp.companies.models import Review

REVIEW = "company_review"


def link(session: Session, now: datetime) -> int:
    """The planner: rows with a company name and no record yet get theirs. It plans no messages."""
    for team_id in service.teams_to_link(session):
        service.link_team(session, team_id, now)
    return 0


REVIEW_ASKED = posts.OfficersAsked(
    model=Review,
    kind=REVIEW,
    id_key="review_id",
    render=lambda review: views.review_question(review, review.company.name),
    asker=lambda review: review.user_id,
    no_reviewers=views.NO_REVIEWERS,
)


def ask_officers(session: Session, *, review: Review, reviewers: list[str]) -> None:
    """Each edit is asked about anew (its own occasion)."""
    REVIEW_ASKED.ask_officers(session, row=review, reviewers=reviewers, occasion=str(int(review.updated_at.timestamp())))


RENDERERS = {**REVIEW_ASKED.work()}
PLANNERS = (link,)
