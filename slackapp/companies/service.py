"""The rules of companies, over the store. Nothing here knows Slack.

One record per company and workspace, found by its name's key (names.key): leads, micro-internship
projects and events are linked to it by the clock (and by the alerts matcher, in its own
transaction, just before it matches: a follow then sees the new lead). Officers merge two records
(every link follows) or split rows off a wrong match. The company page reads its open leads and
projects, its events with their counts, members who said they worked there (with consent),
approved reviews, and — for officers only — the contact log. Following makes an alert (see
alerts.service.followed_company): one DM path for searches and follows."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import CompoundSelect, case, delete, func, select, union, update
from sqlalchemy.orm import Session

from slackapp.alerts.models import Alert, AlertState, Delivery
from slackapp.alerts.service import FOLLOW_PREFIX
from slackapp.companies import names
from slackapp.companies.models import Company, Contact, Follow, Review, ReviewStatus
from slackapp.db import insert_for, team_row, utcnow
from slackapp.errors import UserError
from slackapp.events.models import Answer, Attendance, Event, Rsvp
from slackapp.leads.models import Lead
from slackapp.leads.service import shown_filter
from slackapp.micro.models import Project, ProjectStatus
from slackapp.profiles.models import Profile
from slackapp.validation import text_field

ONLY_OFFICERS = "Only club officers can merge, split or keep the contact log of companies."
ONLY_OFFICERS_DECIDE = "Only club officers can approve or decline reviews."
NO_SUCH = "I don't know that company (any more). Search with `/companies <name>`."
# Groups of fewer people than this are not counted out loud (as /club review and /intros do).
SMALLEST_GROUP = 5
LIMITS = {"text": 1500, "role": 150, "their_person": 150, "notes": 1000}
FIRST_YEAR = 1950
# What one page shows of each list (the page stays within Slack's 50 blocks).
SHOWN = 5
LINK_BATCH = 500

LEAD, PROJECT, EVENT = "lead", "project", "event"
_LINKED = {LEAD: (Lead, "company"), PROJECT: (Project, "organization"), EVENT: (Event, "employer")}


# ---- records and links ------------------------------------------------------------------------


def kept(session: Session, company: Company | None) -> Company | None:
    """The record a merged one now lives in (itself when not merged)."""
    for _ in range(20):
        if company is None or company.merged_into is None:
            return company
        company = session.get(Company, company.merged_into)
    return company


def by_key(session: Session, *, team_id: str, name: str) -> Company | None:
    found = session.scalar(select(Company).where(Company.team_id == team_id, Company.key == names.key(name)))
    return kept(session, found)


def find_or_create(session: Session, *, team_id: str, name: str, now: datetime | None = None) -> Company:
    """The company a name is: found by its key (following merges), else made with this spelling."""
    return companies_named(session, team_id=team_id, spellings=[name], now=now)[names.key(name)]


def get_company(session: Session, *, team_id: str, company_id: int) -> Company:
    found = kept(session, team_row(session, Company, team_id=team_id, row_id=company_id))
    if found is None:
        raise UserError(NO_SUCH)
    return found


def link_team(session: Session, team_id: str, now: datetime | None = None) -> int:
    """Link the workspace's leads, projects and events that have a name but no record yet: a few
    statements a kind of row, however many rows (the clock does this every tick)."""
    linked = 0
    for model, column_name in _LINKED.values():
        column = getattr(model, column_name)
        rows = session.execute(select(model.id, column).where(model.team_id == team_id, model.company_id.is_(None), column.is_not(None)).order_by(model.id).limit(LINK_BATCH)).all()
        named = [(row_id, name) for row_id, name in rows if names.clean(name)]
        if not named:
            continue
        companies = companies_named(session, team_id=team_id, spellings=[name for _, name in named], now=now)
        company_of = {row_id: companies[names.key(name)].id for row_id, name in named}
        chosen = case(company_of, value=model.id)
        statement = update(model).where(model.team_id == team_id, model.id.in_(list(company_of)), model.company_id.is_(None)).values(company_id=chosen)
        session.execute(statement.execution_options(synchronize_session=False))
        linked += len(company_of)
    return linked


def companies_named(session: Session, *, team_id: str, spellings: list[str], now: datetime | None = None) -> dict[str, Company]:
    """find_or_create for many names at once: key -> company (following merges). A new record
    takes the first of its spellings in `spellings`."""
    first_spelling: dict[str, str] = {}
    for name in spellings:
        first_spelling.setdefault(names.key(name), names.clean(name))
    made = now or utcnow()
    values = [{"team_id": team_id, "name": name or key, "key": key, "created_at": made} for key, name in first_spelling.items()]
    # Two linkers at once make one record: the second insert finds the first.
    session.execute(insert_for(session)(Company).values(values).on_conflict_do_nothing(index_elements=["team_id", "key"]))
    found = session.scalars(select(Company).where(Company.team_id == team_id, Company.key.in_(list(first_spelling))))
    return {company.key: kept(session, company) for company in found}


def teams_to_link(session: Session) -> list[str]:
    return list(session.scalars(_teams_to_link()))


@functools.cache
def _teams_to_link() -> CompoundSelect:
    """Workspaces with a row that names a company and has no record yet, in one statement."""
    waiting = [select(model.team_id).where(model.company_id.is_(None), getattr(model, column).is_not(None)) for model, column in _LINKED.values()]
    return union(*waiting).order_by("team_id")


def directory(session: Session, *, team_id: str, words: str = "", limit: int = 30) -> list[tuple[Company, int]]:
    """Companies (not merged away), with their open-or-not lead count; those whose name or key
    contains every word when `words` are given. Most leads first, then by name."""
    terms = re.findall(r"\w+", words.casefold())
    leads = select(Lead.company_id, func.count().label("n")).where(Lead.team_id == team_id).group_by(Lead.company_id).subquery()
    statement = (
        select(Company, func.coalesce(leads.c.n, 0))
        .outerjoin(leads, leads.c.company_id == Company.id)
        .where(Company.team_id == team_id, Company.merged_into.is_(None))
        .order_by(func.coalesce(leads.c.n, 0).desc(), Company.key)
        .limit(limit)
    )
    for term in terms:
        statement = statement.where(Company.key.contains(term, autoescape=True))
    return [(company, count) for company, count in session.execute(statement)]


def lookup(session: Session, *, team_id: str, text: str) -> Company | None:
    """The company `text` names: by its key, else the only one whose name contains its words."""
    exact = by_key(session, team_id=team_id, name=text)
    if exact is not None:
        return exact
    found = directory(session, team_id=team_id, words=text, limit=2)
    return found[0][0] if len(found) == 1 else None


def _require_officer(is_officer: bool, refusal: str = ONLY_OFFICERS) -> None:
    if not is_officer:
        raise UserError(refusal)


def merge(session: Session, *, team_id: str, source_name: str, target_name: str, officer_id: str, is_officer: bool) -> tuple[Company, Company]:
    """Officers: `source` becomes part of `target`; every lead, project, event, review, contact
    and follow moves. A member with a review of both keeps the one of `target`; a member
    following both keeps one follow."""
    _require_officer(is_officer)
    source, target = lookup(session, team_id=team_id, text=source_name), lookup(session, team_id=team_id, text=target_name)
    if source is None or target is None:
        raise UserError(f"I don't know the company “{(source_name if source is None else target_name)[:100]}”. Search with `/companies <name>`.")
    if source.id == target.id:
        raise UserError(f"Those are one company already ({target.name[:100]}).")
    for model in (Lead, Project, Event, Contact):
        session.execute(update(model).where(model.team_id == team_id, model.company_id == source.id).values(company_id=target.id).execution_options(synchronize_session=False))
    reviewed = select(Review.user_id).where(Review.team_id == team_id, Review.company_id == target.id)
    session.execute(delete(Review).where(Review.team_id == team_id, Review.company_id == source.id, Review.user_id.in_(reviewed)).execution_options(synchronize_session=False))
    session.execute(update(Review).where(Review.team_id == team_id, Review.company_id == source.id).values(company_id=target.id).execution_options(synchronize_session=False))
    following = set(session.scalars(select(Follow.user_id).where(Follow.team_id == team_id, Follow.company_id == target.id)))
    for follow in list(session.scalars(select(Follow).where(Follow.team_id == team_id, Follow.company_id == source.id))):
        if follow.user_id in following:
            # The follow goes with its alert (and the alert with it: ON DELETE CASCADE).
            session.execute(delete(Follow).where(Follow.id == follow.id))
            session.execute(delete(Alert).where(Alert.team_id == team_id, Alert.id == follow.alert_id))
            continue
        alert = session.get(Alert, follow.alert_id) if follow.alert_id else None
        follow.company_id = target.id
        if alert is not None:
            alert.query = follow_query(target)
    session.execute(update(Company).where(Company.team_id == team_id, Company.merged_into == source.id).values(merged_into=target.id).execution_options(synchronize_session=False))
    source.merged_into, source.merged_by = target.id, officer_id
    session.flush()
    return source, target


@dataclass(frozen=True)
class SplitAsked:
    items: tuple[tuple[str, int], ...]
    into: str


def parse_split(text: str) -> SplitAsked:
    """`lead 12 13 project 4 event 7 into Acme Chicago`: which rows, and the company they move to."""
    head, found, into = text.partition(" into ")
    if not found or not names.clean(into):
        raise UserError("Say which rows move where: `/companies split lead 12 13 project 4 event 7 into <company>` (the numbers are on the company page).")
    kind, items = None, []
    for word in head.replace(",", " ").split():
        lowered = word.lower().rstrip("s")
        if lowered in _LINKED:
            kind = lowered
        elif word.lstrip("#").isdigit() and kind is not None:
            items.append((kind, int(word.lstrip("#"))))
        else:
            raise UserError(f"I don't understand “{word[:50]}”: give `lead`, `project` or `event` followed by numbers.")
    if not items:
        raise UserError("Name at least one lead, project or event to move, by its number.")
    return SplitAsked(items=tuple(items), into=names.clean(into))


def split(session: Session, *, team_id: str, asked: SplitAsked, is_officer: bool, now: datetime | None = None) -> tuple[Company, int]:
    """Officers: move the chosen rows to the company `asked.into` names (made when new). Rows of
    other workspaces, or that don't exist, are ignored; (the company, how many moved)."""
    _require_officer(is_officer)
    target = find_or_create(session, team_id=team_id, name=asked.into, now=now)
    moved = 0
    for kind, (model, _) in _LINKED.items():
        ids = [row_id for wanted, row_id in asked.items if wanted == kind]
        if ids:
            result = session.execute(update(model).where(model.team_id == team_id, model.id.in_(ids)).values(company_id=target.id).execution_options(synchronize_session=False))
            moved += result.rowcount
    if not moved:
        raise UserError("None of those numbers is a lead, project or event of this club.")
    return target, moved


