"""Global middleware, run for every verified request after Bolt's own checks, before any listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from slackapp import logs
from slackapp.db import Store
from slackapp.slack import inbox
from slackapp.slack.listeners import Registry

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."


def for_every_request(*, tenants, store: Store, registry: Registry, provide: Callable[[BoltContext], None]) -> Callable:
    """One middleware (Bolt builds its arguments for each one, on every request): refuse what isn't
    ours, keep events before they are answered, and give listeners what they ask for.

    Bolt would answer an event before its listener runs, and Slack never sends an acknowledged event
    again: a process killed in between would lose it. So an event we handle is kept in the inbox
    (one INSERT) and answered here; the clock's sender handles kept events in batches (slack.inbox)."""

    def prepare(body: dict, context: BoltContext, next):
        logs.for_team(context.team_id)
        refusal = refuse_strangers(tenants, body, context)
        if refusal is not None:
            return refusal
        if body.get("type") == "event_callback":
            if registry.handles(body) and body.get("event_id"):
                inbox.keep(store, team_id=context.team_id, event_id=str(body["event_id"]), body=body)
            return BoltResponse(status=200, body="")
        provide(context)
        return next()

    return prepare


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
