"""Global middleware, run for every verified request after Bolt's own checks, before any listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from slackapp.db import Store
from slackapp.slack import inbox
from slackapp.slack.identity import Identity
from slackapp.slack.listeners import Registry

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."


def only_our_workspace(identity: Identity) -> Callable:
    """Serve only the workspace (or Enterprise Grid org) our token belongs to: anything else would
    be done with our token, in our workspace, on a stranger's say-so."""

    def check(body: dict, context: BoltContext, next):
        if identity.serves(team_id=context.team_id, enterprise_id=context.enterprise_id):
            return next()
        log.warning("refused a %s from team %s (enterprise %s): not ours", body.get("type") or "command", context.team_id, context.enterprise_id)
        if "command" in body:
            reply = json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
            return BoltResponse(status=200, body=reply, headers={"content-type": "application/json"})
        # 200 so that Slack doesn't retry; nothing was done.
        return BoltResponse(status=200, body="")

    return check


def keep_events(store: Store, registry: Registry) -> Callable:
    """An event we handle is stored before Slack is answered (see slack.inbox)."""

    def keep(body: dict, context: BoltContext, next):
        event = body.get("event") if body.get("type") == "event_callback" else None
        if isinstance(event, dict) and event.get("type") in registry.events and body.get("event_id"):
            with store.write() as session:
                inbox.keep(session, team_id=context.team_id, event_id=str(body["event_id"]), kind=event["type"], body=body)
        return next()

    return keep


def providing(provide: Callable[[BoltContext], None]) -> Callable:
    def fill(context: BoltContext, next):
        provide(context)
        return next()

    return fill
