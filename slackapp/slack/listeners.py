"""Registering listeners by name, each behind the one path for user errors.

A listener is a plain module-level function that asks for what it needs by argument name: what
Bolt gives (`ack`, `command`, `action`, `view`, `event`, `respond`, `team_id`, `user_id` …) and what
the context middleware provides (`store`, `club`, `slack`). When it raises `UserError`, the person who
asked is told here, in the way that fits the request: the command's own answer, an ephemeral reply,
or errors next to a modal's inputs.

Bolt would check every registered listener's matcher on every request (each check building all
of Bolt's listener arguments), run the one that matches in its pool and poll every 10 ms until it
acks. Instead the app's middleware asks the registry (`answer`), which finds the listener by kind
and name with a dict lookup, hands it to the listener pool with only the arguments it names, and
waits until it acks: Slack is answered the moment the ack is given, and the listener goes on after
it (opening a modal, say). Events are kept by the middleware before Slack is answered and handled
in batches after (slack.inbox).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.request.payload_utils import (
    is_action,
    is_message_shortcut,
    is_slash_command,
    is_view_submission,
    to_action,
    to_command,
    to_event,
    to_message,
    to_shortcut,
    to_view,
)
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.webhook import WebhookClient

from slackapp import logs
from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack.blocks import Answer, ephemeral

log = logging.getLogger(__name__)

APOLOGY = ":warning: Sorry, something went wrong on our side. Please try again in a moment."
# Slack shows at most this much of a modal's error message.
MODAL_ERROR_LIMIT = 150
# Slack gives up on an answer after 3 s (and so does Bolt's own wait).
ACK_WAIT_SECONDS = 3.0
JSON = "application/json;charset=utf-8"


_PAYLOAD_PARTS = {"command": to_command, "action": to_action, "view": to_view, "event": to_event, "shortcut": to_shortcut, "message": to_message}
_CONTEXT_VERBS = ("ack", "respond", "say", "client", "logger")


def _arguments(names: list[str], body: dict, context: BoltContext) -> dict:
    """What a listener asked for by name, built from the request's body and Bolt's context."""
    found = {}
    for name in names:
        if name == "body":
            found[name] = body
        elif name == "context":
            found[name] = context
        elif name in _PAYLOAD_PARTS:
            found[name] = _PAYLOAD_PARTS[name](body)
        elif name in _CONTEXT_VERBS:
            found[name] = getattr(context, name)
        else:
            found[name] = context.get(name)
    return found


@dataclass(frozen=True)
class _Listener:
    run: Callable
    names: list[str]

    @classmethod
    def of(cls, listener: Callable) -> "_Listener":
        return cls(listener, get_arg_names_of_callable(listener))

    def __call__(self, body: dict, context: BoltContext) -> None:
        # Bolt may run this in another thread than the request's: say the workspace again.
        with logs.team(context.team_id):
            try:
                self.run(**_arguments(self.names, body, context))
            except UserError as error:
                tell_user(error, body, context)


class _Acknowledgement:
    """Bolt's ack for one request, which also wakes the request's thread once it is given."""

    def __init__(self, ack):
        self._ack = ack
        self.given = threading.Event()

    def __call__(self, *args, **kwargs):
        try:
            if len(args) == 1 and not kwargs and isinstance(args[0], Answer):
                # Bolt would write the JSON again; an Answer has it.
                self._ack.response = BoltResponse(status=200, body=args[0].json(), headers={"content-type": JSON})
                return self._ack.response
            return self._ack(*args, **kwargs)
        finally:
            self.given.set()

    @property
    def response(self):
        return self._ack.response

    def failed(self) -> None:
        """Answer 500 (as Bolt does) if the listener failed before acknowledging."""
        if self._ack.response is None:
            self._ack.response = BoltResponse(status=500, body="")


def tell_user(error: UserError, body: dict, context: BoltContext) -> None:
    ack = context.ack
    kind = body.get("type") or ("command" if "command" in body else "")
    if kind == "event_callback":
        log.info("ignored %s: %s", (body.get("event") or {}).get("type"), error)
        return
    if kind == "view_submission":
        _tell_in_modal(error, body, context)
        return
    message = ephemeral(str(error))
    if ack.response is None and kind == "command":
        ack(**message)
        return
    if ack.response is None:
        ack()
    if context.response_url:
        context.respond(**message, **({} if kind == "command" else {"replace_original": False}))
    else:
        _tell_by_dm(context, str(error))


def _tell_in_modal(error: UserError, body: dict, context: BoltContext) -> None:
    if context.ack.response is None:
        errors = error.fields or _first_input(to_view(body), str(error))
        if errors:
            context.ack(response_action="errors", errors={block: text[:MODAL_ERROR_LIMIT] for block, text in errors.items()})
            return
        context.ack()
    # A modal with no inputs to hang the message on: say it in a DM.
    _tell_by_dm(context, str(error))


def _tell_by_dm(context: BoltContext, text: str) -> None:
    with context["store"].write() as session:
        outbox.dm(session, team_id=context.team_id, user_id=context.user_id, text=text)


def _first_input(view: dict | None, message: str) -> dict[str, str]:
    first = next(iter(((view or {}).get("state") or {}).get("values") or {}), None)
    return {first: message} if first else {}


def _first_word(command: dict) -> str:
    text = (command.get("text") or "").strip()
    return text.split(maxsplit=1)[0].lower() if text else ""


@dataclass
class Registry:
    """Registers listeners by name and remembers what was registered, so the manifest can be
    checked against the code."""

    # Where listeners run, handed over by the request's thread.
    executor: Executor
    commands: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    subcommands: set[tuple[str, str]] = field(default_factory=set)
    _routes: dict[tuple[str, str], _Listener] = field(default_factory=dict)

    def command(self, name: str, listener: Callable) -> None:
        self.commands.add(name)
        self._routes[("command", name)] = _Listener.of(listener)

    def subcommand(self, name: str, word: str, listener: Callable) -> None:
        """`name word …` is answered by `listener`, which may belong to another feature than `name`."""
        self.subcommands.add((name, word))
        self._routes[("command", f"{name} {word}")] = _Listener.of(listener)

    def message_shortcut(self, callback_id: str, listener: Callable) -> None:
        self.message_shortcuts.add(callback_id)
        self._routes[("message_shortcut", callback_id)] = _Listener.of(listener)

    def action(self, action_id: str, listener: Callable) -> None:
        self.actions.add(action_id)
        self._routes[("action", action_id)] = _Listener.of(listener)

    def view(self, callback_id: str, listener: Callable) -> None:
        self.views.add(callback_id)
        self._routes[("view", callback_id)] = _Listener.of(listener)

    def event(self, name: str, listener: Callable) -> None:
        """Events are kept before Slack is answered and handled in batches after (slack.inbox): the
        listener gets the batch's `session`, only changes the store (messages it owes go through the
        outbox), and must be idempotent per event id."""
        self.events.add(name)
        self._routes[("event", name)] = _Listener.of(listener)

    def answer(self, body: dict, context: BoltContext) -> BoltResponse | None:
        """Run this request's listener and give its ack as Slack's answer. None for a kind of
        request we don't route (or no ack within Slack's 3 s): Bolt's own handling goes on."""
        found = self._listener_for(body)
        if found is None:
            return None
        kind, name, listener = found
        self._run(listener, kind, name, body, context)
        return context.ack.response

    def _listener_for(self, body: dict) -> tuple[str, str, _Listener | None] | None:
        if is_slash_command(body):
            name = body.get("command", "")
            return "command", name, self._routes.get(("command", f"{name} {_first_word(body)}")) or self._routes.get(("command", name))
        if is_action(body):
            kind, name = "action", to_action(body).get("action_id") or ""
        elif is_view_submission(body):
            kind, name = "view", to_view(body).get("callback_id") or ""
        elif is_message_shortcut(body):
            kind, name = "message_shortcut", body.get("callback_id") or ""
        else:
            return None
        return kind, name, self._routes.get((kind, name))

    def _run(self, listener: _Listener | None, kind: str, name: str, body: dict, context: BoltContext) -> None:
        if listener is None:
            # Slack is answered so it doesn't show an error; an unknown id is our deploy, not the person.
            log.warning("no listener for %s %r", kind, name)
            context.ack()
            return
        acknowledgement = _Acknowledgement(context.ack)
        context["ack"] = acknowledgement
        # In the request's context: the listener's log lines carry the request's id and team.
        self.executor.submit(contextvars.copy_context().run, _after_handoff, listener, body, context, acknowledgement)
        acknowledgement.given.wait(ACK_WAIT_SECONDS)

    def handles(self, body: dict) -> bool:
        return ("event", (body.get("event") or {}).get("type")) in self._routes

    def handle_event(self, body: dict, context: BoltContext) -> None:
        listener = self._routes.get(("event", (body.get("event") or {}).get("type")))
        if listener is not None:
            listener(body, context)


def _after_handoff(listener: _Listener, body: dict, context: BoltContext, acknowledgement: _Acknowledgement) -> None:
    try:
        listener(body, context)
    except Exception as error:  # what Bolt's error handler would have been given
        acknowledgement.failed()
        apologise(error, body, log)
    finally:
        acknowledgement.given.set()


def apologise(error: Exception, body: dict, logger: logging.Logger) -> None:
    """Our own failures are logged with context and answered with a short apology, never hidden."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id")
    logger.error("unhandled error in %s for team %s", kind, team, exc_info=error)
    response_url = body.get("response_url") or next(iter(body.get("response_urls") or []), {}).get("response_url")
    if response_url:
        try:
            WebhookClient(response_url, timeout=5).send(text=APOLOGY, response_type="ephemeral", replace_original=False)
        except Exception:  # an apology that fails must not hide the original error in the log
            logger.warning("could not send the apology to %s", response_url, exc_info=True)
