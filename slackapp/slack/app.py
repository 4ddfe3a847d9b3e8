"""create_app(settings): the one place where the Bolt app is built and every feature registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slackapp.club import service as club
from slackapp.config import Settings
from slackapp.db import Store
from slackapp.slack.people import Directory, Officers

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What every handler may need, built once per process."""

    settings: Settings
    store: Store
    client: WebClient
    directory: Directory
    officers: Officers
    executor: ThreadPoolExecutor

    def timezone(self, team_id: str) -> str:
        with self.store.read() as session:
            return club.workspace(session, team_id=team_id).timezone

    def member_tz(self, team_id: str, user_id: str) -> str:
        """A member's own zone from Slack, remembered for scheduling; the club's zone if unknown."""
        from slackapp.scheduler import queue

        person = self.directory.lookup(team_id, user_id)
        with self.store.write() as session:
            if person and person.tz:
                queue.remember_timezone(session, team_id=team_id, user_id=user_id, tz=person.tz)
            known = queue.member_timezone(session, team_id=team_id, user_id=user_id)
            return known or club.workspace(session, team_id=team_id).timezone

    def today(self, team_id: str, now: datetime | None = None) -> tuple[str, date]:
        tz = self.timezone(team_id)
        return tz, (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).date()


@dataclass
class Wiring:
    """Registers listeners and remembers what was registered, so the manifest can be checked against it."""

    app: App
    commands: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    # "/internships habit …" is answered by the habit feature, though /internships belongs to leads.
    subcommands: dict[tuple[str, str], object] = field(default_factory=dict)

    def subcommand(self, command: str, word: str, listener) -> None:
        self.subcommands[(command, word)] = listener

    def command(self, name: str, listener) -> None:
        self.commands.add(name)
        self.app.command(name)(listener)

    def message_shortcut(self, callback_id: str, listener) -> None:
        self.message_shortcuts.add(callback_id)
        self.app.message_shortcut(callback_id)(listener)

    def action(self, action_id: str, listener) -> None:
        self.actions.add(action_id)
        self.app.action(action_id)(listener)

    def view(self, callback_id: str, listener) -> None:
        self.views.add(callback_id)
        self.app.view_submission(callback_id)(listener)

    def event(self, name: str, listener) -> None:
        self.events.add(name)
        self.app.event(name)(listener)


def web_client(settings: Settings, *, retries: bool = True) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    # Server errors and dropped connections are retried briefly; rate limits are not retried here,
    # because slack_sdk's rate-limit handler sleeps in the calling (listener) thread.
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)] if retries else [],
    )


def create_app(settings: Settings, store: Store) -> tuple[App, Wiring, Deps]:
    from slackapp.club import handlers as club_handlers
    from slackapp.events import handlers as events_handlers
    from slackapp.gigs import handlers as gigs_handlers
    from slackapp.habit import handlers as habit_handlers
    from slackapp.leads import handlers as leads_handlers

    client = web_client(settings)
    executor = ThreadPoolExecutor(max_workers=settings.slackapp_listener_threads, thread_name_prefix="listener")
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        listener_executor=executor,
        # Signature checks stay on in every mode Slack can reach us in; Socket Mode has no signature.
        request_verification_enabled=not settings.socket_mode,
        name="slackapp",
    )
    directory = Directory(client)
    deps = Deps(
        settings=settings,
        store=store,
        client=client,
        directory=directory,
        officers=Officers(configured=settings.officer_ids, store=store, directory=directory),
        executor=executor,
    )
    wiring = Wiring(app)
    app.error(_apologise)
    club_handlers.register(wiring, deps)
    leads_handlers.register(wiring, deps)
    habit_handlers.register(wiring, deps)
    gigs_handlers.register(wiring, deps)
    events_handlers.register(wiring, deps)
    return app, wiring, deps


def _apologise(error: Exception, body: dict, logger: logging.Logger) -> None:
    """Our own failures are logged with context and answered with a short apology, never hidden."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id")
    logger.error("unhandled error in %s for team %s", kind, team, exc_info=error)
    response_url = body.get("response_url") or next(iter(body.get("response_urls") or []), {}).get("response_url")
    if response_url:
        try:
            WebhookClient(response_url, timeout=5).send(
                text=":warning: Sorry, something went wrong on our side. Please try again in a moment.",
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:  # an apology that fails must not hide the original error in the log
            logger.warning("could not send the apology to %s", response_url, exc_info=True)
