"""How long Slack waits for `/internships` to be acked, against a bare Bolt app that acks a
static reply behind the same gunicorn configuration.

    /tmp/venv/bin/python -m bench.ack_latency [--database-url postgresql://…] [--leads 10000]

Both servers run one after the other (never together: the machine has 2 cores), each gets a
warm-up and then `--requests` signed slash commands from `--clients` closed-loop clients with
keep-alive connections. Targets: app p99 ≤ 1.3 × bare p99, and app p99 < 100 ms.
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


def _check_app(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    try:
        blocks = json.loads(body).get("blocks") or []
    except ValueError:
        return f"not JSON: {body[:80]!r}"
    # A full first page: header + 10 × (section + buttons) + divider + nav + context.
    return None if len(blocks) >= 20 else f"short list ({len(blocks)} blocks): {body[:120]!r}"


def _check_bare(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    return None if b"static reply" in body else f"unexpected body {body[:80]!r}"


def measure(server: common.Server, args, fake, check) -> tuple[common.LoadResult, common.LoadResult]:
    def make(index: int) -> tuple[str, bytes]:
        return "list", common.slash_body("", user_id=USERS[index % len(USERS)], response_url=fake.response_url(f"ack{index}"))

    warm = common.drive(server.url, make, total=args.warmup, clients=args.clients, time_limit=args.time_limit / 3, check=check)
    run = common.drive(server.url, make, total=args.requests, clients=args.clients, time_limit=args.time_limit, check=check)
    return warm, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.ack_latency", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers (default: the app's default, SLACKAPP_HTTP_WORKERS=1)")
    parser.add_argument("--time-limit", type=float, default=40.0, help="seconds at most for each measured phase")
    args = parser.parse_args(argv)

    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
        results = {}
        try:
            store = Store.from_url(database.url)
            try:
                load_s = common.bulk_load_leads(store, args.leads)
            finally:
                store.dispose()
            print(f"store: {store.dialect} ({common.redact(database.url)}), {args.leads} leads loaded in {load_s:.1f}s")
            print(f"load: {args.clients} concurrent clients (closed loop, keep-alive), warm-up {args.warmup}, then {args.requests} requests (≤ {args.time_limit:.0f}s)")

            workers = {} if args.workers is None else {"SLACKAPP_HTTP_WORKERS": str(args.workers)}
            bare_args = [] if args.workers is None else ["--workers", str(args.workers)]
            for name, start, check in (
                ("app", lambda: common.start_app(database.url, fake, workdir, **workers), _check_app),
                ("bare", lambda: common.start_bare_app(fake, workdir, *bare_args), _check_bare),
            ):
                server = start()
                try:
                    warm, run = measure(server, args, fake, check)
                finally:
                    server.stop()
                results[name] = run
                note = " (stopped by the time limit)" if run.stopped_by_time else ""
                print(f"  {name}: warm-up {len(warm.samples)} req ({len(warm.errors)} errors); measured {len(run.samples)} req in {run.wall:.1f}s{note}")
                if run.errors:
                    print(f"    errors: {common.describe_errors(run.errors)}")
        finally:
            fake.stop()
            database.drop()

    print()
    print(f"{'server':6} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    stats = {}
    for name, run in results.items():
        s = stats[name] = common.summary(run.latencies())
        print(f"{name:6} {len(run.samples):8d} {len(run.errors):6d} {run.throughput:7.0f} {common.ms(s['p50'])} {common.ms(s['p95'])} {common.ms(s['p99'])} {common.ms(s['max'])}")
    ratio = stats["app"]["p99"] / stats["bare"]["p99"]
    print()
    print(f"p99 ratio app/bare: {ratio:.2f}")
    relative = ratio <= 1.3
    absolute = stats["app"]["p99"] < 0.100
    errors = sum(len(run.errors) for run in results.values())
    print(f"target app p99 <= 1.3 x bare p99: {'HOLDS' if relative else 'MISSED'} ({ratio:.2f}x)")
    print(f"target app p99 < 100 ms:         {'HOLDS' if absolute else 'MISSED'} ({stats['app']['p99'] * 1000:.1f} ms)")
    print(f"errors: {errors}")
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return 0 if relative and absolute and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
