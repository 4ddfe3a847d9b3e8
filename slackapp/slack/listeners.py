"""Registering listeners by name, each behind the one path for user errors.

A listener is a plain module-level function that asks Bolt for what it needs by argument name
(`ack`, `command`, `team_id`, `user_id`, and what the context middleware provides: `store`,
`club`, `slack`). When it raises `UserError`, the person who asked is told here, in the way that
fits the request: the command's own answer, an ephemeral reply, or errors next to a modal's inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import App, BoltContext
from slack_bolt.kwargs_injection import Args, build_required_kwargs
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.webhook import WebhookClient

from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack import inbox
from slackapp.slack.blocks import ephemeral

log = logging.getLogger(__name__)

APOLOGY = ":warning: Sorry, something went wrong on our side. Please try again in a moment."
# Slack shows at most this much of a modal's error message.
MODAL_ERROR_LIMIT = 150


def answering_user_errors(listener: Callable) -> Callable:
    """Run `listener` with the arguments it names; tell the person about any UserError it raises."""
    names = get_arg_names_of_callable(listener)

    def run(args: Args):
        kwargs = build_required_kwargs(
            logger=args.logger, required_arg_names=list(names), request=args.request, response=args.response, this_func=listener, next_keys_required=False
        )
        try:
            return listener(**kwargs)
        except UserError as error:
            tell_user(error, args)
            return None

    # Not functools.wraps: Bolt would read the listener's own arguments through __wrapped__ and
    # never hand `run` the request it needs.
    run.__name__ = getattr(listener, "__name__", "listener")
    run.__qualname__ = getattr(listener, "__qualname__", run.__name__)
    run.__doc__ = listener.__doc__
    return run


def tell_user(error: UserError, args: Args) -> None:
    body, ack = args.body, args.ack
    kind = body.get("type") or ("command" if "command" in body else "")
    if kind == "event_callback":
        log.info("ignored %s: %s", (body.get("event") or {}).get("type"), error)
        return
    if kind == "view_submission":
        _tell_in_modal(error, args)
        return
    message = ephemeral(str(error))
    if ack.response is None and kind == "command":
        ack(**message)
        return
    if ack.response is None:
        ack()
    if args.context.response_url:
        args.respond(**message, **({} if kind == "command" else {"replace_original": False}))
    else:
        _tell_by_dm(args, str(error))


def _tell_in_modal(error: UserError, args: Args) -> None:
    if args.ack.response is None:
        errors = error.fields or _first_input(args.view, str(error))
        if errors:
            args.ack(response_action="errors", errors={block: text[:MODAL_ERROR_LIMIT] for block, text in errors.items()})
            return
        args.ack()
    # A modal with no inputs to hang the message on: say it in a DM.
    _tell_by_dm(args, str(error))


def _tell_by_dm(args: Args, text: str) -> None:
    with args.context["store"].write() as session:
        outbox.dm(session, team_id=args.context.team_id, user_id=args.context.user_id, text=text)


def _first_input(view: dict | None, message: str) -> dict[str, str]:
    first = next(iter(((view or {}).get("state") or {}).get("values") or {}), None)
    return {first: message} if first else {}


def _first_word_is(word: str) -> Callable[[dict], bool]:
    def matches(command: dict) -> bool:
        text = (command.get("text") or "").strip()
        return bool(text) and text.split(maxsplit=1)[0].lower() == word

    return matches


@dataclass
class Registry:
    """Registers listeners on the Bolt app and remembers what was registered, so the manifest can be
    checked against the code."""

    app: App
    commands: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    subcommands: set[tuple[str, str]] = field(default_factory=set)
    _event_listeners: dict[str, Callable] = field(default_factory=dict)

    def command(self, name: str, listener: Callable) -> None:
        self.commands.add(name)
        self.app.command(name, matchers=[self._not_a_subcommand_of(name)])(answering_user_errors(listener))

    def subcommand(self, name: str, word: str, listener: Callable) -> None:
        """`name word …` is answered by `listener`, which may belong to another feature than `name`."""
        self.subcommands.add((name, word))
        self.app.command(name, matchers=[_first_word_is(word)])(answering_user_errors(listener))

    def _not_a_subcommand_of(self, name: str) -> Callable[[dict], bool]:
        # A word another feature answers ("/internships habit …") never reaches the command's own listener.
        def matches(command: dict) -> bool:
            return not any(_first_word_is(word)(command) for owner, word in self.subcommands if owner == name)

        return matches

    def message_shortcut(self, callback_id: str, listener: Callable) -> None:
        self.message_shortcuts.add(callback_id)
        self.app.message_shortcut(callback_id)(answering_user_errors(listener))

    def action(self, action_id: str, listener: Callable) -> None:
        self.actions.add(action_id)
        self.app.action(action_id)(answering_user_errors(listener))

    def view(self, callback_id: str, listener: Callable) -> None:
        self.views.add(callback_id)
        self.app.view_submission(callback_id)(answering_user_errors(listener))

    def event(self, name: str, listener: Callable) -> None:
        """Events are kept in the inbox before Slack is answered (see slack.inbox); the listener
        marks its event done when it finishes, and a replay runs the same listener."""
        self.events.add(name)
        self._event_listeners[name] = listener
        self.app.event(name)(_finishing_event(answering_user_errors(listener)))

    def replay(self, body: dict, context: BoltContext) -> None:
        """Run the listener of a kept event again, outside a request, with what Bolt would give it."""
        event = body.get("event") or {}
        listener = self._event_listeners.get(event.get("type"))
        if listener is None:
            return
        available = {"body": body, "event": event, "payload": event, "context": context, "logger": log, **context}
        try:
            listener(**{name: available.get(name) for name in get_arg_names_of_callable(listener)})
        except UserError as error:
            log.info("ignored replayed %s: %s", event.get("type"), error)


def _finishing_event(run: Callable) -> Callable:
    def finish(args: Args):
        run(args)
        with args.context["store"].write() as session:
            inbox.done(session, team_id=args.context.team_id, event_id=args.body.get("event_id"))

    finish.__name__ = run.__name__
    return finish


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
