"""Registering listeners by name, each behind the one path for user errors.

A listener is a plain module-level function that asks for what it needs by argument name: what
Bolt gives (`ack`, `command`, `action`, `view`, `event`, `respond`, `team_id`, `user_id` …) and what
the context middleware provides (`store`, `club`, `slack`). When it raises `UserError`, the person who
asked is told here, in the way that fits the request: the command's own answer, an ephemeral reply,
or errors next to a modal's inputs.

Bolt checks every registered listener's matcher, one after the other, on every request, and each
check builds all of Bolt's listener arguments. So the registry puts one Bolt listener per kind of
request (commands, actions, view submissions, message shortcuts) and routes by name itself, with a
dict lookup; a listener gets only the arguments it names. Events are kept by the middleware before
Slack is answered and handled in batches after (slack.inbox).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import App, BoltContext
from slack_bolt.request.payload_utils import to_action, to_command, to_event, to_message, to_shortcut, to_view
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.webhook import WebhookClient

from slackapp import logs
from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral

log = logging.getLogger(__name__)

APOLOGY = ":warning: Sorry, something went wrong on our side. Please try again in a moment."
# Slack shows at most this much of a modal's error message.
MODAL_ERROR_LIMIT = 150


_PAYLOAD_PARTS = {"command": to_command, "action": to_action, "view": to_view, "event": to_event, "shortcut": to_shortcut, "message": to_message}
_CONTEXT_VERBS = ("ack", "respond", "say", "client", "logger")
ANYTHING = re.compile(r".+")


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

    app: App
    commands: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    subcommands: set[tuple[str, str]] = field(default_factory=set)
    _routes: dict[tuple[str, str], _Listener] = field(default_factory=dict)

    def __post_init__(self):
        # Events never reach Bolt's listeners: see handle_event. Bolt tries these in this order.
        self.app.command(ANYTHING)(self._route_command)
        self.app.action(ANYTHING)(self._route("action", lambda body: to_action(body).get("action_id")))
        self.app.view_submission(ANYTHING)(self._route("view", lambda body: to_view(body).get("callback_id")))
        self.app.message_shortcut(ANYTHING)(self._route("message_shortcut", lambda body: body.get("callback_id")))

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

    def _route_command(self, body: dict, context: BoltContext) -> None:
        name = body.get("command", "")
        listener = self._routes.get(("command", f"{name} {_first_word(body)}")) or self._routes.get(("command", name))
        self._run(listener, "command", name, body, context)

    def _route(self, kind: str, name_of: Callable[[dict], str | None]) -> Callable:
        def route(body: dict, context: BoltContext) -> None:
            name = name_of(body) or ""
            self._run(self._routes.get((kind, name)), kind, name, body, context)

        route.__name__ = f"route_{kind}"
        return route

    @staticmethod
    def _run(listener: _Listener | None, kind: str, name: str, body: dict, context: BoltContext) -> None:
        if listener is None:
            # Slack is answered so it doesn't show an error; an unknown id is our deploy, not the person.
            log.warning("no listener for %s %r", kind, name)
            context.ack()
            return
        listener(body, context)

    def handles(self, body: dict) -> bool:
        return ("event", (body.get("event") or {}).get("type")) in self._routes

    def handle_event(self, body: dict, context: BoltContext) -> None:
        listener = self._routes.get(("event", (body.get("event") or {}).get("type")))
        if listener is not None:
            listener(body, context)


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
