"""The clock of one process: APScheduler plans upcoming work every few seconds; a sender thread
delivers what is due the moment it is (woken at once when this process plans work, otherwise at
the next due time it reads from the store).

The schedule itself lives in the store (jobs table). APScheduler keeps only one in-memory interval
job per process, so nothing is shared between schedulers and a restart loses nothing."""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from slackapp.db import Store, skip_ahead, utcnow
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Dispatcher, Outcome

log = logging.getLogger(__name__)

# Planners add the upcoming rows for recurring work (weekly digests, habit check-ins).
Planner = Callable[[Session, datetime], int]
TICK_SECONDS = 10
# A tick's planners and consumers run with this pause between them. At once, a tick held up every
# request in flight for its whole 15-60 ms of the worker's CPU (one interpreter lock); spread over
# most of a second, a request meets one planner's 1-4 ms at most (bench/README, eighth session).
STEP_GAP_SECONDS = 0.05
# Played time is planned at least this often, as the clock's ticks would have planned it: every
# planner looks further ahead than this (event reminders: 25 h), so nothing is planned too late.
PLAY_STEP = timedelta(hours=1)


def plan_all(store: Store, planners: list[Planner], now: datetime) -> int:
    return sum(plan_one(store, planner, now) for planner in planners)


def plan_one(store: Store, planner: Planner, now: datetime) -> int:
    """One planner in a write transaction of its own."""
    with store.write() as session:
        return planner(session, now)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def tick(store: Store, dispatcher: Dispatcher, planners: list[Planner], now: datetime | None = None, *, budget_seconds: float | None = None) -> Outcome:
    """One turn of the clock: plan, then deliver what is due. Without `now`, each batch reads the clock."""
    plan_all(store, planners, now or dispatcher.clock())
    return dispatcher.run_due(now, budget_seconds=budget_seconds)


def play(store: Store, dispatcher: Dispatcher, planners: list[Planner], *, until: datetime) -> dict[str, int]:
    """Live through the time from now to `until` at once (the sandbox's "skip ahead"): this
    process's clock steps to each item's due moment in turn and the item is sent with that `now`,
    so it reads as it would have then and isn't dropped as stale; then the clock lands on `until`.
    Work already overdue when playing begins is judged at that moment, as after real downtime.
    Returns how many jobs of each kind were sent."""
    began = moment = utcnow()
    while True:
        plan_all(store, planners, moment)
        with store.read() as session:
            due = queue.next_due(session)
        horizon = min(until, moment + PLAY_STEP)
        if due is not None and due <= horizon:
            moment = _advance_to(max(moment, due))
            if dispatcher.run_due(moment).handled:
                continue
            # Nothing could be taken (the dispatcher is stopping): the time still passes.
        if moment >= until:
            break
        moment = _advance_to(horizon)
    with store.read() as session:
        return queue.sent_since(session, began)


def _advance_to(moment: datetime) -> datetime:
    ahead = moment - utcnow()
    if ahead > timedelta(0):  # never back: the wall clock moved on a little while sending
        skip_ahead(ahead)
    return moment


def _keep_going(what: str, work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:  # the clock must keep ticking; the next turn retries
        log.exception("scheduler tick: %s failed", what)


def _name(work: Callable) -> str:
    return getattr(work, "__qualname__", repr(work))


class Clock:
    """The running scheduler of one app process."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        *,
        planners: list[Planner],
        consumers: list[Callable[[], int]] = (),
        every_seconds: float = TICK_SECONDS,
        step_gap_seconds: float = STEP_GAP_SECONDS,
    ):
        self.store = store
        self.dispatcher = dispatcher
        self.planners = planners
        # Other work looked at on every tick (kept events whose listener never finished).
        self.consumers = list(consumers)
        self._every = every_seconds
        self._step_gap = step_gap_seconds
        self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._scheduler.add_job(self._tick, "interval", seconds=every_seconds, id="slackapp-tick", replace_existing=True, next_run_time=utcnow())
        self._poked = threading.Event()
        self._stopping = threading.Event()
        # Held by each turn of sending, and while skipped time is played.
        self._turn = threading.Lock()
        self._sender = threading.Thread(target=self._send_loop, name="sender", daemon=True)
        store.on_commit(self._on_commit)

    def _on_commit(self, flags: set[str]) -> None:
        # Work was planned: the sender thread looks at it now.
        self.poke()

    def poke(self) -> None:
        """Look at the queue now: something is due."""
        self._poked.set()

    def play_until(self, until: datetime) -> dict[str, int]:
        """Play the time up to `until` (see `play`), with this clock's own turns held meanwhile so
        that nothing due in it is sent at another moment than its own."""
        with self._turn:
            played = play(self.store, self.dispatcher, self.planners, until=until)
        self.poke()
        return played

    def _tick(self) -> None:
        # Each planner and consumer on its own: one that fails (a row it can't handle, in any
        # workspace) is logged and tried again next tick, and holds up none of the others.
        now = self.dispatcher.clock()
        steps = [(f"planner {_name(planner)}", functools.partial(plan_one, self.store, planner, now)) for planner in self.planners]
        steps += [(f"consumer {_name(consume)}", consume) for consume in self.consumers]
        for index, (what, work) in enumerate(steps):
            if index and self._stopping.wait(self._step_gap):
                return  # stopping: the rest waits for the next start
            _keep_going(what, work)
        self.poke()

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            self._poked.clear()
            wait = self._every
            try:
                # One batch a turn: the next due time, read after it, sends the loop round again at
                # once while work is due (the rest of a fan-out, a batch's own follow-ups), and a
                # lone item costs no second claim that finds nothing.
                with self._turn:
                    outcome = self.dispatcher.run_due(max_batches=1)
                if outcome.handled:
                    log.info("scheduler: %s", outcome)
                with self.store.read() as session:
                    due = queue.next_due(session)
                if due is not None:
                    wait = min(wait, max(0.0, (due - utcnow()).total_seconds()))
            except Exception:  # the sender must keep going; the next turn retries
                log.exception("sending due work failed")
            self._poked.wait(wait)

    def start(self) -> None:
        self._scheduler.start()
        self._sender.start()

    def stop(self) -> None:
        """Let the batch in hand be sent and recorded, then stop."""
        self._stopping.set()
        self.dispatcher.stop()
        self.poke()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._sender.is_alive():
            self._sender.join(timeout=30)
        self.dispatcher.shutdown()
