"""The rules of internship leads, over the store. Nothing here knows about Slack."""

from __future__ import annotations

import collections
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Select, Subquery, and_, bindparam, column, func, literal_column, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db import insert_for, inserted, team_row, utcnow
from slackapp.errors import UserError
from slackapp.leads import history
from slackapp.leads.history import Action
from slackapp.leads.models import OPEN_FOR, Lead, LeadStatus, LeadType, SavedLead, Stage
from slackapp.slack.text import escape

PAGE_SIZE = 10
# Kept below Slack's own limits so a lead always fits in one section block and one button URL.
LIMITS = {"company": 100, "role": 150, "url": 2000, "location": 100, "pay": 100, "description": 2000, "tags": 200}
REQUIRED = ("company", "role", "url", "kind")
SOON_DAYS = 7


def duplicate(existing: Lead) -> UserError:
    return UserError(
        f"This link was already shared as “{existing.role} at {existing.company}” on "
        f"{existing.created_at:%b %-d, %Y}. Find it with /internships {existing.company}"[:150],
        field="url",
    )


@dataclass(frozen=True)
class LeadDraft:
    company: str
    role: str
    url: str
    kind: LeadType
    location: str | None = None
    remote: bool = False
    pay: str | None = None
    deadline: date | None = None
    description: str | None = None
    tags: str | None = None


