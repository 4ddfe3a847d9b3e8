"""The passport's rules over the store: the program, records, claims and the leaderboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import insert_for, team_row, utcnow
from slackapp.errors import UserError
from slackapp.passport import ids
from slackapp.passport.models import Claim, ClaimStatus, PassportMember, ProgramSettings
from slackapp.passport.program import DEFAULT, Period, PeriodKind, Program, Record, period_of, score
from slackapp.passport.sources import stamps
from slackapp.validation import text_field

LIMITS = {ids.TITLE: 150, ids.EVIDENCE: 1000, ids.COMMENT: 500}
# Officers' views of the club never show a figure that stands for fewer members than this.
SMALLEST_GROUP = 5
MAX_POINTS = 100
MAX_TARGET = 1000
CLAIMS_REACH_BACK = timedelta(days=366)

ONLY_OFFICERS = "Only club officers can do that."


# --- the program -----------------------------------------------------------------------------


def program(session: Session, *, team_id: str) -> Program:
    stored = session.get(ProgramSettings, team_id)
    return Program.from_json(stored.program) if stored else DEFAULT


def _whole(value: object, name: str, errors: dict, *, low: int, high: int, empty: int | None = None) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        if empty is None:
            errors[name] = "Please fill this in."
        return empty
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = f"A whole number from {low} to {high}."
        return None
    return int(text)


def configure(session: Session, *, team_id: str, user_id: str, is_officer: bool, raw: dict, current: Program) -> Program:
    """Officers change points, caps, the target, required categories and the period."""
    if not is_officer:
        raise UserError(ONLY_OFFICERS)
    errors: dict[str, str] = {}
    categories = []
    for category in current.categories:
        points = _whole(raw.get(ids.POINTS + category.key), ids.POINTS + category.key, errors, low=0, high=MAX_POINTS)
        cap = _whole(raw.get(ids.CAP + category.key), ids.CAP + category.key, errors, low=0, high=MAX_TARGET, empty=-1)
        categories.append(replace(category, points=points or 0, cap=None if cap in (None, -1) else cap))
    target = _whole(raw.get(ids.TARGET), ids.TARGET, errors, low=1, high=MAX_TARGET)
    required = tuple(key for key in raw.get(ids.REQUIRED) or [] if current.category(key))
    period = raw.get(ids.PERIOD) or current.period.value
    if period not in PeriodKind._value2member_map_:
        errors[ids.PERIOD] = "Pick semester or year."
    if errors:
        raise UserError.in_fields(errors)
    changed = Program(categories=tuple(categories), target=target, required=required, period=PeriodKind(period))
    values = {"team_id": team_id, "program": changed.as_json(), "updated_by": user_id, "updated_at": utcnow()}
    statement = insert_for(session)(ProgramSettings).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id"], set_={k: v for k, v in values.items() if k != "team_id"}))
    return changed


# --- records -----------------------------------------------------------------------------------


def current_period(session: Session, *, team_id: str, today: date) -> Period:
    return period_of(today, program(session, team_id=team_id).period)


def record(session: Session, *, team_id: str, user_id: str, today: date, tz: str) -> Record:
    """The member's record for the period `today` is in."""
    rules = program(session, team_id=team_id)
    period = period_of(today, rules.period)
    found = stamps(session, team_id=team_id, users=[user_id], start=period.start, end=period.end, tz=tz)
    return score(user_id, found, rules, period)


def records(session: Session, *, team_id: str, start: date, end: date, tz: str, users: list[str] | None = None) -> list[Record]:
    """Every member's stamps between two dates (for the export), one record each, by member."""
    if end < start:
        raise UserError("The end date comes before the start date.")
    rules = program(session, team_id=team_id)
    found = stamps(session, team_id=team_id, users=users, start=start, end=end, tz=tz)
    span = Period(f"{start.isoformat()} to {end.isoformat()}", start, end)
    return [score(user, found, rules, span) for user in sorted({stamp.user_id for stamp in found})]


# --- claims: what members did elsewhere --------------------------------------------------------


@dataclass(frozen=True)
class ClaimDraft:
    category: str
    title: str
    evidence: str
    done_on: date


def validate_claim(raw: dict, *, rules: Program, today: date) -> ClaimDraft:
    errors: dict[str, str] = {}
    category = raw.get(ids.CATEGORY)
    if not isinstance(category, str) or rules.category(category) is None:
        errors[ids.CATEGORY] = "Pick a category."
    texts = {name: text_field(raw, name, errors, limit=LIMITS[name], required=True) for name in (ids.TITLE, ids.EVIDENCE)}
    done_on = None
    try:
        done_on = date.fromisoformat(str(raw.get(ids.DONE_ON) or ""))
    except ValueError:
        errors[ids.DONE_ON] = "Pick the day you did it."
    if done_on and done_on > today:
        errors[ids.DONE_ON] = "That day hasn't come yet."
    elif done_on and done_on < today - CLAIMS_REACH_BACK:
        errors[ids.DONE_ON] = "Only activities of the past year can be claimed."
    if errors:
        raise UserError.in_fields(errors)
    return ClaimDraft(category=category, title=texts[ids.TITLE], evidence=texts[ids.EVIDENCE], done_on=done_on)


