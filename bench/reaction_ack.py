"""reaction_added storm: how fast the app acks RSVP reactions, against bare Bolt, in interleaved rounds.

    .venv/bin/python -m bench.reaction_ack [--database-url postgresql://…] [--clients 50]
        [--rounds 5] [--seconds 4] [--members 2000] [--workers N] [--bare-threads N]

The app gets real RSVP reactions (white_check_mark / thinking_face / x, added by `--members`
members in turn, each new reaction changing that member's answer) on the RSVP message of a real
upcoming event, created the way the app creates one (slackapp.events.service, as bench.rsvp_storm
does). bench.bare_app gets the same requests; its reaction_added listener does nothing (Bolt acks
events itself). Both servers run side by side; only one is driven at a time, app, bare, app, …,
`--clients` closed-loop clients for `--seconds` a turn, and each turn starts only once the app has
stored every reaction it acked and both servers are idle (so the app's work after the ack never
lands in the bare app's turn).

Targets (issue "As fast as bare Bolt", the same on SQLite and PostgreSQL), over all rounds:
app ack p99 <= 1.3 x bare p99, app acks/s >= 0.8 x bare acks/s. Also checked: every request
answered 200 and every reaction the app acked stored. The RSVP processing rate (events stored per
second after a storm) is bench.rsvp_storm's. Exit status 0 when all hold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import common
from slackapp.db import Store, upgrade
from slackapp.events.models import EMOJI

TEAM = "TBENCHREACT"
CHANNEL = "CBENCHREACT"
POST_TS = "1800000000.000100"
EMOJIS = list(EMOJI)
CATCH_UP_STALL_S = 20.0  # give up waiting for the app's stored reactions after this long without progress

# Targets per store (the issue sets the same for both).
P99_RATIO_MAX = {"sqlite": 1.3, "postgresql": 1.3}
ACKS_RATIO_MIN = {"sqlite": 0.8, "postgresql": 0.8}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.reaction_ack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds each server is driven in each round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured warm-up per server")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers (default: the app's default)")
    parser.add_argument("--bare-threads", type=int, help="threads per bare worker (default: the app's default)")
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    app_workers, app_threads = common.app_server_defaults()
    catch_up: list[float] = []
    acked_by_app = [0]
    stored = [0]
    with tempfile.TemporaryDirectory(prefix="bench-react-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = None
        store = None
        servers: list[common.Server] = []
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
            kind = common.store_kind(database.url)
            store = Store.from_url(database.url)
            upgrade(store.engine)
            event_id = common.create_rsvp_event(store, team_id=TEAM, channel=CHANNEL, post_ts=POST_TS)
            print(f"store: {kind} ({common.redact(database.url)}); event {event_id}, RSVP message {CHANNEL}/{POST_TS}")

            app_env = {} if args.workers is None else {"SLACKAPP_HTTP_WORKERS": str(args.workers)}
            app = common.start_app(database.url, fake, workdir, **app_env)
            servers.append(app)
            bare = common.start_bare_app(fake, workdir, workers=args.workers or app_workers, threads=args.bare_threads or app_threads)
            servers.append(bare)
            print(f"app:  slackapp, gunicorn gthread, {common.serving_shape(app)} (its defaults: {app_workers} x {app_threads})")
            print(f"bare: bench.bare_app, gunicorn gthread, {common.serving_shape(bare)}, reaction listener does nothing")
            print(f"load: {args.clients} concurrent clients (closed loop, keep-alive), {args.rounds} interleaved rounds of "
                  f"{args.seconds:g}s per server after {args.warmup:g}s of warm-up each; reaction_added from {args.members} members")

            def make(index: int) -> tuple[str, bytes]:
                member, turn = index % args.members, index // args.members
                # Each member's next reaction is a different answer than their last.
                emoji = EMOJIS[(member + turn) % len(EMOJIS)]
                return "reaction", common.reaction_body(
                    "reaction_added", user=f"UR{member:08d}", emoji=emoji, event_id=f"EvR{index:010d}",
                    event_ts=f"{1_800_000_100 + index // 1_000_000}.{index % 1_000_000:06d}",
                    team_id=TEAM, channel=CHANNEL, item_ts=POST_TS)

            def app_caught_up(run: common.LoadResult) -> str:
                """Wait until the app has stored every reaction it acked so far."""
                acked_by_app[0] += len(run.ok)
                started = last_progress = time.monotonic()
                while True:
                    count = common.stored_actions(store, event_id)
                    if count > stored[0]:
                        stored[0], last_progress = count, time.monotonic()
                    if count >= acked_by_app[0] or time.monotonic() - last_progress > CATCH_UP_STALL_S:
                        break
                    time.sleep(0.1)
                waited = time.monotonic() - started
                catch_up.append(waited)
                return f"stored {stored[0]}/{acked_by_app[0]} acked, {waited:.1f}s after the turn"

            contenders = [
                common.Contender("app", app, make, after_round=app_caught_up),
                common.Contender("bare", bare, make),
            ]
            common.interleave(contenders, rounds=args.rounds, seconds=args.seconds, clients=args.clients, warmup_seconds=args.warmup)
            errors_in_log = [line for line in app.log().splitlines() if "Traceback" in line or " ERROR " in line]
        finally:
            for server in reversed(servers):
                server.stop()
            fake.stop()
            if store is not None:
                store.dispose()
            if database is not None:
                database.drop()

    print()
    figures = common.print_overall(contenders)
    app_f, bare_f = figures["app"], figures["bare"]
    p99_ratio = app_f["p99"] / bare_f["p99"]
    acks_ratio = app_f["throughput"] / bare_f["throughput"] if bare_f["throughput"] else float("nan")
    p99s, rates = common.per_round_ratios(contenders[0], contenders[1])
    print()
    print(f"p99 ratio app/bare:    {p99_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in p99s)})")
    print(f"acks/s ratio app/bare: {acks_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in rates)})")
    print(f"app stored every acked reaction within {max(catch_up, default=float('nan')):.1f}s of its turn's end (worst turn); "
          f"errors in the app log: {len(errors_in_log)}")
    for line in errors_in_log[:3]:
        print(f"  {line[:160]}")
    print()
    print(f"targets for {kind}:")
    code = common.verdict(
        [
            common.Target("reaction_added ack p99, app / bare", p99_ratio, P99_RATIO_MAX[kind], at_most=True, unit="x"),
            common.Target("reaction_added acks/s, app / bare", acks_ratio, ACKS_RATIO_MIN[kind], at_most=False, unit="x"),
        ],
        [
            (f"every request answered 200 ({app_f['errors']} app errors, {bare_f['errors']} bare errors)", not app_f["errors"] and not bare_f["errors"]),
            (f"every reaction the app acked is stored ({stored[0]}/{acked_by_app[0]})", stored[0] >= acked_by_app[0] > 0),
        ],
    )
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
