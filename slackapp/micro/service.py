"""The rules of micro-internships, over the store. Nothing here knows about Slack.

Money is whole cents (int), never a float. A fee's figure per estimated hour is the exact quotient
rounded half up to the cent (Decimal, ROUND_HALF_UP); whether a fee is below the floor is decided
on the exact amounts (fee < $20 x hours), never on the rounded figure."""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from slackapp.db import insert_for, inserted, team_row, utcnow
from slackapp.errors import UserError
from slackapp.micro import ids
from slackapp.micro.models import ACCEPTED, DONE, Bid, BidStatus, Evaluation, Milestone, Project, ProjectStatus
from slackapp.profiles import service as profiles
from slackapp.profiles.models import Profile
from slackapp.slack.text import escape
from slackapp.validation import text_field

FLOOR_CENTS_PER_HOUR = 20_00
MAX_FEE_CENTS = 50_000_00
MIN_HOURS, MAX_HOURS = 5, 40
MIN_DAYS_OF_WORK = 7
MAX_POSITIONS = 20
LIMITS = {
    ids.TITLE: 150, ids.ORGANIZATION: 150, ids.DESCRIPTION: 2500, ids.SCHOOL: 100, ids.APPLICATION: 1500,
    ids.AVAILABILITY: 200, ids.PORTFOLIO: 2000, ids.LINK: 2000, ids.FEEDBACK: 2000, ids.COMMENT: 1000, "milestone": 150,
}
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
GUEST = "posted by a guest"
BELOW_FLOOR = "fee below $20 an estimated hour"


# --- money ---------------------------------------------------------------------------------


def parse_fee(value: object) -> int:
    """Dollars as people type them ("400", "$1,250.50") to whole cents."""
    text = str(value or "").strip().replace(",", "").removeprefix("$").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise UserError("Give the fee in dollars, like 400 or 412.50.") from None
    if not amount.is_finite() or amount <= 0:
        raise UserError("The fee must be more than $0.")
    if amount != amount.quantize(Decimal("0.01")):
        raise UserError("Give the fee to the cent at most, like 412.50.")
    cents = int(amount * 100)
    if cents > MAX_FEE_CENTS:
        raise UserError(f"The fee can be at most ${MAX_FEE_CENTS // 100:,}.")
    return cents


