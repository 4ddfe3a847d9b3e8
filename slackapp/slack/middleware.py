"""What runs for every request once Bolt has checked it, before its listener: refuse workspaces we
don't serve, keep events before they are answered, and open the request's one session.

Bolt hands a listener to its `listener_executor` and answers Slack as soon as the listener acks,
so a listener can outlive the middleware that opened its session, and Bolt has no hook for "the
listener is done". `ListenerPool` is that executor: it runs each listener in the context of the
request it came from (so log lines carry the request's ids) and closes the request's session once
both the middleware and the listener are done with it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import BoltContext, BoltResponse
from sqlalchemy.orm import Session

from slackapp import logs
from slackapp.db import Store
from slackapp.slack import inbox

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."


class _Shared:
    """A request's session and how many of its middleware and listener still use it."""

    def __init__(self, session: Session):
        self.session = session
        self._users = 1
        self._lock = threading.Lock()

    def join(self) -> None:
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            last = self._users == 0
        if last:
            self.session.close()


_REQUEST: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar("slackapp_request", default=None)


class ListenerPool(ThreadPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        shared = _REQUEST.get()
        context = contextvars.copy_context()
        if shared is not None:
            shared.join()

        def run():
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                if shared is not None:
                    shared.leave()

        return super().submit(run)


def for_every_request(*, store: Store, tenants, provide):
    """The one global middleware. `provide(context)` adds what listeners ask for by name besides
    the session (the club, the Slack façade …)."""

    def middleware(body: dict, context: BoltContext, next):
        logs.for_team(context.team_id)
        refusal = refuse_strangers(tenants, body, context)
        if refusal is not None:
            return refusal
        shared = _Shared(store.session())
        token = _REQUEST.set(shared)
        try:
            context["session"] = shared.session
            if not _kept(store, shared.session, body, context):
                return BoltResponse(status=200, body="")
            provide(context)
            return next()
        finally:
            _REQUEST.reset(token)
            shared.leave()

    return middleware


def _kept(store: Store, session: Session, body: dict, context: BoltContext) -> bool:
    """An event is stored before Bolt answers it (Bolt would answer first, and Slack never sends an
    answered event again). False for one that was kept already: Slack's retry, answered and dropped."""
    if body.get("type") != "event_callback" or not body.get("event_id") or context.get(inbox.REDELIVERED):
        return True
    with store.writing(session):
        return inbox.keep(session, team_id=context.team_id, event_id=str(body["event_id"]), body=body)


def refuse_strangers(tenants, body: dict, context: BoltContext) -> BoltResponse | None:
    """Serve only the workspaces we have a token of (the one SLACK_BOT_TOKEN belongs to, or the
    installed ones): anything else would be done with a token of another workspace, on a stranger's
    say-so."""
    event_type = (body.get("event") or {}).get("type") if body.get("type") == "event_callback" else None
    if tenants.serves(team_id=context.team_id, enterprise_id=context.enterprise_id, event_type=event_type):
        return None
    log.warning("refused a %s from team %s (enterprise %s): not ours", body.get("type") or "command", context.team_id, context.enterprise_id)
    if "command" in body:
        reply = json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
        return BoltResponse(status=200, body=reply, headers={"content-type": "application/json"})
    # 200 so that Slack doesn't retry; nothing was done.
    return BoltResponse(status=200, body="")
