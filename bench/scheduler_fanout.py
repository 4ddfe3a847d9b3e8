"""5,000 due DMs while the fake Slack answers 429 (Retry-After: 1) to 10% of chat.postMessage calls.

Two scheduler workers (as two app processes would be) share one store and drain the queue.
Prints: elapsed time, the floor the injected limits allow, duplicate sends and lost items.

    .venv/bin/python -m bench.scheduler_fanout [--jobs 5000] [--database-url URL] [--workers 2]

SQLite in a temporary folder by default; with --database-url, a scratch database on that server
(dropped at the end). Exit status 1 when a DM was sent twice or not at all.

The floor: after a 429 the workspace must stay quiet for Retry-After seconds, so each distinct
rate-limit window costs at least one second, plus the time the fake needs to take 5,000 posts
when nothing is limited (measured in the same run)."""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import func, select

from bench import common
from slackapp.db import Store, upgrade, utcnow
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Dispatcher, Outgoing
from slackapp.scheduler.models import Job

TEAM = "TBENCHFANOUT"


def render(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text=f"Your weekly check-in ({job.key})")


def plan(store: Store, count: int, prefix: str) -> None:
    now = utcnow()
    with store.write() as session:
        for number in range(count):
            user = f"U{prefix}{number:06d}"
            queue.plan(
                session,
                team_id=TEAM,
                kind="bench",
                key=f"bench:{prefix}:{user}",
                target=user,
                due_at=now - timedelta(seconds=1),
                expires_at=now + timedelta(hours=1),
            )


def drain(store: Store, fake: common.LimitedSlack, workers: int, total: int) -> float:
    dispatchers = [
        Dispatcher(store, WebClient(token="xoxb-bench", base_url=fake.url), renderers={"bench": render}, worker=f"w{n}", senders=4, per_second=0)
        for n in range(workers)
    ]
    started = time.monotonic()

    def run(dispatcher: Dispatcher) -> None:
        # A real clock, as in the app: each worker keeps claiming until nothing is due, then
        # checks again shortly, as the scheduler's tick would, until every job has ended.
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            dispatcher.run_due()
            with store.read() as session:
                left = session.scalar(select(func.count()).select_from(Job).where(Job.team_id == TEAM, Job.status.in_(("pending", "claimed"))))
            if not left:
                return
            time.sleep(0.05)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, dispatchers))
    elapsed = time.monotonic() - started
    for dispatcher in dispatchers:
        dispatcher.shutdown()
    return elapsed


def windows(moments: list[float], length: float = 1.0) -> int:
    """How many separate Retry-After windows the 429s opened (overlapping ones share a window)."""
    count, until = 0, float("-inf")
    for moment in sorted(moments):
        if moment >= until:
            count += 1
            until = moment + length
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--share", type=float, default=0.10)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as scratch:
        database = store = None
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), Path(scratch))
            store = Store.from_url(database.url)
            upgrade(store.engine)
            return run(args, store)
        finally:
            if store is not None:
                store.dispose()
            if database is not None:
                database.drop()


def run(args, store: Store) -> int:
    # Unlimited baseline: how fast the fake and the store take the same fan-out.
    with common.LimitedSlack(share=0.0) as fake:
        plan(store, args.jobs, "base")
        baseline = drain(store, fake, args.workers, args.jobs)
    with store.write() as session:
        session.execute(Job.__table__.delete().where(Job.team_id == TEAM))

    with common.LimitedSlack(share=args.share) as fake:
        plan(store, args.jobs, "run")
        elapsed = drain(store, fake, args.workers, args.jobs)
        delivered = collections.Counter(
            call.args["channel"] for call in fake.calls_to("chat.postMessage") if not call.failed
        )
        limited = len(fake.limited_at)
        pause_windows = windows(fake.limited_at)
    with store.read() as session:
        statuses = dict(session.execute(select(Job.status, func.count()).where(Job.team_id == TEAM).group_by(Job.status)).all())
    expected = {f"Urun{number:06d}" for number in range(args.jobs)}
    duplicates = sum(count - 1 for count in delivered.values() if count > 1)
    lost = len(expected - set(delivered))
    floor = pause_windows * 1.0 + baseline
    print(f"store: {store.dialect}, {args.workers} scheduler workers x 4 senders, {args.jobs} due DMs")
    print(f"unlimited baseline: {baseline:.1f} s ({args.jobs / baseline:.0f} DMs/s)")
    print(f"429 answers: {limited} ({limited / max(1, limited + sum(delivered.values())):.1%} of calls), in {pause_windows} separate 1 s windows")
    print(f"elapsed with limits: {elapsed:.1f} s; floor the limits allow: {floor:.1f} s ({elapsed / floor:.2f}x the floor)")
    print(f"delivered: {len(delivered)} of {args.jobs}; duplicates: {duplicates}; lost: {lost}; job statuses: {statuses}")
    return 0 if not duplicates and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