def per_hour_cents(fee_cents: int, hours: int) -> int:
    """What the fee comes to per estimated hour, in cents, rounded half up."""
    return int((Decimal(fee_cents) / Decimal(hours)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def below_floor(fee_cents: int, hours: int) -> bool:
    return fee_cents < FLOOR_CENTS_PER_HOUR * hours


# --- posting -------------------------------------------------------------------------------


def one_month_after(day: date) -> date:
    year, month = day.year + day.month // 12, day.month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ProjectDraft:
    title: str
    organization: str
    supervisor: str
    description: str
    hours: int
    due_date: date
    fee_cents: int
    remote: bool
    positions: int
    school: str | None
    bid_deadline: date
    milestones: tuple[tuple[str, date], ...] = ()


def _text(raw: dict, name: str, errors: dict, *, required: bool, limit_key: str | None = None) -> str | None:
    return text_field(raw, name, errors, limit=LIMITS[limit_key or name], required=required)


def _date(raw: dict, name: str, errors: dict) -> date | None:
    value = raw.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = "Pick a date from the calendar."
        return None


def _whole(raw: dict, name: str, errors: dict, low: int, high: int, message: str, default: str = "") -> int:
    text = str(raw.get(name) or default).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = message
        return 0
    return int(text)


def _fee(raw: dict, errors: dict) -> int:
    try:
        return parse_fee(raw.get(ids.FEE))
    except UserError as exc:
        errors[ids.FEE] = str(exc)
        return 0


def _schedule(raw: dict, errors: dict, today: date) -> tuple[date | None, date | None]:
    """The bid deadline (work starts once bidding is over) and the due date, 1 week to 1 month after it."""
    deadline, due = _date(raw, ids.BID_DEADLINE, errors), _date(raw, ids.DUE_DATE, errors)
    if deadline is None and ids.BID_DEADLINE not in errors:
        errors[ids.BID_DEADLINE] = "Pick the last day to bid."
    elif deadline is not None and deadline < today:
        errors[ids.BID_DEADLINE] = "That date has passed."
    if due is None and ids.DUE_DATE not in errors:
        errors[ids.DUE_DATE] = "Pick the due date."
    elif due is not None and deadline is not None:
        if not deadline + timedelta(days=MIN_DAYS_OF_WORK) <= due <= one_month_after(deadline):
            errors[ids.DUE_DATE] = "Make it 1 week to 1 month after the bid deadline (when the work starts)."
    return deadline, due


def _milestones(raw: dict, errors: dict, start: date | None, due: date | None) -> tuple[tuple[str, date], ...]:
    found = []
    for number in range(1, ids.MILESTONES + 1):
        name, when = f"{ids.MILESTONE}{number}", f"{ids.MILESTONE}{number}_date"
        title, day = _text(raw, name, errors, required=False, limit_key="milestone"), _date(raw, when, errors)
        if title is None and day is None:
            continue
        if title is None:
            errors[name] = "Say what is due on this date, or clear the date."
        elif day is None:
            errors.setdefault(when, "Pick the milestone's date.")
        elif start and due and not start < day <= due:
            errors[when] = "Pick a date after the bid deadline and by the due date."
        else:
            found.append((title, day))
    return tuple(sorted(found, key=lambda milestone: milestone[1]))


def validate_project(raw: dict, *, today: date, poster: str) -> ProjectDraft:
    """The project form; every problem at once, keyed by input."""
    errors: dict[str, str] = {}
    title = _text(raw, ids.TITLE, errors, required=True)
    organization = _text(raw, ids.ORGANIZATION, errors, required=True)
    description = _text(raw, ids.DESCRIPTION, errors, required=True)
    school = _text(raw, ids.SCHOOL, errors, required=False)
    supervisor = raw.get(ids.SUPERVISOR) or poster
    if not isinstance(supervisor, str) or not _USER.match(supervisor):
        errors[ids.SUPERVISOR] = "Pick a person from the list."
    hours = _whole(raw, ids.HOURS, errors, MIN_HOURS, MAX_HOURS, f"Estimate between {MIN_HOURS} and {MAX_HOURS} hours, in whole hours.")
    positions = _whole(raw, ids.POSITIONS, errors, 1, MAX_POSITIONS, f"Offer between 1 and {MAX_POSITIONS} positions.", default="1")
    fee = _fee(raw, errors)
    where = raw.get(ids.WHERE)
    if where not in ("remote", "on_site"):
        errors[ids.WHERE] = "Pick remote or on site."
    deadline, due = _schedule(raw, errors, today)
    milestones = _milestones(raw, errors, deadline, due)
    if errors:
        raise UserError.in_fields(errors)
    return ProjectDraft(
        title=title, organization=organization, supervisor=supervisor, description=description, hours=hours, due_date=due,
        fee_cents=fee, remote=where == "remote", positions=positions, school=school, bid_deadline=deadline, milestones=milestones,
    )


def approval_needed(draft: ProjectDraft, *, is_officer: bool, is_guest: bool) -> list[str]:
    """Why a post must wait for an officer: a guest's post, or a fee below the floor. An officer's
    own post is approved by its poster."""
    if is_officer:
        return []
    return ([GUEST] if is_guest else []) + ([BELOW_FLOOR] if below_floor(draft.fee_cents, draft.hours) else [])


def post_project(session: Session, *, team_id: str, user_id: str, is_officer: bool, is_guest: bool, draft: ProjectDraft, now: datetime | None = None) -> Project:
    reasons = approval_needed(draft, is_officer=is_officer, is_guest=is_guest)
    now = now or utcnow()
    project = Project(
        team_id=team_id, title=draft.title, organization=draft.organization, supervisor=draft.supervisor, description=draft.description,
        hours=draft.hours, due_date=draft.due_date, fee_cents=draft.fee_cents, remote=draft.remote, positions=draft.positions,
        school=draft.school, bid_deadline=draft.bid_deadline, posted_by=user_id, created_at=now,
        status=(ProjectStatus.pending if reasons else ProjectStatus.open).value, approval_needed=", ".join(reasons) or None,
        decided_by=user_id if is_officer else None, decided_at=now if is_officer else None,
    )
    session.add(project)
    session.flush()
    session.add_all(Milestone(team_id=team_id, project_id=project.id, title=title, due_date=day) for title, day in draft.milestones)
    session.flush()
    return project


def get_project(session: Session, *, team_id: str, project_id: int, lock: bool = False) -> Project:
    # Locked, changes to one project (bids, acceptances, closing) are applied one at a time.
    return team_row(session, Project, team_id=team_id, row_id=project_id, lock=lock, missing="That project no longer exists.")


def milestones_of(session: Session, *, project: Project) -> list[Milestone]:
    return list(session.scalars(select(Milestone).where(Milestone.project_id == project.id).order_by(Milestone.due_date, Milestone.id)))


ONLY_OFFICERS_DECIDE = "Only club officers can approve or decline projects."


def decide_project(
    session: Session, *, team_id: str, project_id: int, officer_id: str, is_officer: bool, approve: bool, now: datetime | None = None
) -> Project:
    """Publish a waiting project, or decline it, once: the first officer's click wins."""
    if not is_officer:
        raise UserError(ONLY_OFFICERS_DECIDE)
    status = ProjectStatus.open if approve else ProjectStatus.declined
    won = session.execute(
        update(Project)
        .where(Project.team_id == team_id, Project.id == project_id, Project.status == ProjectStatus.pending.value)
        .values(status=status.value, decided_by=officer_id, decided_at=now or utcnow())
    ).rowcount
    project = get_project(session, team_id=team_id, project_id=project_id)
    session.refresh(project)
    if won != 1:
        if project.decided_by:
            raise UserError(f"<@{project.decided_by}> already {'approved' if project.status != 'declined' else 'declined'} this project.")
        raise UserError("This project didn't need an approval.")
    return project


def is_open_for_bids(project: Project, *, today: date) -> bool:
    return project.status == ProjectStatus.open.value and today <= project.bid_deadline


def open_projects(session: Session, *, team_id: str, today: date, words: tuple[str, ...] = (), remote: bool = False, limit: int = 50) -> list[Project]:
    """Projects taking bids, newest first; `words` must each appear in the title, organization or description."""
    # A % or _ someone typed is a character, not a wildcard.
    patterns = {f"word{index}": "%" + word.lower().replace("/", "//").replace("%", "/%").replace("_", "/_") + "%" for index, word in enumerate(words)}
    # Their ids first, as plain rows: every /internships search asks, and mostly none match.
    found = session.execute(_open_projects(len(words), remote), {"team": team_id, "today": today, "limit": limit, **patterns}).scalars().all()
    if not found:
        return []
    projects = {project.id: project for project in session.scalars(select(Project).where(Project.id.in_(found)))}
    return [projects[project_id] for project_id in found]


# Read with the club's settings on every request (club.service.read_with_settings): most clubs have
# no project taking bids most of the time, and then a search asks for none. A deadline from
# yesterday on (UTC) may still be today in the club's zone; open_projects decides exactly.
MAY_HAVE_OPEN_PROJECTS = "micro_may_have_open_projects"
MAY_HAVE_OPEN_PROJECTS_SQL = (
    f"SELECT 1 FROM {Project.__tablename__} p WHERE p.team_id = :team AND p.status = '{ProjectStatus.open.value}' AND p.bid_deadline >= :since"
)


@functools.cache
def _open_projects(words: int, remote: bool):
    """The statement for a number of words and the remote filter, built once."""
    projects = Project.__table__.c
    statement = select(projects.id).where(projects.team_id == bindparam("team"), projects.status == ProjectStatus.open.value, projects.bid_deadline >= bindparam("today"))
    for index in range(words):
        found_in = [func.lower(column).like(bindparam(f"word{index}"), escape="/") for column in (projects.title, projects.organization, projects.description)]
        statement = statement.where(or_(*found_in))
    if remote:
        statement = statement.where(projects.remote.is_(True))
    return statement.order_by(projects.created_at.desc(), projects.id.desc()).limit(bindparam("limit"))


# --- bidding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidDraft:
    application: str
    availability: str
    portfolio: str | None


def validate_bid(raw: dict) -> BidDraft:
    errors: dict[str, str] = {}
    application = _text(raw, ids.APPLICATION, errors, required=True)
    availability = _text(raw, ids.AVAILABILITY, errors, required=True)
    portfolio = _text(raw, ids.PORTFOLIO, errors, required=False)
    if portfolio and ids.PORTFOLIO not in errors and not profiles.is_web_link(portfolio):
        errors[ids.PORTFOLIO] = "Give a web link starting with http:// or https://"
    if errors:
        raise UserError.in_fields(errors)
    return BidDraft(application=application, availability=availability, portfolio=portfolio)


def check_may_bid(project: Project, profile: Profile | None, *, user_id: str, today: date, complete: bool = True) -> None:
    """Whether this member may bid (or change their bid) now; raises with the reason if not.
    `complete=False` (opening the bid form, which asks for what the profile lacks) lets a profile
    without School or Major through."""
    if project.status != ProjectStatus.open.value:
        raise UserError("This project isn't taking bids.")
    if today > project.bid_deadline:
        raise UserError(f"Bidding on this project closed on {project.bid_deadline:%b %-d}.")
    if user_id in (project.posted_by, project.supervisor):
        raise UserError("You can't bid on a project you posted or supervise.")
    if complete and profiles.missing_for_bidding(profile):
        raise UserError("Bidding needs your School and Major: add them in the bid form or with `/club profile`.")
    school = getattr(profile, "school", None)
    if project.school and school and not profiles.same_school(project.school, school):
        raise UserError(f"This project is for students of {escape(project.school, 100)} only, and your profile names {escape(school, 100)}.")


def bid_of(session: Session, *, team_id: str, project_id: int, user_id: str) -> Bid | None:
    statement = select(Bid).where(Bid.team_id == team_id, Bid.project_id == project_id, Bid.user_id == user_id)
    return session.scalar(statement.execution_options(populate_existing=True))


def place_bid(session: Session, *, team_id: str, project_id: int, user_id: str, draft: BidDraft, today: date, now: datetime | None = None) -> tuple[Bid, bool]:
    """The member's one bid on the project, made or changed. True when it is new.

    The unique (project, member) constraint keeps it to one bid even when the same form arrives
    twice at once: the second insert does nothing, and that submission edits the first's bid."""
    now = now or utcnow()
    project = get_project(session, team_id=team_id, project_id=project_id, lock=True)
    check_may_bid(project, profiles.profile_of(session, team_id=team_id, user_id=user_id), user_id=user_id, today=today)
    existing = bid_of(session, team_id=team_id, project_id=project_id, user_id=user_id)
    if existing is not None and existing.status not in (BidStatus.pending.value, BidStatus.withdrawn.value):
        raise UserError(f"Your bid on this project is already {BidStatus(existing.status).label}; it can't be changed.")
    fields = {"application": draft.application, "availability": draft.availability, "portfolio": draft.portfolio}
    statement = insert_for(session)(Bid).values(
        team_id=team_id, project_id=project_id, user_id=user_id, status=BidStatus.pending.value, created_at=now, updated_at=now, **fields
    )
    new = inserted(session, statement.on_conflict_do_nothing(), Bid.id)
    bid = bid_of(session, team_id=team_id, project_id=project_id, user_id=user_id)
    if not new:
        if bid.status not in (BidStatus.pending.value, BidStatus.withdrawn.value):
            raise UserError(f"Your bid on this project is already {BidStatus(bid.status).label}; it can't be changed.")
        for name, value in fields.items():
            setattr(bid, name, value)
        bid.status, bid.updated_at = BidStatus.pending.value, now
    return bid, new


def my_bid_statuses(session: Session, *, team_id: str, user_id: str, project_ids: list[int]) -> dict[int, str]:
    if not project_ids:
        return {}
    rows = session.execute(select(Bid.project_id, Bid.status).where(Bid.team_id == team_id, Bid.user_id == user_id, Bid.project_id.in_(project_ids)))
    return {project_id: status for project_id, status in rows}


def withdraw_bid(session: Session, *, team_id: str, project_id: int, user_id: str, today: date, now: datetime | None = None) -> Bid:
    project = get_project(session, team_id=team_id, project_id=project_id, lock=True)
    bid = bid_of(session, team_id=team_id, project_id=project_id, user_id=user_id)
    if bid is None or bid.status == BidStatus.withdrawn.value:
        raise UserError("You haven't bid on this project.")
    if bid.status != BidStatus.pending.value:
        raise UserError(f"Your bid is already {BidStatus(bid.status).label}, so it can't be withdrawn.")
    if project.status != ProjectStatus.open.value or today > project.bid_deadline:
        raise UserError("Bidding on this project is over, so bids can no longer be withdrawn.")
    bid.status, bid.updated_at = BidStatus.withdrawn.value, now or utcnow()
    return bid


# --- choosing ------------------------------------------------------------------------------

ONLY_MANAGERS = "Only the project's poster or an officer can do that."


def may_manage(project: Project, *, user_id: str, is_officer: bool) -> bool:
    return is_officer or project.posted_by == user_id


def _ensure_may_manage(project: Project, *, user_id: str, is_officer: bool) -> None:
    if not may_manage(project, user_id=user_id, is_officer=is_officer):
        raise UserError(ONLY_MANAGERS)


FILTER_KEY = 40


def filter_key(text: str | None) -> str:
    """A school or major as a filter holds it: no quotes or backslashes (a filter travels in a
    select option's value, which Slack caps at 150 characters and JSON would lengthen), single
    spaces, at most FILTER_KEY characters. A filter admits the profiles whose value begins with it."""
    return " ".join((text or "").replace('"', "").replace("\\", "").split())[:FILTER_KEY]


@dataclass(frozen=True)
class Filters:
    """What a reviewer narrows bids to: school and major by their filter key (any case), the year exactly."""

    school: str | None = None
    major: str | None = None
    year: int | None = None

    def admit(self, profile: Profile | None) -> bool:
        def starts(value: str | None, wanted: str | None) -> bool:
            return wanted is None or filter_key(value).casefold().startswith(filter_key(wanted).casefold())

        return starts(getattr(profile, "school", None), self.school) and starts(getattr(profile, "major", None), self.major) and (
            self.year is None or getattr(profile, "graduation_year", None) == self.year
        )


@dataclass(frozen=True)
class Review:
    project: Project
    shown: list[tuple[Bid, Profile | None]]
    every: list[tuple[Bid, Profile | None]]  # every bid, for the filters' choices
    filters: Filters

    @property
    def filled(self) -> int:
        return sum(bid.status in ACCEPTED for bid, _ in self.every)


_REVIEW_ORDER = {status: place for place, status in enumerate((*ACCEPTED, BidStatus.pending.value, BidStatus.not_selected.value))}


def review(session: Session, *, team_id: str, project_id: int, user_id: str, is_officer: bool, filters: Filters = Filters()) -> Review:
    """The bids on a project with each bidder's profile, for its poster and the officers."""
    project = get_project(session, team_id=team_id, project_id=project_id)
    _ensure_may_manage(project, user_id=user_id, is_officer=is_officer)
    bids = session.scalars(
        select(Bid).where(Bid.team_id == team_id, Bid.project_id == project.id, Bid.status != BidStatus.withdrawn.value).order_by(Bid.created_at, Bid.id)
    ).all()
    found = profiles.profiles_of(session, team_id=team_id, user_ids=[bid.user_id for bid in bids])
    every = sorted(((bid, found.get(bid.user_id)) for bid in bids), key=lambda pair: _REVIEW_ORDER[pair[0].status])
    return Review(project=project, shown=[pair for pair in every if filters.admit(pair[1])], every=every, filters=filters)


@dataclass(frozen=True)
class Accepted:
    bid: Bid
    project: Project
    not_selected: list[str]  # bidders told no, because this filled the last position


def get_bid(session: Session, *, team_id: str, bid_id: int) -> Bid:
    return team_row(session, Bid, team_id=team_id, row_id=bid_id, missing="That bid no longer exists.")


def _locked_bid(session: Session, *, team_id: str, bid_id: int) -> tuple[Bid, Project]:
    """The bid and its project, the project locked first so changes to its bids queue up."""
    project_id = get_bid(session, team_id=team_id, bid_id=bid_id).project_id
    project = get_project(session, team_id=team_id, project_id=project_id, lock=True)
    bid = get_bid(session, team_id=team_id, bid_id=bid_id)
    session.refresh(bid)
    return bid, project


def accept_bid(session: Session, *, team_id: str, bid_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> Accepted:
    """Accept a bid into one of the positions; filling the last one ends bidding for the rest."""
    now = now or utcnow()
    bid, project = _locked_bid(session, team_id=team_id, bid_id=bid_id)
    _ensure_may_manage(project, user_id=user_id, is_officer=is_officer)
    if project.status != ProjectStatus.open.value:
        raise UserError("Bidding on this project is closed, so no more bids can be accepted.")
    if bid.status != BidStatus.pending.value:
        raise UserError(f"That bid is {BidStatus(bid.status).label}, not waiting for a decision.")
    filled = session.scalar(select(func.count()).select_from(Bid).where(Bid.project_id == project.id, Bid.status.in_(ACCEPTED)))
    bid.status, bid.decided_by, bid.decided_at = BidStatus.in_progress.value, user_id, now
    told = _end_bidding(session, project=project, user_id=user_id, now=now) if filled + 1 >= project.positions else []
    return Accepted(bid=bid, project=project, not_selected=told)


def _end_bidding(session: Session, *, project: Project, user_id: str, now: datetime) -> list[str]:
    """Close the project's bidding; every bid still waiting is not selected. Returns those bidders
    (each is told once: a bid leaves `pending` only once, under the project's lock)."""
    project.status, project.closed_by, project.closed_at = ProjectStatus.closed.value, user_id, now
    waiting = list(session.scalars(select(Bid).where(Bid.project_id == project.id, Bid.status == BidStatus.pending.value).order_by(Bid.id)))
    for bid in waiting:
        bid.status, bid.decided_by, bid.decided_at = BidStatus.not_selected.value, user_id, now
    return [bid.user_id for bid in waiting]


def close_bidding(session: Session, *, team_id: str, project_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> tuple[Project, list[str]]:
    project = get_project(session, team_id=team_id, project_id=project_id, lock=True)
    _ensure_may_manage(project, user_id=user_id, is_officer=is_officer)
    if project.status != ProjectStatus.open.value:
        raise UserError("Bidding on this project is already closed.")
    return project, _end_bidding(session, project=project, user_id=user_id, now=now or utcnow())


# --- working, completing, paying -------------------------------------------------------------


def submit_work(session: Session, *, team_id: str, bid_id: int, user_id: str, link: object, now: datetime | None = None) -> tuple[Bid, Project]:
    bid, project = _locked_bid(session, team_id=team_id, bid_id=bid_id)
    if bid.user_id != user_id:
        raise UserError("Only the student doing this project can submit its work.")
    if bid.status != BidStatus.in_progress.value:
        raise UserError(f"This work is {BidStatus(bid.status).label}, so there is nothing to submit.")
    errors: dict[str, str] = {}
    link = _text({ids.LINK: link}, ids.LINK, errors, required=True)
    if link and not errors and not profiles.is_web_link(link):
        errors[ids.LINK] = "Give a web link starting with http:// or https://"
    if errors:
        raise UserError.in_fields(errors)
    bid.status, bid.submission_link, bid.submitted_at = BidStatus.submitted.value, link, now or utcnow()
    return bid, project


def may_confirm(project: Project, *, user_id: str, is_officer: bool) -> bool:
    """The supervisor confirms the work is done; so may the poster and officers."""
    return user_id == project.supervisor or may_manage(project, user_id=user_id, is_officer=is_officer)


def confirm_completed(session: Session, *, team_id: str, bid_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> tuple[Bid, Project]:
    bid, project = _locked_bid(session, team_id=team_id, bid_id=bid_id)
    if not may_confirm(project, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the project's supervisor, its poster or an officer can confirm the work is done.")
    if bid.status != BidStatus.submitted.value:
        raise UserError(f"This work is {BidStatus(bid.status).label}; only submitted work can be confirmed.")
    bid.status, bid.completed_by, bid.completed_at = BidStatus.completed.value, user_id, now or utcnow()
    return bid, project


def record_payment(session: Session, *, team_id: str, bid_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> tuple[Bid, Project]:
    """The poster says the fee was paid (the app records money; it never moves it)."""
    bid, project = _locked_bid(session, team_id=team_id, bid_id=bid_id)
    _ensure_may_manage(project, user_id=user_id, is_officer=is_officer)
    if bid.status != BidStatus.completed.value:
        raise UserError(f"This work is {BidStatus(bid.status).label}; payment is recorded once the work is confirmed done.")
    bid.status, bid.paid_cents, bid.paid_by, bid.paid_at = BidStatus.paid.value, project.fee_cents, user_id, now or utcnow()
    return bid, project


# --- evaluating ------------------------------------------------------------------------------

SCORES = (ids.QUALITY, ids.COMMUNICATION, ids.TIMELINESS)


def _score(raw: dict, name: str, errors: dict) -> int:
    text = str(raw.get(name) or "").strip()
    if text not in ("1", "2", "3", "4", "5"):
        errors[name] = "Pick 1 to 5."
        return 0
    return int(text)


def evaluation_of(session: Session, *, team_id: str, bid_id: int) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.team_id == team_id, Evaluation.bid_id == bid_id))


def evaluate(session: Session, *, team_id: str, bid_id: int, user_id: str, is_officer: bool, raw: dict, now: datetime | None = None) -> tuple[Evaluation, Bid, Project]:
    """The poster (or the supervisor, or an officer) rates finished work once: 1–5 on quality,
    communication and timeliness, with written feedback."""
    bid, project = _locked_bid(session, team_id=team_id, bid_id=bid_id)
    if not may_confirm(project, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the project's poster, its supervisor or an officer can evaluate the work.")
    if bid.status not in DONE:
        raise UserError("Work is evaluated once it is confirmed done.")
    errors: dict[str, str] = {}
    scores = {name: _score(raw, name, errors) for name in SCORES}
    feedback = _text(raw, ids.FEEDBACK, errors, required=True)
    if errors:
        raise UserError.in_fields(errors)
    statement = insert_for(session)(Evaluation).values(
        team_id=team_id, bid_id=bid.id, student=bid.user_id, feedback=feedback, evaluated_by=user_id, evaluated_at=now or utcnow(), **scores
    )
    if not inserted(session, statement.on_conflict_do_nothing(), Evaluation.id):
        raise UserError("This work has already been evaluated.")
    return evaluation_of(session, team_id=team_id, bid_id=bid.id), bid, project


def rate_project(session: Session, *, team_id: str, bid_id: int, user_id: str, raw: dict, now: datetime | None = None) -> tuple[Evaluation, Project]:
    """The student rates the project in turn, once, after seeing their evaluation."""
    bid = get_bid(session, team_id=team_id, bid_id=bid_id)
    if bid.user_id != user_id:
        raise UserError("Only the student who did this project can rate it.")
    errors: dict[str, str] = {}
    rating = _score(raw, ids.RATING, errors)
    comment = _text(raw, ids.COMMENT, errors, required=False)
    if errors:
        raise UserError.in_fields(errors)
    if evaluation_of(session, team_id=team_id, bid_id=bid.id) is None:
        raise UserError("You can rate the project once the poster has evaluated your work.")
    won = session.execute(
        update(Evaluation)
        .where(Evaluation.team_id == team_id, Evaluation.bid_id == bid.id, Evaluation.project_rating.is_(None))
        .values(project_rating=rating, project_comment=comment, rated_at=now or utcnow())
    ).rowcount
    if won != 1:
        raise UserError("You have already rated this project.")
    evaluation = evaluation_of(session, team_id=team_id, bid_id=bid.id)
    session.refresh(evaluation)
    return evaluation, get_project(session, team_id=team_id, project_id=bid.project_id)


# --- what members have done ------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    """A member's bids (with their projects and evaluations) and the projects they run."""

    bids: list[tuple[Bid, Project, Evaluation | None]]
    running: list[Project]


def mine(session: Session, *, team_id: str, user_id: str) -> Mine:
    rows = session.execute(
        select(Bid, Project, Evaluation)
        .join(Project, Project.id == Bid.project_id)
        .outerjoin(Evaluation, Evaluation.bid_id == Bid.id)
        .where(Bid.team_id == team_id, Bid.user_id == user_id, Bid.status != BidStatus.withdrawn.value)
        .order_by(Bid.created_at.desc(), Bid.id.desc())
    ).all()
    running = session.scalars(
        select(Project)
        .where(Project.team_id == team_id, or_(Project.posted_by == user_id, Project.supervisor == user_id))
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()
    return Mine(bids=[(bid, project, evaluation) for bid, project, evaluation in rows], running=list(running))


def waiting_bids(session: Session, *, team_id: str, project_ids: list[int]) -> dict[int, int]:
    """How many bids wait for a decision on each of these projects (App Home shows its poster)."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(Bid.project_id, func.count())
        .where(Bid.team_id == team_id, Bid.project_id.in_(project_ids), Bid.status == BidStatus.pending.value)
        .group_by(Bid.project_id)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class Completed:
    """One finished micro-internship, as the passport and the Career Services export read it."""

    project_id: int
    title: str
    organization: str
    hours: int
    fee_cents: int
    completed_at: datetime
    paid_cents: int | None
    quality: int | None
    communication: int | None
    timeliness: int | None
    feedback: str | None


def completed_for(session: Session, *, team_id: str, user_id: str) -> list[Completed]:
    """A member's completed (and paid) micro-internships with their evaluations, oldest first."""
    rows = session.execute(
        select(Bid, Project, Evaluation)
        .join(Project, Project.id == Bid.project_id)
        .outerjoin(Evaluation, Evaluation.bid_id == Bid.id)
        .where(Bid.team_id == team_id, Bid.user_id == user_id, Bid.status.in_(DONE))
        .order_by(Bid.completed_at, Bid.id)
    ).all()
    return [
        Completed(
            project_id=project.id, title=project.title, organization=project.organization, hours=project.hours, fee_cents=project.fee_cents,
            completed_at=bid.completed_at, paid_cents=bid.paid_cents, quality=getattr(evaluation, "quality", None),
            communication=getattr(evaluation, "communication", None), timeliness=getattr(evaluation, "timeliness", None),
            feedback=getattr(evaluation, "feedback", None),
        )
        for bid, project, evaluation in rows
    ]


def awaiting_approval(session: Session, *, team_id: str, limit: int) -> list[Project]:
    """Posts waiting for an officer (a guest's, or a fee below the floor), oldest first."""
    return list(
        session.scalars(
            select(Project).where(Project.team_id == team_id, Project.status == ProjectStatus.pending.value).order_by(Project.created_at, Project.id).limit(limit)
        )
    )


def overdue(session: Session, *, team_id: str, today: date) -> list[tuple[Bid, Project]]:
    """Accepted students who haven't submitted and whose project was due before today."""
    rows = session.execute(
        select(Bid, Project)
        .join(Project, Project.id == Bid.project_id)
        .where(Bid.team_id == team_id, Bid.status == BidStatus.in_progress.value, Project.due_date < today)
        .order_by(Bid.id)
    ).all()
    return [(bid, project) for bid, project in rows]
