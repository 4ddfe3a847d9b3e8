"""reaction_added storm: how fast the app acks RSVP reactions, against the plain peer (and bare
Bolt), in interleaved rounds.

    .venv/bin/python -m bench.reaction_ack [--database-url postgresql://…] [--clients 50]
        [--rounds 5] [--seconds 4] [--members 2000] [--workers N] [--peer-threads 32] [--no-bare]

The app gets real RSVP reactions (white_check_mark / thinking_face / x, added by `--members`
members in turn, each new reaction changing that member's answer) on the RSVP message of a real
upcoming event, created the way the app creates one (slackapp.events.service, as bench.rsvp_storm
does). bench.plain_peer (what a club developer would write: Bolt's WSGI adapter, SQLAlchemy, a
session per request, 1 worker x 32 threads) gets the same requests and merges one row per member
and message with one commit, over a store of its own; bench.bare_app gets them too and does nothing
(Bolt acks events itself). The servers run side by side; only one is driven at a time, app, peer,
bare, app, …, `--clients` closed-loop clients for `--seconds` a turn, and each turn starts only
once the app and the peer have stored every reaction they acked (the peer stores after its ack, in
Bolt's listener threads) and all servers are idle, so no one's work after the ack lands in
another's turn.

Targets (issue 18, the same on SQLite and PostgreSQL), over all rounds: app ack p99 <= 1.1 x peer
p99, app acks/s >= 0.9 x peer acks/s. Also checked: every request answered 200, every reaction the
app acked stored, and the peer's table holding each member's latest answer. The RSVP processing
rate (events stored per second after a storm) is bench.rsvp_storm's. Exit status 0 when all hold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select

from bench import common, plain_peer
from slackapp.db import Store, upgrade
from slackapp.events.models import EMOJI

TEAM = "TBENCHREACT"
CHANNEL = "CBENCHREACT"
POST_TS = "1800000000.000100"
EMOJIS = list(EMOJI)
CATCH_UP_STALL_S = 20.0  # give up waiting for the app's stored reactions after this long without progress

# Targets per store (issue 18 sets the same for both): the app against the plain peer.
P99_RATIO_MAX = {"sqlite": 1.1, "postgresql": 1.1}
ACKS_RATIO_MIN = {"sqlite": 0.9, "postgresql": 0.9}


def emoji_of(index: int, members: int) -> str:
    """Request `index` is member index % members reacting; each reaction changes that member's answer."""
    member, turn = index % members, index // members
    return EMOJIS[(member + turn) % len(EMOJIS)]


def expected_answers(sent: int, members: int) -> dict[str, str]:
    """Each member's latest answer after requests 0..sent-1 (each member's requests are `members` apart)."""
    expected = {}
    for member in range(min(sent, members)):
        last = member + (sent - 1 - member) // members * members
        expected[f"UR{member:08d}"] = plain_peer.ANSWERS[emoji_of(last, members)]
    return expected


