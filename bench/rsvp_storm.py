"""RSVP storm: 2,000 reaction events from 1,000 members, 10 % of them retried, 50 in flight.

    .venv/bin/python -m bench.rsvp_storm [--database-url URL] [--members 1000] [--in-flight 50]

Each member reacts twice (add an emoji, then add another or remove the first), with Slack's own
event_ts giving the true order; deliveries are shuffled, so many arrive out of order, and a tenth
are delivered again with the same event_id and X-Slack-Retry-Num. Prints events per second, ack
p50/p99/max, the final counts against the truth (from replaying each member's actions in order),
and how many chat.update calls reached the announcement and how close together.

"Processed" is from the first delivery to the last answer stored (RsvpAction.received_at).
Targets, judged for the store the run used: RSVP processing at least 300 events/s (SQLite and
PostgreSQL alike), every ack under 3 s, exact counts shown on the announcement, at most one
chat.update per second per announcement. Exit status 0 when all hold."""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bench import common
from slackapp.db import Store, upgrade, utcnow
from slackapp.events import service
from slackapp.events.models import EMOJI, Rsvp, RsvpAction

TEAM = "TBENCHRSVP"
CHANNEL = "CBENCHRSVP"
EMOJIS = list(EMOJI)


def plan_actions(members: int, seed: int) -> tuple[list[dict], Counter]:
    """Two actions per member in time order, and the answers they add up to."""
    rng = random.Random(seed)
    events, truth = [], Counter()
    base = 1_800_000_000
    for number in range(members):
        user = f"U{number:08d}"
        first = rng.choice(EMOJIS)
        if rng.random() < 0.3:
            second = ("reaction_removed", first)
        else:
            second = ("reaction_added", rng.choice(EMOJIS))
        actions = [("reaction_added", first), second]
        for step, (kind, emoji) in enumerate(actions):
            events.append({"user": user, "type": kind, "emoji": emoji, "ts": f"{base + number}.{step:06d}", "id": f"Ev{number:08d}{step}"})
        answer = service.replay([(("add" if kind == "reaction_added" else "remove") + ":" + EMOJI[emoji].value, f"{step}") for step, (kind, emoji) in enumerate(actions)])
        truth[answer.value] += 1
    return events, truth


def payload(action: dict, post_ts: str) -> bytes:
    return common.reaction_body(action["type"], user=action["user"], emoji=action["emoji"], event_id=action["id"],
                                event_ts=action["ts"], team_id=TEAM, channel=CHANNEL, item_ts=post_ts)


def storm(url: str, deliveries: list[tuple[bytes, int | None]], in_flight: int) -> tuple[list[float], list[str], float]:
    port = int(url.rsplit(":", 1)[1])
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(deliveries))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                body, retry = queue.pop()
            headers = common.signed_headers(body)
            if retry is not None:
                headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors.append(f"HTTP {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(in_flight)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return latencies, errors, time.perf_counter() - began


PROCESSED_MIN = {"sqlite": 300, "postgresql": 300}  # events stored per second, per store
ACK_MAX_S = 3.0  # Slack gives up on an ack after 3 s
UPDATE_GAP_MIN_S = 0.95  # at most one chat.update per second per announcement (timer slack allowed)
STALL_S = 20.0  # stop waiting for the app when nothing new was stored for this long


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.rsvp_storm", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--retried", type=float, default=0.10)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-rsvp-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = store = server = None
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
            kind = common.store_kind(database.url)
            store = Store.from_url(database.url)
            upgrade(store.engine)
            post_ts = "1800000000.000001"
            event_id = common.create_rsvp_event(store, team_id=TEAM, channel=CHANNEL, post_ts=post_ts)
            server = common.start_app(database.url, fake, workdir)
            return run(args, kind, store, server, fake, event_id, post_ts, overall)
        finally:
            if server is not None:
                server.stop()
            fake.stop()
            if store is not None:
                store.dispose()
            if database is not None:
                database.drop()


