"""The help queue's rules, over the store. Nothing here knows about Slack.

- A member asks for help of one kind (resume review, mock interview, career advice, other), with
  what they want help with, when they are available and an optional link.
- Helpers are officers, and members or alumni guests who take some kinds (`/ask helper on`).
- Claim gives an open request to exactly one helper: one conditional UPDATE … WHERE status='open',
  so of any number of helpers clicking at once one changes the row and the others find it taken
  (PostgreSQL re-checks the condition after the first writer commits; SQLite's write lock already
  serialises).
- Only the requester marks it done (with a rating 1–5 and an optional note) or withdraws it; only
  its helper hands it back to the queue. A claimed request that nobody closes expires after 14 days.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from slackapp.ask import ids
from slackapp.ask.models import CLOSED, Helper, HelpRequest, Kind, Status
from slackapp.db import insert_for, team_row, utcnow
from slackapp.errors import UserError
from slackapp.validation import text_field

LIMITS = {ids.TOPIC: 1500, ids.LINK: 2000, ids.AVAILABILITY: 300, ids.NOTE: 500}
# Follow-ups: unclaimed this long goes to the officers (once); claimed, both are reminded after
# these days; claimed and not closed this long, it closes by itself.
UNCLAIMED_AFTER = timedelta(hours=48)
REMIND_AFTER_DAYS = (2, 7)
EXPIRE_AFTER = timedelta(days=14)

GONE = "That request no longer exists."
PICK_A_KIND = "Pick the kind of help."
BAD_LINK = "Give a link starting with https:// (or leave it empty)."
PICK_KINDS = "Pick at least one kind of help you take."
PICK_A_RATING = "Pick a rating from 1 to 5."
ONLY_HELPERS = "Only helpers can claim requests: officers, and members who take this kind of help (`/ask helper on`)."
OWN_REQUEST = "That's your own request: a helper will claim it."
ONLY_REQUESTER = "Only the member who asked can close or withdraw this request."
ONLY_HELPER = "Only the helper who claimed this request can hand it back."
NOT_CLAIMED = "Nobody has claimed this request yet, so there is nothing to mark done. You can withdraw it instead."
CLOSED_ALREADY = "This request is closed already."


# --- asking ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    kind: Kind
    topic: str
    availability: str
    link: str | None = None


def valid_link(value: str | None) -> bool:
    if not value:
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(char.isspace() or char in "<>|" for char in value)


def validate_request(raw: dict) -> Draft:
    """The request form; UserError next to each input that is wrong."""
    errors: dict[str, str] = {}
    try:
        kind = Kind(str(raw.get(ids.KIND) or ""))
    except ValueError:
        errors[ids.KIND] = PICK_A_KIND
        kind = Kind.other
    topic = text_field(raw, ids.TOPIC, errors, limit=LIMITS[ids.TOPIC], required=True)
    availability = text_field(raw, ids.AVAILABILITY, errors, limit=LIMITS[ids.AVAILABILITY], required=True)
    link = text_field(raw, ids.LINK, errors, limit=LIMITS[ids.LINK])
    if ids.LINK not in errors and not valid_link(link):
        errors[ids.LINK] = BAD_LINK
    if errors:
        raise UserError.in_fields(errors)
    return Draft(kind=kind, topic=topic or "", availability=availability or "", link=link)


def create(session: Session, *, team_id: str, user_id: str, draft: Draft, now: datetime | None = None) -> HelpRequest:
    now = now or utcnow()
    request = HelpRequest(
        team_id=team_id, user_id=user_id, kind=draft.kind.value, topic=draft.topic, link=draft.link, availability=draft.availability,
        status=Status.open.value, turn=1, created_at=now, queued_at=now,
    )
    session.add(request)
    session.flush()
    return request


def get(session: Session, *, team_id: str, request_id: int) -> HelpRequest:
    return team_row(session, HelpRequest, team_id=team_id, row_id=request_id, missing=GONE)


# --- helpers -----------------------------------------------------------------------------------------


def parse_kinds(values) -> list[Kind]:
    """Kinds picked in the helper form (or typed after `/ask helper on`), in the form's order."""
    picked = {str(value).lower() for value in values or ()}
    return [kind for kind in Kind if kind.value in picked]


