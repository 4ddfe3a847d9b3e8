"""APScheduler as the clock: every few seconds, plan upcoming work and deliver what is due.

The schedule itself lives in the store (jobs table). APScheduler keeps only one in-memory interval
job per process, so nothing is shared between schedulers and a restart loses nothing."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from slackapp.db import Store, utcnow
from slackapp.scheduler.dispatch import Dispatcher, Outcome

log = logging.getLogger(__name__)

# Planners add the upcoming rows for recurring work (weekly digests, habit check-ins).
Planner = Callable[[Session, datetime], int]
TICK_SECONDS = 10


def renderers() -> dict:
    """Every kind of timed work, and the feature that renders it."""
    from slackapp.digest import jobs as digest
    from slackapp.events import jobs as events
    from slackapp.gigs import jobs as gigs
    from slackapp.habit import jobs as habit
    from slackapp.leads import nudges

    return {
        digest.KIND: digest.render,
        habit.KIND: habit.render,
        nudges.KIND: nudges.render,
        gigs.KIND: gigs.render,
        events.REMIND: events.render_reminder,
        events.CANCELLED: events.render_cancellation,
    }


def planners() -> list[Planner]:
    from slackapp.digest import jobs as digest
    from slackapp.events import jobs as events
    from slackapp.gigs import jobs as gigs
    from slackapp.habit import jobs as habit

    return [digest.plan, habit.plan, gigs.plan, events.plan]


def plan_all(store: Store, now: datetime) -> int:
    planned = 0
    for planner in planners():
        with store.write() as session:
            planned += planner(session, now)
    return planned


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def tick(store: Store, dispatcher: Dispatcher, now: datetime | None = None, *, budget_seconds: float | None = None) -> Outcome:
    """One turn of the clock: plan, then deliver what is due. Without `now`, each batch reads the clock."""
    plan_all(store, now or dispatcher.clock())
    return dispatcher.run_due(now, budget_seconds=budget_seconds)


def build_clock(settings, store: Store) -> "Clock":
    from slackapp.slack.app import web_client

    # Its own client without slack_sdk's retry handlers: the queue decides when to try again.
    client = web_client(settings, retries=False)
    dispatcher = Dispatcher(store, client, renderers=renderers(), worker=worker_name(), per_second=settings.slackapp_dm_per_second)
    return Clock(store, dispatcher)


class Clock:
    """The running scheduler of one app process."""

    def __init__(self, store: Store, dispatcher: Dispatcher, *, every_seconds: float = TICK_SECONDS):
        self.store = store
        self.dispatcher = dispatcher
        self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._scheduler.add_job(
            self._tick, "interval", seconds=every_seconds, id="slackapp-tick", replace_existing=True, next_run_time=utcnow()
        )

    def _tick(self) -> None:
        try:
            outcome = tick(self.store, self.dispatcher, budget_seconds=TICK_SECONDS * 0.8)
        except Exception:  # the clock must keep ticking; the next turn retries
            log.exception("scheduler tick failed")
            return
        if outcome.handled:
            log.info("scheduler: %s", outcome)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        self.dispatcher.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self.dispatcher.shutdown()
