"""Log lines that say which workspace and which request they are about: `team=… req=…` on every
line, from context variables set where a request, a kept event or a job is handled; and that never
carry a secret, whichever library wrote them."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid

_TEAM: contextvars.ContextVar[str] = contextvars.ContextVar("team", default="-")
_REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="-")

FORMAT = "%(asctime)s %(levelname)s %(name)s team=%(team)s req=%(request)s: %(message)s"


class WithContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.team = current_team()
        record.request = current_request()
        return True


def current_team() -> str:
    """The workspace the log lines of this moment are under ("-": none)."""
    return _TEAM.get()


def current_request() -> str:
    """The request id the log lines of this moment are under ("-": none)."""
    return _REQUEST.get()


# At DEBUG, slack_sdk logs whole Web API requests and answers (oauth.v2.access: the `code` sent, the
# bot token handed out) and Bolt logs OAuth callbacks and failed exchanges with their code; gunicorn
# logs the URL of a request that failed. So every line is cleaned as it is written: Slack's tokens
# by their shape, and the values of the fields that hold secrets in URLs, dicts and JSON.
_FIELDS = r"code|client_secret|access_token|refresh_token|bot_token|user_token|app_token|token|signing_secret"
_SHAPES = [
    (re.compile(r"\b(xox[a-z](?:\.xox[a-z])?-|xapp-)[0-9A-Za-z-]+"), r"\1[redacted]"),
    (re.compile(rf"""(['"])({_FIELDS})\1(\s*:\s*\[?\s*)(['"])[^'"]*\4"""), r"\1\2\1\3\4[redacted]\4"),
    # "?code=4724469134.46440…", "…with code: 4724469134.46440…" (a number alone, like "status
    # code: 500", is no secret)
    (re.compile(rf"\b({_FIELDS})(=|: )(?!\d+(?:[&\s'\",;)}}\]]|$))[^&\s'\",;)}}\]]+"), r"\1\2[redacted]"),
    (re.compile(r"\b(Bearer|Basic) [0-9A-Za-z+/=._~-]{8,}"), r"\1 [redacted]"),
]
# Secrets of this deployment's settings (signing secret, client secret, keys), wherever they show.
_known_values: set[str] = set()
_known: re.Pattern | None = None


def keep_out(*secrets: str | None) -> None:
    """These values never appear in a log line (the settings' secrets)."""
    global _known
    # A very short value would blot out ordinary words; a real secret is never that short.
    _known_values.update(value for value in secrets if value and len(value) >= 8)
    if _known_values:
        _known = re.compile("|".join(sorted(map(re.escape, _known_values), key=len, reverse=True)))


def redact(text: str) -> str:
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return _known.sub("[redacted]", text) if _known is not None else text


class Redacted(logging.LogRecord):
    """Every record, from any logger and to any handler, comes out cleaned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.exc_info and not self.exc_text:
            self.exc_text = redact(logging.Formatter().formatException(self.exc_info))
        if self.stack_info:
            self.stack_info = redact(self.stack_info)

    def getMessage(self) -> str:
        return redact(super().getMessage())


def setup(level: str) -> None:
    logging.setLogRecordFactory(Redacted)
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
