"""The club as one request sees it: its settings, its clock and its officers.

Settings and whether the person asking is on the officer list are read together, once per
request, in one statement (`load`, in the listener's own session, or on first use). An answer the
store remembers (slackapp.cache) asks `remembered()` instead: the same, as the store remembers it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from sqlalchemy.orm import Session

from slackapp.club import service
from slackapp.club.models import Workspace
from slackapp.club.officers import Officers
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.scheduler import queue
from slackapp.scheduler.clock import local
from slackapp.slack.people import Directory


@dataclass
class Club:
    team_id: str
    store: Store
    officers: Officers
    directory: Directory
    # The person the request comes from.
    user_id: str | None = None
    _snapshot: service.Snapshot | None = field(default=None, repr=False)

    def load(self, session: Session) -> service.Snapshot:
        if self._snapshot is None:
            self._snapshot = service.snapshot(session, team_id=self.team_id, user_id=self.user_id)
        return self._snapshot

    def remembered(self) -> "Club":
        """This club with its settings as the store remembers them: for choosing a remembered answer,
        so that choosing costs no query while nothing has changed."""
        snapshot = self.store.remember(("club.snapshot", self.team_id, self.user_id), self._read)
        return replace(self, _snapshot=snapshot)

    def _read(self) -> service.Snapshot:
        with self.store.read() as session:
            return service.snapshot(session, team_id=self.team_id, user_id=self.user_id)

    def _current(self) -> service.Snapshot:
        if self._snapshot is None:
            with self.store.read() as session:
                self.load(session)
        return self._snapshot

    @property
    def settings(self) -> Workspace:
        return self._current().settings

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def today(self, now: datetime | None = None) -> date:
        return local(now or datetime.now(timezone.utc), self.timezone).date()

    def is_officer(self, user_id: str) -> bool:
        listed = self._snapshot.listed if user_id == self.user_id and self._snapshot is not None else None
        return self.officers.check(self.team_id, user_id, listed=listed)

    def looks_like_officer(self, user_id: str) -> bool:
        """Only for choosing which buttons to show; see Officers.probably."""
        if user_id == self.user_id:
            return self.officers.probably(self.team_id, user_id, listed=self._current().listed)
        return self.officers.probably(self.team_id, user_id)

    def require_officer(self, user_id: str, refusal: str) -> None:
        if not self.is_officer(user_id):
            raise UserError(refusal)

    def is_guest(self, user_id: str) -> bool:
        """Whether Slack says they are a guest. When Slack can't say, they are treated as one, so
        what guests may only ask for (an officer's approval) is never skipped."""
        if user_id in self.officers.configured:
            return False
        person = self.directory.lookup(self.team_id, user_id)
        return person is None or person.is_guest

    def member_timezone(self, user_id: str) -> str:
        """A member's own zone from Slack (users.info, cached), remembered for scheduling; the
        club's zone if unknown."""
        person = self.directory.lookup(self.team_id, user_id)
        with self.store.write() as session:
            if person and person.tz:
                queue.remember_timezone(session, team_id=self.team_id, user_id=user_id, tz=person.tz)
            known = queue.member_timezone(session, team_id=self.team_id, user_id=user_id)
            return known or service.workspace(session, team_id=self.team_id).timezone
