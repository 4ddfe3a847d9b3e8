"""Workspace settings and the officer list. No Slack here: callers pass plain values."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import available_timezones

from sqlalchemy import Date, Select, Subquery, bindparam, column, delete, select, text, true
from sqlalchemy.orm import Session

from slackapp.club import ids
from slackapp.club.models import Officer, Workspace
from slackapp.db import insert_for, inserted
from slackapp.errors import UserError
from slackapp.slack.text import truncate


def workspace(session: Session, *, team_id: str) -> Workspace:
    """The workspace's settings, created with defaults the first time it is seen."""
    found = session.get(Workspace, team_id)
    if found is not None:
        return found
    return Workspace(team_id=team_id, timezone="UTC", leads_channel=None)


@dataclass(frozen=True)
class Settings:
    """A workspace's settings as one request reads them (the row is `Workspace`)."""

    team_id: str
    timezone: str = "UTC"
    leads_channel: str | None = None
    gigs_channel: str | None = None
    events_channel: str | None = None
    officers_channel: str | None = None
    digest_weekday: int = 0
    digest_time: str = "09:00"
    approve_first_leads: bool = False
    helpers_channel: str | None = None
    intro_weekday: int = 0


@dataclass(frozen=True)
class Snapshot:
    """A workspace's settings, whether one person is on its officer list, and which of the facts
    features asked to have read with them (read_with_settings) hold, as of one read."""

    settings: Settings
    listed: bool
    # fact name -> whether it held; a fact registered after this read is not in it.
    facts: dict[str, bool] = field(default_factory=dict, compare=False)


_SETTINGS_COLUMNS = [column.name for column in Workspace.__table__.columns if column.name not in ("team_id", "created_at", "updated_at")]
# Facts a feature needs on many requests and that are mostly false (the club has open
# micro-internship projects), so that a false one costs no query of its own: name -> the SQL of an
# EXISTS over the feature's table, with :team and :since (yesterday in UTC: no zone's today is older).
_FACTS: dict[str, str] = {}


def read_with_settings(name: str, exists_sql: str) -> None:
    """Registered again under the same name, a fact replaces itself."""
    _FACTS[name] = exists_sql
    _snapshot_statement.cache_clear()
    _joined_statement.cache_clear()


@functools.cache
def _snapshot_statement():
    """One statement on the connection: it is run on every request, so it skips the ORM's machinery,
    and it names its columns, so SQLAlchemy reads what the result holds once, not at every run (a
    text without them cost a third of the statement's time in matching names to the cursor's)."""
    facts = [f"fact_{index}" for index in range(len(_FACTS))]
    statement = text(
        f"SELECT {', '.join('w.' + name for name in _SETTINGS_COLUMNS)}, "
        "EXISTS (SELECT 1 FROM officers o WHERE o.team_id = :team AND o.user_id = :user) AS listed"
        + "".join(f", EXISTS ({sql}) AS {name}" for name, sql in zip(facts, _FACTS.values()))
        + " FROM (SELECT 1 AS one) AS request LEFT OUTER JOIN workspaces w ON w.team_id = :team"
    )
    if _FACTS:
        statement = statement.bindparams(bindparam("since", type_=Date))
    return statement.columns(*(column(name) for name in [*_SETTINGS_COLUMNS, "listed", *facts]))


def snapshot(session: Session, *, team_id: str, user_id: str | None) -> Snapshot:
    row = session.connection().execute(_snapshot_statement(), _snapshot_parameters(team_id, user_id)).one()
    return _snapshot_of(row, team_id)


def snapshot_with(session: Session, *, team_id: str, user_id: str | None, rows: Select, order_by: Callable[[Subquery], list], parameters: dict) -> tuple[Snapshot, list]:
    """The snapshot and a caller's rows (a page: `rows` has its own ORDER BY and LIMIT; its first
    column is never NULL) in one statement: on a request that reads both, one round trip to the
    store, not two. `order_by(page)` orders the page's columns as `rows` orders them (the page is
    joined to the snapshot's one row, and a join keeps no order of its own)."""
    # Through the session, as the caller's rows would be read alone: it writes what it holds first.
    found = session.execute(_joined_statement(rows, order_by), {**parameters, **_snapshot_parameters(team_id, user_id)}).all()
    width = len(_SETTINGS_COLUMNS) + 1 + len(_FACTS)
    # Without rows, the one row the snapshot's outer join leaves, with every column of the page NULL.
    return _snapshot_of(found[0], team_id), [row[width:] for row in found if row[width] is not None]


