"""`/internships <words>` search latency with 100,000 leads stored.

    /tmp/venv/bin/python -m bench.search [--database-url postgresql://…] [--leads 100000]

1. Bulk-loads the leads (core INSERTs in batches; the search index follows by itself) and reports
   how long that took.
2. Times `slackapp.leads.service.open_leads` in this process for each query shape (the query
   alone, without HTTP, Bolt or Block Kit: the first page, best matches first), and captures the
   SQL it runs.
3. Sends `--requests` signed `/internships <words>` commands drawn from a fixed mix (common,
   rare, two-word, filters) from `--clients` concurrent clients to the real app over HTTP.
4. Prints the query plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE) of the
   slowest shapes, or of all of them with --explain.
5. With --try-fixes, times the alternatives to ranking the newest RANKED_MATCHES matches on the
   same data: other bounds, and ranking every match.

Target: p95 < 50 ms over HTTP.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bench import common
from slackapp.db import Store
from slackapp.leads import service

# (kind, text, weight): what members type after /internships. "team" and "intern" match most
# leads; the rare words are in about 0.1% of descriptions; "zymurgy" matches nothing.
QUERIES = [
    ("common", "data", 8),
    ("common", "software", 6),
    ("common", "intern", 6),
    ("common", "team", 4),
    ("medium", "marketing", 6),
    ("medium", "python", 6),
    ("medium", "robotics", 4),
    ("medium", "northwind", 3),
    ("rare", "bioinformatics", 5),
    ("rare", "metallurgy", 4),
    ("rare", "cryptography", 4),
    ("none", "zymurgy", 3),
    ("two-word", "data science", 6),
    ("two-word", "python sql", 4),
    ("two-word", "machine learning", 3),
    ("filter", "remote paid", 6),
    ("filter", "type:micro", 3),
    ("word+filter", "python remote paid", 4),
    ("word+filter", "bioinformatics remote", 2),
]
SLOW_MS = 10.0  # direct p95 above this gets its plan printed


def _today(store: Store):
    from slackapp.club.models import Workspace

    with store.read() as session:
        tz = session.get(Workspace, common.TEAM_ID).timezone
    return datetime.now(ZoneInfo(tz)).date()


def time_direct(store: Store, *, repeats: int, per_query_limit: float) -> dict[str, dict]:
    """open_leads for each query, each call in its own session like the app; SQL captured."""
    today = _today(store)
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM leads" in statement and "ORDER BY" in statement:
            captured.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    out: dict[str, dict] = {}
    try:
        for kind, text, _ in QUERIES:
            query = service.parse_query(text)
            times: list[float] = []
            found = 0
            deadline = time.perf_counter() + per_query_limit
            for n in range(repeats + 2):
                captured.clear()
                started = time.perf_counter()
                with store.read() as session:
                    page = service.open_leads(session, team_id=common.TEAM_ID, today=today, query=query)
                elapsed = time.perf_counter() - started
                if n >= 2:  # the first two warm the caches and the statement cache
                    times.append(elapsed)
                found = len(page.leads)
                if time.perf_counter() > deadline and len(times) >= 3:
                    break
            out[text] = {"kind": kind, "times": times, "found": found, "has_next": page.has_next,
                         "sql": captured[-1] if captured else None}
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    return out


def count_matches(store: Store, text: str) -> int | None:
    """How many open leads the query matches in all (what the page of 10 is cut from): the
    search's own filters and text match, counted."""
    from sqlalchemy import func, select

    query = service.parse_query(text)
    terms = service._search_terms(query.words)
    conditions = service._filters(remote=query.remote, paid=query.paid, of_kind=query.kind is not None)
    params = {"team": common.TEAM_ID, "today": _today(store), "kind": query.kind and query.kind.value}
    with store.read() as session:
        if terms:
            _, newest_first = (service._tsvector_search if store.dialect == "postgresql" else service._fts5_search)(conditions)
            statement = newest_first(func.count()).order_by(None)
            params["terms"] = service._terms_for(store.dialect, terms)
        else:
            statement = select(func.count()).select_from(service._leads).where(*conditions)
        return session.scalar(statement, params)


