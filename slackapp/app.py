"""The composition root: builds the Bolt app, gives every listener what it needs, registers every
feature and every kind of timed work. The only module that knows all the features."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session

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
from slackapp.passport import handlers as passport_handlers
from slackapp.privacy import handlers as privacy_handlers
from slackapp.profiles import handlers as profiles_handlers
from slackapp.scheduler import outbox
from slackapp.scheduler.dispatch import Dispatcher, Renderer, Work
from slackapp.scheduler.runner import Clock, Planner, worker_name
from slackapp.slack import inbox
from slackapp.slack.client import web_client
from slackapp.slack.facade import Slack
from slackapp.slack.identity import Identity
from slackapp.slack.listeners import Registry, apologise
from slackapp.slack.middleware import for_every_request
from slackapp.slack.people import Directory

FEATURES = (club_handlers, profiles_handlers, habit_handlers, leads_handlers, micro_handlers, gigs_handlers, events_handlers, passport_handlers, home_handlers, privacy_handlers)
TIMED_WORK = (outbox, digest_jobs, habit_jobs, leads_jobs, micro_jobs, gigs_jobs, events_jobs, home_jobs)


@dataclass
class Assembled:
    bolt: App
    registry: Registry
    executor: ThreadPoolExecutor
    identity: Identity
    # Fills a Bolt context with what listeners may ask for (for kept events too, outside a request).
    provide: Callable[[BoltContext], None]

    def handle_kept_event(self, session: Session, body: dict) -> None:
        """A kept event's listener, run by the sender thread in the batch's `session`."""
        event = body.get("event") or {}
        authorization = (body.get("authorizations") or [{}])[0]
        context = BoltContext(
            team_id=authorization.get("team_id") or body.get("team_id"),
            enterprise_id=authorization.get("enterprise_id") or body.get("enterprise_id"),
            user_id=event.get("user"),
            bot_user_id=self.identity.bot_user_id,
            session=session,
        )
        self.provide(context)
        self.registry.handle_event(body, context)


def create_app(settings: Settings, store: Store) -> Assembled:
    client = web_client(settings)
    identity = Identity.of(client)
    executor = ThreadPoolExecutor(max_workers=settings.slackapp_listener_threads, thread_name_prefix="listener")
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        listener_executor=executor,
        # Signature checks stay on in every mode Slack can reach us in; Socket Mode has no signature.
        request_verification_enabled=not settings.socket_mode,
        name="slackapp",
    )
    directory = Directory(client)
    officers = Officers(configured=settings.officer_ids, store=store, directory=directory)
    slack = Slack(client, directory)

    def provide(context: BoltContext) -> None:
        """What every listener may ask for by name, besides what Bolt gives (team_id, user_id, …)."""
        context["store"] = store
        context["slack"] = slack
        context["club"] = Club(team_id=context.team_id, store=store, officers=officers, directory=directory, user_id=context.user_id)

    registry = Registry(bolt)
    bolt.use(for_every_request(identity=identity, store=store, registry=registry, provide=provide))
    bolt.error(apologise)
    for feature in FEATURES:
        feature.register(registry)
    return Assembled(bolt=bolt, registry=registry, executor=executor, identity=identity, provide=provide)


def job_renderers() -> dict[str, Renderer | Work]:
    return {kind: render for feature in TIMED_WORK for kind, render in feature.RENDERERS.items()}


def job_planners() -> list[Planner]:
    return [planner for feature in TIMED_WORK for planner in feature.PLANNERS]


def build_clock(settings: Settings, store: Store, assembled: Assembled) -> Clock:
    # Its own client without slack_sdk's retry handlers: the queue decides when to try again.
    client = web_client(settings, retries=False)
    dispatcher = Dispatcher(
        store,
        client,
        renderers=job_renderers(),
        worker=worker_name(),
        per_second=settings.slackapp_dm_per_second,
        update_every=settings.slackapp_post_update_seconds,
    )
    events = lambda: inbox.handle_waiting(store, assembled.handle_kept_event, worker=dispatcher.worker)  # noqa: E731
    return Clock(store, dispatcher, planners=job_planners(), consumers=[events])
