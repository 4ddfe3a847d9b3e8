"""One install, many workspaces: 50 workspaces installed through the OAuth flow, 200 members each,
all busy in the same minute: slash commands, reactions, and a reminder DM to every member due at
the same moment. Prints throughput and, per workspace, the p99 of command and reaction answers and
of how late its reminders went out; checks every reminder went out once, with its own token.

    .venv/bin/python -m bench.multi_workspace [--workspaces 50] [--members 200] [--commands 20]
        [--reactions 40] [--workers 2] [--database-url postgresql://…]

SQLite in a temporary folder by default (one app process: SQLite has one writer); with
--database-url, a scratch PostgreSQL database (dropped afterwards) and --workers processes.
Exit status 1 when a reminder was sent twice, not at all, or with another workspace's token."""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from bench import common
from slackapp.db import Store, utcnow
from slackapp.scheduler import queue
from slackapp.sandbox import payloads
from tests.helpers import install

REMINDER = "reminder for "


def _setup(args, fake, workdir: Path):
    database = common.prepare_database(args.database_url, workdir)
    env = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "bench", "SLACKAPP_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    workers = args.workers if common.store_kind(database.url) == "postgresql" else 1
    app = common.start_app(database.url, fake, workdir, SLACKAPP_HTTP_WORKERS=str(workers), **env)
    teams = [f"TMW{index:05d}" for index in range(args.workspaces)]
    members, tokens = {}, {}
    for team in teams:
        tokens[team] = install(app.url, fake, team)
        members[team] = [f"U{team[1:]}{index:04d}" for index in range(args.members)]
        for member in members[team]:
            fake.add_user(member, team_id=team)
    return database, app, teams, members, tokens, workers


def _plan_reminders(store: Store, members: dict[str, list[str]], in_seconds: float) -> float:
    """A DM to every member, all due at one moment; that moment on time.monotonic()'s clock."""
    due = utcnow() + timedelta(seconds=in_seconds)
    with store.write() as session:
        for team, people in members.items():
            for member in people:
                queue.plan(session, team_id=team, kind="dm", key=f"dm:bench:{member}", target=member, due_at=due, expires_at=due + timedelta(hours=1),
                           payload={"text": REMINDER + member})
    return time.monotonic() + (due - utcnow()).total_seconds()


def _load(app_url: str, teams, members, args) -> dict[str, common.LoadResult]:
    def command(index: int):
        team = teams[index % len(teams)]
        return team, common.slash_body(team_id=team, user_id=members[team][index % args.members], channel_id="C" + team[1:])

    def reaction(index: int):
        team = teams[index % len(teams)]
        return team, common.reaction_body("reaction_added", user=members[team][index % args.members], emoji="thumbsup", event_id=f"Ev{team}{index}",
                                          event_ts=payloads.new_ts(), team_id=team, channel="C" + team[1:], item_ts=payloads.new_ts())

    results: dict[str, common.LoadResult] = {}
    runs = {"commands": (command, len(teams) * args.commands), "reactions": (reaction, len(teams) * args.reactions)}
    threads = [threading.Thread(target=lambda name=name, make=make, total=total: results.__setitem__(name, common.drive(app_url, make, total=total, clients=8, time_limit=300)))
               for name, (make, total) in runs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _reminders(fake, members, deadline: float):
    wanted = sum(len(people) for people in members.values())
    while time.monotonic() < deadline:
        sent = [call for call in fake.calls_to("chat.postMessage") if str(call.args.get("text", "")).startswith(REMINDER) and not call.failed]
        if len(sent) >= wanted:
            break
        time.sleep(0.5)
    return [call for call in fake.calls_to("chat.postMessage") if str(call.args.get("text", "")).startswith(REMINDER) and not call.failed]


def _report(teams, members, tokens, load, sent, due_at: float, fake) -> int:
    team_of = {member: team for team, people in members.items() for member in people}
    lag = collections.defaultdict(list)
    for call in sent:
        lag[team_of[call.args["channel"]]].append(max(0.0, call.at - due_at))
    for name, result in load.items():
        print(f"{name}: {len(result.samples)} in {result.wall:.1f} s = {result.throughput:.0f}/s, errors {len(result.errors)}, "
              f"p99 {common.ms(common.percentile(result.latencies(), 99))}")
    spread = max(call.at for call in sent) - due_at if sent else float("nan")
    print(f"reminders: {len(sent)} sent, the last {spread:.1f} s after they fell due = {len(sent) / spread if spread > 0 else 0:.0f}/s")
    print(f"{'workspace':<11} {'command p99':>12} {'reaction p99':>13} {'reminder p99 late':>18}")
    for team in teams:
        print(f"{team:<11} {common.ms(common.percentile(load['commands'].latencies(team), 99)):>12} "
              f"{common.ms(common.percentile(load['reactions'].latencies(team), 99)):>13} {common.percentile(lag[team], 99):>17.1f}s")
    counts = collections.Counter(call.args["channel"] for call in sent)
    twice = [member for member, count in counts.items() if count > 1]
    missing = [member for member in team_of if member not in counts]
    foreign = [call for call in sent if call.token != tokens[team_of[call.args["channel"]]]] + fake.token_mismatches
    print(f"sent twice: {len(twice)}, never sent: {len(missing)}, with another workspace's token: {len(foreign)}")
    return 1 if twice or missing or foreign else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--commands", type=int, default=20, help="slash commands per workspace")
    parser.add_argument("--reactions", type=int, default=40, help="reactions per workspace")
    parser.add_argument("--workers", type=int, default=2, help="app processes (PostgreSQL only)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    fake = common.start_fake()
    with tempfile.TemporaryDirectory(prefix="bench-multi-") as scratch:
        database, app, teams, members, tokens, workers = _setup(args, fake, Path(scratch))
        store = Store.from_url(common.sqlalchemy_url(database.url))
        try:
            print(f"{len(teams)} workspaces x {args.members} members, {workers} app process(es), {common.store_kind(database.url)}")
            due_at = _plan_reminders(store, members, in_seconds=5)
            load = _load(app.url, teams, members, args)
            sent = _reminders(fake, members, deadline=due_at + 600)
            return _report(teams, members, tokens, load, sent, due_at, fake)
        finally:
            store.dispose()
            app.stop()
            database.drop()
            fake.stop()


if __name__ == "__main__":
    sys.exit(main())
