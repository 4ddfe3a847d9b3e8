"""The rules of volunteer gigs, over the store. Nothing here knows about Slack."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from slackapp.db import team_row, utcnow
from slackapp.errors import UserError
from slackapp.gigs.models import Gig, GigRequest, GigStatus, GigVolunteer, RequestStatus, Spot
from slackapp.validation import text_field

SKILLS = ("web design", "social media", "data analysis", "writing", "graphic design", "event planning", "video")
LIMITS = {"title": 150, "needed": 2000, "skills": 300, "organization": 150, "reason": 500}
MAX_HOURS = Decimal(200)
MAX_SLOTS = 50
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def parse_hours(value: object, *, zero: bool = True) -> Decimal:
    """Hours as people give them: 0–200, at most one decimal ("2.5", not "2.25"). A volunteer may
    have given none (`zero`); a gig that asks for none asks for nobody's time."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise UserError("Give the hours as a number, like 4 or 2.5.") from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS or (hours == 0 and not zero):
        raise UserError("Hours must be between 0 and 200." if zero else "Hours must be more than 0 and at most 200.")
    if hours != hours.quantize(Decimal("0.1")):
        raise UserError("Use at most one decimal, like 2.5.")
    return hours.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class GigDraft:
    title: str
    needed: str
    skills: str | None
    hours: Decimal
    slots: int
    due_date: date | None
    contact: str


@dataclass(frozen=True)
class RequestDraft:
    organization: str
    needed: str
    skills: str | None
    hours: Decimal
    due_date: date | None


def _text(raw: dict, name: str, errors: dict, *, required: bool) -> str | None:
    return text_field(raw, name, errors, limit=LIMITS[name], required=required)


def _skills(raw: dict) -> str | None:
    picked = [skill for skill in raw.get("skills") or [] if skill in SKILLS]
    extra = raw.get("other_skills")
    if isinstance(extra, str):
        picked += [part.strip().lower() for part in extra.split(",") if part.strip()]
    joined = ", ".join(dict.fromkeys(picked))
    return joined[: LIMITS["skills"]] or None


def _hours(raw: dict, errors: dict) -> Decimal:
    try:
        return parse_hours(raw.get("hours"), zero=False)
    except UserError as exc:
        errors["hours"] = str(exc)
        return Decimal(0)


def _due(raw: dict, errors: dict, today: date) -> date | None:
    value = raw.get("due_date")
    if not value:
        return None
    try:
        due = date.fromisoformat(str(value))
    except ValueError:
        errors["due_date"] = "Pick a date from the calendar."
        return None
    if due < today:
        errors["due_date"] = "That date has passed."
    return due


def validate_gig(raw: dict, *, today: date, poster: str, bot: str | None = None) -> GigDraft:
    """The gig form's values; `bot` is the app's own user, which a users select offers too."""
    errors: dict[str, str] = {}
    title = _text(raw, "title", errors, required=True)
    needed = _text(raw, "needed", errors, required=True)
    hours = _hours(raw, errors)
    slots_text = str(raw.get("slots") or "1").strip()
    slots = int(slots_text) if slots_text.isdigit() else 0
    if not 1 <= slots <= MAX_SLOTS:
        errors["slots"] = f"Ask for between 1 and {MAX_SLOTS} volunteers."
    due = _due(raw, errors, today)
    contact = raw.get("contact") or poster
    if not isinstance(contact, str) or not _USER.match(contact):
        errors["contact"] = "Pick a person from the list."
    elif contact == bot:  # volunteers' messages to the contact would go to the app itself
        errors["contact"] = "Pick a person from the list: the app itself can't be the contact."
    if errors:
        raise UserError.in_fields(errors)
    return GigDraft(title=title, needed=needed, skills=_skills(raw), hours=hours, slots=slots, due_date=due, contact=contact)


def validate_request(raw: dict, *, today: date) -> RequestDraft:
    errors: dict[str, str] = {}
    organization = _text(raw, "organization", errors, required=True)
    needed = _text(raw, "needed", errors, required=True)
    hours = _hours(raw, errors)
    due = _due(raw, errors, today)
    if errors:
        raise UserError.in_fields(errors)
    return RequestDraft(organization=organization, needed=needed, skills=_skills(raw), hours=hours, due_date=due)


ONLY_OFFICERS_POST = "Only club officers can post gigs. Anyone can ask for help with `/gigs request`."


def post_gig(session: Session, *, team_id: str, user_id: str, is_officer: bool, draft: GigDraft, organization: str | None = None) -> Gig:
    if not is_officer:
        raise UserError(ONLY_OFFICERS_POST)
    # The draft's fields are the gig's columns.
    gig = Gig(team_id=team_id, organization=organization, posted_by=user_id, status=GigStatus.open.value, **asdict(draft))
    session.add(gig)
    session.flush()
    return gig


