"""Alert DMs for 1,000 members: every due DM sent once, instant ones within a minute of their lead,
daily ones at 09:00 in each member's own zone, Slack's 429s waited out.

    .venv/bin/python -m bench.alert_delivery [--members 1000] [--leads 100] [--minutes 2] [--database-url URL]

1. The real app (`slackapp run --http`, default settings) and the fake Slack, which answers 429
   (Retry-After: 1) to a share of chat.postMessage calls (`--limited`, 2 %).
2. 1,000 members in 7 time zones each press Alert me under a search (signed block_actions, as
   Slack sends them); every other member then switches theirs to instant. Each searches one of 50
   words; each lead's role has one of them, so a lead matches 10 instant and 10 daily members.
3. 100 leads are shared through the lead form (signed view_submission) over `--minutes` of real
   time (within the hour of the issue; shorter, so the run takes a few minutes). The app's own
   clock matches them and sends the instant DMs: the delay of each (member, lead) is from the
   lead's stored created_at to the DM's arrival at the fake.
4. The app stops; the daily DMs (due at each member's next 09:00, hours away in real time) are
   sent by a scheduler of the same code in this process, on a played clock: it jumps to a second
   before each 09:00 and then runs at real speed, pacing and waiting out 429s as the app does.
   A daily DM's deviation is its arrival at the fake, in played time, minus 09:00 of the member's
   zone (computed here, apart from the app). Daily DMs that fell due while the app ran are
   measured in real time.

Checks: every (member, lead) the store matched arrives exactly once, in exactly one DM per job
sent, and no job is left unsent; instant delay p99 <= 60 s; daily deviation within +-60 s; no
chat.postMessage reached the fake while a 429's Retry-After was running, beyond a grace of 0.3 s
for calls already on their way when the 429 was answered (reported apart). Exit 1 when a check fails.
SQLite in a temporary folder by default; with --database-url, a scratch database on that server."""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import func, select

from bench import common
from slackapp.alerts import ids as alert_ids
from slackapp.alerts import jobs as alert_jobs
from slackapp.alerts.models import AlertMatch
from slackapp.app import job_renderers
from slackapp.db import Store, skip_ahead, utcnow
from slackapp.leads import ids as lead_ids
from slackapp.leads.models import Lead
from slackapp.sandbox import payloads
from slackapp.sandbox.slackhttp import SlackClient
from slackapp.scheduler.dispatch import Dispatcher
from slackapp.scheduler.models import Job
from tests.helpers import lead_values

TEAM = common.TEAM_ID
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney")
WORDS = 50
GRACE = 0.3
# The monotonic clock of this process (the fake's Call.at) in wall-clock seconds.
WALL = time.time() - time.monotonic()


def word(number: int) -> str:
    return f"skill{number % WORDS:02d}"


def create_alerts(slack: SlackClient, fake: common.LimitedSlack, members: list[str]) -> None:
    """Alert me under `/internships skillNN`, then (every other member) Switch to instant."""

    def one(index_member):
        index, member = index_member
        url = fake.response_url(f"a{index}")
        reply = slack.interact(payloads.block_actions(alert_ids.CREATE, word(index), user_id=member, team_id=TEAM, channel_id=common.CHANNEL_ID, response_url=url))
        assert reply.status == 200, reply.text
        if index % 2 == 0:
            answer = fake.wait_for("response_url", count=1, timeout=30, predicate=lambda call: call.tag == f"a{index}")[-1].args
            [switch] = [b for b in _buttons(answer["blocks"]) if b["action_id"] == alert_ids.DELIVERY]
            reply = slack.interact(payloads.block_actions(alert_ids.DELIVERY, switch["value"], user_id=member, team_id=TEAM, channel_id=common.CHANNEL_ID,
                                                          response_url=fake.response_url(f"s{index}"), block_id=f"alert_saved_{switch['value'].split(':')[0]}"))
            assert reply.status == 200, reply.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, enumerate(members)))


def _buttons(blocks):
    found = []
    for block in blocks or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found.append(element)
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def share_leads(slack: SlackClient, posters: list[str], count: int, seconds: float) -> None:
    started = time.monotonic()
    for number in range(count):
        wait = started + seconds * number / count - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        values = lead_values(company=f"Company {number:03d}", role=f"{word(number)} intern", url=f"https://bench.example/alerts/{number}", remote=number % 3 == 0)
        body = payloads.view_submission(lead_ids.FORM, values, user_id=posters[number % len(posters)], team_id=TEAM,
                                        private_metadata=json.dumps({"lead_id": None, "channel": common.CHANNEL_ID}))
        reply = slack.interact(body)
        assert reply.status == 200 and reply.body == b"", reply.text