def peer_answers(engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(select(plain_peer.Rsvp.user_id, plain_peer.Rsvp.answer).where(
            plain_peer.Rsvp.team_id == TEAM, plain_peer.Rsvp.channel_id == CHANNEL, plain_peer.Rsvp.message_ts == POST_TS))
        return dict(rows.all())


def wait_for(progress, done, stall: float = CATCH_UP_STALL_S) -> float:
    """Poll `progress()` every 0.1 s until `done(value)`, or until it stops moving for `stall` s; the seconds waited."""
    started = last_move = time.monotonic()
    last = None
    while True:
        value = progress()
        if value != last:
            last, last_move = value, time.monotonic()
        if done(value) or time.monotonic() - last_move > stall:
            return time.monotonic() - started
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.reaction_ack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create the app's and the peer's scratch databases on (default: SQLite files in a temp folder)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds each server is driven in each round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured warm-up per server")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--workers", type=int, help="the app's gunicorn workers, also the bare app's (default: the app's default); the peer has 1")
    parser.add_argument("--peer-threads", type=int, default=32, help="threads of the peer's one worker")
    parser.add_argument("--bare-threads", type=int, help="threads per bare worker (default: the app's default)")
    parser.add_argument("--no-bare", action="store_true", help="leave bare Bolt out (app and peer only)")
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    app_workers, app_threads = common.app_server_defaults()
    catch_up: dict[str, list[float]] = {"app": [], "peer": []}
    acked_by_app = [0]
    stored = [0]
    peer_sent = [0]
    peer_right = [0, 0]  # members whose latest answer the peer holds, members expected
    print(f"app at {common.app_revision()}; load average before the run: {common.load_average():.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-react-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        databases: list[common.Database] = []
        store = None
        peer_engine = None
        servers: list[common.Server] = []
        try:
            url = args.database_url and common.sqlalchemy_url(args.database_url)
            for name in ("app", "peer"):
                (workdir / name).mkdir()
                databases.append(common.prepare_database(url, workdir / name))
            app_db, peer_db = databases
            kind = common.store_kind(app_db.url)
            store = Store.from_url(app_db.url)
            upgrade(store.engine)
            event_id = common.create_rsvp_event(store, team_id=TEAM, channel=CHANNEL, post_ts=POST_TS)
            print(f"store: {kind}; app {common.redact(app_db.url)} (event {event_id}, RSVP message {CHANNEL}/{POST_TS}), "
                  f"peer {common.redact(peer_db.url)}")

            app_env = {} if args.workers is None else {"SLACKAPP_HTTP_WORKERS": str(args.workers)}
            app = common.start_app(app_db.url, fake, workdir / "app", **app_env)
            servers.append(app)
            peer = common.start_plain_peer(peer_db.url, fake, workdir / "peer", workers=1, threads=args.peer_threads)
            servers.append(peer)
            peer_engine = create_engine(peer_db.url)
            if not args.no_bare:
                bare = common.start_bare_app(fake, workdir, workers=args.workers or app_workers, threads=args.bare_threads or app_threads)
                servers.append(bare)
            print(f"app:  slackapp, gunicorn gthread, {common.serving_shape(app)} (its defaults: {app_workers} x {app_threads})")
            print(f"peer: bench.plain_peer, gunicorn gthread, {common.serving_shape(peer)}, merges a row per reaction (after Bolt's ack)")
            if not args.no_bare:
                print(f"bare: bench.bare_app, gunicorn gthread, {common.serving_shape(bare)}, reaction listener does nothing")
            print(f"load: {args.clients} concurrent clients (closed loop, keep-alive), {args.rounds} interleaved rounds of "
                  f"{args.seconds:g}s per server after {args.warmup:g}s of warm-up each; reaction_added from {args.members} members")

            def make(index: int) -> tuple[str, bytes]:
                member = index % args.members
                return "reaction", common.reaction_body(
                    "reaction_added", user=f"UR{member:08d}", emoji=emoji_of(index, args.members), event_id=f"EvR{index:010d}",
                    event_ts=f"{1_800_000_100 + index // 1_000_000}.{index % 1_000_000:06d}",
                    team_id=TEAM, channel=CHANNEL, item_ts=POST_TS)

            def app_caught_up(run: common.LoadResult) -> str:
                """Wait until the app has stored every reaction it acked so far."""
                acked_by_app[0] += len(run.ok)

                def progress() -> int:
                    stored[0] = common.stored_actions(store, event_id)
                    return stored[0]

                waited = wait_for(progress, lambda count: count >= acked_by_app[0])
                catch_up["app"].append(waited)
                return f"stored {stored[0]}/{acked_by_app[0]} acked, {waited:.1f}s after the turn"

            def peer_caught_up(run: common.LoadResult) -> str:
                """Wait until the peer's table holds each member's latest answer (it stores after the ack)."""
                peer_sent[0] += len(run.samples)
                expected = expected_answers(peer_sent[0], args.members)

                def progress() -> int:
                    held = peer_answers(peer_engine)
                    peer_right[:] = [sum(1 for user, answer in expected.items() if held.get(user) == answer), len(expected)]
                    return peer_right[0]

                waited = wait_for(progress, lambda right: right >= len(expected))
                catch_up["peer"].append(waited)
                return f"latest answer held for {peer_right[0]}/{peer_right[1]} members, {waited:.1f}s after the turn"

            contenders = [
                common.Contender("app", app, make, after_round=app_caught_up),
                common.Contender("peer", peer, make, after_round=peer_caught_up),
            ]
            if not args.no_bare:
                contenders.append(common.Contender("bare", bare, make))
            common.interleave(contenders, rounds=args.rounds, seconds=args.seconds, clients=args.clients,
                              warmup_seconds=args.warmup, show_load=True)
            errors_in_log = {server.name: common.log_problems(server) for server in servers}
        finally:
            for server in reversed(servers):
                server.stop()
            fake.stop()
            if store is not None:
                store.dispose()
            if peer_engine is not None:
                peer_engine.dispose()
            for database in databases:
                database.drop()

    print()
    figures = common.print_overall(contenders)
    app_f, peer_f = figures["app"], figures["peer"]

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    p99_ratio, acks_ratio = ratio(app_f["p99"], peer_f["p99"]), ratio(app_f["ok_throughput"], peer_f["ok_throughput"])
    p99s, rates = common.per_round_ratios(contenders[0], contenders[1], right_only=True)
    print()
    print("(percentiles over right answers; ratios of throughput count right answers per second)")
    for name, figure in figures.items():
        if figure["errors"]:
            print(f"note: {name} answered {figure['errors']} of {figure['requests']} requests wrongly; its figures leave them out")
    print(f"p99 ratio app/peer:    {p99_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in p99s)})")
    print(f"acks/s ratio app/peer: {acks_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in rates)})")
    if "bare" in figures:
        bare_f = figures["bare"]
        print(f"app/bare:  p99 {ratio(app_f['p99'], bare_f['p99']):.2f}, acks/s {ratio(app_f['ok_throughput'], bare_f['ok_throughput']):.2f}")
        print(f"peer/bare: p99 {ratio(peer_f['p99'], bare_f['p99']):.2f}, acks/s {ratio(peer_f['ok_throughput'], bare_f['ok_throughput']):.2f}")
    for number, name in enumerate(("app", "peer")):
        pooled = contenders[number].pooled()
        kept_in = pooled.wall + sum(catch_up[name][1:])  # measured turns and their catch-up (not the warm-up's)
        print(f"{name}: {len(pooled.ok)} reactions acked in {pooled.wall:.1f}s of turns, all stored {sum(catch_up[name][1:]):.1f}s "
              f"after them in total: {len(pooled.ok) / kept_in:.0f} stored/s over turns + catch-up")
    for name in ("app", "peer"):
        print(f"{name} stored every reaction it acked within {max(catch_up[name], default=float('nan')):.1f}s of its turn's end (worst turn); "
              f"error lines in its log: {errors_in_log[name][0]}")
        for line in errors_in_log[name][1]:
            print(f"  {line}")
    print()
    print(f"targets for {kind}:")
    errors = {name: figures[name]["errors"] for name in figures}
    code = common.verdict(
        [
            common.Target("reaction_added ack p99, app / peer", p99_ratio, P99_RATIO_MAX[kind], at_most=True, unit="x"),
            common.Target("reaction_added acks/s, app / peer", acks_ratio, ACKS_RATIO_MIN[kind], at_most=False, unit="x"),
        ],
        [
            (f"every request answered 200 ({', '.join(f'{n} {name} errors' for name, n in errors.items())})", not any(errors.values())),
            (f"every reaction the app acked is stored ({stored[0]}/{acked_by_app[0]})", stored[0] >= acked_by_app[0] > 0),
            (f"the peer holds each member's latest answer ({peer_right[0]}/{peer_right[1]})", peer_right[0] >= peer_right[1] > 0),
        ],
    )
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
