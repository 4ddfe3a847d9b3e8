"""Leads that stay fresh: a lead expires after its deadline, or 30 days after it was shared; its
poster is asked "Still open?" 3 days before and can keep it open 30 more days; sharing the same
company and role as a recent open lead warns first. Plain rules over the store."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.errors import UserError
from slackapp.leads import history
from slackapp.leads.history import Action
from slackapp.leads.models import OPEN_FOR, Lead, LeadStatus
from slackapp.leads.service import get_lead, may_manage, shown_filter

# The poster is asked this many days before the lead expires.
ASK_BEFORE = timedelta(days=3)
# A lead shared within this long before with the same company and role is a likely duplicate.
DUPLICATE_WITHIN = timedelta(days=30)

ONLY_MANAGERS_KEEP = "Only the person who shared this lead, or an officer, can keep it open."
NOT_OPEN = "This lead isn't open any more (it was closed, removed or is waiting for review), so it can't be kept open."


def keep_open(session: Session, *, team_id: str, lead_id: int, user_id: str, is_officer: bool, today: date) -> Lead:
    """30 more days from its expiry (from today once that has passed); an expired lead comes back."""
    lead = get_lead(session, team_id=team_id, lead_id=lead_id)
    if not may_manage(lead, user_id=user_id, is_officer=is_officer):
        raise UserError(ONLY_MANAGERS_KEEP)
    if not lead.is_open:
        raise UserError(NOT_OPEN)
    lead.expires_on = max(lead.expires_on, today) + OPEN_FOR
    lead.expired_at = None
    history.record(session, lead=lead, actor=user_id, action=Action.kept_open, detail=f"until {lead.expires_on.isoformat()}")
    return lead


def is_expired(lead: Lead, *, today: date) -> bool:
    return lead.expires_on < today


def to_look_at(session: Session, *, expired_before: date, ask_until: date) -> list[Lead]:
    """Open leads, their expiry not recorded yet, that may need something now: their expiry
    recorded (their last day is before `expired_before`), or their poster asked about the expiry
    they have now (a last day by `ask_until`). Each workspace's own today decides which."""
    statement = select(Lead).where(
        Lead.status == LeadStatus.open.value,
        Lead.closed_at.is_(None),
        Lead.expired_at.is_(None),
        Lead.expires_on <= ask_until,
        (Lead.expires_on < expired_before) | Lead.still_open_asked_for.is_distinct_from(Lead.expires_on),
    )
    return list(session.scalars(statement.order_by(Lead.id)))


def expire(session: Session, *, lead: Lead, now: datetime) -> None:
    lead.expired_at = now
    history.record(session, lead=lead, actor=history.APP, action=Action.expired, detail=f"last day {lead.expires_on.isoformat()}", at=now)


def needs_asking(lead: Lead) -> bool:
    return lead.still_open_asked_for != lead.expires_on


def ask_day(lead: Lead) -> date:
    return lead.expires_on - ASK_BEFORE


def similar_open(session: Session, *, team_id: str, company: str, role: str, today: date, now: datetime) -> Lead | None:
    """An open lead shared in the last 30 days with the same company and role (any case, spacing)."""
    same = select(Lead).where(
        shown_filter(team_id, today),
        func.lower(func.trim(Lead.company)) == " ".join(company.split()).lower(),
        func.lower(func.trim(Lead.role)) == " ".join(role.split()).lower(),
        Lead.created_at >= now - DUPLICATE_WITHIN,
    )
    return session.scalar(same.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(1))