def get_gig(session: Session, *, team_id: str, gig_id: int, lock: bool = False) -> Gig:
    # Locked, clicks on one gig are applied one at a time, so its slots can't be overfilled.
    return team_row(session, Gig, team_id=team_id, row_id=gig_id, lock=lock, missing="That gig no longer exists.")


def record_announcement(session: Session, *, team_id: str, gig_id: int, channel: str, ts: str) -> None:
    gig = get_gig(session, team_id=team_id, gig_id=gig_id)
    gig.announce_channel, gig.announce_ts = channel, ts


@dataclass(frozen=True)
class Roster:
    volunteers: list[str]
    waitlist: list[str]


def roster(session: Session, *, gig: Gig) -> Roster:
    rows = session.execute(
        select(GigVolunteer.user_id, GigVolunteer.spot)
        .where(GigVolunteer.gig_id == gig.id, GigVolunteer.spot != Spot.withdrawn.value)
        .order_by(GigVolunteer.joined_at, GigVolunteer.id)
    ).all()
    return Roster(
        volunteers=[user for user, spot in rows if spot == Spot.volunteer.value],
        waitlist=[user for user, spot in rows if spot == Spot.waitlist.value],
    )


@dataclass(frozen=True)
class Joined:
    spot: Spot
    position: int  # 1-based place on the waitlist; 0 for a volunteer
    new: bool


def volunteer(session: Session, *, team_id: str, gig_id: int, user_id: str, now: datetime | None = None) -> Joined:
    """Take a free slot, or join the waitlist. However many click at once, only `slots` get in."""
    gig = get_gig(session, team_id=team_id, gig_id=gig_id, lock=True)
    if gig.status != GigStatus.open.value:
        raise UserError("This gig is done; thanks for offering!")
    mine = session.scalar(select(GigVolunteer).where(GigVolunteer.gig_id == gig.id, GigVolunteer.user_id == user_id))
    current = roster(session, gig=gig)
    if mine is not None and mine.spot != Spot.withdrawn.value:
        position = current.waitlist.index(user_id) + 1 if mine.spot == Spot.waitlist.value else 0
        return Joined(spot=Spot(mine.spot), position=position, new=False)
    spot = Spot.volunteer if len(current.volunteers) < gig.slots else Spot.waitlist
    if mine is None:
        mine = GigVolunteer(team_id=team_id, gig_id=gig.id, user_id=user_id)
        session.add(mine)
    mine.spot, mine.joined_at = spot.value, now or utcnow()
    session.flush()
    return Joined(spot=spot, position=len(current.waitlist) + 1 if spot == Spot.waitlist else 0, new=True)


def withdraw(session: Session, *, team_id: str, gig_id: int, user_id: str) -> str | None:
    """Give up a slot or a waitlist place. Returns who was promoted into the freed slot, if anyone."""
    gig = get_gig(session, team_id=team_id, gig_id=gig_id, lock=True)
    if gig.status != GigStatus.open.value:
        raise UserError("This gig is done, so there is nothing to withdraw from.")
    mine = session.scalar(select(GigVolunteer).where(GigVolunteer.gig_id == gig.id, GigVolunteer.user_id == user_id))
    if mine is None or mine.spot == Spot.withdrawn.value:
        raise UserError("You haven't volunteered for this gig.")
    had_slot = mine.spot == Spot.volunteer.value
    mine.spot = Spot.withdrawn.value
    session.flush()
    if not had_slot:
        return None
    return _promote(session, gig=gig)


def _promote(session: Session, *, gig: Gig) -> str | None:
    current = roster(session, gig=gig)
    if len(current.volunteers) >= gig.slots or not current.waitlist:
        return None
    first = current.waitlist[0]
    session.execute(update(GigVolunteer).where(GigVolunteer.gig_id == gig.id, GigVolunteer.user_id == first).values(spot=Spot.volunteer.value))
    return first


def may_finish(gig: Gig, *, user_id: str, is_officer: bool) -> bool:
    return is_officer or gig.contact == user_id