# ---- the company page -------------------------------------------------------------------------


@dataclass
class EventLine:
    event: Event
    # Going (upcoming) or attended (past); None when fewer than SMALLEST_GROUP.
    count: int | None


@dataclass
class Page:
    company: Company
    leads: list[Lead]
    projects: list[Project]
    upcoming: list[EventLine]
    past: list[EventLine]
    alumni: list[str]
    reviews: list[Review]
    # None for members: they never see it.
    contacts: list[Contact] | None
    following: bool
    my_review: Review | None
    aliases: list[str] = field(default_factory=list)


def _shown_count(count: int) -> int | None:
    return count if count >= SMALLEST_GROUP else None


def worked_at(profile: Profile, company: Company, aliases: set[str]) -> bool:
    """The member said they worked there, and lets the club show it."""
    if not profile.show_past_employers or not profile.past_employers:
        return False
    return any(names.key(name) in aliases for name in re.split(r"[,;\n]", profile.past_employers) if names.clean(name))


def page(session: Session, *, team_id: str, company_id: int, viewer: str, is_officer: bool, today: date, now: datetime) -> Page:
    company = get_company(session, team_id=team_id, company_id=company_id)
    merged = list(session.scalars(select(Company).where(Company.team_id == team_id, Company.merged_into == company.id)))
    aliases = {company.key} | {other.key for other in merged}
    leads = list(session.scalars(select(Lead).where(shown_filter(team_id, today), Lead.company_id == company.id).order_by(Lead.id.desc()).limit(SHOWN)))
    projects = list(
        session.scalars(
            select(Project)
            .where(Project.team_id == team_id, Project.company_id == company.id, Project.status == ProjectStatus.open.value, Project.bid_deadline >= today)
            .order_by(Project.id.desc())
            .limit(SHOWN)
        )
    )
    events = select(Event).where(Event.team_id == team_id, Event.company_id == company.id, Event.cancelled_at.is_(None))
    upcoming = list(session.scalars(events.where(Event.starts_at >= now).order_by(Event.starts_at).limit(SHOWN)))
    past = list(session.scalars(events.where(Event.starts_at < now).order_by(Event.starts_at.desc()).limit(SHOWN)))
    going = _counts(session, select(Rsvp.event_id, func.count()).where(Rsvp.team_id == team_id, Rsvp.answer == Answer.going.value), Rsvp.event_id, upcoming)
    came = _counts(session, select(Attendance.event_id, func.count()).where(Attendance.team_id == team_id), Attendance.event_id, past)
    profiles = session.scalars(select(Profile).where(Profile.team_id == team_id, Profile.show_past_employers.is_(True), Profile.past_employers.is_not(None)))
    alumni = sorted(profile.user_id for profile in profiles if worked_at(profile, company, aliases))
    reviews = list(
        session.scalars(select(Review).where(Review.team_id == team_id, Review.company_id == company.id, Review.status == ReviewStatus.approved.value).order_by(Review.id.desc()).limit(SHOWN))
    )
    contacts = None
    if is_officer:
        contacts = list(session.scalars(select(Contact).where(Contact.team_id == team_id, Contact.company_id == company.id).order_by(Contact.contacted_on.desc(), Contact.id.desc()).limit(SHOWN)))
    following = session.scalar(select(Follow.id).where(Follow.team_id == team_id, Follow.company_id == company.id, Follow.user_id == viewer)) is not None
    return Page(
        company=company,
        leads=leads,
        projects=projects,
        upcoming=[EventLine(event, _shown_count(going.get(event.id, 0))) for event in upcoming],
        past=[EventLine(event, _shown_count(came.get(event.id, 0))) for event in past],
        alumni=alumni,
        reviews=reviews,
        contacts=contacts,
        following=following,
        my_review=review_of(session, team_id=team_id, company_id=company.id, author=viewer),
        aliases=sorted({other.name for other in merged}),
    )


