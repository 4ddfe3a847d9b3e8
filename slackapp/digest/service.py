"""What the weekly digest says: the week's news from the other features, read at send time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slackapp.events import service as events
from slackapp.events.models import Event
from slackapp.gigs import service as gigs
from slackapp.gigs.models import Gig
from slackapp.leads import service as leads
from slackapp.leads.models import Lead
from slackapp.localtime import local

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Week:
    new: list[Lead]
    closing: list[Lead]
    gigs: list[tuple[Gig, gigs.Roster]]
    events: list[Event]

    @property
    def is_quiet(self) -> bool:
        return not (self.new or self.closing or self.gigs or self.events)


def this_week(session: Session, *, team_id: str, tz: str, now: datetime) -> Week:
    today = local(now, tz).date()
    return Week(
        new=leads.shared_since(session, team_id=team_id, since=now - WEEK, today=today),
        closing=leads.closing_within(session, team_id=team_id, today=today),
        gigs=gigs.open_gigs(session, team_id=team_id),
        events=[event for event in events.upcoming(session, team_id=team_id, now=now) if event.starts_at <= now + WEEK],
    )
