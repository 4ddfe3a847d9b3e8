"""RSVP storm: 2,000 reaction events from 1,000 members, 10 % of them retried, 50 in flight.

    /tmp/venv/bin/python -m bench.rsvp_storm [--database-url URL] [--members 1000] [--in-flight 50]

Each member reacts twice (add an emoji, then add another or remove the first), with Slack's own
event_ts giving the true order; deliveries are shuffled, so many arrive out of order, and a tenth
are delivered again with the same event_id and X-Slack-Retry-Num. Prints events per second, ack
p50/p99/max, the final counts against the truth (from replaying each member's actions in order),
and how many chat.update calls reached the announcement and how close together.

Targets: at least 300 events/s on SQLite, every ack under 3 s, exact counts, at most one
chat.update per second per announcement."""

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
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench import common
from slackapp.db import Store, upgrade, utcnow
from slackapp.events import service
from slackapp.events.models import EMOJI, Rsvp, RsvpAction
from tests.slackhttp import sign

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
    return json.dumps(
        {
            "token": "bench",
            "team_id": TEAM,
            "api_app_id": "ABENCH",
            "type": "event_callback",
            "event_id": action["id"],
            "event_time": int(float(action["ts"])),
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            "event": {
                "type": action["type"],
                "user": action["user"],
                "reaction": action["emoji"],
                "item": {"type": "message", "channel": CHANNEL, "ts": post_ts},
                "item_user": "UBOT",
                "event_ts": action["ts"],
            },
        }
    ).encode()


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
            ts = int(time.time())
            headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign(common.SECRET, ts, body)}
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
        thread.join(timeout=600)
    return latencies, errors, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--retried", type=float, default=0.10)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-rsvp-"))
    database = common.prepare_database(args.database_url, workdir)
    store = Store.from_url(common.sqlalchemy_url(database.url))
    upgrade(store.engine)
    fake = common.start_fake()
    server = common.start_app(database.url, fake, workdir)
    try:
        post_ts = "1800000000.000001"
        with store.write() as session:
            draft = service.EventDraft("Meet the Firm Night", None, utcnow() + timedelta(days=3), utcnow() + timedelta(days=3, hours=2), "Gampel Pavilion", None, None, CHANNEL)
            event = service.create_event(session, team_id=TEAM, user_id="UOFFICER", is_officer=True, draft=draft)
            service.record_posts(session, team_id=TEAM, event_id=event.id, channel=CHANNEL, rsvp_ts=post_ts, post_ts=post_ts)
            event_id = event.id

        actions, truth = plan_actions(args.members, args.seed)
        rng = random.Random(args.seed)
        deliveries = [(payload(action, post_ts), None) for action in actions]
        retries = [(body, 1) for body, _ in rng.sample(deliveries, int(len(deliveries) * args.retried))]
        deliveries += retries
        rng.shuffle(deliveries)

        started_at = utcnow()
        latencies, errors, wall = storm(server.url, deliveries, args.in_flight)
        # Wait for the app to finish the work it does after acking, and for the last update.
        deadline = time.monotonic() + 120
        settled_at = None
        while time.monotonic() < deadline:
            with store.read() as session:
                seats = Counter(dict(session.execute(select(Rsvp.seat, func.count()).where(Rsvp.event_id == event_id).group_by(Rsvp.seat)).all()))
            updates = [call for call in fake.calls_to("chat.update") if call.args.get("ts") == post_ts]
            done = all(seats.get(answer, 0) == count for answer, count in truth.items() if answer != "none")
            if done and updates and time.monotonic() - updates[-1].at > 2.5:
                settled_at = updates[-1].at
                break
            time.sleep(0.2)
        with store.read() as session:
            last_recorded = session.scalar(select(func.max(RsvpAction.received_at)).where(RsvpAction.event_id == event_id))
        processed = (last_recorded - started_at).total_seconds()
        updates = [call for call in fake.calls_to("chat.update") if call.args.get("ts") == post_ts]
        gaps = [later.at - earlier.at for earlier, later in zip(updates, updates[1:])]
        last_text = json.dumps(updates[-1].args.get("blocks")) if updates else ""
        shown = f"{truth['going']} going* \\u00b7 {truth['maybe']} maybe" in last_text or f"{truth['going']} going* · {truth['maybe']} maybe" in last_text

        print(f"store: {store.dialect}; {len(actions)} reaction events from {args.members} members + {len(retries)} retried deliveries, {args.in_flight} in flight")
        print(f"throughput: {len(deliveries) / wall:.0f} deliveries/s ({len(actions) / wall:.0f} distinct events/s) over {wall:.1f} s; errors: {len(errors)}")
        print(f"processed (acked and recorded): all {len(actions)} events in {processed:.1f} s = {len(actions) / processed:.0f} events/s")
        summary = common.summary(latencies)
        print(f"ack latency ms: p50 {summary['p50'] * 1000:.1f} · p99 {summary['p99'] * 1000:.1f} · max {summary['max'] * 1000:.1f} (under 3 s: {sum(l < 3 for l in latencies)}/{len(latencies)})")
        print(f"final seats: {dict(seats)}; truth: {dict(truth)} -> {'exact' if settled_at and all(seats.get(a, 0) == c for a, c in truth.items() if a != 'none') else 'NOT exact'}")
        print(f"announcement shows the true counts: {shown}")
        print(f"chat.update calls for the announcement: {len(updates)}; closest two: {min(gaps):.2f} s apart" if gaps else f"chat.update calls: {len(updates)}")
        ok = len(actions) / processed >= 300 and not errors and max(latencies) < 3 and settled_at and shown and (not gaps or min(gaps) >= 0.95)
        return 0 if ok else 1
    finally:
        server.stop()
        fake.stop()
        store.dispose()
        database.drop()


if __name__ == "__main__":
    sys.exit(main())
