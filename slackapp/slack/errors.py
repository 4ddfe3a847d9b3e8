"""The one error path (Bolt's `app.error`): what a person caused (UserError) is told to them in the
way that fits the request; our own failures are logged with context and answered with a short
apology, never hidden.

Bolt calls this with `response` set while Slack is still waiting for the answer (the listener
raised before acking): what we return becomes that answer. Once the listener has acked, `response`
is None and the person is told at the request's response_url, or by DM where there is none (Home).
"""

from __future__ import annotations

import json
import logging

from slack_bolt import BoltContext, BoltResponse
from slack_sdk.webhook import WebhookClient

from slackapp.errors import UserError
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import tell

log = logging.getLogger(__name__)

APOLOGY = ":warning: Sorry, something went wrong on our side. Please try again in a moment."
# Slack shows at most this much of a modal's error message.
MODAL_ERROR_LIMIT = 150
JSON = "application/json;charset=utf-8"


def on_error(error: Exception, body: dict, context: BoltContext, response: BoltResponse | None) -> BoltResponse | None:
    if isinstance(error, UserError):
        return _tell(error, body, context, waiting=response is not None)
    _apologise(error, body)
    return None


def _answer(payload: dict) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": JSON})


def _tell(error: UserError, body: dict, context: BoltContext, *, waiting: bool) -> BoltResponse | None:
    kind = body.get("type") or ("command" if "command" in body else "")
    if kind == "event_callback":
        log.info("ignored %s: %s", (body.get("event") or {}).get("type"), error)
        return None
    if kind == "view_submission":
        errors = error.fields or _first_input(body.get("view"), str(error))
        if waiting and errors:
            return _answer({"response_action": "errors", "errors": {block: text[:MODAL_ERROR_LIMIT] for block, text in errors.items()}})
    elif waiting and kind == "command":
        return _answer(ephemeral(str(error)))
    # A modal with no inputs to hang the message on, a button (Home has no response_url), or a
    # request already answered.
    tell(context, str(error))
    return _answer({}) if waiting else None


def _first_input(view: dict | None, message: str) -> dict[str, str]:
    first = next(iter(((view or {}).get("state") or {}).get("values") or {}), None)
    return {first: message} if first else {}


def _apologise(error: Exception, body: dict) -> None:
    kind = body.get("type") or ("command" if "command" in body else "request")
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id")
    log.error("unhandled error in %s for team %s", kind, team, exc_info=error)
    response_url = body.get("response_url") or next(iter(body.get("response_urls") or []), {}).get("response_url")
    if response_url:
        try:
            WebhookClient(response_url, timeout=5).send(text=APOLOGY, response_type="ephemeral", replace_original=False)
        except Exception:  # an apology that fails must not hide the original error in the log
            log.warning("could not send the apology to %s", response_url, exc_info=True)
