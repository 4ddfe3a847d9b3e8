"""Global middleware, run for every verified request after Bolt's own checks, before any listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest

from slackapp import logs
from slackapp.db import Store
from slackapp.slack import inbox
from slackapp.slack.listeners import Registry

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."


class ForEveryRequest(Middleware):
    """The one middleware (a Middleware, so Bolt doesn't build listener arguments for it): refuse
    what isn't ours, keep events before they are answered, and give listeners what they ask for.

    Bolt would answer an event before its listener runs, and Slack never sends an acknowledged event
    again: a process killed in between would lose it. So an event we handle is kept in the inbox
    (one INSERT) and answered here; the clock's sender handles kept events in batches (slack.inbox)."""

    def __init__(self, *, tenants, store: Store, registry: Registry, provide: Callable[[BoltContext], None]):
        self._tenants = tenants
        self._store = store
        self._registry = registry
        self._provide = provide

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body, context = req.body, req.context
        logs.for_team(context.team_id)
        refusal = refuse_strangers(self._tenants, body, context)
        if refusal is not None:
            return refusal
        if body.get("type") == "event_callback":
            if self._registry.handles(body) and body.get("event_id"):
                inbox.keep(self._store, team_id=context.team_id, event_id=str(body["event_id"]), body=body)
            return BoltResponse(status=200, body="")
        self._provide(context)
        answer = self._registry.answer(body, context)
        return answer if answer is not None else next()


def refuse_strangers(tenants, body: dict, context: BoltContext) -> BoltResponse | None:
    """Serve only the workspaces we have a token of (the one SLACK_BOT_TOKEN belongs to, or the
    installed ones): anything else would be done with a token of another workspace, on a stranger's
    say-so. (slackapp.slack.tenants)"""
    event_type = (body.get("event") or {}).get("type") if body.get("type") == "event_callback" else None
    if tenants.serves(team_id=context.team_id, enterprise_id=context.enterprise_id, event_type=event_type):
        return None
    log.warning("refused a %s from team %s (enterprise %s): not ours", body.get("type") or "command", context.team_id, context.enterprise_id)
    if "command" in body:
        reply = json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
        return BoltResponse(status=200, body=reply, headers={"content-type": "application/json"})
    # 200 so that Slack doesn't retry; nothing was done.
    return BoltResponse(status=200, body="")