def unfinished(store: Store, kinds: tuple[str, ...], due_by: datetime | None = None) -> int:
    with store.read() as session:
        statement = select(func.count()).select_from(Job).where(Job.team_id == TEAM, Job.kind.in_(kinds), Job.status.in_(("pending", "claimed")))
        if due_by is not None:
            statement = statement.where(Job.due_at <= due_by)
        return session.scalar(statement)


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def play_daily(store: Store, fake: common.LimitedSlack) -> list[tuple[float, float]]:
    """Send the daily DMs at their moments on a played clock; the (from monotonic, offset seconds)
    steps of the played clock."""
    dispatcher = Dispatcher(store, WebClient(token=common.BOT_TOKEN, base_url=fake.url), renderers=job_renderers(), worker="bench-daily", per_second=20)
    steps = [(time.monotonic(), 0.0)]
    with store.read() as session:
        moments = sorted(set(session.scalars(select(Job.due_at).where(Job.team_id == TEAM, Job.kind == alert_jobs.DAILY, Job.status == "pending"))))
    try:
        for due in moments:
            ahead = due - timedelta(seconds=1) - utcnow()
            if ahead > timedelta(0):
                offset = skip_ahead(ahead)
                steps.append((time.monotonic(), offset.total_seconds()))
            deadline = time.monotonic() + 300
            while unfinished(store, (alert_jobs.DAILY,), due_by=due) and time.monotonic() < deadline:
                dispatcher.run_due(team_id=TEAM)
                time.sleep(0.05)
    finally:
        dispatcher.shutdown()
    return steps


def played(at: float, steps: list[tuple[float, float]]) -> datetime:
    offset = [offset for since, offset in steps if since <= at][-1] if steps else 0.0
    return datetime.fromtimestamp(at + WALL + offset, UTC)


def percentile(values: list[float], share: float) -> float:
    return common.percentile(values, share) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=2.0, help="real minutes over which the leads are shared")
    parser.add_argument("--limited", type=float, default=0.02, help="share of chat.postMessage answered 429")
    parser.add_argument("--workers", type=int, help="the app's HTTP worker processes, each with its own scheduler (default: the app's own default)")
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as scratch:
        workdir = Path(scratch)
        database = store = None
        fake = common.LimitedSlack(args.limited, seed=11).start()
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
            store = Store.from_url(database.url)
            return run(args, store, fake, database.url, workdir)
        finally:
            if store is not None:
                store.dispose()
            if database is not None:
                database.drop()
            fake.stop()


def run(args, store: Store, fake: common.LimitedSlack, url: str, workdir: Path) -> int:
    rng = random.Random(5)
    members = [f"UAL{number:05d}" for number in range(args.members)]
    zone_of = {member: ZONES[rng.randrange(len(ZONES))] for member in members}
    posters = [f"UPOST{number:02d}" for number in range(5)]
    for member in members:
        fake.add_user(member, team_id=TEAM, tz=zone_of[member])
    for poster in posters:
        fake.add_user(poster, team_id=TEAM, tz="America/New_York")
    fake.add_channel(common.CHANNEL_ID, name="internships")
    server = common.start_app(url, fake, workdir / "app", **({"SLACKAPP_HTTP_WORKERS": str(args.workers)} if args.workers else {}))
    try:
        slack = SlackClient(server.url, common.SECRET)
        began = time.monotonic()
        create_alerts(slack, fake, members)
        print(f"store: {store.dialect}; {len(members)} members in {len(ZONES)} zones made their alerts in {time.monotonic() - began:.1f} s "
              f"(half instant, half daily); the fake answers 429 to {args.limited:.0%} of chat.postMessage")
        began = time.monotonic()
        share_leads(slack, posters, args.leads, args.minutes * 60)
        print(f"{args.leads} leads shared through the form over {time.monotonic() - began:.0f} s")
        with store.read() as session:
            lead_ids_all = list(session.scalars(select(Lead.id).where(Lead.team_id == TEAM)))
        wait_for(lambda: _all_matched(store), 120, "every lead to be matched")
        wait_for(lambda: not unfinished(store, (alert_jobs.INSTANT,), due_by=utcnow()), 300, "the instant DMs")
        wait_for(lambda: not unfinished(store, (alert_jobs.DAILY,), due_by=utcnow()), 300, "daily DMs due while the app ran")
        problems = common.log_problems(server)
    finally:
        server.stop()
    real_end = time.monotonic()
    steps = play_daily(store, fake)
    return report(args, store, fake, members, zone_of, lead_ids_all, steps, real_end, problems)


def _all_matched(store: Store) -> bool:
    with store.read() as session:
        return not session.scalar(select(func.count()).select_from(Lead).where(Lead.team_id == TEAM, Lead.alerts_matched_at.is_(None)))


