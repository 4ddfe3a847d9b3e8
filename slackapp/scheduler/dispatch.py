"""Sending due work to Slack, once, within Slack's limits."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp import logs
from slackapp.db import Store, utcnow
from slackapp.metrics import observe_sent
from slackapp.scheduler import queue
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.client import retry_after

log = logging.getLogger(__name__)

NOT_INSTALLED = "the app is not installed in this workspace (any more)"
# A server error or an unreachable Slack: the first retry comes about a second later (most such
# errors pass that fast), then 10 s, doubling: 7 tries over about five minutes.
MAX_ATTEMPTS = 7
QUICK_RETRY = timedelta(seconds=1)
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=5)
# Each wait is spread by up to this share either way, at random, so that the many messages of a
# fan-out that failed together don't all come back to Slack at the same moment.
JITTER = 0.25


@dataclass(frozen=True)
class Outgoing:
    """A message to send: a new post (a reply, with thread_ts), or an update of one we sent before."""

    channel: str
    text: str
    blocks: list[dict] = field(default_factory=list)
    update_ts: str | None = None
    thread_ts: str | None = None
    # An announcement: a public channel the bot isn't in yet is joined, then the post tried again.
    join: bool = False


@dataclass(frozen=True)
class Call:
    """Any other Web API call the app owes (chat.delete, reactions.add). `done_if` lists Slack's
    errors that mean it is already done."""

    method: str
    args: dict
    done_if: frozenset[str] = frozenset()


class Skip(Exception):
    """Nothing to send after all; the message says why (it is recorded on the job)."""


class NotYet(Exception):
    """Not sendable yet (e.g. an update of a post still on its way); try again in `seconds`."""

    def __init__(self, reason: str, seconds: float = 1.0):
        super().__init__(reason)
        self.seconds = seconds


# Renders a job at send time from the current state of the store, so what is sent is never stale.
Renderer = Callable[[Session, Job, datetime], Outgoing | Call]


@dataclass(frozen=True)
class Work:
    """One kind of work: how it is rendered at send time, and what to record in the store (in the
    same transaction that marks the job) once Slack took it (`sent`: channel, ts) or refused it for
    good (`failed`: Slack's error)."""

    render: Renderer
    sent: Callable[[Session, Job, str | None, str | None], None] | None = None
    failed: Callable[[Session, Job, str], None] | None = None


@dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    dropped: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0

    def add(self, other: "Outcome") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.dropped + self.failed + self.retried


class Ticks(Protocol):
    """A monotonic clock and a way to wait on it: the `time` module, or a test's own."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class Pacer:
    """Spaces posts to one workspace so a fan-out doesn't trip Slack's limits in the first place."""

    def __init__(self, per_second: float, *, ticks: Ticks = time):
        self._ticks = ticks
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, team_id: str) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._ticks.monotonic()
            slot = max(now, self._next.get(team_id, now))
            self._next[team_id] = slot + self._interval
        if slot > now:
            self._ticks.sleep(slot - now)


class UpdateSpacing:
    """Updates of one message at most once per `interval` (chat.update is Tier 3), in this process."""

    def __init__(self, interval: float, *, ticks: Ticks = time):
        self.interval = interval
        self._ticks = ticks
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def remembered(self) -> int:
        """How many messages it remembers."""
        with self._lock:
            return len(self._last)

    def wait_for(self, message: tuple[str, str]) -> float:
        """Seconds until this message may be updated again; 0 reserves the slot now."""
        with self._lock:
            now = self._ticks.monotonic()
            left = self._last.get(message, float("-inf")) + self.interval - now
            if left > 0:
                return left
            if len(self._last) > 10_000:
                self._last = {key: at for key, at in self._last.items() if at + self.interval > now}
            self._last[message] = now
            return 0.0

    def sent(self, message: tuple[str, str]) -> None:
        """Count the interval from the moment Slack answered: the reserved moment came before the
        pacer's wait and the request's flight, so a slot counted from it could come short."""
        with self._lock:
            self._last[message] = self._ticks.monotonic()


@runtime_checkable
class Workspaces(Protocol):
    """The Web API client of each workspace (slackapp.installs.tenants)."""

    def client_for(self, team_id: str | None) -> WebClient | None: ...


class _OneClient:
    def __init__(self, client: WebClient):
        self._client = client

    def client_for(self, team_id: str | None) -> WebClient:
        return self._client


class Dispatcher:
    """Claims due jobs and delivers them. Safe to run in many processes over one store."""

    def __init__(
        self,
        store: Store,
        client: WebClient | Workspaces,
        *,
        renderers: dict[str, Renderer | Work],
        worker: str,
        senders: int = 4,
        per_second: float = 20.0,
        update_every: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        ticks: Ticks = time,
    ):
        self.store = store
        # Each job is sent with the token of its own workspace (one token in single-workspace mode).
        self.tenants = client if isinstance(client, Workspaces) else _OneClient(client)
        self.kinds = {kind: work if isinstance(work, Work) else Work(render=work) for kind, work in renderers.items()}
        self.worker = worker
        self.clock = clock
        self._ticks = ticks
        self._pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix=f"send-{worker}")
        self._pacer = Pacer(per_second, ticks=ticks)
        self._spacing = UpdateSpacing(update_every, ticks=ticks)
        # Slack's 429 applies to the whole workspace; until then its work waits in the queue.
        self._paused: dict[str, datetime] = {}
        self._senders = senders
        self._stopping = threading.Event()

    def run_due(
        self,
        now: datetime | None = None,
        *,
        team_id: str | None = None,
        max_batches: int | None = None,
        budget_seconds: float | None = None,
    ) -> Outcome:
        """Deliver what is due at `now`, batch after batch, until nothing is left (or a limit is hit).

        `team_id` drains one workspace only."""
        total = Outcome()
        started = self._ticks.monotonic()
        batches = 0
        while (max_batches is None or batches < max_batches) and not self._stopping.is_set():
            moment = now or self.clock()
            with self.store.write() as session:
                jobs = queue.claim(session, worker=self.worker, now=moment, limit=self._senders * 5, team_id=team_id)
            if not jobs:
                break
            batches += 1
            for outcome in self._pool.map(lambda job: self.deliver(job, moment), jobs):
                total.add(outcome)
            if budget_seconds is not None and self._ticks.monotonic() - started > budget_seconds:
                break
        return total

    def deliver(self, job: Job, now: datetime) -> Outcome:
        try:
            with logs.team(job.team_id):
                return self._deliver(job, now)
        except Exception:  # one bad job must not stop the fan-out; it is recorded and retried
            log.exception("job %s (%s) failed unexpectedly", job.id, job.kind)  # pragma: no mutate
            return self._backoff(job, now, "internal error; see the app log")

    def _deliver(self, job: Job, now: datetime) -> Outcome:
        if now > job.expires_at:
            late = now - job.due_at
            self._finish(job, JobStatus.dropped, now, f"stale: due {job.due_at:%Y-%m-%d %H:%M} UTC, could only be sent {_human(late)} later")
            return Outcome(dropped=1)
        client = self.tenants.client_for(job.team_id)
        if client is None:
            self._finish(job, JobStatus.cancelled, now, NOT_INSTALLED)
            return Outcome(skipped=1)
        work = self.kinds.get(job.kind)
        if work is None:
            self._finish(job, JobStatus.failed, now, f"no renderer for kind {job.kind!r}")
            return Outcome(failed=1)
        try:
            with self.store.read() as session:
                outgoing = work.render(session, job, now)
        except Skip as skip:
            self._finish(job, JobStatus.skipped, now, str(skip))
            return Outcome(skipped=1)
        except NotYet as wait:
            self._retry(job, now + timedelta(seconds=wait.seconds), str(wait))
            return Outcome(retried=1)
        paused_until = self._paused.get(job.team_id)
        if paused_until and paused_until > now:
            self._retry(job, paused_until, "waiting out Slack's rate limit")
            return Outcome(retried=1)
        if isinstance(outgoing, Outgoing) and outgoing.update_ts:
            wait = self._spacing.wait_for((outgoing.channel, outgoing.update_ts)) or self._updated_elsewhere(job, now)
            if wait:
                self._retry(job, now + timedelta(seconds=wait), "the message was updated less than a second ago")
                return Outcome(retried=1)
        self._pacer.wait(job.team_id)
        # Another process may have been told to wait (its 429) since this batch was claimed.
        with self.store.read() as session:
            paused_until = queue.paused_until(session, team_id=job.team_id)
        if paused_until and paused_until > max(now, self.clock()):
            self._paused[job.team_id] = max(paused_until, self._paused.get(job.team_id, paused_until))
            self._retry(job, paused_until, "waiting out Slack's rate limit")
            return Outcome(retried=1)
        sending = self._ticks.monotonic()
        try:
            channel, ts = self._send(client, outgoing)
        except SlackApiError as exc:
            if isinstance(outgoing, Call) and exc.response.get("error") in outgoing.done_if:
                channel, ts = None, None
            else:
                return self._refused(job, now, exc)
        except (OSError, TimeoutError) as exc:
            return self._backoff(job, now, f"could not reach Slack: {exc.__class__.__name__}")
        # Recorded as sent when Slack answered (in the clock `now` is on): other processes space
        # their updates of the same message from then.
        sent_at = now + timedelta(seconds=self._ticks.monotonic() - sending)
        self._finish(job, JobStatus.sent, sent_at, None, channel=channel, ts=ts)
        observe_sent(job.kind, job.due_at, self.clock())
        return Outcome(sent=1)

    def _updated_elsewhere(self, job: Job, now: datetime) -> float:
        """Seconds to wait because another process updated (or is updating) the same message
        within the interval: this process's own updates are spaced by UpdateSpacing."""
        with self.store.read() as session:
            last = queue.last_alike(session, job, other_than=self.worker, until=now)
        return max(0.0, (last - now).total_seconds() + self._spacing.interval) if last is not None else 0.0

    def _send(self, client: WebClient, outgoing: Outgoing | Call) -> tuple[str | None, str | None]:
        if isinstance(outgoing, Outgoing) and outgoing.update_ts:
            try:
                return self._send_now(client, outgoing)
            finally:
                self._spacing.sent((outgoing.channel, outgoing.update_ts))
        return self._send_now(client, outgoing)

    def _send_now(self, client: WebClient, outgoing: Outgoing | Call) -> tuple[str | None, str | None]:
        if isinstance(outgoing, Call):
            client.api_call(outgoing.method, json=outgoing.args)
            return outgoing.args.get("channel"), outgoing.args.get("ts") or outgoing.args.get("timestamp")
        if outgoing.update_ts:
            response = client.chat_update(channel=outgoing.channel, ts=outgoing.update_ts, text=outgoing.text, blocks=outgoing.blocks)
            return response.get("channel"), response.get("ts")
        message = dict(channel=outgoing.channel, text=outgoing.text, blocks=outgoing.blocks, thread_ts=outgoing.thread_ts, unfurl_links=False)
        try:
            response = client.chat_postMessage(**message)
        except SlackApiError as exc:
            if not (outgoing.join and exc.response.get("error") == "not_in_channel"):
                raise
            # A public channel can be joined by the bot itself; a private one needs an invitation,
            # and the reason recorded stays "not_in_channel".
            try:
                client.conversations_join(channel=outgoing.channel)
            except SlackApiError as refused:
                if refused.response.status_code == 429 or refused.response.status_code >= 500:
                    raise
                raise exc from None
            response = client.chat_postMessage(**message)
        return response.get("channel"), response.get("ts")

    def _refused(self, job: Job, now: datetime, exc: SlackApiError) -> Outcome:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if status == 429 or error == "ratelimited":
            wait = retry_after(exc.response.headers)
            # Counted from Slack's answer, which may come a while after the batch's `now`.
            until = max(now, self.clock()) + timedelta(seconds=wait)
            self._paused[job.team_id] = max(until, self._paused.get(job.team_id, until))
            self._retry(job, until, f"rate limited by Slack; retrying after {wait}s", pause_team=True)
            return Outcome(retried=1, rate_limited=1)
        if status >= 500 or error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
            return self._backoff(job, now, f"Slack error {status} {error or ''}".strip())
        # A permanent error, or one we don't know: retrying won't change Slack's answer.
        self._finish(job, JobStatus.failed, now, f"Slack refused it: {error or status}", error=error or str(status))
        return Outcome(failed=1)

    def _backoff(self, job: Job, now: datetime, reason: str) -> Outcome:
        if job.attempts >= MAX_ATTEMPTS:
            self._finish(job, JobStatus.failed, now, f"{reason} (gave up after {job.attempts} attempts)", error="unreachable")
            return Outcome(failed=1)
        self._retry(job, now + backoff(job.attempts), f"{reason}; attempt {job.attempts} of {MAX_ATTEMPTS}")
        return Outcome(retried=1)

    def _finish(
        self, job: Job, status: JobStatus, now: datetime, reason: str | None, *, channel: str | None = None, ts: str | None = None, error: str | None = None
    ) -> None:
        work = self.kinds.get(job.kind)
        with self.store.write() as session:
            if not queue.finish(session, job_id=job.id, worker=self.worker, status=status, now=now, reason=reason, channel=channel, ts=ts):
                log.warning("job %s was no longer ours when it finished (%s)", job.id, status.value)  # pragma: no mutate
                return
            if status == JobStatus.sent and work and work.sent:
                work.sent(session, job, channel, ts)
            elif status == JobStatus.failed and work and work.failed:
                work.failed(session, job, error or "failed")

    def _retry(self, job: Job, at: datetime, reason: str, *, pause_team: bool = False) -> None:
        with self.store.write() as session:
            queue.retry_later(session, job_id=job.id, worker=self.worker, at=at, reason=reason)
            if pause_team:
                queue.pause_team(session, team_id=job.team_id, until=at)

    def stop(self) -> None:
        """Finish the batch in hand (each claimed job gets sent and recorded), then claim no more."""
        self._stopping.set()

    def shutdown(self) -> None:
        self.stop()
        self._pool.shutdown(wait=True)


def backoff(failed_tries: int, spread: Callable[[], float] = lambda: random.uniform(-1.0, 1.0)) -> timedelta:
    """How long to wait after the `failed_tries`-th failed try; `spread()` in [-1, 1] places the
    wait within its jitter."""
    nominal = QUICK_RETRY if failed_tries <= 1 else BACKOFF_BASE * 2 ** (failed_tries - 2)
    return min(nominal * (1 + JITTER * spread()), BACKOFF_CAP)


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours >= 1 else f"{int(delta.total_seconds() // 60)} min"
