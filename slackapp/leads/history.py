"""A lead's history: every change to it, with who made it and when. Officers read it under the
lead and export it as CSV; it outlives the lead, and forget-me replaces the member's id in it."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import func, select
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


def record(session: Session, *, lead: Lead, actor: str, action: Action, detail: str | None = None, at: datetime | None = None) -> LeadChange:
    change = LeadChange(team_id=lead.team_id, lead_id=lead.id, lead_name=name_of(lead), actor=actor, action=action.value, detail=detail, at=at or utcnow())
    session.add(change)
    return change


def name_of(lead: Lead) -> str:
    return f"{lead.role} at {lead.company}"[:400]


def of_lead(session: Session, *, team_id: str, lead_id: int) -> list[LeadChange]:
    """Oldest first, as it happened."""
    return list(session.scalars(select(LeadChange).where(LeadChange.team_id == team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id)))


def find(session: Session, *, team_id: str, words: str, limit: int = 10) -> list[tuple[int, str]]:
    """Leads with history, as (id, name), for `/internships history <number or words>`: a number
    is that lead (even one no longer stored); words are in its company or role, newest first."""
    words = words.strip()
    if re.fullmatch(r"#?[0-9]{1,9}", words):
        lead_id = int(words.lstrip("#"))
        lead = session.scalar(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id))
        if lead is not None:
            return [(lead_id, name_of(lead))]
        name = session.scalar(select(LeadChange.lead_name).where(LeadChange.team_id == team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id.desc()).limit(1))
        return [(lead_id, name)] if name is not None else []
    statement = select(Lead.id, Lead.role, Lead.company).where(Lead.team_id == team_id)
    for word in words.lower().split():
        # autoescape: % and _ in the words are letters, not patterns.
        statement = statement.where(func.lower(Lead.company).contains(word, autoescape=True) | func.lower(Lead.role).contains(word, autoescape=True))
    rows = session.execute(statement.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit))
    return [(lead_id, f"{role} at {company}") for lead_id, role, company in rows]
