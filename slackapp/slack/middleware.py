"""What runs for every request once Bolt has checked it, before its listener: refuse workspaces we
don't serve, keep events before they are answered, and open the request's one session.

Bolt's global middleware doesn't wrap the listener (its `next()` only says "go on"), and Bolt
hands the listener to its `listener_executor`, answering Slack as soon as the listener acks. That
executor is `ListenerPool`, which Bolt has no other way to give us:
- it closes the session this middleware opened once the listener is done (a request no listener
  takes leaves no transaction open);
- it runs each listener in the context of its request, so log lines carry the request's ids;
- it lets only as many listeners work towards their ack at once as the machine has cores. That
  work is the store and Python, and more threads at it only fight over the GIL: on club traffic,
  8 at once gave 0.68 of the plain peer's throughput and 2 gave 0.93-0.99 (bench/club_traffic).
  After its ack a listener waits on Slack (a modal, a response) without holding a place, so the
  pool's many threads still absorb a slow Slack;
- its `submit` returns once the listener has acked: Bolt looks for the ack every 10 ms after
  `submit` returns, and now finds it at its first look;
- a listener whose whole answer is its ack (a search, a help text: `answers_in_its_ack`) runs
  in the request's own thread. Handing it over costs two thread wake-ups, each by the thread
  holding the GIL: on club traffic, running /internships in place used 11 % less CPU a request
  and answered 12 % more requests (bench/club_traffic).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.orm import Session

from slackapp import logs
from slackapp.db import Store
from slackapp.slack import inbox

log = logging.getLogger(__name__)

NOT_INSTALLED = "slackapp isn't installed for your workspace, so it can't answer here."

# The session of the request being dispatched in this thread, for the listener it is handed to.
_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar("slackapp_session", default=None)
# What an event's listener waits for before it works: a pause in a storm of events (inbox.Keeper).
_PAUSE: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("slackapp_pause", default=None)
# Bolt's own limit for a listener's ack (a listener's ack_timeout).
ACK_WAIT_SECONDS = 3
# The place the running listener holds among those working towards their ack.
_PLACE: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("slackapp_place", default=None)
# Set by `answers_in_its_ack` for the listener Bolt is about to hand over in this thread.
_IN_PLACE: contextvars.ContextVar[bool] = contextvars.ContextVar("slackapp_in_place", default=False)


def answers_in_its_ack(next_) -> None:
    """Listener middleware (Bolt's `middleware=[…]`) for a listener that does nothing after its
    ack: the pool runs it in the request's thread rather than handing it over. Not for one that
    calls Slack after acking (a modal, a response_url): its ack would wait for Slack."""
    _IN_PLACE.set(True)
    next_()


class _Place:
    """A listener's place among those working towards their ack, and the moment it acked."""

    def __init__(self, places: threading.Semaphore):
        self._places = places
        self._held = False
        self.acked = threading.Event()

    def take(self) -> None:
        self._places.acquire()
        self._held = True

    def give_back(self) -> None:
        self.acked.set()
        if self._held:
            self._held = False
            self._places.release()


class ListenerPool(ThreadPoolExecutor):
    def __init__(self, *, threads: int, working: int):
        super().__init__(max_workers=threads, thread_name_prefix="listener")
        self._places = threading.Semaphore(working)
        # Event listeners held until a storm of events pauses, without holding a thread meanwhile
        # (a command arriving during the storm must find one).
        self._held: list[tuple[Callable[[], None], Callable, Future]] = []
        self._held_lock = threading.Lock()
        self._holding = threading.Event()
        self._releaser: threading.Thread | None = None

    def submit(self, fn, /, *args, **kwargs):
        session, pause, in_place = _SESSION.get(), _PAUSE.get(), _IN_PLACE.get()
        _SESSION.set(None)
        _PAUSE.set(None)
        _IN_PLACE.set(False)
        context = contextvars.copy_context()
        place = _Place(self._places)
        context.run(_PLACE.set, place)

        def run():
            place.take()
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                place.give_back()
                if session is not None:
                    session.close()

        if pause is not None:
            return self._hold(pause, run)
        if in_place and session is not None:
            return _ran(run)
        future = super().submit(run)
        if session is not None:  # a request's listener, which Bolt waits on for its ack
            # Bolt looks for the ack every 10 ms once this returns; returning when the listener
            # has acked (or ended without) answers Slack at once and frees the HTTP thread sooner.
            place.acked.wait(ACK_WAIT_SECONDS)
        return future

    def _hold(self, pause: Callable[[], None], run: Callable) -> Future:
        future: Future = Future()
        with self._held_lock:
            self._held.append((pause, run, future))
            if self._releaser is None:
                self._releaser = threading.Thread(target=self._release_after_pauses, name="events-after-storm", daemon=True)
                self._releaser.start()
        self._holding.set()
        return future

    def _release_after_pauses(self) -> None:
        while True:
            self._holding.wait()
            self._holding.clear()
            with self._held_lock:
                held, self._held = self._held, []
            for pause, run, future in held:
                pause()  # the first waits for the pause; the others find it at once
                super().submit(run).add_done_callback(lambda done, future=future: _settle(future, done))


def _ran(run: Callable) -> Future:
    future: Future = Future()
    try:
        future.set_result(run())
    except BaseException as error:  # kept on the future, as the pool's thread would
        future.set_exception(error)
    return future


def _settle(future: Future, done: Future) -> None:
    if done.exception() is not None:
        future.set_exception(done.exception())
    else:
        future.set_result(done.result())


class AckGivingBackItsPlace(Ack):
    """Bolt's ack, which also frees the listener's place in the pool (see ListenerPool)."""

    def __call__(self, *args, **kwargs) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            place = _PLACE.get()
            if place is not None:
                place.give_back()


class ForEveryRequest(Middleware):
    """The one global middleware (a Bolt Middleware: Bolt builds no listener arguments for it).
    `provide(context)` adds what listeners ask for by name besides the session (the club, the Slack
    façade …)."""

    def __init__(self, *, store: Store, tenants, provide):
        self._store = store
        self._tenants = tenants
        self._provide = provide
        self._keeper = inbox.Keeper(store)

    def _kept(self, body: dict, context: BoltContext) -> bool:
        """An event is stored before Bolt answers it (Bolt would answer first, and Slack never
        sends an answered event again). False for one kept already: Slack's retry, answered and
        dropped."""
        if body.get("type") != "event_callback" or not body.get("event_id") or context.get(inbox.REDELIVERED):
            return True
        return self._keeper.keep(team_id=context.team_id, event_id=str(body["event_id"]), body=body)

    def process(self, *, req: BoltRequest, resp: BoltResponse, next):
        body, context = req.body, req.context
        logs.for_team(context.team_id)
        if not req.raw_body or _MAY_HOLD_NUL.search(req.raw_body):
            drop_nuls(body)
        refusal = refuse_strangers(self._tenants, body, context)
        if refusal is not None:
            return refusal
        if "ack" not in context:
            context["ack"] = AckGivingBackItsPlace()
        if not self._kept(body, context):
            return BoltResponse(status=200, body="")
        session = context["session"] = self._store.session()
        self._provide(context)
        _SESSION.set(session)
        _IN_PLACE.set(False)  # until this request's listener says otherwise
        if body.get("type") == "event_callback":
            _PAUSE.set(self._keeper.wait_for_a_pause)
        return next()


# A NUL as a form sends it (%00), as JSON does (\u0000), or as JSON inside a form (%5Cu0000).
_MAY_HOLD_NUL = re.compile(r"%00|\\u0000|%5cu0000", re.IGNORECASE)


def drop_nuls(body: dict) -> None:
    """Take NUL characters out of every text in the body, in place, before any listener reads it:
    PostgreSQL refuses them in text (a 500 for whoever typed one), and nobody means one."""
    waiting: list[dict | list] = [body]
    while waiting:  # not recursive: a body may be nested as deep as the door lets it
        node = waiting.pop()
        for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(value, str) and "\x00" in value:
                node[key] = value.replace("\x00", "")
            elif isinstance(value, (dict, list)):
                waiting.append(value)


def refuse_strangers(tenants, body: dict, context: BoltContext) -> BoltResponse | None:
    """Serve only the workspaces we have a token of (the one SLACK_BOT_TOKEN belongs to, or the
    installed ones): anything else would be done with a token of another workspace, on a stranger's
    say-so."""
    event_type = (body.get("event") or {}).get("type") if body.get("type") == "event_callback" else None
    if tenants.serves(team_id=context.team_id, enterprise_id=context.enterprise_id, event_type=event_type):
        return None
    log.warning("refused a %s from team %s (enterprise %s): not ours", body.get("type") or "command", context.team_id, context.enterprise_id)
    if "command" in body:
        reply = json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
        return BoltResponse(status=200, body=reply, headers={"content-type": "application/json"})
    # 200 so that Slack doesn't retry; nothing was done.
    return BoltResponse(status=200, body="")