def report(args, store, fake, members, zone_of, lead_ids_all, steps, real_end, problems) -> int:
    member_set = set(members)
    with store.read() as session:
        created = dict(session.execute(select(Lead.id, Lead.created_at).where(Lead.team_id == TEAM)).all())
        matches = session.execute(select(AlertMatch.user_id, AlertMatch.item_id, AlertMatch.job_key).where(AlertMatch.team_id == TEAM)).all()
        alert_job_rows = session.execute(
            select(Job.key, Job.kind, Job.status, Job.due_at).where(Job.team_id == TEAM, Job.kind.in_((alert_jobs.INSTANT, alert_jobs.DAILY)))
        ).all()
    kind_of_key = {key: kind for key, kind, _, _ in alert_job_rows}
    due_of_key = {key: due for key, _, _, due in alert_job_rows}
    statuses = collections.Counter((kind, status) for _, kind, status, _ in alert_job_rows)
    dms = [call for call in fake.calls_to("chat.postMessage") if not call.failed and call.args.get("channel") in member_set]
    delivered = collections.Counter()
    first_arrival: dict[tuple[str, int], float] = {}
    for call in dms:
        for button in _buttons(call.args.get("blocks") or []):
            if button["action_id"] == alert_ids.SAVE:
                pair = (call.args["channel"], json.loads(button["value"])["i"])
                delivered[pair] += 1
                first_arrival.setdefault(pair, call.at)
    expected = {(user, item) for user, item, _ in matches}
    key_of = {(user, item): key for user, item, key in matches}
    twice = sum(1 for count in delivered.values() if count > 1)
    missing = expected - set(delivered)
    stray = set(delivered) - expected
    sent_jobs = sum(count for (kind, status), count in statuses.items() if status == "sent")
    left = sum(count for (kind, status), count in statuses.items() if status in ("pending", "claimed"))

    instant_delays, daily_deviation, real_daily = [], [], 0
    for pair, at in first_arrival.items():
        key = key_of.get(pair)
        if kind_of_key.get(key) == alert_jobs.INSTANT:
            instant_delays.append(at + WALL - created[pair[1]].timestamp())
        elif kind_of_key.get(key) == alert_jobs.DAILY:
            moment = played(at, steps) if at > real_end else datetime.fromtimestamp(at + WALL, UTC)
            real_daily += at <= real_end
            local = due_of_key[key].astimezone(ZoneInfo(zone_of[pair[0]]))
            nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
            assert local == nine, f"a daily DM was due at {local}, not 09:00 in {zone_of[pair[0]]}"
            daily_deviation.append((moment - nine).total_seconds())

    limited = sorted(fake.limited_at)
    posts = sorted(call.at for call in fake.calls_to("chat.postMessage") if call.status != 429)
    inside = [(post - start, post <= real_end) for start in limited for post in posts if start < post < start + 1.0]
    in_flight = [gap for gap, _ in inside if gap <= GRACE]
    violations = [gap for gap, _ in inside if gap > GRACE]
    by_app = sum(1 for gap, in_app in inside if gap > GRACE and in_app)

    print(f"matches stored: {len(expected)} (member, lead) pairs over {len(lead_ids_all)} leads; alert DM jobs: {dict(statuses)}")
    print(f"alert DMs at the fake: {len(dms)} (jobs sent: {sent_jobs}); pairs delivered: {len(delivered)}; twice: {twice}; missing: {len(missing)}; not matched but sent: {len(stray)}")
    print(f"instant: {len(instant_delays)} pairs, delay after the lead was shared p50 {percentile(instant_delays, 50):.1f} s, "
          f"p99 {percentile(instant_delays, 99):.1f} s, max {max(instant_delays, default=float('nan')):.1f} s")
    worst = max((abs(value) for value in daily_deviation), default=float("nan"))
    print(f"daily: {len(daily_deviation)} pairs ({real_daily} in real time, the rest on the played clock), "
          f"arrival minus 09:00 local: min {min(daily_deviation, default=float('nan')):+.1f} s, max {max(daily_deviation, default=float('nan')):+.1f} s")
    print(f"429s: {len(limited)}; chat.postMessage calls arriving within a Retry-After: {len(in_flight)} in flight (<= {GRACE} s after the 429), "
          f"{len(violations)} later (max {max(violations, default=0):.2f} s; {by_app} while the app's {args.workers or 'default number of'} worker(s) sent, "
          f"{len(violations) - by_app} from the one played scheduler)")
    print(f"app log: {problems[0]} error line(s)")
    targets = [
        ("every due alert DM sent exactly once (no pair twice, none missing, one DM per sent job, none left)",
         not twice and not missing and not stray and len(dms) == sent_jobs and not left),
        ("instant DMs within 60 s of their lead (p99)", bool(instant_delays) and percentile(instant_delays, 99) <= 60),
        ("daily DMs at 09:00 +-1 minute in each member's zone", bool(daily_deviation) and worst <= 60),
        ("429s respected: no post to the workspace while Retry-After ran (beyond calls already in flight)", not violations),
    ]
    for name, held in targets:
        print(f"{'PASS' if held else 'FAIL'}  {name}")
    return 0 if all(held for _, held in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
