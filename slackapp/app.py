"""The composition root: builds the Bolt app, gives every listener what it needs, registers every
feature and every kind of timed work. The only module that knows all the features."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from slack_bolt import App, BoltContext
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError

from slackapp import logs
from slackapp.alerts import handlers as alerts_handlers
from slackapp.alerts import jobs as alerts_jobs
from slackapp.ask import handlers as ask_handlers
from slackapp.ask import jobs as ask_jobs
from slackapp.club import handlers as club_handlers
from slackapp.club.context import Club
from slackapp.club.officers import Officers
from slackapp.companies import handlers as companies_handlers
from slackapp.companies import jobs as companies_jobs
from slackapp.config import Settings, load_settings
from slackapp.db import Store
from slackapp.digest import jobs as digest_jobs
from slackapp.events import handlers as events_handlers
from slackapp.events import jobs as events_jobs
from slackapp.gigs import handlers as gigs_handlers
from slackapp.gigs import jobs as gigs_jobs
from slackapp.habit import handlers as habit_handlers
from slackapp.habit import jobs as habit_jobs
from slackapp.home import handlers as home_handlers
from slackapp.home import jobs as home_jobs
from slackapp.installs import handlers as installs_handlers
from slackapp.installs import installations
from slackapp.installs.identity import Identity
from slackapp.installs.oauth import CheckedOAuthFlow
from slackapp.installs.secrets import Sealer
from slackapp.installs.tenants import InstalledAuthorize, ManyWorkspaces, OneWorkspace
from slackapp.intros import handlers as intros_handlers
from slackapp.intros import jobs as intros_jobs
from slackapp.leads import handlers as leads_handlers
from slackapp.leads import jobs as leads_jobs
from slackapp.metrics import OutboxCollector, exposition
from slackapp.micro import handlers as micro_handlers
from slackapp.micro import jobs as micro_jobs
from slackapp.passport import handlers as passport_handlers
from slackapp.privacy import handlers as privacy_handlers
from slackapp.privacy import purge
from slackapp.profiles import handlers as profiles_handlers
from slackapp.resumebook import handlers as resumebook_handlers
from slackapp.resumebook import ids as resumebook_ids
from slackapp.resumebook import jobs as resumebook_jobs
from slackapp.resumebook import web as resumebook_web
from slackapp.review import handlers as review_handlers
from slackapp.roles import handlers as roles_handlers
from slackapp.roles import jobs as roles_jobs
from slackapp.scheduler import outbox, queue
from slackapp.scheduler.dispatch import Dispatcher, Renderer, Work
from slackapp.scheduler.runner import Clock, Planner, worker_name
from slackapp.slack import inbox
from slackapp.slack.client import web_client
from slackapp.slack.errors import on_error
from slackapp.slack.facade import Slack
from slackapp.slack.middleware import ForEveryRequest, ListenerPool, refuse_strangers
from slackapp.slack.people import Directory
from slackapp.slack.server import Routes

# Bolt runs the first listener that matches a request, trying them in the order they were
# registered, and trying one costs (~9 µs: a reaction behind 25 other listeners spent a tenth of
# its time there): the most frequent requests come first, reactions (BUSIEST) then `/internships`.
# A feature that answers a word of another's command comes before it (`/club profile`), unless the
# owner's listener leaves those words out (`/internships`: leads.sections).
BUSIEST = (events_handlers.register_reactions,)
FEATURES = (
    leads_handlers,
    events_handlers,
    micro_handlers,
    alerts_handlers,
    companies_handlers,
    habit_handlers,
    privacy_handlers,
    profiles_handlers,
    review_handlers,
    roles_handlers,
    club_handlers,
    gigs_handlers,
    ask_handlers,
    intros_handlers,
    passport_handlers,
    resumebook_handlers,
    home_handlers,
    installs_handlers,
)
log = logging.getLogger(__name__)

TIMED_WORK = (purge, outbox, digest_jobs, habit_jobs, leads_jobs, micro_jobs, companies_jobs, alerts_jobs, gigs_jobs, ask_jobs, intros_jobs, events_jobs, home_jobs, roles_jobs, resumebook_jobs)


@dataclass
class Assembled:
    bolt: App
    # The workspaces served, and the token of each.
    tenants: OneWorkspace | ManyWorkspaces


def serving(settings: Settings, store: Store) -> OneWorkspace | ManyWorkspaces:
    """The token of each workspace: SLACK_BOT_TOKEN's, or each installation's own (distribution mode)."""
    if settings.distribution:
        sealer = Sealer(settings.slackapp_encryption_key.get_secret_value())
        return ManyWorkspaces(store, sealer, lambda token: web_client(settings, token=token))
    client = web_client(settings)
    return OneWorkspace(Identity.of(client), client)


class _SameToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client we give it wins over it; that
    client was made from the same setting, so the warning would only worry whoever reads the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_SAME_TOKEN = _SameToken()  # one instance: a logger keeps a filter once however often the app is built


def _bolt(settings: Settings, store: Store, tenants, executor: ListenerPool) -> App:
    # No signing secret in Socket Mode, where requests come over the app's own connection.
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    # Bolt builds its debug lines (whole bodies among them) whenever its logger has no level of
    # its own: give it the one the app logs at.
    bolt_log = logging.getLogger("slack_bolt.App")
    bolt_log.setLevel(logging.getLogger().getEffectiveLevel())
    bolt_log.addFilter(_SAME_TOKEN)
    checks = {"request_verification_enabled": signing_secret is not None, "logger": bolt_log}
    if isinstance(tenants, OneWorkspace):
        return App(client=tenants.client, signing_secret=signing_secret, listener_executor=executor, name="slackapp", **checks)
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(installations.BOT_SCOPES),
        installation_store=installations.SqlInstallationStore(store, tenants.sealer),
        state_store=installations.SqlOAuthStateStore(store),
        install_path=installations.INSTALL_PATH,
        redirect_uri_path=installations.REDIRECT_PATH,
        redirect_uri=settings.slack_redirect_uri,
    )
    # A stranger is refused before Bolt's authorize (which would answer it at its response_url).
    return App(
        client=web_client(settings, token=None),
        signing_secret=signing_secret,
        oauth_flow=CheckedOAuthFlow(settings=oauth, logger=bolt_log),
        authorize=InstalledAuthorize(tenants),
        before_authorize=lambda body, context, next: refuse_strangers(tenants, body, context) or next(),
        listener_executor=executor,
        name="slackapp",
        **checks,
    )


def create_app(settings: Settings, store: Store) -> Assembled:
    tenants = serving(settings, store)
    executor = ListenerPool(threads=settings.slackapp_listener_threads, working=os.cpu_count() or 2)
    bolt = _bolt(settings, store, tenants, executor)
    # Who someone is (users.info) is asked before an ack, holding one of the few places of listeners
    # at work (ListenerPool): no waiting out Slack's server errors, and not long for an answer.
    directory = Directory(tenants.sending(lambda token: web_client(settings, retries=False, token=token, timeout=2)))
    officers = Officers(configured=settings.officer_ids, directory=directory)
    purge_after = timedelta(days=settings.slackapp_purge_after_days)

    def provide(context: BoltContext) -> None:
        """What listeners may ask for by name, besides Bolt's own and the request's `session`."""
        context["store"] = store
        context["slack"] = Slack(tenants.client_for(context.team_id), directory, context)
        context["club"] = Club(team_id=context.team_id, session=context["session"], officers=officers, directory=directory, user_id=context.user_id)
        context["tenants"] = tenants
        context["purge_after"] = purge_after

    bolt.use(ForEveryRequest(store=store, tenants=tenants, provide=provide))
    bolt.error(on_error)
    for register in _registrations():
        register(bolt)
    return Assembled(bolt=bolt, tenants=tenants)


class _Registered:
    """Stands in for Bolt's App to list what the features register (the manifest and the sandbox
    are checked against it)."""

    def __init__(self):
        self.names: dict[str, set[str]] = {}

    def __getattr__(self, kind: str):
        def register(name, *_, **__):
            self.names.setdefault(kind, set()).add(name)
            return lambda listener=None, **___: listener

        return register


def registered() -> dict[str, set[str]]:
    """Every command, action, view, shortcut and event the features listen to, by kind."""
    recorder = _Registered()
    for register in _registrations():
        register(recorder)
    return recorder.names


def _registrations():
    return (*BUSIEST, *(feature.register for feature in FEATURES))


def job_renderers() -> dict[str, Renderer | Work]:
    return {kind: render for feature in TIMED_WORK for kind, render in feature.RENDERERS.items()}


def job_planners() -> list[Planner]:
    return [planner for feature in TIMED_WORK for planner in feature.PLANNERS]


def build_clock(settings: Settings, store: Store, assembled: Assembled) -> Clock:
    # Its own clients without slack_sdk's retry handlers: the queue decides when to try again.
    dispatcher = Dispatcher(
        store,
        assembled.tenants.sending(lambda token: web_client(settings, retries=False, token=token)),
        renderers=job_renderers(),
        worker=worker_name(),
        per_second=settings.slackapp_dm_per_second,
        update_every=settings.slackapp_post_update_seconds,
    )
    return Clock(
        store, dispatcher, planners=job_planners(), consumers=[lambda: inbox.redeliver(assembled.bolt, store)],
        every_seconds=settings.slackapp_scheduler_tick_seconds,
    )


def routes(settings: Settings, store: Store, assembled: Assembled) -> Routes:
    """The HTTP entry point: Slack's requests, /healthz and /metrics."""
    return Routes(
        assembled.bolt, store, settings=settings, metrics=lambda: exposition(OutboxCollector(partial(queue.due_now, store))),
        metrics_port=settings.slackapp_metrics_port, slack_port=settings.port,
        pages={resumebook_ids.PATH: resumebook_web.pages(store)},
    )


