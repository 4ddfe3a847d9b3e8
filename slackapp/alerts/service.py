"""The rules of alerts (saved `/internships` searches), over the store. Nothing here knows Slack.

A member saves a search; every lead and micro-internship project that becomes shown is matched,
once, against the workspace's active alerts, the way `/internships` searches: every term must
begin a word of the item, and the filters must hold. A follow (an alert on a company) also
brings the company's new events; a search never does. What matches is owed to the member in one
DM (instant, or daily at 09:00 their time), never twice, at most 10 items a DM and 2 a company."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import CompoundSelect, Date, bindparam, delete, func, select, union, update
from sqlalchemy.orm import Session

from slackapp.alerts.models import Alert, AlertMatch, AlertState, Delivery
from slackapp.db import insert_for, inserted, utcnow
from slackapp.errors import UserError
from slackapp.events.models import Event
from slackapp.hooks import TeamHooks
from slackapp.leads.models import Lead, LeadStatus, LeadType
from slackapp.leads.service import Query, parse_query, shown_filter
from slackapp.localtime import at_local, earliest_today, local
from slackapp.micro.models import Project, ProjectStatus

# The query column's size; a longer search can't be saved.
MAX_QUERY = 300
# What `/internships alerts` lists in one message (two blocks each, within Slack's 50).
MAX_ALERTS = 20
PER_DM = 10
PER_COMPANY = 2
# An alert whose DMs got no click for this long pauses itself.
QUIET_FOR = timedelta(weeks=8)
DAILY_AT = time(9, 0)

LEAD, PROJECT, EVENT = "lead", "project", "event"
# A follow (companies) is an alert whose query starts "company:<id>": it matches that company's
# leads, projects and events, whatever their words. Events match follows only.
FOLLOW_PREFIX = "company:"

NOT_YOURS = "That alert isn't one of yours (any more). See yours with `/internships alerts`."
NO_SEARCH = "An alert needs words or a filter: search with `/internships <words>` first, then press Alert me."


# ---- saving, listing, changing -------------------------------------------------------------


def normalized(text: str) -> str:
    """The search as `/internships` reads it (words in order, then remote, paid, type:…), lower-cased."""
    query = parse_query(text or "")
    if not query.is_search:
        raise UserError(NO_SEARCH)
    # Search ignores case: so does telling one alert from another.
    wanted = query.as_text().lower()
    if len(wanted) > MAX_QUERY:
        raise UserError(f"That search is too long to keep as an alert (it has {len(wanted)} characters; {MAX_QUERY} at most).")
    return wanted


def create_alert(session: Session, *, team_id: str, user_id: str, text: str, now: datetime | None = None) -> tuple[Alert, bool]:
    """Save the search as a daily alert; (the alert, False) when the member has it already."""
    query = normalized(text)
    existing = _by_query(session, team_id=team_id, user_id=user_id, query=query)
    if existing is not None:
        return existing, False
    count = session.scalar(select(func.count()).select_from(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id))
    if count >= MAX_ALERTS:
        raise UserError(f"You have {MAX_ALERTS} alerts, the most one member can keep. Delete one in `/internships alerts` first.")
    statement = (
        insert_for(session)(Alert)
        .values(team_id=team_id, user_id=user_id, query=query, delivery=Delivery.daily.value, state=AlertState.active.value, created_at=now or utcnow())
        .on_conflict_do_nothing()
    )
    # A double click saves one: the second insert finds the first.
    fresh = inserted(session, statement, Alert.id)
    return _by_query(session, team_id=team_id, user_id=user_id, query=query), fresh


def _by_query(session: Session, *, team_id: str, user_id: str, query: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.query == query))


def mine(session: Session, *, team_id: str, user_id: str) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id).order_by(Alert.id)))


def owned(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> list[Alert]:
    """Those of `alert_ids` that are this member's alerts in this workspace (anything else is ignored)."""
    wanted = {alert_id for alert_id in alert_ids if isinstance(alert_id, int)}
    if not wanted:
        return []
    statement = select(Alert).where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.id.in_(wanted)).order_by(Alert.id)
    return list(session.scalars(statement))