def _counts(session: Session, statement, column, events: list[Event]) -> dict[int, int]:
    if not events:
        return {}
    return dict(session.execute(statement.where(column.in_([event.id for event in events])).group_by(column)).all())


# ---- follows ------------------------------------------------------------------------------------


def follow_query(company: Company) -> str:
    """The alert a follow is: matched by the company's id (alerts.service.followed_company), the
    name only shown in `/internships alerts`."""
    return f"{FOLLOW_PREFIX}{company.id} {company.name}"[:300]


def follow(session: Session, *, team_id: str, user_id: str, company_id: int, now: datetime | None = None) -> tuple[Company, bool]:
    """Follow it: an instant alert on the company. (company, False) when already following."""
    company = get_company(session, team_id=team_id, company_id=company_id)
    existing = session.scalar(select(Follow).where(Follow.team_id == team_id, Follow.company_id == company.id, Follow.user_id == user_id))
    if existing is not None:
        return company, False
    query = follow_query(company)
    alert = session.scalar(select(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.query == query))
    if alert is None:
        alert = Alert(team_id=team_id, user_id=user_id, query=query, delivery=Delivery.instant.value, state=AlertState.active.value, created_at=now or utcnow())
        session.add(alert)
        session.flush()
    statement = insert_for(session)(Follow).values(team_id=team_id, company_id=company.id, user_id=user_id, alert_id=alert.id, created_at=now or utcnow())
    session.execute(statement.on_conflict_do_nothing())
    return company, True