def finish(session: Session, *, team_id: str, gig_id: int, user_id: str, is_officer: bool, hours: dict[str, object], now: datetime | None = None) -> dict[str, Decimal]:
    """Mark a gig done and store each volunteer's confirmed hours. Returns the hours by volunteer."""
    gig = get_gig(session, team_id=team_id, gig_id=gig_id, lock=True)
    if not may_finish(gig, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the gig's contact or an officer can mark it done and confirm hours.")
    if gig.status != GigStatus.open.value:
        raise UserError("This gig is already marked done.")
    volunteers = roster(session, gig=gig).volunteers
    if set(hours) != set(volunteers):
        raise UserError("The volunteers changed meanwhile; open the form again.")
    errors: dict[str, str] = {}
    confirmed: dict[str, Decimal] = {}
    for volunteer_id, value in hours.items():
        try:
            confirmed[volunteer_id] = parse_hours(value)
        except UserError as exc:
            errors[volunteer_id] = str(exc)
    if errors:
        raise UserError.in_fields(errors)
    for volunteer_id, value in confirmed.items():
        session.execute(
            update(GigVolunteer)
            .where(GigVolunteer.gig_id == gig.id, GigVolunteer.user_id == volunteer_id)
            .values(hours=value, hours_confirmed_by=user_id)
        )
    gig.status, gig.done_at, gig.done_by = GigStatus.done.value, now or utcnow(), user_id
    return confirmed


def open_gigs(session: Session, *, team_id: str, with_free_slots: bool = True) -> list[tuple[Gig, Roster]]:
    gigs = session.scalars(select(Gig).where(Gig.team_id == team_id, Gig.status == GigStatus.open.value).order_by(Gig.created_at.desc(), Gig.id.desc()))
    found = [(gig, roster(session, gig=gig)) for gig in gigs]
    return [(gig, r) for gig, r in found if len(r.volunteers) < gig.slots] if with_free_slots else found


def my_gigs(session: Session, *, team_id: str, user_id: str) -> tuple[list[tuple[Gig, str]], list[Gig]]:
    volunteered = session.execute(
        select(Gig, GigVolunteer.spot)
        .join(GigVolunteer, GigVolunteer.gig_id == Gig.id)
        .where(GigVolunteer.team_id == team_id, GigVolunteer.user_id == user_id, GigVolunteer.spot != Spot.withdrawn.value)
        .order_by(Gig.created_at.desc())
    ).all()
    posted = session.scalars(
        select(Gig).where(Gig.team_id == team_id, (Gig.contact == user_id) | (Gig.posted_by == user_id)).order_by(Gig.created_at.desc())
    ).all()
    return [(gig, spot) for gig, spot in volunteered], list(posted)


def volunteer_hours(session: Session, *, team_id: str, user_id: str) -> Decimal:
    """Confirmed volunteer hours, for the passport."""
    total = session.scalar(
        select(func.coalesce(func.sum(GigVolunteer.hours), 0)).where(GigVolunteer.team_id == team_id, GigVolunteer.user_id == user_id)
    )
    return Decimal(total or 0)


# --- requests from other organizations -----------------------------------------------------


def create_request(session: Session, *, team_id: str, user_id: str, draft: RequestDraft) -> GigRequest:
    request = GigRequest(team_id=team_id, requester=user_id, status=RequestStatus.pending.value, **asdict(draft))
    session.add(request)
    session.flush()
    return request


def get_request(session: Session, *, team_id: str, request_id: int) -> GigRequest:
    return team_row(session, GigRequest, team_id=team_id, row_id=request_id, missing="That request no longer exists.")


def already_decided(request: GigRequest) -> UserError:
    return UserError(f"<@{request.decided_by}> already {request.status} this request.")


def decide(session: Session, *, team_id: str, request_id: int, officer_id: str, is_officer: bool, approve: bool,
           reason: str | None = None, now: datetime | None = None) -> tuple[GigRequest, Gig | None]:
    """Approve (posting the gig, with the requester as contact) or decline, once: first click wins."""
    if not is_officer:
        raise UserError("Only club officers can approve or decline requests.")
    reason = (reason or "").strip() or None
    if not approve and not reason:
        raise UserError("Tell them why, so they can try elsewhere or ask again.", field="reason")
    if reason and len(reason) > LIMITS["reason"]:
        raise UserError(f"Keep this under {LIMITS['reason']} characters.", field="reason")
    status = RequestStatus.approved if approve else RequestStatus.declined
    won = session.execute(
        update(GigRequest)
        .where(GigRequest.team_id == team_id, GigRequest.id == request_id, GigRequest.status == RequestStatus.pending.value)
        .values(status=status.value, decided_by=officer_id, decided_at=now or utcnow(), reason=reason)
    ).rowcount
    request = get_request(session, team_id=team_id, request_id=request_id)
    session.refresh(request)
    if won != 1:
        raise already_decided(request)
    if not approve:
        return request, None
    draft = GigDraft(
        title=f"{request.organization} needs a volunteer"[: LIMITS["title"]],
        needed=request.needed,
        skills=request.skills,
        hours=request.hours,
        slots=1,
        due_date=request.due_date,
        contact=request.requester,
    )
    gig = post_gig(session, team_id=team_id, user_id=officer_id, is_officer=True, draft=draft, organization=request.organization)
    request.gig_id = gig.id
    return request, gig


def pending_requests(session: Session, *, team_id: str, limit: int) -> list[GigRequest]:
    """Requests from other organizations waiting for an officer, oldest first."""
    return list(
        session.scalars(
            select(GigRequest)
            .where(GigRequest.team_id == team_id, GigRequest.status == RequestStatus.pending.value)
            .order_by(GigRequest.created_at, GigRequest.id)
            .limit(limit)
        )
    )


def overdue(session: Session, *, team_id: str, today: date) -> list[tuple[Gig, Roster]]:
    """Open gigs past their due date that still have free slots."""
    return [(gig, r) for gig, r in open_gigs(session, team_id=team_id) if gig.due_date is not None and gig.due_date < today]