def normalize_url(url: str) -> str:
    """What makes two links the same posting: case-insensitive host, no fragment or tracking."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")))
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", query, ""))


def _is_web_link(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url and "." in (parts.hostname or "")


def validate(raw: dict[str, object], *, today: date) -> LeadDraft:
    """Check a submitted form. Raises UserError keyed by field name, all problems at once."""
    errors: dict[str, str] = {}

    def clean(name: str) -> str | None:
        value = raw.get(name)
        value = value.strip() if isinstance(value, str) else None
        if not value:
            if name in REQUIRED:
                errors[name] = "Please fill this in."
            return None
        if len(value) > LIMITS.get(name, 10_000):
            errors[name] = f"Keep this under {LIMITS[name]} characters (it has {len(value)})."
        return value

    values = {name: clean(name) for name in ("company", "role", "url", "location", "pay", "description", "tags")}
    url = values["url"]
    if url and "url" not in errors and not _is_web_link(url):
        errors["url"] = "Give a web link starting with http:// or https://"

    kind = _kind(raw.get("kind"), errors)
    remote = bool(raw.get("remote"))
    if not remote and not values["location"] and "location" not in errors:
        errors["location"] = "Give a location, or tick Remote."
    deadline = _deadline(raw.get("deadline"), errors, today=today)
    tags = values["tags"]
    if tags:
        tags = ", ".join(dict.fromkeys(tag.strip().lower() for tag in tags.split(",") if tag.strip())) or None

    if errors:
        raise UserError.in_fields(errors)
    return LeadDraft(
        company=values["company"],
        role=values["role"],
        url=url,
        kind=kind,
        location=values["location"],
        remote=remote,
        pay=values["pay"],
        deadline=deadline,
        description=values["description"],
        tags=tags,
    )


def _kind(value: object, errors: dict[str, str]) -> LeadType | None:
    if not value:
        errors["kind"] = "Pick a type."
        return None
    try:
        return LeadType(value)
    except ValueError:
        errors["kind"] = "Pick one of the listed types."
        return None


def _deadline(value: object, errors: dict[str, str], *, today: date) -> date | None:
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors["deadline"] = "Pick a date from the calendar."
            return None
    if not isinstance(value, date):
        return None
    if value < today:
        errors["deadline"] = "That date has passed. Pick today or a later date."
    return value


def get_lead(session: Session, *, team_id: str, lead_id: int) -> Lead:
    return team_row(session, Lead, team_id=team_id, row_id=lead_id, missing="That lead no longer exists.")


def existing_with_link(session: Session, *, team_id: str, url_key: str) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.team_id == team_id, Lead.url_key == url_key))


def create_lead(
    session: Session, *, team_id: str, user_id: str, draft: LeadDraft, now: datetime | None = None, waits_for_approval: bool = False
) -> Lead:
    """Store a shared lead: shown at once, or (`waits_for_approval`) once an officer approves it."""
    url_key = normalize_url(draft.url)
    now = now or utcnow()
    status = LeadStatus.pending if waits_for_approval else LeadStatus.open
    lead = Lead(team_id=team_id, posted_by=user_id, url_key=url_key, created_at=now, status=status.value, **_columns(draft))
    try:
        with session.begin_nested():
            session.add(lead)
    except IntegrityError:
        # The link was shared before (or by someone else in the same instant): the unique key on
        # (team_id, url_key) says so, with no lookup before every insert.
        existing = existing_with_link(session, team_id=team_id, url_key=url_key)
        if existing is None:
            raise
        raise duplicate(existing) from None
    history.record(session, lead=lead, actor=user_id, action=Action.posted, detail="waiting for an officer's approval" if waits_for_approval else None, at=now)
    return lead


def _columns(draft: LeadDraft) -> dict:
    return {
        "company": draft.company,
        "role": draft.role,
        "url": draft.url,
        "kind": draft.kind.value,
        "location": draft.location,
        "remote": draft.remote,
        "pay": draft.pay,
        "deadline": draft.deadline,
        "description": draft.description,
        "tags": draft.tags,
    }


def may_manage(lead: Lead, *, user_id: str, is_officer: bool) -> bool:
    return is_officer or lead.posted_by == user_id


def _ensure_may_manage(lead: Lead, *, user_id: str, is_officer: bool) -> None:
    if not may_manage(lead, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the person who shared this lead, or an officer, can change it.")


def update_lead(session: Session, *, team_id: str, lead_id: int, user_id: str, is_officer: bool, draft: LeadDraft, today: date | None = None) -> Lead:
    lead = get_lead(session, team_id=team_id, lead_id=lead_id)
    _ensure_may_manage(lead, user_id=user_id, is_officer=is_officer)
    url_key = normalize_url(draft.url)
    if url_key != lead.url_key:
        existing = existing_with_link(session, team_id=team_id, url_key=url_key)
        if existing is not None:
            raise duplicate(existing)
        lead.url_key = url_key
    changed = [name for name, value in _columns(draft).items() if getattr(lead, name) != value]
    if "deadline" in changed:
        lead.expires_on = expiry_after_edit(draft.deadline, shared_on=lead.created_at.date(), today=today or utcnow().date())
    for name, value in _columns(draft).items():
        setattr(lead, name, value)
    if changed:
        history.record(session, lead=lead, actor=user_id, action=Action.edited, detail=", ".join(changed))
    session.flush()
    return lead


def expiry_after_edit(deadline: date | None, *, shared_on: date, today: date) -> date:
    """A new deadline is the new expiry; without one, 30 days after it was shared, or from today
    when those have passed (the poster just looked at it)."""
    if deadline is not None:
        return deadline
    return shared_on + OPEN_FOR if shared_on + OPEN_FOR >= today else today + OPEN_FOR


def close_lead(session: Session, *, team_id: str, lead_id: int, user_id: str, is_officer: bool, now: datetime | None = None) -> Lead:
    lead = get_lead(session, team_id=team_id, lead_id=lead_id)
    _ensure_may_manage(lead, user_id=user_id, is_officer=is_officer)
    if lead.closed_at is None:
        lead.closed_at = now or utcnow()
        lead.closed_by = user_id
        history.record(session, lead=lead, actor=user_id, action=Action.closed, at=lead.closed_at)
    return lead


def record_announcement(session: Session, *, team_id: str, lead_id: int, channel: str, ts: str) -> None:
    lead = get_lead(session, team_id=team_id, lead_id=lead_id)
    lead.announce_channel, lead.announce_ts = channel, ts


# --- finding leads -------------------------------------------------------------------------

_TYPE_WORDS = {
    "internship": LeadType.internship,
    "internships": LeadType.internship,
    "micro": LeadType.micro,
    "micro-internship": LeadType.micro,
    "part-time": LeadType.part_time,
    "parttime": LeadType.part_time,
    "full-time": LeadType.full_time,
    "fulltime": LeadType.full_time,
}


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()
    remote: bool = False
    paid: bool = False
    kind: LeadType | None = None

    @property
    def is_search(self) -> bool:
        return bool(self.words or self.remote or self.paid or self.kind)

    def as_text(self) -> str:
        parts = list(self.words)
        parts += ["remote"] if self.remote else []
        parts += ["paid"] if self.paid else []
        parts += [f"type:{self.kind.value}"] if self.kind else []
        return " ".join(parts)


def parse_query(text_: str) -> Query:
    words: list[str] = []
    remote = paid = False
    kind = None
    for token in text_.split():
        lowered = token.lower()
        if lowered == "remote":
            remote = True
        elif lowered == "paid":
            paid = True
        elif lowered.startswith("type:"):
            wanted = lowered.removeprefix("type:")
            if wanted not in _TYPE_WORDS:
                # The word goes back to its author in a message, where <!channel> would ping everyone.
                raise UserError(f"I don't know the type “{escape(token[5:], 100)}”. Use type:internship, type:micro, type:part-time or type:full-time.")
            kind = _TYPE_WORDS[wanted]
        else:
            words.append(token)
    return Query(words=tuple(words), remote=remote, paid=paid, kind=kind)


def _search_terms(words: tuple[str, ...]) -> list[str]:
    # Only letters and digits reach the text index, so nobody can type index syntax into a search.
    return [term for word in words for term in re.findall(r"\w+", word.lower())]


def shown_filter(team_id: str, today: date):
    """Shown in search, digests and alerts: open (not waiting, hidden or removed), not closed,
    not expired."""
    return and_(Lead.team_id == team_id, Lead.status == LeadStatus.open.value, Lead.closed_at.is_(None), Lead.expires_on >= today)


# How much a word counts in each column: the role and the company say what a lead is, tags are
# keywords its sharer chose, and a description mentions much in passing. Both stores read these at
# query time (SQLite's bm25(), PostgreSQL's ts_rank() over the labels set in migration 0007).
COLUMN_WEIGHTS = {"role": 1.0, "company": 1.0, "tags": 0.2, "description": 0.1}
# Scoring every match costs time in proportion to how many leads match, and a common word matches
# a fixed share of the table: ranking all 71,000 open and closed leads that say "team" out of
# 100,000 took 120-320 ms on either store. So a search ranks only the newest RANKED_MATCHES of its
# matches, and any older ones follow them, newest first. A search matching fewer is ranked in
# full; one matching more shows the best of its recent matches first, and a strong but older match
# can sit behind them until a second word narrows the search. The bound is what PostgreSQL pays
# for: it walks the workspace's leads newest first until it has that many matches, so for a word
# in 2% of 100,000 leads the query took 3 ms at 50, 6 ms at 100 and 10 ms at 200, against 1 ms for
# a page newest first (SQLite's cost hardly changes with it).
RANKED_MATCHES = 50


# The list reads rows, not Lead objects: it shows them and changes nothing, and loading objects
# cost more than the query. A row has the Lead attributes the views read.
_leads = Lead.__table__
_saved_leads = SavedLead.__table__
# status and expired_at too, though every listed lead is open: views read them, and a name a row lacks costs an exception.
_LISTED = [_leads.c[name] for name in ("id", "team_id", "company", "role", "url", "kind", "location", "remote", "pay", "deadline", "description", "tags", "posted_by", "closed_at", "status", "expired_at", "expires_on")]
# A row of the list as the views get it: they read some twenty attributes of each of ten leads,
# and a named tuple's attribute costs a tenth of a SQLAlchemy Row's (looked up by name each time).
ListedLead = collections.namedtuple("ListedLead", [column.name for column in _LISTED] + ["saved"])


def _fts5_search(conditions: list):
    """SQLite: the FTS5 table leads_fts (role, company, description, tags; migrations 0001 and 0007,
    which gave it the prefix indexes that let a term's newest matches come first without gathering
    all of them). FTS5 walks its matches by rowid and stops at the LIMIT; ids grow with created_at,
    as leads are stored when shared (ORDER BY created_at would make SQLite run MATCH once for every
    lead). bm25() takes one weight per column, in the table's order, and is lower for better matches."""
    fts = table("leads_fts", column("rowid"))
    weights = [COLUMN_WEIGHTS[name] for name in ("role", "company", "description", "tags")]
    relevance = -func.bm25(literal_column("leads_fts"), *weights)

    def newest_first(*columns) -> Select:
        matching = select(*columns).select_from(fts.join(_leads, _leads.c.id == fts.c.rowid))
        return matching.where(literal_column("leads_fts").match(bindparam("terms")), *conditions).order_by(fts.c.rowid.desc())

    return relevance, newest_first