def _owned_or_refused(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> list[Alert]:
    found = owned(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    if not found:
        raise UserError(NOT_YOURS)
    return found


def clicked(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> int:
    """A click on an alert DM: those of the member's alerts are no longer unclicked."""
    wanted = [alert_id for alert_id in alert_ids if isinstance(alert_id, int)]
    if not wanted:
        return 0
    result = session.execute(
        update(Alert)
        .where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.id.in_(wanted), Alert.unclicked_since.is_not(None))
        .values(unclicked_since=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def set_delivery(session: Session, *, team_id: str, user_id: str, alert_id: int, delivery: str) -> Alert:
    try:
        wanted = Delivery(delivery)
    except ValueError:
        raise UserError("Choose instant or daily delivery.") from None
    [alert] = _owned_or_refused(session, team_id=team_id, user_id=user_id, alert_ids=[alert_id])
    alert.delivery = wanted.value
    return alert


def pause(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> list[Alert]:
    found = _owned_or_refused(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    for alert in found:
        alert.state = AlertState.paused.value
    return found


def resume(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> list[Alert]:
    """Active again, and counting quiet weeks from scratch."""
    found = _owned_or_refused(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    for alert in found:
        alert.state, alert.unclicked_since = AlertState.active.value, None
    return found


def delete_alerts(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int]) -> list[str]:
    """Delete them; the searches they were. What they matched stays recorded (alert_id NULL), so
    a new alert never brings an item the member had already."""
    found = _owned_or_refused(session, team_id=team_id, user_id=user_id, alert_ids=alert_ids)
    session.execute(delete(Alert).where(Alert.id.in_([alert.id for alert in found])).execution_options(synchronize_session=False))
    return [alert.query for alert in found]


def has_alerts(session: Session, *, team_id: str, user_id: str) -> bool:
    return session.scalar(select(Alert.id).where(Alert.team_id == team_id, Alert.user_id == user_id).limit(1)) is not None


def quiet(session: Session, *, now: datetime) -> list[Alert]:
    """Active alerts (of every workspace) whose DMs went unclicked for QUIET_FOR or more."""
    statement = select(Alert).where(Alert.state == AlertState.active.value, Alert.unclicked_since <= now - QUIET_FOR).order_by(Alert.id)
    return list(session.scalars(statement))


# ---- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A lead, project or event as matching sees it."""

    kind: str
    id: int
    owner: str
    words: frozenset[str]
    remote: bool
    paid: bool
    lead_type: LeadType | None
    company: str
    company_id: int | None = None


def terms(words: Sequence[str]) -> list[str]:
    """What a search looks for, as `/internships` reads it: letters and digits, lower-cased."""
    return [term for word in words for term in re.findall(r"\w+", word.lower())]


def words_in(*texts: str | None) -> frozenset[str]:
    return frozenset(word for text in texts if text for word in re.findall(r"\w+", text.lower()))


def lead_candidate(lead: Lead) -> Candidate:
    return Candidate(
        kind=LEAD, id=lead.id, owner=lead.posted_by, words=words_in(lead.role, lead.company, lead.description, lead.tags),
        remote=bool(lead.remote), paid=bool(lead.pay), lead_type=LeadType(lead.kind), company=lead.company, company_id=lead.company_id,
    )


def project_candidate(project: Project) -> Candidate:
    """Micro-internship projects are type micro and always paid (a fixed fee)."""
    return Candidate(
        kind=PROJECT, id=project.id, owner=project.posted_by, words=words_in(project.title, project.organization, project.description),
        remote=bool(project.remote), paid=True, lead_type=LeadType.micro, company=project.organization, company_id=project.company_id,
    )


def event_candidate(event: Event) -> Candidate:
    """Events have no words or type to search: only a follow of their company matches them."""
    return Candidate(
        kind=EVENT, id=event.id, owner=event.created_by, words=frozenset(), remote=False, paid=False, lead_type=None,
        company=event.employer or "", company_id=event.company_id,
    )


def matches(query: Query, item: Candidate) -> bool:
    if query.remote and not item.remote:
        return False
    if query.paid and not item.paid:
        return False
    if query.kind is not None and query.kind != item.lead_type:
        return False
    return all(any(word.startswith(term) for word in item.words) for term in terms(query.words))


def followed_company(alert: Alert) -> int | None:
    """The company a follow's alert is about; None for a saved search."""
    head = (alert.query or "").split(maxsplit=1)[0] if alert.query else ""
    number = head.removeprefix(FOLLOW_PREFIX)
    return int(number) if head.startswith(FOLLOW_PREFIX) and number.isdigit() else None


def _query_of(alert: Alert) -> Query | None:
    try:
        return parse_query(alert.query)
    except UserError:  # kept before a filter word was retired: it matches nothing
        return None


def owed(alerts: Sequence[Alert], items: Sequence[Candidate]) -> dict[tuple[str, str, int], Alert]:
    """Each (member, item kind, item id) the active `alerts` match, with the alert it comes by:
    one per member and item however many of their alerts match it, an instant one before a daily
    one (then the oldest). Nobody is alerted to what they posted themselves."""
    queries = [(alert, _query_of(alert), followed_company(alert)) for alert in alerts if alert.state == AlertState.active.value]
    found: dict[tuple[str, str, int], Alert] = {}
    for item in items:
        for alert, query, company_id in queries:
            if alert.user_id == item.owner:
                continue
            if company_id is not None and item.company_id != company_id:
                continue
            if company_id is None and (item.kind == EVENT or query is None or not matches(query, item)):
                continue
            key = (alert.user_id, item.kind, item.id)
            if key not in found or _before(alert, found[key]):
                found[key] = alert
    return found


def _before(alert: Alert, other: Alert) -> bool:
    return (alert.delivery != Delivery.instant.value, alert.id) < (other.delivery != Delivery.instant.value, other.id)


def capped(companies: Sequence[str], *, per_dm: int = PER_DM, per_company: int = PER_COMPANY) -> list[int]:
    """Which of the items (by their companies, in order) one DM shows: at most `per_dm`, and at
    most `per_company` of one company (case and spaces aside); their positions."""
    shown: list[int] = []
    seen: dict[str, int] = {}
    for position, company in enumerate(companies):
        if len(shown) == per_dm:
            break
        name = " ".join((company or "").lower().split())
        if seen.get(name, 0) >= per_company:
            continue
        seen[name] = seen.get(name, 0) + 1
        shown.append(position)
    return shown


# ---- what is new and shown --------------------------------------------------------------------

# Run in the matcher's transaction before it reads what is new: companies links new leads and
# projects to their records there, so a follow sees a lead at once.
_before_matching = TeamHooks()
before_matching = _before_matching.add
prepare = _before_matching.run


def unmatched(session: Session, *, team_id: str, today: date, lock: bool, limit: int = 500) -> tuple[list[Lead], list[Project]]:
    """Leads shown and projects open for bids that no alert was matched against yet. `lock`
    (PostgreSQL) locks them, skipping those another process is matching now."""
    leads = select(Lead).where(shown_filter(team_id, today), Lead.alerts_matched_at.is_(None)).order_by(Lead.id).limit(limit)
    projects = (
        select(Project)
        .where(Project.team_id == team_id, Project.status == ProjectStatus.open.value, Project.bid_deadline >= today, Project.alerts_matched_at.is_(None))
        .order_by(Project.id)
        .limit(limit)
    )
    if lock:
        leads, projects = leads.with_for_update(skip_locked=True), projects.with_for_update(skip_locked=True)
    return list(session.scalars(leads)), list(session.scalars(projects))


def _upcoming(team_id: str, now: datetime):
    """Events a follower may still answer: not cancelled, not started."""
    return (Event.team_id == team_id, Event.cancelled_at.is_(None), Event.starts_at > now)


def unmatched_events(session: Session, *, team_id: str, now: datetime, lock: bool, limit: int = 500) -> list[Event]:
    """Upcoming events no alert was matched against yet (locked as `unmatched` locks)."""
    statement = select(Event).where(*_upcoming(team_id, now), Event.alerts_matched_at.is_(None)).order_by(Event.id).limit(limit)
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def teams_with_unmatched(session: Session, now: datetime) -> list[str]:
    """Workspaces with a lead, project or upcoming event not matched yet that may be shown (cheap
    filters only, in one statement)."""
    return list(session.scalars(_unmatched_teams(), {"now": now, "earliest": earliest_today(now)}))


@functools.cache
def _unmatched_teams() -> CompoundSelect:
    # What was never matched and whose last day has passed in every zone can't be shown again:
    # leaving it out keeps a workspace from being looked at on every tick for it.
    earliest = bindparam("earliest", type_=Date())
    leads = select(Lead.team_id).where(
        Lead.alerts_matched_at.is_(None), Lead.status == LeadStatus.open.value, Lead.closed_at.is_(None), Lead.expires_on >= earliest
    )
    projects = select(Project.team_id).where(
        Project.alerts_matched_at.is_(None), Project.status == ProjectStatus.open.value, Project.bid_deadline >= earliest
    )
    events = select(Event.team_id).where(Event.alerts_matched_at.is_(None), Event.cancelled_at.is_(None), Event.starts_at > bindparam("now"))
    return union(leads, projects, events).order_by("team_id")


def mark_matched(session: Session, *, leads: Sequence[Lead], projects: Sequence[Project], now: datetime, events: Sequence[Event] = ()) -> None:
    for lead in leads:
        lead.alerts_matched_at = now
    for project in projects:
        project.alerts_matched_at = now
    for event in events:
        event.alerts_matched_at = now


def mark_all_matched(session: Session, *, team_id: str, today: date, now: datetime) -> None:
    """What is new in a workspace whose members have no active alert: matched, as nothing."""
    session.execute(
        update(Lead).where(shown_filter(team_id, today), Lead.alerts_matched_at.is_(None)).values(alerts_matched_at=now).execution_options(synchronize_session=False)
    )
    session.execute(
        update(Project)
        .where(Project.team_id == team_id, Project.status == ProjectStatus.open.value, Project.bid_deadline >= today, Project.alerts_matched_at.is_(None))
        .values(alerts_matched_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Event).where(*_upcoming(team_id, now), Event.alerts_matched_at.is_(None)).values(alerts_matched_at=now).execution_options(synchronize_session=False)
    )


def active_alerts(session: Session, *, team_id: str) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.team_id == team_id, Alert.state == AlertState.active.value).order_by(Alert.id)))


def record_matches(session: Session, rows: list[dict]) -> set[tuple[str, str]]:
    """Store the matches (each row names its DM's job_key); ones a member had already are left
    as they were. The (member, job key) pairs that got something new."""
    got: set[tuple[str, str]] = set()
    for start in range(0, len(rows), 500):
        statement = insert_for(session)(AlertMatch).values(rows[start : start + 500]).on_conflict_do_nothing()
        got |= {(user_id, key) for user_id, key in session.execute(statement.returning(AlertMatch.user_id, AlertMatch.job_key))}
    return got


def next_daily(now: datetime, tz: str) -> datetime:
    """The first 09:00 in `tz` after `now`."""
    day = local(now, tz).date()
    due = at_local(day, DAILY_AT, tz)
    return due if due > now else at_local(day + timedelta(days=1), DAILY_AT, tz)


# ---- what a DM carries ------------------------------------------------------------------------


@dataclass
class Contents:
    """A DM's items still shown (leads, projects and events, in the order they were matched), the
    alerts they came by, and how many more matched than it shows."""

    items: list[Lead | Project | Event]
    alerts: list[Alert]
    # Each shown item's alert id, by (kind, id).
    came_by: dict[tuple[str, int], int]
    more: int


def contents(session: Session, *, team_id: str, user_id: str, job_key: str, today: date, now: datetime | None = None) -> Contents:
    """What the DM `job_key` carries now: its matches whose item is still shown (an event: not
    cancelled and not started by `now`) and whose alert is still active; capped (PER_DM, PER_COMPANY)."""
    found = list(
        session.scalars(
            select(AlertMatch).where(AlertMatch.team_id == team_id, AlertMatch.job_key == job_key, AlertMatch.user_id == user_id).order_by(AlertMatch.id)
        )
    )
    alerts = {alert.id: alert for alert in owned(session, team_id=team_id, user_id=user_id, alert_ids={m.alert_id for m in found if m.alert_id})}
    found = [m for m in found if m.alert_id in alerts and alerts[m.alert_id].state == AlertState.active.value]
    lead_ids = [m.item_id for m in found if m.item_kind == LEAD]
    project_ids = [m.item_id for m in found if m.item_kind == PROJECT]
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(shown_filter(team_id, today), Lead.id.in_(lead_ids)))} if lead_ids else {}
    projects = {}
    if project_ids:
        statement = select(Project).where(
            Project.team_id == team_id, Project.id.in_(project_ids), Project.status == ProjectStatus.open.value, Project.bid_deadline >= today
        )
        projects = {project.id: project for project in session.scalars(statement)}
    event_ids = [m.item_id for m in found if m.item_kind == EVENT]
    events = {}
    if event_ids:
        statement = select(Event).where(*_upcoming(team_id, now or utcnow()), Event.id.in_(event_ids))
        events = {event.id: event for event in session.scalars(statement)}
    shown_now = [(m, {LEAD: leads, PROJECT: projects, EVENT: events}.get(m.item_kind, {}).get(m.item_id)) for m in found]
    shown_now = [(m, item) for m, item in shown_now if item is not None]
    picked = capped([_company_name(item) for _, item in shown_now])
    chosen = [shown_now[position] for position in picked]
    came_by = {(m.item_kind, m.item_id): m.alert_id for m, _ in chosen}
    used = sorted(set(came_by.values()))
    return Contents(items=[item for _, item in chosen], alerts=[alerts[alert_id] for alert_id in used], came_by=came_by, more=len(shown_now) - len(chosen))


def _company_name(item: Lead | Project | Event) -> str:
    if isinstance(item, Lead):
        return item.company
    if isinstance(item, Project):
        return item.organization
    return item.employer or ""


def started_quiet(session: Session, *, team_id: str, user_id: str, alert_ids: Iterable[int], at: datetime) -> None:
    """A DM of these alerts went out at `at`: their quiet weeks count from the first one unclicked."""
    wanted = list(alert_ids)
    if not wanted:
        return
    session.execute(
        update(Alert)
        .where(Alert.team_id == team_id, Alert.user_id == user_id, Alert.id.in_(wanted), Alert.unclicked_since.is_(None))
        .values(unclicked_since=at)
        .execution_options(synchronize_session=False)
    )
