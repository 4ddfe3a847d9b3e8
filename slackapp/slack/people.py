"""Who someone is in Slack (admin? time zone?), asked of users.info and remembered briefly."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    user_id: str
    is_admin: bool
    tz: str | None
    name: str
    # A Slack guest (single- or multi-channel): someone from outside the organization.
    is_guest: bool = False


class Directory:
    """A short-lived cache in front of users.info: admin status can change, so entries expire."""

    def __init__(self, tenants, *, ttl_seconds: float = 300.0):
        # Asks each workspace's users.info with that workspace's token (slackapp.installs.tenants).
        self._tenants = tenants
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], tuple[float, Person]] = {}
        self._lock = threading.Lock()

    def cached(self, team_id: str, user_id: str) -> Person | None:
        with self._lock:
            entry = self._entries.get((team_id, user_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def lookup(self, team_id: str, user_id: str) -> Person | None:
        """users.info, cached; None when Slack doesn't know the user or can't answer right now."""
        found = self.cached(team_id, user_id)
        if found is not None:
            return found
        client = self._tenants.client_for(team_id)
        if client is None:
            return None
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s/%s: %s", team_id, user_id, exc.response.get("error"))
            return None
        except OSError:
            log.warning("users.info unreachable for %s/%s", team_id, user_id, exc_info=True)
            return None
        person = Person(
            user_id=user_id,
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            tz=user.get("tz"),
            name=user.get("real_name") or user.get("name") or user_id,
            is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        )
        with self._lock:
            self._entries[(team_id, user_id)] = (time.monotonic() + self._ttl, person)
        return person
