"""The composition root: builds the Bolt app, gives every listener what it needs, registers every
feature and every kind of timed work. The only module that knows all the features."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy.orm import Session

from slackapp import logs
from slackapp.club import handlers as club_handlers
from slackapp.club.context import Club
from slackapp.club.officers import Officers
from slackapp.config import Settings
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
from slackapp.leads import handlers as leads_handlers
from slackapp.leads import jobs as leads_jobs
from slackapp.micro import handlers as micro_handlers
from slackapp.micro import jobs as micro_jobs
from slackapp.installs import handlers as installs_handlers
from slackapp.installs import jobs as installs_jobs
from slackapp.passport import handlers as passport_handlers
from slackapp.privacy import handlers as privacy_handlers
from slackapp.profiles import handlers as profiles_handlers
from slackapp.scheduler import outbox
from slackapp.scheduler.dispatch import Dispatcher, Renderer, Work
from slackapp.scheduler.runner import Clock, Planner, worker_name
from slackapp.slack import inbox
from slackapp.slack.client import web_client
from slackapp.slack.facade import Slack
from slackapp.slack import installations
from slackapp.slack.identity import Identity
from slackapp.slack.listeners import Registry, apologise
from slackapp.slack.middleware import ForEveryRequest, refuse_strangers
from slackapp.slack.people import Directory
from slackapp.slack.secrets import Sealer
from slackapp.slack.tenants import InstalledAuthorize, ManyWorkspaces, OneWorkspace

FEATURES = (
    installs_handlers,
    club_handlers,
    profiles_handlers,
    habit_handlers,
    leads_handlers,
    micro_handlers,
    gigs_handlers,
    events_handlers,
    passport_handlers,
    home_handlers,
    privacy_handlers,
)
TIMED_WORK = (installs_jobs, outbox, digest_jobs, habit_jobs, leads_jobs, micro_jobs, gigs_jobs, events_jobs, home_jobs)


@dataclass
class Assembled:
    bolt: App
    registry: Registry
    executor: ThreadPoolExecutor
    # The workspaces served, and the token of each.
    tenants: OneWorkspace | ManyWorkspaces
    # Fills a Bolt context with what listeners may ask for (for kept events too, outside a request).
    provide: Callable[[BoltContext], None]

    def handle_kept_event(self, session: Session, body: dict) -> None:
        """A kept event's listener, run by the sender thread in the batch's `session`."""
        event = body.get("event") or {}
        authorization = (body.get("authorizations") or [{}])[0]
        team_id = authorization.get("team_id") or body.get("team_id")
        context = BoltContext(
            team_id=team_id,
            enterprise_id=authorization.get("enterprise_id") or body.get("enterprise_id"),
            user_id=event.get("user"),
            bot_user_id=self.tenants.bot_user_id(team_id),
            session=session,
        )
        self.provide(context)
        with logs.team(team_id):
            self.registry.handle_event(body, context)


def serving(settings: Settings, store: Store) -> OneWorkspace | ManyWorkspaces:
    """The token of each workspace: SLACK_BOT_TOKEN's, or each installation's own (distribution mode)."""
    if settings.distribution:
        sealer = Sealer(settings.slackapp_encryption_key.get_secret_value())
        return ManyWorkspaces(store, sealer, lambda token: web_client(settings, token=token))
    client = web_client(settings)
    return OneWorkspace(Identity.of(client), client)


def _bolt(settings: Settings, store: Store, tenants, executor: ThreadPoolExecutor, refuse: Callable) -> App:
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    # Every HTTP request is verified before Bolt sees it, by the gate in front of Bolt
    # (slackapp.slack.server.Routes, slackapp.slack.gate), so Bolt needn't check the signature
    # again; Socket Mode has no signature.
    if isinstance(tenants, OneWorkspace):
        return App(
            client=tenants.client,
            signing_secret=signing_secret,
            listener_executor=executor,
            request_verification_enabled=False,
            # The registry hands listeners to the executor itself (slackapp.slack.listeners).
            process_before_response=True,
            name="slackapp",
        )
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
        oauth_settings=oauth,
        authorize=InstalledAuthorize(tenants),
        before_authorize=refuse,
        listener_executor=executor,
        request_verification_enabled=False,
        process_before_response=True,
        name="slackapp",
    )


def create_app(settings: Settings, store: Store) -> Assembled:
    tenants = serving(settings, store)
    executor = ThreadPoolExecutor(max_workers=settings.slackapp_listener_threads, thread_name_prefix="listener")
    bolt = _bolt(settings, store, tenants, executor, refuse=lambda body, context, next: refuse_strangers(tenants, body, context) or next())
    directory = Directory(tenants)
    officers = Officers(configured=settings.officer_ids, store=store, directory=directory)
    purge_after = timedelta(days=settings.slackapp_purge_after_days)

    def provide(context: BoltContext) -> None:
        """What every listener may ask for by name, besides what Bolt gives (team_id, user_id, …)."""
        context["store"] = store
        context["slack"] = Slack(tenants.client_for(context.team_id), directory)
        context["club"] = Club(team_id=context.team_id, store=store, officers=officers, directory=directory, user_id=context.user_id)
        context["tenants"] = tenants
        context["purge_after"] = purge_after

    registry = Registry(executor)
    bolt.use(ForEveryRequest(tenants=tenants, store=store, registry=registry, provide=provide))
    bolt.error(apologise)
    for feature in FEATURES:
        feature.register(registry)
    return Assembled(bolt=bolt, registry=registry, executor=executor, tenants=tenants, provide=provide)


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
    events = lambda: inbox.handle_waiting(store, assembled.handle_kept_event, worker=dispatcher.worker)  # noqa: E731
    return Clock(store, dispatcher, planners=job_planners(), consumers=[events])
