"""A lead's history: every change to it, with who made it and when. Officers read it under the
lead and export it as CSV; it outlives the lead, and forget-me replaces the member's id in it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import utcnow
from slackapp.leads.models import Lead, LeadChange

# Who acts when nobody does: the clock expiring a lead.
APP = "app"


class Action(str, enum.Enum):
    posted = "posted"
    edited = "edited"
    closed = "closed"
    reported = "reported"
    hidden = "hidden"
    restored = "restored"
    removed = "removed"
    expired = "expired"
    kept_open = "kept open"
    approved = "approved"
    declined = "declined"


def name_of(lead: Lead) -> str:
    return f"{lead.role} at {lead.company}"[:400]


def record(session: Session, *, lead: Lead, actor: str, action: Action, detail: str | None = None, at: datetime | None = None) -> LeadChange:
    change = LeadChange(team_id=lead.team_id, lead_id=lead.id, lead_name=name_of(lead), actor=actor, action=action.value, detail=detail, at=at or utcnow())
    session.add(change)
    return change


def of_lead(session: Session, *, team_id: str, lead_id: int) -> list[LeadChange]:
    """Oldest first, as it happened."""
    return list(session.scalars(select(LeadChange).where(LeadChange.team_id == team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id)))