@functools.cache
def _joined_statement(rows: Select, order_by: Callable[[Subquery], list]) -> Select:
    club = _snapshot_statement().subquery("club")
    page = rows.subquery("page")
    return select(club, page).select_from(club.outerjoin(page, true())).order_by(*order_by(page))


def _snapshot_parameters(team_id: str, user_id: str | None) -> dict:
    parameters = {"team": team_id, "user": user_id or ""}
    if _FACTS:
        parameters["since"] = datetime.now(timezone.utc).date() - timedelta(days=1)
    return parameters


def _snapshot_of(row, team_id: str) -> Snapshot:
    count = len(_SETTINGS_COLUMNS)
    values = dict(zip(_SETTINGS_COLUMNS, row[:count]))
    held = {name: bool(value) for name, value in zip(_FACTS, row[count + 1 : count + 1 + len(_FACTS)])}
    # No settings saved yet: the defaults.
    settings = Settings(team_id=team_id) if values["timezone"] is None else Settings(team_id=team_id, **values)
    _ZONES_SEEN[team_id] = settings.timezone
    return Snapshot(settings=settings, listed=bool(row[count]), facts=held)


# The zone each workspace's snapshot last said, in this process: the guess of a request that reads
# rows for the club's date in the same statement as the snapshot (Club.read_with_snapshot). Only a
# guess: the statement reads the zone too, and a wrong guess is read again. A few bytes a workspace.
_ZONES_SEEN: dict[str, str] = {}


def zone_last_seen(team_id: str) -> str:
    return _ZONES_SEEN.get(team_id, "UTC")


def ensure_workspace(session: Session, *, team_id: str) -> Workspace:
    session.execute(insert_for(session)(Workspace).values(team_id=team_id, timezone="UTC").on_conflict_do_nothing())
    return session.get(Workspace, team_id, populate_existing=True)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_timezone(name: str) -> str:
    name = name.strip()
    # Only names of the tz database: ZoneInfo() alone also opens folders ("America") and paths,
    # and raises OSError for a name longer than a file name may be.
    if name not in _zone_names():
        raise UserError(f"“{truncate(name, 40)}” is not a time zone I know. Use a name like America/New_York or Europe/Berlin.", field=ids.TIMEZONE)
    return name


@dataclass(frozen=True)
class ConfigChange:
    timezone: str
    leads_channel: str | None
    digest_weekday: int = 0
    digest_time: str = "09:00"
    gigs_channel: str | None = None
    events_channel: str | None = None
    officers_channel: str | None = None
    approve_first_leads: bool = False
    helpers_channel: str | None = None
    intro_weekday: int = 0


def configure(session: Session, *, team_id: str, change: ConfigChange) -> Workspace:
    if not 0 <= change.digest_weekday <= 6:
        raise UserError("Pick a day of the week for the digest.", field=ids.DIGEST_DAY)
    if not _is_clock_time(change.digest_time):
        raise UserError("Pick a time of day for the digest.", field=ids.DIGEST_TIME)
    if not 0 <= change.intro_weekday <= 6:
        raise UserError("Pick a day of the week for introductions.", field=ids.INTRO_DAY)
    settings = ensure_workspace(session, team_id=team_id)
    settings.timezone = valid_timezone(change.timezone)
    settings.leads_channel = change.leads_channel
    settings.digest_weekday = change.digest_weekday
    settings.digest_time = change.digest_time
    settings.gigs_channel = change.gigs_channel
    settings.events_channel = change.events_channel
    settings.officers_channel = change.officers_channel
    settings.approve_first_leads = change.approve_first_leads
    settings.helpers_channel = change.helpers_channel
    settings.intro_weekday = change.intro_weekday
    return settings


def _is_clock_time(text: str) -> bool:
    hours, _, minutes = text.partition(":")
    return hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60


def listed_officers(session: Session, *, team_id: str) -> list[Officer]:
    return list(session.scalars(select(Officer).where(Officer.team_id == team_id).order_by(Officer.added_at, Officer.id)))


def is_listed_officer(session: Session, *, team_id: str, user_id: str) -> bool:
    return session.scalar(select(Officer.id).where(Officer.team_id == team_id, Officer.user_id == user_id)) is not None


def add_officer(session: Session, *, team_id: str, user_id: str, added_by: str) -> bool:
    """Returns False when they were already on the list."""
    statement = insert_for(session)(Officer).values(team_id=team_id, user_id=user_id, added_by=added_by).on_conflict_do_nothing()
    return inserted(session, statement, Officer.id)


def remove_officer(session: Session, *, team_id: str, user_id: str) -> bool:
    result = session.execute(delete(Officer).where(Officer.team_id == team_id, Officer.user_id == user_id))
    return result.rowcount == 1