def run(args, kind: str, store: Store, server: common.Server, fake, event_id: int, post_ts: str, overall: float) -> int:
    actions, truth = plan_actions(args.members, args.seed)
    rng = random.Random(args.seed)
    deliveries = [(payload(action, post_ts), None) for action in actions]
    retries = [(body, 1) for body, _ in rng.sample(deliveries, int(len(deliveries) * args.retried))]
    deliveries += retries
    rng.shuffle(deliveries)
    print(f"store: {kind}; {len(actions)} reaction events from {args.members} members + {len(retries)} retried deliveries, {args.in_flight} in flight")

    started_at = utcnow()
    latencies, errors, wall = storm(server.url, deliveries, args.in_flight)
    print(f"storm: {len(deliveries)} deliveries acked in {wall:.1f} s ({len(deliveries) / wall:.0f} deliveries/s); errors: {len(errors)}"
          + (f" ({Counter(errors).most_common(3)})" if errors else ""))

    # Wait for the app to store every answer, and for the last update of the announcement.
    settled_at = None
    seats: Counter = Counter()
    last_change, last_seen = time.monotonic(), None
    while True:
        with store.read() as session:
            seats = Counter(dict(session.execute(select(Rsvp.seat, func.count()).where(Rsvp.event_id == event_id).group_by(Rsvp.seat)).all()))
            recorded = session.scalar(select(func.count()).select_from(RsvpAction).where(RsvpAction.event_id == event_id))
        updates = [call for call in fake.calls_to("chat.update") if call.args.get("ts") == post_ts]
        seen = (recorded, tuple(sorted(seats.items())), len(updates))
        if seen != last_seen:
            last_change, last_seen = time.monotonic(), seen
        done = all(seats.get(answer, 0) == count for answer, count in truth.items() if answer != "none")
        if done and updates and time.monotonic() - updates[-1].at > 2.5:
            settled_at = updates[-1].at
            break
        if time.monotonic() - last_change > STALL_S:
            break
        time.sleep(0.2)
    with store.read() as session:
        last_recorded = session.scalar(select(func.max(RsvpAction.received_at)).where(RsvpAction.event_id == event_id))
    processed = (last_recorded - started_at).total_seconds() if last_recorded else float("nan")
    rate = len(actions) / processed if recorded == len(actions) and processed > 0 else float("nan")
    updates = [call for call in fake.calls_to("chat.update") if call.args.get("ts") == post_ts]
    gaps = [later.at - earlier.at for earlier, later in zip(updates, updates[1:])]
    last_text = json.dumps(updates[-1].args.get("blocks")) if updates else ""
    shown = f"{truth['going']} going* \\u00b7 {truth['maybe']} maybe" in last_text or f"{truth['going']} going* · {truth['maybe']} maybe" in last_text
    exact = settled_at is not None and all(seats.get(a, 0) == c for a, c in truth.items() if a != "none")

    if recorded == len(actions):
        print(f"processed (acked and stored): all {len(actions)} events in {processed:.1f} s = {rate:.0f} events/s")
    else:
        print(f"processed: only {recorded} of {len(actions)} events stored (nothing new for {STALL_S:.0f} s)")
    s = common.summary(latencies)
    print(f"ack latency ms: p50 {s['p50'] * 1000:.1f} · p99 {s['p99'] * 1000:.1f} · max {s['max'] * 1000:.1f} "
          f"(under {ACK_MAX_S:.0f} s: {sum(latency < ACK_MAX_S for latency in latencies)}/{len(deliveries)})")
    print(f"final seats: {dict(seats)}; truth: {dict(truth)} -> {'exact' if exact else 'NOT exact'}")
    print(f"announcement shows the true counts: {shown}")
    print(f"chat.update calls for the announcement: {len(updates)}" + (f"; closest two {min(gaps):.2f} s apart" if gaps else ""))
    errors_in_log = [line for line in server.log().splitlines() if "Traceback" in line or " ERROR " in line]
    print(f"errors in the app log: {len(errors_in_log)}")
    for line in errors_in_log[:3]:
        print(f"  {line[:160]}")
    print()
    print(f"targets for {kind}:")
    code = common.verdict(
        [common.Target("RSVP processing, events stored per second", rate, PROCESSED_MIN[kind], at_most=False, unit="/s"),
         common.Target("slowest ack", s["max"] if len(latencies) == len(deliveries) else float("nan"), ACK_MAX_S, at_most=True, unit=" s")],
        [(f"every delivery answered 200 ({len(errors)} errors)", not errors),
         ("counts exact and shown on the announcement", exact and shown),
         (f"chat.update at most once a second (closest two {min(gaps, default=float('nan')):.2f} s apart)", bool(updates) and (not gaps or min(gaps) >= UPDATE_GAP_MIN_S))],
    )
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