# gunicorn stops (instead of starting new workers forever) when a worker exits with this status.
WORKER_BOOT_ERROR = 3


def start(settings: Settings, store: Store) -> Assembled:
    """The app, with its clock running (unless SLACKAPP_SCHEDULER is off in this process)."""
    try:
        assembled = create_app(settings, store)
    except (BoltError, SlackApiError, OSError) as exc:
        # Slack answered auth.test a moment ago in the parent; say what changed, once, and stop.
        print(f"slackapp: could not start: Slack did not answer as expected ({exc})", file=sys.stderr)
        raise SystemExit(WORKER_BOOT_ERROR) from None
    if not settings.slackapp_scheduler:
        log.info("scheduler is off in this process (SLACKAPP_SCHEDULER=false)")
        return assembled
    clock = build_clock(settings, store, assembled)
    clock.start()
    # gunicorn workers leave through sys.exit, so a stop lets the batch in hand finish and be recorded.
    atexit.register(clock.stop)
    return assembled


# How long a thread of a worker may keep the GIL while another waits for it (Python's default is
# 5 ms). A request's threads (gunicorn's poller, an HTTP thread, a listener) let the GIL go at every
# wait on the store or the socket anyway; the interval only decides how soon one busy in Python is
# made to hand it over. Chosen by measurement: on club traffic (bench/club_traffic, one worker,
# interleaved A/B) 15 ms answered 5-7 % more requests than 5 ms, with a lower p99, on SQLite and
# PostgreSQL; 10 and 20 ms came close to 15, and 50 ms was worse again.
SWITCH_INTERVAL_SECONDS = 0.015
# How many new objects the collector lets pile up before it collects the youngest (Python: 700).
# A storm's events wait for it to pause (slack/inbox), thousands of listeners holding their
# requests, and with Python's thresholds the full collections it led to walked all of them again
# and again, 70-165 ms each with every thread stopped: the reaction storm's slowest acks
# (bench/reaction_ack on PostgreSQL, p99 1.12-1.45x the peer's; with 10,000, 0.78x and 0.82x).
# Full collections are left as often as Python makes them: put off ten times longer instead, one
# turn in each of two runs stalled for seconds.
YOUNG_COLLECTION_THRESHOLD = 10_000


def worker_app():
    """One gunicorn worker's app, built after the fork: the store, Bolt, the features, the clock."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    logs.setup(os.environ.get("LOG_LEVEL", "INFO").upper())
    settings = load_settings()
    store = Store.from_url(settings.database_url)
    served = routes(settings, store, start(settings, store))
    # What start-up built lives as long as the worker: out of the collector's way, a full
    # collection under load no longer walks all of Bolt, SQLAlchemy and the features. Start-up's
    # garbage goes first, so its memory is used again rather than the worker growing.
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    return served
