"""What an officer has open in every feature, and moving it to someone else: the one place the
roles feature reads (and, for a handover, writes) other features' tables.

An item is "owned" by one person when the app would ask that person, and nobody else, to act on
it. Some things wait on every officer at once and belong to none of them: volunteer requests
(gig requests) and projects waiting for approval, and leads waiting for review; a handover has
nothing of theirs to move (`SHARED` says so in the preview)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from slackapp.ask import ids as ask_ids
from slackapp.ask.models import HelpRequest, Kind, Status
from slackapp.ask.service import REMIND_AFTER_DAYS
from slackapp.events.models import Event
from slackapp.gigs import jobs as gigs_jobs
from slackapp.gigs.models import Gig, GigRequest, GigStatus, RequestStatus
from slackapp.leads.models import Lead, LeadStatus
from slackapp.micro.models import Bid, BidStatus, Project, ProjectStatus
from slackapp.scheduler import outbox, queue
from slackapp.slack.text import escape


@dataclass(frozen=True)
class Item:
    kind: str
    id: int
    title: str  # plain text; views escape it
    owner: str
    when: datetime | None = None


@dataclass(frozen=True)
class OpenKind:
    key: str
    label: str  # "events they posted that haven't happened"
    model: type
    owner: object  # the column naming the owner
    is_open: Callable[[datetime], object]  # the condition, at `now`
    title: Callable[[object], str]
    when: Callable[[object], datetime | None] = lambda row: None


_WORKING = (BidStatus.in_progress.value, BidStatus.submitted.value)


def _has_bids(statuses: tuple[str, ...]):
    return exists().where(Bid.project_id == Project.id, Bid.team_id == Project.team_id, Bid.status.in_(statuses))


_TAKING = (ProjectStatus.pending.value, ProjectStatus.open.value)

KINDS = (
    OpenKind("event", "events they posted that haven't happened", Event, Event.created_by,
          lambda now: (Event.cancelled_at.is_(None)) & (Event.starts_at > now), lambda row: row.title, lambda row: row.starts_at),
    OpenKind("gig", "open gigs they are the contact for", Gig, Gig.contact, lambda now: Gig.status == GigStatus.open.value, lambda row: row.title),
    OpenKind("project_supervised", "micro-internship projects they supervise", Project, Project.supervisor,
          lambda now: or_(Project.status.in_(_TAKING), _has_bids(_WORKING)), lambda row: f"{row.title} ({row.organization})"),
    OpenKind("project_posted", "projects they posted with bids, work or payment waiting on them", Project, Project.posted_by,
          lambda now: or_(Project.status.in_(_TAKING), _has_bids((*_WORKING, BidStatus.completed.value))), lambda row: f"{row.title} ({row.organization})"),
    OpenKind("help_request", "requests for help they claimed", HelpRequest, HelpRequest.helper,
          lambda now: HelpRequest.status == Status.claimed.value, lambda row: f"{Kind(row.kind).label} for <@{row.user_id}>", lambda row: row.claimed_at),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def _owned(kind: OpenKind, *, team_id: str, now: datetime, owner: str | None = None):
    statement = select(kind.model).where(kind.model.team_id == team_id, kind.is_open(now), kind.owner.is_not(None))
    if owner is not None:
        statement = statement.where(kind.owner == owner)
    return statement.order_by(kind.model.id)


def _item(kind: OpenKind, row) -> Item:
    return Item(kind=kind.key, id=row.id, title=kind.title(row), owner=getattr(row, kind.owner.key), when=kind.when(row))


def owned_by(session: Session, *, team_id: str, owner: str, now: datetime) -> dict[str, list[Item]]:
    """Every open item `owner` owns, by kind (every kind present, empty or not)."""
    return {kind.key: [_item(kind, row) for row in session.scalars(_owned(kind, team_id=team_id, now=now, owner=owner))] for kind in KINDS}


def by_owner(session: Session, *, team_id: str, now: datetime) -> dict[str, list[Item]]:
    """Every open item of the workspace, by owner (owners in order of their first item's kind)."""
    found: dict[str, list[Item]] = {}
    for kind in KINDS:
        for row in session.scalars(_owned(kind, team_id=team_id, now=now)):
            item = _item(kind, row)
            found.setdefault(item.owner, []).append(item)
    return found


def shared(session: Session, *, team_id: str) -> dict[str, int]:
    """What waits on every officer at once (nobody's to hand over): counts by what it is."""
    counts = {
        "volunteer requests waiting for an officer's decision": (GigRequest, GigRequest.status == RequestStatus.pending.value),
        "projects waiting for an officer's approval": (Project, Project.status == ProjectStatus.pending.value),
        "leads waiting for an officer's review or approval": (Lead, Lead.status.in_((LeadStatus.pending.value, LeadStatus.hidden.value))),
    }
    return {label: session.scalar(select(func.count()).select_from(model).where(model.team_id == team_id, condition)) or 0
            for label, (model, condition) in counts.items()}


@dataclass
class Moved:
    """What a handover moved, by kind, and who else must be told (user id -> lines)."""

    items: dict[str, list[Item]]
    told: dict[str, list[str]]


def move(session: Session, *, team_id: str, old: str, new: str, now: datetime) -> Moved:
    """Give every open item `old` owns to `new`, in the caller's transaction; owe the messages
    that follow (a gig's post shows its new contact; a student hears of their new supervisor; a
    member hears who now helps them, and the new helper gets the old one's reminders)."""
    moved: dict[str, list[Item]] = {}
    told: dict[str, list[str]] = {}
    for kind in KINDS:
        rows = list(session.scalars(_owned(kind, team_id=team_id, now=now, owner=old).with_for_update()))
        moved[kind.key] = [_item(kind, row) for row in rows]
        for row in rows:
            setattr(row, kind.owner.key, new)
        session.flush()
        for row in rows:
            _follow(session, kind.key, row, old=old, new=new, now=now, told=told)
    return Moved(items=moved, told=told)


def _follow(session: Session, kind: str, row, *, old: str, new: str, now: datetime, told: dict[str, list[str]]) -> None:
    if kind == "gig":
        gigs_jobs.refresh(session, gig=row)
    elif kind == "project_supervised":
        students = session.scalars(select(Bid.user_id).where(Bid.team_id == row.team_id, Bid.project_id == row.id, Bid.status.in_(_WORKING)))
        for student in students:
            told.setdefault(student, []).append(f"<@{new}> now supervises *{escape(row.title, 150)}* (instead of <@{old}>).")
    elif kind == "help_request":
        told.setdefault(row.user_id, []).append(f"<@{new}> now helps you with your request for {Kind(row.kind).label.lower()} (instead of <@{old}>).")
        # The old helper's reminders not sent yet go to the new one (same keys as /ask plans them).
        for days in REMIND_AFTER_DAYS:
            key = f"{ask_ids.REMIND}:{row.id}:{row.turn}:{days}:helper"
            if queue.cancel(session, team_id=row.team_id, kind=ask_ids.REMIND, key_prefix=key, reason="handed over", now=now):
                due = row.claimed_at + timedelta(days=days)
                queue.plan(session, team_id=row.team_id, kind=ask_ids.REMIND, key=key, target=new, due_at=due, expires_at=due + outbox.KEEP_TRYING,
                           payload={"request_id": row.id, "turn": row.turn, "role": "helper", "days": days})
