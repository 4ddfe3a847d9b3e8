"""What runs for every request once Bolt has checked it, before its listener: refuse workspaces we
don't serve, keep events before they are answered, and open the request's one session.

Bolt's global middleware doesn't wrap the listener (its `next()` only says "go on"), and Bolt
hands the listener to its `listener_executor`, answering Slack as soon as the listener acks: so
the session this middleware opens is closed by `ListenerPool`, that executor, once the listener is
done. The pool also runs each listener in the context of the request it came from, so its log
lines carry the request's ids. A request no listener takes leaves no transaction open.
"""

from __future__ import annotations

import contextvars
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import BoltContext, BoltResponse
from sqlalchemy.orm import Session

from slackapp import logs
from slackapp.db import Store
from slackapp.slack import inbox

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."

# The session of the request being dispatched in this thread, for the listener it is handed to.
_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar("slackapp_session", default=None)


class ListenerPool(ThreadPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        session = _SESSION.get()
        _SESSION.set(None)
        context = contextvars.copy_context()

        def run():
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                if session is not None:
                    session.close()

        return super().submit(run)


def for_every_request(*, store: Store, tenants, provide):
    """The one global middleware. `provide(context)` adds what listeners ask for by name besides
    the session (the club, the Slack façade …)."""

    def middleware(body: dict, context: BoltContext, next):
        logs.for_team(context.team_id)
        refusal = refuse_strangers(tenants, body, context)
        if refusal is not None:
            return refusal
        session = context["session"] = store.session()
        if not _kept(store, session, body, context):
            return BoltResponse(status=200, body="")
        provide(context)
        _SESSION.set(session)
        return next()

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
