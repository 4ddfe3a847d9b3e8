"""Do slow Web API calls hold up other members' commands?

    .venv/bin/python -m bench.slow_web_api [--database-url postgresql://…]

The fake Slack answers views.open only after 5 s. Five `/internships post` commands go first, all
at once (each opens the form with views.open after its ack); 0.3 s later twenty `/internships`
list commands go, all at once. Slack gives up on an ack after 3 s, so all twenty should be
acked well within that, and the five views.open calls must still reach the fake.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import common
from slackapp.db import Store

SLACK_ACK_LIMIT_S = 3.0


def _concurrently(server_url: str, bodies: list[bytes], results: list, timeout: float) -> list[threading.Thread]:
    def send(index: int, body: bytes) -> None:
        results[index] = common.post_once(server_url, body, timeout=timeout)

    threads = [threading.Thread(target=send, args=(n, body), daemon=True) for n, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    return threads


def _ok_list(answer) -> bool:
    _, status, body = answer
    if status != 200 or not isinstance(body, bytes):
        return False
    try:
        return bool(json.loads(body).get("blocks"))
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.slow_web_api", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--lists", type=int, default=20)
    parser.add_argument("--delay", type=float, default=5.0, help="seconds the fake takes to answer views.open")
    parser.add_argument("--leads", type=int, default=1_000)
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-slow-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
        try:
            store = Store.from_url(database.url)
            try:
                common.bulk_load_leads(store, args.leads)
            finally:
                store.dispose()
            app = common.start_app(database.url, fake, workdir)
            try:
                # Warm the app (first request imports and connects) before the clock matters.
                common.post_once(app.url, common.slash_body("", response_url=fake.response_url("warm")))
                fake.reset()
                fake.set_delay("views.open", args.delay)

                posts: list = [None] * args.posts
                post_bodies = [common.slash_body("post", user_id=f"UPOSTER{n:04d}", response_url=fake.response_url(f"post{n}"))
                               for n in range(args.posts)]
                list_bodies = [common.slash_body("", user_id=f"ULISTER{n:04d}", response_url=fake.response_url(f"list{n}"))
                               for n in range(args.lists)]
                started = time.perf_counter()
                started_mono = time.monotonic()
                post_threads = _concurrently(app.url, post_bodies, posts, timeout=args.delay + 10)
                time.sleep(0.3)
                lists: list = [None] * args.lists
                list_threads = _concurrently(app.url, list_bodies, lists, timeout=args.delay + 10)
                for thread in post_threads + list_threads:
                    thread.join(timeout=args.delay + 15)
                lists_done = time.perf_counter() - started

                # views.open is recorded by the fake when it arrives (before the delay), and the app's
                # listener threads stay busy until the fake answers, args.delay seconds later.
                try:
                    opened = fake.wait_for("views.open", count=args.posts, timeout=args.delay + 5)
                except AssertionError:
                    opened = fake.calls_to("views.open")
                arrived_after = [call.at - started_mono for call in opened]
                answered_ok = [call for call in opened if not call.failed]
                time.sleep(max(0.0, args.delay + 0.5 - (time.perf_counter() - started)))
                failures = [line for line in app.log().splitlines() if "views.open failed" in line or "Traceback" in line]
            finally:
                app.stop()
        finally:
            fake.stop()
            database.drop()

    post_acks = [answer[0] for answer in posts if answer and answer[1] == 200]
    good = [answer for answer in lists if answer and _ok_list(answer)]
    within = [answer for answer in good if answer[0] <= SLACK_ACK_LIMIT_S]
    latencies = [answer[0] for answer in lists if answer]
    print(f"views.open delayed by {args.delay:.0f}s; {args.posts} /internships post sent together, then after 0.3s {args.lists} /internships together")
    print(f"post acks: {len(post_acks)}/{args.posts} answered 200, max {max(post_acks, default=float('nan')) * 1000:.1f} ms")
    s = common.summary(latencies)
    print(f"list acks: {len(within)}/{args.lists} acked with a lead list within {SLACK_ACK_LIMIT_S:.0f}s; "
          f"p50 {s['p50'] * 1000:.1f} ms, max {s['max'] * 1000:.1f} ms (all {args.lists} answered after {lists_done:.2f}s)")
    bad = [answer for answer in lists if not (answer and _ok_list(answer))]
    if bad:
        print(f"  bad answers: {[(a[1], a[2][:80] if a else None) for a in bad][:3]}")
    first, last = (min(arrived_after), max(arrived_after)) if arrived_after else (float("nan"), float("nan"))
    print(f"views.open calls at the fake: {len(opened)}/{args.posts}, arrived {first * 1000:.0f}–{last * 1000:.0f} ms after the posts were sent, "
          f"{len(answered_ok)} answered ok by the fake (held {args.delay:.0f}s); errors in the app log once they were answered: {len(failures)}")
    for line in failures[:3]:
        print(f"  {line[:160]}")
    holds = len(within) == args.lists and len(answered_ok) == args.posts and len(post_acks) == args.posts and not failures
    print(f"all list commands acked within {SLACK_ACK_LIMIT_S:.0f}s and every views.open sent: {'HOLDS' if holds else 'MISSED'}")
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