def submit_claim(session: Session, *, team_id: str, user_id: str, draft: ClaimDraft) -> Claim:
    claim = Claim(team_id=team_id, user_id=user_id, status=ClaimStatus.pending.value, category=draft.category, title=draft.title, evidence=draft.evidence, done_on=draft.done_on)
    session.add(claim)
    session.flush()
    return claim


def pending_claims(session: Session, *, team_id: str, limit: int = 50) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim).where(Claim.team_id == team_id, Claim.status == ClaimStatus.pending.value).order_by(Claim.created_at, Claim.id).limit(limit)
        )
    )


def claim_for_review(session: Session, *, team_id: str, claim_id: int, is_officer: bool) -> Claim:
    if not is_officer:
        raise UserError(ONLY_OFFICERS)
    claim = team_row(session, Claim, team_id=team_id, row_id=claim_id, missing="That claim is gone.")
    if claim.status != ClaimStatus.pending.value:
        raise UserError(f"That claim was already {claim.status} by <@{claim.decided_by}>.")
    return claim


def decide_claim(
    session: Session, *, team_id: str, claim_id: int, user_id: str, is_officer: bool, approve: bool, comment: str | None, now: datetime | None = None
) -> Claim:
    claim = claim_for_review(session, team_id=team_id, claim_id=claim_id, is_officer=is_officer)
    comment = (comment or "").strip() or None
    if comment and len(comment) > LIMITS[ids.COMMENT]:
        raise UserError(f"Keep the comment under {LIMITS[ids.COMMENT]} characters.", field=ids.COMMENT)
    if not approve and not comment:
        raise UserError("Say why it is declined: the member will read it.", field=ids.COMMENT)
    if claim.user_id == user_id:
        raise UserError("Another officer decides on your own claims.")
    claim.status = (ClaimStatus.approved if approve else ClaimStatus.declined).value
    claim.decided_by, claim.decided_at, claim.comment = user_id, now or utcnow(), comment
    return claim


def my_claims(session: Session, *, team_id: str, user_id: str, limit: int = 10) -> list[Claim]:
    return list(
        session.scalars(select(Claim).where(Claim.team_id == team_id, Claim.user_id == user_id).order_by(Claim.created_at.desc(), Claim.id.desc()).limit(limit))
    )


# --- the leaderboard and the club's numbers -------------------------------------------------


def set_leaderboard(session: Session, *, team_id: str, user_id: str, on: bool) -> None:
    statement = insert_for(session)(PassportMember).values(team_id=team_id, user_id=user_id, leaderboard=on, updated_at=utcnow())
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"leaderboard": on, "updated_at": utcnow()}))


def on_leaderboard(session: Session, *, team_id: str) -> list[str]:
    return list(session.scalars(select(PassportMember.user_id).where(PassportMember.team_id == team_id, PassportMember.leaderboard.is_(True))))


def leaderboard(session: Session, *, team_id: str, today: date, tz: str, limit: int = 10) -> tuple[Period, list[Record]]:
    """This period's records of the members who chose to be listed, best first."""
    rules = program(session, team_id=team_id)
    period = period_of(today, rules.period)
    listed = on_leaderboard(session, team_id=team_id)
    if not listed:
        return period, []
    found = stamps(session, team_id=team_id, users=listed, start=period.start, end=period.end, tz=tz)
    ranked = sorted((score(user, found, rules, period) for user in listed), key=lambda r: (-r.total, r.user_id))
    return period, [entry for entry in ranked if entry.total > 0][:limit]


@dataclass(frozen=True)
class ClubNumbers:
    period: Period
    members: int | None  # None: fewer than SMALLEST_GROUP, not shown
    by_category: dict[str, int | None]  # members with something in it; None when too few
    complete: int | None


def _shown(count: int) -> int | None:
    return count if count >= SMALLEST_GROUP else None


def club_numbers(session: Session, *, team_id: str, start: date, end: date, tz: str) -> ClubNumbers:
    """How many members took part, by category, for officers; small groups are not shown, so no
    figure points at one member."""
    rules = program(session, team_id=team_id)
    span = Period(f"{start:%b %-d} – {end:%b %-d}", start, end)
    found = stamps(session, team_id=team_id, users=None, start=start, end=end, tz=tz)
    members_by_category: dict[str, set[str]] = defaultdict(set)
    for stamp in found:
        members_by_category[stamp.category].add(stamp.user_id)
    everyone = {stamp.user_id for stamp in found}
    complete = sum(score(user, found, rules, span).complete for user in everyone)
    return ClubNumbers(
        period=span,
        members=_shown(len(everyone)),
        by_category={category.key: _shown(len(members_by_category[category.key])) for category in rules.categories},
        complete=_shown(complete) if len(everyone) >= SMALLEST_GROUP else None,
    )
