"""Who may run the club: configured IDs, people officers added, and workspace admins and owners."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service
from slackapp.slack.people import Directory


class Officers:
    def __init__(self, *, configured: frozenset[str], directory: Directory):
        self.configured = configured
        self._directory = directory

    def _listed(self, session: Session, team_id: str, user_id: str, listed: bool | None) -> bool:
        if user_id in self.configured:
            return True
        return listed if listed is not None else service.is_listed_officer(session, team_id=team_id, user_id=user_id)

    def check(self, session: Session, team_id: str, user_id: str, *, listed: bool | None = None) -> bool:
        """The authoritative answer, asked on the server for every officer-only request. `listed`:
        whether they are on the officer list, when the caller has read it in this request."""
        if self._listed(session, team_id, user_id, listed):
            return True
        person = self._directory.lookup(team_id, user_id)
        return bool(person and person.is_admin)

    def known(self, session: Session, team_id: str, user_id: str) -> bool:
        """Configured or on the officer list: what the store and settings say, without asking
        Slack whether they are an admin (for work done inside a transaction)."""
        return self._listed(session, team_id, user_id, None)

    def probably(self, session: Session, team_id: str, user_id: str, *, listed: bool | None = None) -> bool:
        """For deciding which buttons to show, without waiting on Slack before an ack. `listed`:
        whether they are on the officer list, when the caller has just read it.

        Never used to authorise: the action the button triggers calls `check`.
        """
        if self._listed(session, team_id, user_id, listed):
            return True
        person = self._directory.cached(team_id, user_id)
        return bool(person and person.is_admin)
