"""Events kept before Slack is told we have them, and handled in batches after.

Slack never sends an acknowledged event again, so each event we handle is stored before its "200".
Under a storm (50 reactions in flight) the requests share their transactions: the first to arrive
writes every event waiting at that moment in one INSERT and one commit, the next waiting one
writes those that arrived meanwhile, and each request is answered once its own commit is done
(group commit). Acks come first: while events keep arriving (a storm: each arriving while another
is being kept, with no pause longer than STORM_GAP), the sender leaves them waiting, up to
STORM_DEFERS_AT_MOST, so that answering Slack has the process to itself; events that arrive one
at a time are handled at once. The process's sender thread then takes kept events in batches and
runs their listeners: one
transaction a batch, a savepoint an event, each event marked done in the same transaction as what
it changed. A batch claimed by a process that died is taken over when its lease (30 s) runs out.
Listeners are idempotent per event id, so Slack's own retries change nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, insert_for, utcnow

log = logging.getLogger(__name__)

# Set on a session that kept an event (see Store.on_commit): this process looks at the inbox at once.
KEPT = "kept_event"
# A batch takes milliseconds; one claimed for longer belongs to a process that died.
LEASE = timedelta(seconds=30)
# SQLite holds its one write lock for the whole batch, so batches stay short.
BATCH = 25
MAX_ATTEMPTS = 5
# A storm ends after a pause this long (the sender is then told); its events wait until then, or
# at most STORM_DEFERS_AT_MOST.
STORM_GAP = 0.25
STORM_DEFERS_AT_MOST = 5.0


class InboxEvent(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        Index("ix_inbox_waiting", "id", postgresql_where=text("done_at IS NULL"), sqlite_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


_KEEP: dict[str, object] = {}


class _Waiting:
    __slots__ = ("values", "done", "leads", "error")

    def __init__(self, values: dict):
        self.values = values
        self.done = threading.Event()
        # Woken to write the next batch rather than because its own event is kept.
        self.leads = False
        self.error: BaseException | None = None


class _Keeper:
    """One store's events waiting to be written, and whether a batch is being written."""

    def __init__(self, store: Store):
        self._store = store
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._writing = False
        self._last_kept = float("-inf")
        self._storm_began: float | None = None
        self._in_flight = 0
        # Whether a timer looks, every STORM_GAP, for the storm's end.
        self._watching = False

    def storm_underway(self) -> bool:
        now = time.monotonic()
        return self._storm_began is not None and now - self._last_kept < STORM_GAP and now - self._storm_began < STORM_DEFERS_AT_MOST

    def keep(self, values: dict) -> None:
        now = time.monotonic()
        with self._lock:
            if self._in_flight and now - self._last_kept < STORM_GAP:
                self._storm_began = self._storm_began if self._storm_began is not None else now
            else:
                self._storm_began = None
            self._last_kept = now
            self._in_flight += 1
            watch = self._storm_began is not None and not self._watching
            self._watching = self._watching or watch
        if watch:
            self._watch_later()
        try:
            self._keep(_Waiting(values))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _watch_later(self) -> None:
        timer = threading.Timer(STORM_GAP, self._watch)
        timer.daemon = True
        timer.start()

    def _watch(self) -> None:
        with self._lock:
            over = not self.storm_underway()
            self._watching = not over
        if over:
            # The storm's events were kept without telling the sender: tell it now.
            self._store.tell(KEPT)
        else:
            self._watch_later()

    def _keep(self, mine: _Waiting) -> None:
        with self._lock:
            self._waiting.append(mine)
            leads = not self._writing
            self._writing = True
        if not leads:
            mine.done.wait()
            if not mine.leads:
                if mine.error is not None:
                    raise mine.error
                return
        self._write_waiting()
        if mine.error is not None:
            raise mine.error

    def _write_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            # The sender is told at once, unless a storm is underway (then when it ends: _watch).
            _insert(self._store, [waiting.values for waiting in batch], tell_sender=not self.storm_underway())
        except Exception as error:  # every request of the batch fails (and Slack sends it again)
            for waiting in batch:
                waiting.error = error
        with self._lock:
            if self._waiting:
                # Those that arrived meanwhile: the first of them writes them.
                self._waiting[0].leads = True
                self._waiting[0].done.set()
            else:
                self._writing = False
        for waiting in batch:
            if not waiting.leads:
                waiting.done.set()


_keepers: weakref.WeakKeyDictionary[Store, _Keeper] = weakref.WeakKeyDictionary()
_keepers_lock = threading.Lock()


def _keeper(store: Store) -> _Keeper:
    with _keepers_lock:
        keeper = _keepers.get(store)
        if keeper is None:
            keeper = _keepers[store] = _Keeper(store)
        return keeper


def keep(store: Store, *, team_id: str, event_id: str, body: dict) -> None:
    """Before the answer: returns once the event is committed. Slack's retry of an event we kept
    already changes nothing."""
    _keeper(store).keep({"team_id": team_id, "event_id": event_id, "body": body, "received_at": utcnow(), "attempts": 0})


def _insert(store: Store, rows: list[dict], *, tell_sender: bool = True) -> None:
    # On the connection, with a statement built once: it runs for every reaction of a storm.
    with store.write() as session:
        dialect = session.get_bind().dialect.name
        if dialect not in _KEEP:
            _KEEP[dialect] = insert_for(session)(InboxEvent.__table__).on_conflict_do_nothing()
        session.connection().execute(_KEEP[dialect], rows)
        session.info[KEPT] = tell_sender


def _claim(store: Store, *, worker: str, now: datetime, limit: int) -> list[InboxEvent]:
    with store.write() as session:
        waiting = (
            select(InboxEvent)
            .where(InboxEvent.done_at.is_(None), or_(InboxEvent.claimed_at.is_(None), InboxEvent.claimed_at < now - LEASE))
            .order_by(InboxEvent.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            waiting = waiting.with_for_update(skip_locked=True)
        rows = list(session.scalars(waiting))
        for row in rows:
            row.claimed_by, row.claimed_at, row.attempts = worker, now, row.attempts + 1
        return rows


def handle_waiting(store: Store, handle: Callable[[Session, dict], None], *, worker: str, limit: int = BATCH) -> int:
    """Run `handle(session, body)` for a batch of kept events, in one transaction; how many were
    taken. An event whose handling fails is rolled back alone and tried again later (given up, with
    the reason recorded, after MAX_ATTEMPTS). None taken while this process is answering a storm."""
    if _keeper(store).storm_underway():
        return 0
    rows = _claim(store, worker=worker, now=utcnow(), limit=limit)
    if not rows:
        return 0
    done: list[int] = []
    with store.write() as session:
        for row in rows:
            try:
                with session.begin_nested():
                    handle(session, row.body)
                done.append(row.id)
            except Exception as exc:  # one bad event must not hold up the others; recorded below
                log.exception("handling event %s of team %s failed", row.event_id, row.team_id)
                if row.attempts >= MAX_ATTEMPTS:
                    _finish(session, [row.id], worker, error=f"gave up after {row.attempts} attempts: {exc.__class__.__name__}")
        _finish(session, done, worker)
    return len(rows)


def _finish(session: Session, ids: list[int], worker: str, error: str | None = None) -> None:
    if ids:
        session.execute(
            update(InboxEvent).where(InboxEvent.id.in_(ids), InboxEvent.claimed_by == worker).values(done_at=utcnow(), error=error),
            execution_options={"synchronize_session": False},
        )