def set_helper(session: Session, *, team_id: str, user_id: str, kinds: list[Kind]) -> None:
    if not kinds:
        raise UserError(PICK_KINDS, field=ids.KINDS)
    value = ",".join(kind.value for kind in kinds)
    statement = insert_for(session)(Helper).values(team_id=team_id, user_id=user_id, kinds=value, updated_at=utcnow())
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"kinds": value, "updated_at": utcnow()}))


def stop_helping(session: Session, *, team_id: str, user_id: str) -> bool:
    """False when they were not a helper."""
    return session.execute(delete(Helper).where(Helper.team_id == team_id, Helper.user_id == user_id)).rowcount == 1


def helper_kinds(session: Session, *, team_id: str, user_id: str) -> set[str]:
    """The kinds a member takes (empty: not a helper)."""
    kinds = session.scalar(select(Helper.kinds).where(Helper.team_id == team_id, Helper.user_id == user_id))
    return set(kinds.split(",")) if kinds else set()


def helpers_for(session: Session, *, team_id: str, kind: str) -> list[str]:
    """Members who opted in to take this kind, in the order they did."""
    rows = session.execute(select(Helper.user_id, Helper.kinds).where(Helper.team_id == team_id).order_by(Helper.id))
    return [user_id for user_id, kinds in rows if kind in kinds.split(",")]


def may_claim(request: HelpRequest, *, user_id: str, is_officer: bool, kinds: set[str]) -> None:
    """Whether `user_id` may claim `request` at all (not whether someone was faster)."""
    if request.user_id == user_id:
        raise UserError(OWN_REQUEST)
    if not is_officer and request.kind not in kinds:
        raise UserError(ONLY_HELPERS)


# --- claiming and closing ------------------------------------------------------------------------------


def _closed_message(request: HelpRequest) -> str:
    if request.status == Status.claimed.value:
        return f"<@{request.helper}> already claimed this request."
    return {
        Status.withdrawn.value: "This request was withdrawn.",
        Status.done.value: "This request is done.",
        Status.expired.value: "This request closed by itself.",
    }.get(request.status, CLOSED_ALREADY)


