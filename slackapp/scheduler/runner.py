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


def plan_all(store: Store, planners: list[Planner], now: datetime) -> int:
    planned = 0
    for planner in planners:
        with store.write() as session:
            planned += planner(session, now)
    return planned


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def tick(store: Store, dispatcher: Dispatcher, planners: list[Planner], now: datetime | None = None, *, budget_seconds: float | None = None) -> Outcome:
    """One turn of the clock: plan, then deliver what is due. Without `now`, each batch reads the clock."""
    plan_all(store, planners, now or dispatcher.clock())
    return dispatcher.run_due(now, budget_seconds=budget_seconds)


class Clock:
    """The running scheduler of one app process."""

    def __init__(self, store: Store, dispatcher: Dispatcher, *, planners: list[Planner], every_seconds: float = TICK_SECONDS):
        self.store = store
        self.dispatcher = dispatcher
        self.planners = planners
        self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._scheduler.add_job(
            self._tick, "interval", seconds=every_seconds, id="slackapp-tick", replace_existing=True, next_run_time=utcnow()
        )

    def _tick(self) -> None:
        try:
            outcome = tick(self.store, self.dispatcher, self.planners, budget_seconds=TICK_SECONDS * 0.8)
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