def unfollow(session: Session, *, team_id: str, user_id: str, company_id: int) -> Company:
    company = get_company(session, team_id=team_id, company_id=company_id)
    found = session.scalar(select(Follow).where(Follow.team_id == team_id, Follow.company_id == company.id, Follow.user_id == user_id))
    if found is not None:
        if found.alert_id:
            session.execute(delete(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.id == found.alert_id))
        session.execute(delete(Follow).where(Follow.id == found.id))
    return company


# ---- reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDraft:
    rating: int
    text: str
    year: int
    role: str
    anonymous: bool


def validate_review(raw: dict, *, today: date) -> ReviewDraft:
    errors: dict[str, str] = {}
    rating_text = str(raw.get("rating") or "").strip()
    rating = int(rating_text) if rating_text.isdigit() and 1 <= int(rating_text) <= 5 else None
    if rating is None:
        errors["rating"] = "Give it 1 to 5 stars."
    text = text_field(raw, "text", errors, limit=LIMITS["text"], required=True)
    role = text_field(raw, "role", errors, limit=LIMITS["role"], required=True)
    year_text = str(raw.get("year") or "").strip()
    year = int(year_text) if year_text.isdigit() and FIRST_YEAR <= int(year_text) <= today.year else None
    if year is None:
        errors["year"] = f"Give a year between {FIRST_YEAR} and {today.year}."
    anonymous = isinstance(raw.get("anonymous"), list) and "yes" in raw["anonymous"]
    if errors:
        raise UserError.in_fields(errors)
    return ReviewDraft(rating=rating, text=text, year=year, role=role, anonymous=anonymous)


