"""`/internships` ack latency and throughput: the app against bare Bolt, in interleaved rounds.

    .venv/bin/python -m bench.ack_latency [--database-url postgresql://…] [--leads 200]
        [--clients 32] [--rounds 5] [--seconds 4] [--workers N] [--bare-threads N]

Both servers run side by side (the app with its default settings, bench.bare_app with the same
gunicorn gthread configuration: workers and threads default to the app's own defaults) but only
one is driven at a time: app, bare, app, bare, … for `--rounds` rounds of `--seconds` each, each
turn starting only once both servers are idle. `--clients` closed-loop clients with keep-alive
connections send signed `/internships` commands (no words: the first page of the open leads).

Former targets (issue "As fast as bare Bolt", the same on SQLite and PostgreSQL), over all rounds:
app p99 <= 1.5 x bare p99, and app req/s >= 0.5 x bare req/s; exit status 0 when both hold. Since
issue 18 this loop (50 members, the same plain list again and again) is no longer a target: the
`/internships` targets are bench.club_traffic's, against bench.plain_peer.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import common
from slackapp.db import Store

USERS = [f"UMEMBER{n:04d}" for n in range(50)]

# Targets per store (the issue sets the same for both).
P99_RATIO_MAX = {"sqlite": 1.5, "postgresql": 1.5}
THROUGHPUT_RATIO_MIN = {"sqlite": 0.5, "postgresql": 0.5}


def _check_app(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    # A full first page shows ten leads, each with its link; counted in the bytes, because the
    # driver shares the cores with the servers and parsing every answer would slow the app's turns.
    if body[:1] == b"{" and body.count(b".example.com/careers/") >= 10:
        return None
    try:
        blocks = json.loads(body).get("blocks") or []
    except (ValueError, AttributeError):
        return f"not JSON: {body[:80]!r}"
    sections = sum(1 for block in blocks if isinstance(block, dict) and block.get("type") == "section")
    # A full first page: ten leads, each a section (and each showing its link).
    if sections >= 10 or body.count(b".example.com/careers/") >= 10:
        return None
    return f"short list ({len(blocks)} blocks): {body[:120]!r}"


def _check_bare(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    return None if b"static reply" in body else f"unexpected body {body[:80]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.ack_latency", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds each server is driven in each round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured warm-up per server")
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers (default: the app's default)")
    parser.add_argument("--bare-threads", type=int, help="threads per bare worker (default: the app's default)")
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    app_workers, app_threads = common.app_server_defaults()
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = None
        servers: list[common.Server] = []
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
            kind = common.store_kind(database.url)
            store = Store.from_url(database.url)
            try:
                load_s = common.bulk_load_leads(store, args.leads)
            finally:
                store.dispose()
            print(f"store: {kind} ({common.redact(database.url)}), {args.leads} leads loaded in {load_s:.1f}s")

            app_env = {} if args.workers is None else {"SLACKAPP_HTTP_WORKERS": str(args.workers)}
            app = common.start_app(database.url, fake, workdir, **app_env)
            servers.append(app)
            bare = common.start_bare_app(fake, workdir, workers=args.workers or app_workers, threads=args.bare_threads or app_threads)
            servers.append(bare)
            print(f"app:  slackapp, gunicorn gthread, {common.serving_shape(app)} (its defaults: {app_workers} x {app_threads})")
            print(f"bare: bench.bare_app, gunicorn gthread, {common.serving_shape(bare)}")
            print(f"load: {args.clients} concurrent clients (closed loop, keep-alive), {args.rounds} interleaved rounds of "
                  f"{args.seconds:g}s per server after {args.warmup:g}s of warm-up each")

            def make(index: int) -> tuple[str, bytes]:
                return "list", common.slash_body("", user_id=USERS[index % len(USERS)], response_url=fake.response_url(f"ack{index}"))

            contenders = [
                common.Contender("app", app, make, _check_app),
                common.Contender("bare", bare, make, _check_bare),
            ]
            common.interleave(contenders, rounds=args.rounds, seconds=args.seconds, clients=args.clients, warmup_seconds=args.warmup)
        finally:
            for server in reversed(servers):
                server.stop()
            fake.stop()
            if database is not None:
                database.drop()

    print()
    figures = common.print_overall(contenders)
    app_f, bare_f = figures["app"], figures["bare"]
    p99_ratio = app_f["p99"] / bare_f["p99"]
    rate_ratio = app_f["throughput"] / bare_f["throughput"] if bare_f["throughput"] else float("nan")
    p99s, rates = common.per_round_ratios(contenders[0], contenders[1])
    print()
    print(f"p99 ratio app/bare:        {p99_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in p99s)})")
    print(f"throughput ratio app/bare: {rate_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in rates)})")
    print()
    print(f"former targets for {kind} (issue \"As fast as bare Bolt\"; no longer targets since issue 18, see bench.club_traffic):")
    code = common.verdict(
        [
            common.Target("/internships ack p99, app / bare", p99_ratio, P99_RATIO_MAX[kind], at_most=True, unit="x"),
            common.Target("/internships req/s, app / bare", rate_ratio, THROUGHPUT_RATIO_MIN[kind], at_most=False, unit="x"),
        ],
        [(f"every answer right ({app_f['errors']} app errors, {bare_f['errors']} bare errors)", not app_f["errors"] and not bare_f["errors"])],
    )
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