def explain(store: Store, sql: tuple[str, object]) -> str:
    statement, parameters = sql
    prefix = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
    if store.dialect == "sqlite":
        return "\n".join(f"    {'  ' * (1 if row[1] else 0)}{row[3]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


# What --try-fixes times instead of the app's bound: (label, RANKED_MATCHES).
ALTERNATIVES = [("rank the newest 100", 100), ("rank the newest 200", 200), ("rank the newest 500", 500), ("rank every match", 10**9)]


def _p50_p95(times: list[float]) -> str:
    s = common.summary(times)
    return f"{s['p50'] * 1000:.1f} / {s['p95'] * 1000:.1f}".rjust(21)


def try_fixes(store: Store, direct: dict[str, dict], *, repeats: int = 7) -> None:
    """Time other bounds on the ranked matches next to the app's, same data, in this process."""
    today = _today(store)
    chosen = service.RANKED_MATCHES
    times: dict[str, dict[str, list[float]]] = {label: {} for label, _ in ALTERNATIVES}
    try:
        for label, bound in ALTERNATIVES:
            service.RANKED_MATCHES = bound
            for text_ in direct:
                query = service.parse_query(text_)
                measured = times[label][text_] = []
                for n in range(repeats + 1):
                    started = time.perf_counter()
                    with store.read() as session:
                        service.open_leads(session, team_id=common.TEAM_ID, today=today, query=query)
                    if n >= 1:  # the first warms the caches
                        measured.append(time.perf_counter() - started)
    finally:
        service.RANKED_MATCHES = chosen
    print()
    print(f"alternatives, timed in-process, p50 / p95 ms (the app ranks the newest {chosen} matches):")
    print(f"  {'kind':12} {'query':24} {'app':>21}" + "".join(f" {label:>21}" for label, _ in ALTERNATIVES))
    for text_, row in direct.items():
        print(f"  {row['kind']:12} {text_:24} {_p50_p95(row['times'])}" + "".join(f" {_p50_p95(times[label][text_])}" for label, _ in ALTERNATIVES))
    every = [t for row in direct.values() for t in row["times"]]
    print(f"  {'all':12} {'':24} {_p50_p95(every)}" + "".join(
        f" {_p50_p95([t for measured in times[label].values() for t in measured])}" for label, _ in ALTERNATIVES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.search", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=30, help="direct open_leads calls per query shape")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds at most for the HTTP phase")
    parser.add_argument("--explain", action="store_true", help="print the plan of every query shape, not only slow ones")
    parser.add_argument("--try-fixes", action="store_true",
                        help="also time other bounds on the ranked matches, and ranking every match, in-process (the app is not changed)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), workdir)
        store = Store.from_url(database.url)
        try:
            load_s = common.bulk_load_leads(store, args.leads)
            print(f"store: {store.dialect} ({common.redact(database.url)})")
            print(f"loaded {args.leads} leads in {load_s:.1f}s ({args.leads / load_s:,.0f} rows/s, search index included)")

            direct = time_direct(store, repeats=args.repeats, per_query_limit=3.0)
            print()
            print(f"open_leads() in-process, {args.repeats} calls per query (first page of 10, best matches first):")
            print(f"  {'kind':12} {'query':24} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            all_direct: list[float] = []
            for text, row in direct.items():
                s = common.summary(row["times"])
                all_direct += row["times"]
                row["summary"] = s
                row["matches"] = count_matches(store, text)
                print(f"  {row['kind']:12} {text:24} {row['matches']:8d} {common.ms(s['p50'])} {common.ms(s['p95'])} {common.ms(s['max'])}")
            s = common.summary(all_direct)
            print(f"  {'all':12} {'(each shape equally)':24} {'':8} {common.ms(s['p50'])} {common.ms(s['p95'])} {common.ms(s['max'])}")

            rng = random.Random(args.seed)
            mix = rng.choices([(kind, text) for kind, text, _ in QUERIES], weights=[w for *_, w in QUERIES], k=args.requests)
            # Every request from another member: this measures the search itself.
            def make(index: int, first_member: int = 0) -> tuple[str, bytes]:
                _, text = mix[index]
                member = f"USEARCH{first_member + index:06d}"
                return text, common.slash_body(text, user_id=member, response_url=fake.response_url(f"s{index}"))

            def make_single(index: int) -> tuple[str, bytes]:
                return make(index, first_member=args.requests)

            def check(status: int, body: bytes) -> str | None:
                if status != 200:
                    return f"HTTP {status}"
                return None if b'"blocks"' in body and b"went wrong" not in body else f"unexpected answer {body[:100]!r}"

            app = common.start_app(database.url, fake, workdir)
            try:
                warm_mix = [(kind, text) for kind, text, _ in QUERIES]
                common.drive(app.url, lambda i: (warm_mix[i][1], common.slash_body(warm_mix[i][1], response_url=fake.response_url("w"))),
                             total=len(warm_mix), clients=2, time_limit=30, check=check)
                single = common.drive(app.url, make_single, total=min(100, args.requests), clients=1, time_limit=20, check=check)
                run = common.drive(app.url, make, total=args.requests, clients=args.clients, time_limit=args.time_limit, check=check)
            finally:
                app.stop()

            print()
            s = common.summary(single.latencies())
            print(f"over HTTP, one client at a time: n={s['n']} p50 {s['p50'] * 1000:.1f} ms, p95 {s['p95'] * 1000:.1f} ms, "
                  f"max {s['max'] * 1000:.1f} ms, {len(single.errors)} errors")
            note = " (stopped by the time limit)" if run.stopped_by_time else ""
            print(f"over HTTP: {len(run.samples)} signed /internships <words> commands from {args.clients} clients in {run.wall:.1f}s{note}, {len(run.errors)} errors")
            if run.errors:
                print(f"  errors: {common.describe_errors(run.errors)}")
            kinds = {text: kind for kind, text, _ in QUERIES}
            print(f"  {'kind':12} {'query':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for _, text, _ in QUERIES:
                lat = run.latencies(text)
                if lat:
                    s = common.summary(lat)
                    print(f"  {kinds[text]:12} {text:24} {len(lat):4d} {common.ms(s['p50'])} {common.ms(s['p95'])} {common.ms(s['max'])}")
            s = common.summary(run.latencies())
            print(f"  all: n={s['n']} p50 {s['p50'] * 1000:.1f} ms, p95 {s['p95'] * 1000:.1f} ms, p99 {s['p99'] * 1000:.1f} ms, max {s['max'] * 1000:.1f} ms")
            holds = s["p95"] < 0.050 and not run.errors
            print(f"target p95 < 50 ms: {'HOLDS' if holds else 'MISSED'} ({s['p95'] * 1000:.1f} ms)")

            slow = [text for text, row in direct.items() if args.explain or row["summary"]["p95"] * 1000 > SLOW_MS]
            if not slow:
                slow = [max(direct, key=lambda t: direct[t]["summary"]["p95"])]
            for text in slow:
                row = direct[text]
                if row["sql"] is None:
                    continue
                print()
                print(f"plan for “{text}” ({row['kind']}, direct p95 {row['summary']['p95'] * 1000:.1f} ms, {row['matches']} matches):")
                print(explain(store, row["sql"]))
            slowest = max((t for t in direct if direct[t]["sql"]), key=lambda t: direct[t]["summary"]["p95"], default=None)
            if slowest:
                print()
                print(f"SQL of the slowest shape (“{slowest}”), as the app sends it:")
                print("    " + " ".join(direct[slowest]["sql"][0].split()))
            if args.try_fixes:
                try_fixes(store, direct)
        finally:
            store.dispose()
            fake.stop()
            database.drop()
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