def claim(session: Session, *, team_id: str, request_id: int, user_id: str, is_officer: bool, kinds: set[str], now: datetime | None = None) -> HelpRequest:
    """Give the open request to this helper; exactly one of any number of helpers at once wins."""
    now = now or utcnow()
    request = get(session, team_id=team_id, request_id=request_id)
    may_claim(request, user_id=user_id, is_officer=is_officer, kinds=kinds)
    won = session.execute(
        update(HelpRequest)
        .where(HelpRequest.team_id == team_id, HelpRequest.id == request.id, HelpRequest.status == Status.open.value)
        .values(status=Status.claimed.value, helper=user_id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if won != 1:
        raise UserError(_closed_message(request))
    return request


def _mine_to_close(session: Session, *, team_id: str, request_id: int, user_id: str) -> HelpRequest:
    request = team_row(session, HelpRequest, team_id=team_id, row_id=request_id, lock=True, missing=GONE)
    if request.user_id != user_id:
        raise UserError(ONLY_REQUESTER)
    if request.status in CLOSED:
        raise UserError(_closed_message(request))
    return request


def may_mark_done(session: Session, *, team_id: str, request_id: int, user_id: str) -> HelpRequest:
    """Before the form opens: the requester's own claimed request."""
    request = get(session, team_id=team_id, request_id=request_id)
    if request.user_id != user_id:
        raise UserError(ONLY_REQUESTER)
    if request.status in CLOSED:
        raise UserError(_closed_message(request))
    if request.status != Status.claimed.value:
        raise UserError(NOT_CLAIMED)
    return request


def validate_rating(raw: dict) -> tuple[int, str | None]:
    rating = str(raw.get(ids.RATING) or "")
    if rating not in ("1", "2", "3", "4", "5"):
        raise UserError(PICK_A_RATING, field=ids.RATING)
    errors: dict[str, str] = {}
    note = text_field(raw, ids.NOTE, errors, limit=LIMITS[ids.NOTE])
    if errors:
        raise UserError.in_fields(errors)
    return int(rating), note


def mark_done(session: Session, *, team_id: str, request_id: int, user_id: str, rating: int, note: str | None, now: datetime | None = None) -> HelpRequest:
    """The requester closes their claimed request with a rating (1–5) and an optional note, once."""
    if rating not in range(1, 6):
        raise UserError(PICK_A_RATING, field=ids.RATING)
    request = _mine_to_close(session, team_id=team_id, request_id=request_id, user_id=user_id)
    if request.status != Status.claimed.value:
        raise UserError(NOT_CLAIMED)
    request.status, request.rating, request.note, request.closed_at = Status.done.value, rating, note, now or utcnow()
    session.flush()
    return request


def withdraw(session: Session, *, team_id: str, request_id: int, user_id: str, now: datetime | None = None) -> HelpRequest:
    """The requester takes back their request, open or claimed."""
    request = _mine_to_close(session, team_id=team_id, request_id=request_id, user_id=user_id)
    request.status, request.closed_at = Status.withdrawn.value, now or utcnow()
    session.flush()
    return request


def hand_back(session: Session, *, team_id: str, request_id: int, user_id: str, now: datetime | None = None) -> HelpRequest:
    """The helper gives the request back to the queue: open again, in a new turn."""
    now = now or utcnow()
    request = team_row(session, HelpRequest, team_id=team_id, row_id=request_id, lock=True, missing=GONE)
    if request.status != Status.claimed.value:
        raise UserError(_closed_message(request) if request.status in CLOSED else "This request is back in the queue already.")
    if request.helper != user_id:
        raise UserError(ONLY_HELPER)
    request.status, request.helper, request.claimed_at = Status.open.value, None, None
    request.turn, request.queued_at = request.turn + 1, now
    session.flush()
    return request


def expire_stale(session: Session, *, now: datetime, limit: int = 200) -> list[HelpRequest]:
    """Claimed requests nobody closed within 14 days, in every workspace: closed now."""
    found = list(
        session.scalars(
            select(HelpRequest)
            .where(HelpRequest.status == Status.claimed.value, HelpRequest.claimed_at <= now - EXPIRE_AFTER)
            .order_by(HelpRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for request in found:
        request.status, request.closed_at = Status.expired.value, now
    session.flush()
    return found


# --- lists ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    asked: list[HelpRequest]  # the member's own requests, newest first
    helping: list[HelpRequest]  # requests they claimed, newest first


def mine(session: Session, *, team_id: str, user_id: str, limit: int = 10) -> Mine:
    def newest(condition) -> list[HelpRequest]:
        return list(session.scalars(select(HelpRequest).where(HelpRequest.team_id == team_id, condition).order_by(HelpRequest.id.desc()).limit(limit)))

    return Mine(asked=newest(HelpRequest.user_id == user_id), helping=newest(HelpRequest.helper == user_id))


def open_queue(session: Session, *, team_id: str, limit: int) -> list[HelpRequest]:
    """Requests waiting for a helper, oldest first."""
    return list(
        session.scalars(
            select(HelpRequest).where(HelpRequest.team_id == team_id, HelpRequest.status == Status.open.value).order_by(HelpRequest.queued_at, HelpRequest.id).limit(limit)
        )
    )


def recent_ratings(session: Session, *, team_id: str, limit: int) -> list[HelpRequest]:
    """Requests marked done, latest first: for officers (and each one's helper) only."""
    return list(
        session.scalars(
            select(HelpRequest).where(HelpRequest.team_id == team_id, HelpRequest.status == Status.done.value).order_by(HelpRequest.closed_at.desc(), HelpRequest.id.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class ClaimTimes:
    claimed: int  # requests claimed this month
    median: timedelta | None  # from being put in the queue to being claimed


def month_claims(session: Session, *, team_id: str, now: datetime, tz: str) -> ClaimTimes:
    """This calendar month (club time): how many were claimed, and the median time to claim."""
    zone = ZoneInfo(tz)
    first = now.astimezone(zone).date().replace(day=1)
    since = datetime.combine(first, time.min, zone)
    until = datetime.combine((first + timedelta(days=32)).replace(day=1), time.min, zone)
    rows = session.execute(
        select(HelpRequest.queued_at, HelpRequest.claimed_at).where(
            HelpRequest.team_id == team_id, HelpRequest.claimed_at.is_not(None), HelpRequest.claimed_at >= since, HelpRequest.claimed_at < until
        )
    ).all()
    waits = [claimed - queued for queued, claimed in rows]
    return ClaimTimes(claimed=len(waits), median=statistics.median(waits) if waits else None)