def _tsvector_search(conditions: list):
    """PostgreSQL: the generated column leads.search_vector and its GIN index (0001, 0004, 0007).
    ts_rank takes the weights of the labels D, C, B, A: description, tags, company, role."""
    vector = literal_column("leads.search_vector")
    tsquery = func.to_tsquery(literal_column("'english'"), bindparam("terms"))
    weights = ", ".join(str(COLUMN_WEIGHTS[name]) for name in ("description", "tags", "company", "role"))
    relevance = func.ts_rank(literal_column(f"'{{{weights}}}'::real[]"), vector, tsquery)

    def newest_first(*columns) -> Select:
        return select(*columns).select_from(_leads).where(vector.op("@@")(tsquery), *conditions).order_by(_leads.c.created_at.desc(), _leads.c.id.desc())

    return relevance, newest_first


def _terms_for(dialect: str, terms: list[str]) -> str:
    # Every term is quoted or a plain word, so it can't be read as index syntax; * and :* match words it begins.
    return " ".join(f'"{term}"*' for term in terms) if dialect == "sqlite" else " & ".join(f"{term}:*" for term in terms)


@functools.cache
def best_matches_statements(dialect: str, *, ranked_matches: int, remote: bool, paid: bool, of_kind: bool) -> tuple[Select, Select]:
    """Up to a page and one more of the wanted leads that match, from :offset on: the newest
    RANKED_MATCHES by relevance (newest first among equals); and the older ones, newest first, for
    a page that reaches past them. Built once per shape of filters, like newest_statement.

    PostgreSQL must plan this for the words searched (slackapp.db.make_engine asks for that): a
    plan made without them guesses a few hundred matches and ranks them all (100 ms for "team" at
    100,000 leads, against 2 ms walking the newest)."""
    conditions = _filters(remote=remote, paid=paid, of_kind=of_kind)
    relevance, newest_first = (_tsvector_search if dialect == "postgresql" else _fts5_search)(conditions)
    ranked = newest_first(_leads.c.id.label("id"), relevance.label("relevance")).limit(ranked_matches).subquery("ranked")
    best = (
        select(*_LISTED, _saved_by_member(), ranked.c.relevance, _leads.c.created_at)
        .select_from(_leads.join(ranked, _leads.c.id == ranked.c.id))
        .order_by(ranked.c.relevance.desc(), _leads.c.created_at.desc(), _leads.c.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    # The same tables are in the outer query; correlate(None) keeps the subquery on its own.
    ranked_ids = newest_first(_leads.c.id).limit(ranked_matches).correlate(None).scalar_subquery()
    older = newest_first(*_LISTED, _saved_by_member()).where(_leads.c.id.not_in(ranked_ids)).offset(bindparam("older_offset")).limit(bindparam("missing"))
    return best, older


def _filters(*, remote: bool, paid: bool, of_kind: bool) -> list:
    """The workspace's open leads that the query's filters (not its words) let through."""
    leads = _leads.c
    # As shown_filter.
    conditions = [leads.team_id == bindparam("team"), leads.status == LeadStatus.open.value, leads.closed_at.is_(None), leads.expires_on >= bindparam("today")]
    if remote:
        conditions.append(leads.remote.is_(True))
    if paid:
        conditions.append(func.coalesce(leads.pay, "") != "")
    if of_kind:
        conditions.append(leads.kind == bindparam("kind"))
    return conditions


def _search(session: Session, terms: list[str], query: Query, params: dict, *, offset: int, run: Run) -> list:
    """Rows of the page and one more, each with whether the member saved it."""
    dialect = session.get_bind().dialect.name
    best, older = best_matches_statements(dialect, ranked_matches=RANKED_MATCHES, remote=query.remote, paid=query.paid, of_kind=query.kind is not None)
    params = {**params, "terms": _terms_for(dialect, terms), "offset": offset, "limit": PAGE_SIZE + 1}
    found = run(best, _best_first, params)
    missing = PAGE_SIZE + 1 - len(found)
    if missing and offset + PAGE_SIZE + 1 > RANKED_MATCHES:
        # The page reaches past the ranked matches. When fewer than RANKED_MATCHES matched, they
        # were all ranked and this finds nothing.
        found += session.execute(older, {**params, "older_offset": max(0, offset - RANKED_MATCHES), "missing": missing}).all()
    return found


def _saved_by_member():
    """Whether the member the page is read for (:member) saved the lead."""
    saved = _saved_leads.c
    return select(saved.id).where(saved.team_id == _leads.c.team_id, saved.lead_id == _leads.c.id, saved.user_id == bindparam("member")).exists().label("saved")


@dataclass
class Page:
    # ListedLead rows: the Lead attributes a list shows (see _LISTED).
    leads: list
    number: int
    has_next: bool
    query: Query = field(default_factory=Query)
    # The leads of this page that the member it was read for has saved.
    saved: set[int] = field(default_factory=set)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @functools.cached_property
    def query_json(self) -> str:
        """The search as a JSON string, for the buttons that carry it."""
        return json.dumps(self.query.as_text())


# Runs a page's first statement: run(statement, order_by, parameters) -> rows. Without one, on the
# session; Club.read_with_snapshot's reads the club's snapshot in the same statement. `order_by`
# says the statement's order over its columns (club.service.snapshot_with).
Run = Callable[[Select, Callable[[Subquery], list], dict], list]


def open_leads(
    session: Session, *, team_id: str, today: date, query: Query = Query(), page: int = 1, member: str | None = None, run: Run | None = None
) -> Page:
    """Open leads, a page at a time: for words, the best matches first (see RANKED_MATCHES), else
    newest first. Past-deadline and closed leads drop out by themselves. With `member`, the page
    also says which of its leads that member saved."""
    run = run or functools.partial(_run, session)
    page = max(1, page)
    terms = _search_terms(query.words)
    if query.words and not terms:
        return Page(leads=[], number=page, has_next=False, query=query)
    offset = (page - 1) * PAGE_SIZE
    params = {"team": team_id, "today": today, "kind": query.kind and query.kind.value, "member": member}
    if terms:
        rows = _search(session, terms, query, params, offset=offset, run=run)
    else:
        newest = newest_statement(remote=query.remote, paid=query.paid, of_kind=query.kind is not None)
        rows = run(newest, _newest_first, {**params, "offset": offset, "limit": PAGE_SIZE + 1})
    width = len(ListedLead._fields)  # the page's first statement also has the columns it is ordered by
    shown = [ListedLead._make(row[:width]) for row in rows[:PAGE_SIZE]]
    saved = {lead.id for lead in shown if lead.saved}
    return Page(leads=shown, number=page, has_next=len(rows) > PAGE_SIZE, query=query, saved=saved)


@functools.cache
def newest_statement(*, remote: bool, paid: bool, of_kind: bool) -> Select:
    """The newest-first page as a statement built once per shape of filters: the plain list is
    what every `/internships` asks for, and building the statement cost more than running it."""
    conditions = _filters(remote=remote, paid=paid, of_kind=of_kind)
    return (
        select(*_LISTED, _saved_by_member(), _leads.c.created_at)
        .where(*conditions)
        .order_by(_leads.c.created_at.desc(), _leads.c.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


def _run(session: Session, statement: Select, _order_by, parameters: dict) -> list:
    return session.execute(statement, parameters).all()


def _newest_first(page: Subquery) -> list:
    return [page.c.created_at.desc(), page.c.id.desc()]


def _best_first(page: Subquery) -> list:
    return [page.c.relevance.desc(), page.c.created_at.desc(), page.c.id.desc()]


def save_lead(session: Session, *, team_id: str, user_id: str, lead_id: int) -> bool:
    """Returns False when it was saved already (saving twice is harmless)."""
    get_lead(session, team_id=team_id, lead_id=lead_id)
    statement = (
        insert_for(session)(SavedLead)
        .values(team_id=team_id, user_id=user_id, lead_id=lead_id, stage=Stage.saved.value)
        .on_conflict_do_nothing()
    )
    return inserted(session, statement, SavedLead.id)


def saved_of(session: Session, *, team_id: str, user_id: str, lead_id: int) -> SavedLead | None:
    return session.scalar(select(SavedLead).where(SavedLead.team_id == team_id, SavedLead.user_id == user_id, SavedLead.lead_id == lead_id))


def _saved(session: Session, *, team_id: str, user_id: str, lead_id: int) -> SavedLead:
    saved = saved_of(session, team_id=team_id, user_id=user_id, lead_id=lead_id)
    if saved is None:
        raise UserError("You haven't saved that lead. Press Save on it first.")
    return saved


def move_stage(session: Session, *, team_id: str, user_id: str, lead_id: int, stage: str) -> SavedLead:
    try:
        wanted = Stage(stage)
    except ValueError:
        raise UserError("That is not a status I know.") from None
    saved = _saved(session, team_id=team_id, user_id=user_id, lead_id=lead_id)
    saved.stage = wanted.value
    saved.updated_at = utcnow()
    return saved


def unsave(session: Session, *, team_id: str, user_id: str, lead_id: int) -> None:
    session.delete(_saved(session, team_id=team_id, user_id=user_id, lead_id=lead_id))


def my_leads(session: Session, *, team_id: str, user_id: str) -> list[SavedLead]:
    """A member's saved leads: ones still in play first, then by nearest deadline."""
    rows = session.scalars(
        select(SavedLead).where(SavedLead.team_id == team_id, SavedLead.user_id == user_id).order_by(SavedLead.saved_at.desc())
    ).all()
    return sorted(rows, key=lambda row: (row.stage == Stage.closed.value, row.lead.deadline or date.max))


def saved_in_play(session: Session, *, team_id: str, user_id: str, limit: int) -> list[tuple[SavedLead, Lead]]:
    """A member's saved leads still in play, nearest deadline first (App Home shows a few)."""
    rows = session.execute(
        select(SavedLead, Lead)
        .join(Lead, Lead.id == SavedLead.lead_id)
        .where(SavedLead.team_id == team_id, SavedLead.user_id == user_id, SavedLead.stage != Stage.closed.value)
        .order_by(Lead.deadline.is_(None), Lead.deadline, SavedLead.saved_at.desc(), SavedLead.id.desc())
        .limit(limit)
    ).all()
    return [(saved, lead) for saved, lead in rows]


def due_soon(deadline: date | None, *, today: date) -> int | None:
    """Days left when a deadline falls within the next week, else None."""
    if deadline is None:
        return None
    days = (deadline - today).days
    return days if 0 <= days <= SOON_DAYS else None


# --- for the weekly digest ---------------------------------------------------------------------


def shared_since(session: Session, *, team_id: str, since: datetime, today: date, limit: int = 15) -> list[Lead]:
    """Open leads shared after `since`, newest first."""
    statement = (
        select(Lead)
        .where(shown_filter(team_id, today), Lead.created_at >= since)
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def closing_within(session: Session, *, team_id: str, today: date, days: int = SOON_DAYS, limit: int = 15) -> list[Lead]:
    """Open leads whose deadline falls in the next `days` days, soonest first."""
    statement = (
        select(Lead)
        .where(shown_filter(team_id, today), Lead.deadline <= today + timedelta(days=days))
        .order_by(Lead.deadline, Lead.id)
        .limit(limit)
    )
    return list(session.scalars(statement))
