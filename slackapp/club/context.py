"""The club as one request sees it: its settings, its clock and its officers.

Settings and whether the person asking is on the officer list are read together, once per
request, in one statement, in the request's session, the first time a listener asks, or with the
first rows it reads for the club's date (read_with_snapshot: the lead list)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from slackapp.club import service
from slackapp.club.officers import Officers
from slackapp.errors import UserError
from slackapp.localtime import local
from slackapp.scheduler import queue
from slackapp.slack.people import Directory

T = TypeVar("T")


@dataclass
class Club:
    team_id: str
    # The request's session.
    session: Session
    officers: Officers
    directory: Directory
    # The person the request comes from.
    user_id: str | None = None
    _snapshot: service.Snapshot | None = field(default=None, repr=False)

    def _current(self) -> service.Snapshot:
        if self._snapshot is None:
            self._snapshot = service.snapshot(self.session, team_id=self.team_id, user_id=self.user_id)
        return self._snapshot

    def read_with_snapshot(self, read: Callable[[date, Callable | None], T]) -> T:
        """Rows for the club's date, read in the same statement as this request's snapshot when
        that isn't read yet. `read(today, run)` builds the statement for `today` and runs it with
        `run(rows, order_by, parameters)` (club.service.snapshot_with), or on its own when `run` is
        None. The date is a guess, in the zone the club had when this process last read it; when
        the snapshot says otherwise, `read` runs again for the club's own date, on its own."""
        if self._snapshot is not None:
            return read(self.today(), None)
        guess = local(datetime.now(timezone.utc), service.zone_last_seen(self.team_id)).date()
        found = read(guess, self._run_with_snapshot)
        return found if self.today() == guess else read(self.today(), None)

    def _run_with_snapshot(self, rows: Select, order_by: Callable, parameters: dict) -> list:
        self._snapshot, found = service.snapshot_with(self.session, team_id=self.team_id, user_id=self.user_id, rows=rows, order_by=order_by, parameters=parameters)
        return found

    def may_hold(self, fact: str) -> bool:
        """False only when a fact a feature registered (club.service.read_with_settings) was read
        with this request's settings and didn't hold."""
        return self._current().facts.get(fact, True)

    @property
    def settings(self) -> service.Settings:
        return self._current().settings

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def today(self, now: datetime | None = None) -> date:
        return local(now or datetime.now(timezone.utc), self.timezone).date()

    def _listed(self, user_id: str) -> bool | None:
        """Whether the person asking is on the officer list, as read with the settings; None for anyone else."""
        return self._current().listed if user_id == self.user_id else None

    def is_officer(self, user_id: str) -> bool:
        return self.officers.check(self.session, self.team_id, user_id, listed=self._listed(user_id))

    def looks_like_officer(self, user_id: str) -> bool:
        """Only for choosing which buttons to show; see Officers.probably."""
        return self.officers.probably(self.session, self.team_id, user_id, listed=self._listed(user_id))

    def is_known_officer(self, user_id: str) -> bool:
        """Configured or listed, without asking Slack (see Officers.known)."""
        return self.officers.known(self.session, self.team_id, user_id)

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

    def slack_timezone(self, user_id: str) -> str | None:
        """A member's own zone as Slack knows it (users.info, cached), or None."""
        person = self.directory.lookup(self.team_id, user_id)
        return person.tz if person else None

    def keep_timezone(self, user_id: str) -> None:
        """In the caller's write: remember the member's zone for scheduling, when Slack told it."""
        queue.remember_timezone(self.session, team_id=self.team_id, user_id=user_id, tz=self.slack_timezone(user_id))

    def member_timezone(self, user_id: str) -> str:
        """A member's own zone: Slack's, else the one remembered for scheduling, else the club's."""
        return self.slack_timezone(user_id) or queue.member_timezone(self.session, team_id=self.team_id, user_id=user_id) or self.timezone
