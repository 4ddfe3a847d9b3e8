"""The club as one request sees it: its settings, its clock and its officers, read when first asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property

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

    @cached_property
    def settings(self) -> Workspace:
        with self.store.read() as session:
            return service.workspace(session, team_id=self.team_id)

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def today(self, now: datetime | None = None) -> date:
        return local(now or datetime.now(timezone.utc), self.timezone).date()

    def is_officer(self, user_id: str) -> bool:
        return self.officers.check(self.team_id, user_id)

    def looks_like_officer(self, user_id: str) -> bool:
        """Only for choosing which buttons to show; see Officers.probably."""
        return self.officers.probably(self.team_id, user_id)

    def require_officer(self, user_id: str, refusal: str) -> None:
        if not self.is_officer(user_id):
            raise UserError(refusal)

    def member_timezone(self, user_id: str) -> str:
        """A member's own zone from Slack (users.info, cached), remembered for scheduling; the
        club's zone if unknown."""
        person = self.directory.lookup(self.team_id, user_id)
        with self.store.write() as session:
            if person and person.tz:
                queue.remember_timezone(session, team_id=self.team_id, user_id=user_id, tz=person.tz)
            known = queue.member_timezone(session, team_id=self.team_id, user_id=user_id)
            return known or service.workspace(session, team_id=self.team_id).timezone