def review_of(session: Session, *, team_id: str, company_id: int, author: str) -> Review | None:
    return session.scalar(select(Review).where(Review.team_id == team_id, Review.company_id == company_id, Review.user_id == author))


def write_review(session: Session, *, team_id: str, company_id: int, author: str, draft: ReviewDraft, now: datetime | None = None) -> Review:
    """The member's review of the company, new or edited: pending an officer's approval again."""
    company = get_company(session, team_id=team_id, company_id=company_id)
    review = review_of(session, team_id=team_id, company_id=company.id, author=author)
    if review is None:
        review = Review(team_id=team_id, company_id=company.id, user_id=author, created_at=now or utcnow())
        session.add(review)
    review.rating, review.text, review.year, review.role, review.anonymous = draft.rating, draft.text, draft.year, draft.role, draft.anonymous
    review.status, review.decided_by, review.decided_at, review.updated_at = ReviewStatus.pending.value, None, None, now or utcnow()
    session.flush()
    return review


def withdraw_review(session: Session, *, team_id: str, review_id: int, user_id: str) -> Review:
    review = team_row(session, Review, team_id=team_id, row_id=review_id)
    if review is None or review.user_id != user_id:
        raise UserError("That review isn't one of yours (any more).")
    review.status, review.updated_at = ReviewStatus.withdrawn.value, utcnow()
    return review


def decide_review(session: Session, *, team_id: str, review_id: int, officer_id: str, is_officer: bool, approve: bool, now: datetime | None = None) -> Review:
    _require_officer(is_officer, ONLY_OFFICERS_DECIDE)
    review = team_row(session, Review, team_id=team_id, row_id=review_id, lock=True, missing="That review no longer exists.")
    if review.status != ReviewStatus.pending.value:
        raise UserError(f"That review was {review.status} already" + (f" by <@{review.decided_by}>." if review.decided_by else "."))
    review.status = (ReviewStatus.approved if approve else ReviewStatus.declined).value
    review.decided_by, review.decided_at = officer_id, now or utcnow()
    return review


def pending_reviews(session: Session, *, team_id: str, limit: int = 10) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.team_id == team_id, Review.status == ReviewStatus.pending.value).order_by(Review.id).limit(limit)))


# ---- the contact log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactDraft:
    club_member: str
    their_person: str
    contacted_on: date
    notes: str | None


def validate_contact(raw: dict, *, today: date) -> ContactDraft:
    errors: dict[str, str] = {}
    member = raw.get("club_member") if isinstance(raw.get("club_member"), str) else None
    if not member:
        errors["club_member"] = "Who from the club talked to them?"
    their = text_field(raw, "their_person", errors, limit=LIMITS["their_person"], required=True)
    notes = text_field(raw, "notes", errors, limit=LIMITS["notes"])
    try:
        on = date.fromisoformat(str(raw.get("contacted_on") or ""))
    except ValueError:
        on = None
    if on is None:
        errors["contacted_on"] = "Pick the day."
    elif on > today:
        errors["contacted_on"] = "That day hasn't come yet."
    if errors:
        raise UserError.in_fields(errors)
    return ContactDraft(club_member=member, their_person=their, contacted_on=on, notes=notes)


def log_contact(session: Session, *, team_id: str, company_id: int, officer_id: str, is_officer: bool, draft: ContactDraft) -> Contact:
    _require_officer(is_officer)
    company = get_company(session, team_id=team_id, company_id=company_id)
    contact = Contact(team_id=team_id, company_id=company.id, logged_by=officer_id, **draft.__dict__)
    session.add(contact)
    session.flush()
    return contact


def contact_log(session: Session, *, team_id: str, company_id: int, is_officer: bool) -> list[Contact]:
    _require_officer(is_officer, "Only club officers can read the contact log.")
    company = get_company(session, team_id=team_id, company_id=company_id)
    return list(session.scalars(select(Contact).where(Contact.team_id == team_id, Contact.company_id == company.id).order_by(Contact.contacted_on.desc(), Contact.id.desc())))


def names_of(session: Session, *, team_id: str, company_ids: Iterable[int]) -> dict[int, str]:
    wanted = set(company_ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Company.id, Company.name).where(Company.team_id == team_id, Company.id.in_(wanted))).all())
