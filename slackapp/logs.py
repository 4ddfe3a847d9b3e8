"""Log lines that say which workspace and which request they are about: `team=… req=…` on every
line, from context variables set where a request, a kept event or a job is handled."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import uuid

_TEAM: contextvars.ContextVar[str] = contextvars.ContextVar("team", default="-")
_REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="-")

FORMAT = "%(asctime)s %(levelname)s %(name)s team=%(team)s req=%(request)s: %(message)s"


class WithContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.team = _TEAM.get()
        record.request = _REQUEST.get()
        return True


def setup(level: str) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(WithContext())


@contextlib.contextmanager
def request(request_id: str | None = None):
    """One request: its id on every line logged while it is handled (in this thread)."""
    token = _REQUEST.set(request_id or uuid.uuid4().hex[:12])
    team = _TEAM.set("-")
    try:
        yield
    finally:
        _TEAM.reset(team)
        _REQUEST.reset(token)


def for_team(team_id: str | None) -> None:
    """The workspace the work at hand belongs to (until the request or job ends)."""
    _TEAM.set(team_id or "-")


@contextlib.contextmanager
def team(team_id: str | None):
    token = _TEAM.set(team_id or "-")
    try:
        yield
    finally:
        _TEAM.reset(token)
