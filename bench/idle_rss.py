"""Memory of the running app when idle, over its whole process tree, against bare Bolt.

    .venv/bin/python -m bench.idle_rss [--database-url postgresql://…] [--requests 50]

Starts the app (`python -m slackapp run --http`, its default settings), bench.bare_app (the
same gunicorn configuration, workers and threads from the app's defaults) and bench.plain_peer
(as many workers, its own 32 threads; reported, not judged), waits until all answer /healthz,
sends each `--requests` signed `/internships` commands and as many RSVP reactions (8 at a time),
waits until all are idle, then reads every process of each tree (the process started, which is
gunicorn's master or, for the app with one worker, the worker itself, and all its descendants)
from /proc:

  RSS  VmRSS from /proc/<pid>/status. Summed over a tree it counts the pages a forked worker
       still shares with the master once per process, so it overstates the tree.
  PSS  Pss from /proc/<pid>/smaps_rollup: each shared page split between the processes sharing
       it, so the sum over a tree is the memory the tree really holds.
  USS  Private_Clean + Private_Dirty: what would be freed if that process alone exited.

Target (issue 18; it was 110 MB in issue "As fast as bare Bolt"): the app's tree <= 100 MB, the
same on SQLite and PostgreSQL. The figure is the RSS sum (bare Bolt's was 59 MB, which is what
the bare tree's RSS sum comes to here; its PSS sum is about half), so that is what is judged by
default; `--by pss` judges the PSS sum against the same limit instead. Both sums are printed either way. The
tables are in MiB (1024 x 1024 bytes); the target is judged in MB (10^6 bytes), the issue's unit: 100 MB is
95.4 MiB. Exit status 0 when the target holds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import common
from bench.club_traffic import copy_leads_to_peer
from slackapp.db import Store

TEAM = "TBENCHRSS"
CHANNEL = "CBENCHRSS"
POST_TS = "1800000000.000200"
TREE_MAX_MB = {"sqlite": 100.0, "postgresql": 100.0}


@dataclass
class Memory:
    pid: int
    ppid: int
    role: str
    threads: int
    rss: int  # kB
    rss_anon: int
    rss_file: int
    pss: int
    uss: int

    @staticmethod
    def read(pid: int, root: int) -> "Memory | None":
        try:
            status = _fields(Path(f"/proc/{pid}/status").read_text())
            rollup = _fields(Path(f"/proc/{pid}/smaps_rollup").read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            return None
        ppid = int(status.get("PPid", "0").split()[0])
        role = "root" if pid == root else ("worker" if ppid == root else "child")
        return Memory(
            pid=pid, ppid=ppid, role=f"{role}: {cmdline[:60]}", threads=int(status.get("Threads", "0")),
            rss=_kb(status, "VmRSS"), rss_anon=_kb(status, "RssAnon"), rss_file=_kb(status, "RssFile") + _kb(status, "RssShmem"),
            pss=_kb(rollup, "Pss"), uss=_kb(rollup, "Private_Clean") + _kb(rollup, "Private_Dirty"),
        )


def _fields(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            found[key.strip()] = value.strip()
    return found


def _kb(fields: dict[str, str], key: str) -> int:
    value = fields.get(key, "0 kB").split()
    return int(value[0]) if value else 0


def mib(kb: int) -> str:
    return f"{kb / 1024:7.1f}"


def tree_memory(server: common.Server) -> list[Memory]:
    root = server.process.pid
    return [memory for pid in common.process_tree(root) if (memory := Memory.read(pid, root)) is not None]


def print_tree(name: str, processes: list[Memory]) -> tuple[int, int]:
    print(f"{name}:")
    print(f"  {'pid':>7} {'threads':>7} {'RSS':>7} {'anon':>7} {'file':>7} {'PSS':>7} {'USS':>7}  role")
    for m in processes:
        print(f"  {m.pid:7d} {m.threads:7d} {mib(m.rss)} {mib(m.rss_anon)} {mib(m.rss_file)} {mib(m.pss)} {mib(m.uss)}  {m.role}")
    rss, pss = sum(m.rss for m in processes), sum(m.pss for m in processes)
    print(f"  {'sum':>7} {sum(m.threads for m in processes):7d} {mib(rss)} {mib(sum(m.rss_anon for m in processes))} "
          f"{mib(sum(m.rss_file for m in processes))} {mib(pss)} {mib(sum(m.uss for m in processes))}  ({len(processes)} processes, MiB)")
    return rss, pss


def serve_a_few(server: common.Server, fake, count: int) -> int:
    """`count` list commands and `count` RSVP reactions, 8 at a time; the number of errors."""
    bodies = [common.slash_body("", user_id=f"UMEMBER{n % 50:04d}", response_url=fake.response_url(f"rss{n}")) for n in range(count)]
    bodies += [common.reaction_body("reaction_added", user=f"URSS{n:06d}", emoji="white_check_mark", event_id=f"EvRSS{n:08d}",
                                    event_ts=f"1800000200.{n:06d}", team_id=TEAM, channel=CHANNEL, item_ts=POST_TS) for n in range(count)]
    errors = [0]
    lock = threading.Lock()

    def send(part: list[bytes]) -> None:
        for body in part:
            _, status, _ = common.post_once(server.url, body, timeout=30)
            if status != 200:
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=send, args=(bodies[n::8],), daemon=True) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.idle_rss", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    parser.add_argument("--requests", type=int, default=50, help="list commands (and as many reactions) each server serves first")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait once idle before reading memory")
    parser.add_argument("--by", choices=("rss", "pss"), default="rss", help="which tree sum the target judges (default: rss, the issue's measure)")
    parser.add_argument("--workers", type=int, help="the app's and the bare app's HTTP workers (default: the app's default, one a core)")
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        databases: list[common.Database] = []
        servers: list[common.Server] = []
        try:
            url = args.database_url and common.sqlalchemy_url(args.database_url)
            for name in ("app", "peer"):
                (workdir / name).mkdir()
                databases.append(common.prepare_database(url, workdir / name))
            database, peer_database = databases
            kind = common.store_kind(database.url)
            store = Store.from_url(database.url)
            try:
                common.bulk_load_leads(store, args.leads)
                common.create_rsvp_event(store, team_id=TEAM, channel=CHANNEL, post_ts=POST_TS)
                copy_leads_to_peer(store, peer_database.url)
            finally:
                store.dispose()
            app = common.start_app(database.url, fake, workdir, **({"SLACKAPP_HTTP_WORKERS": str(args.workers)} if args.workers else {}))
            servers.append(app)
            bare = common.start_bare_app(fake, workdir, workers=args.workers)
            servers.append(bare)
            peer = common.start_plain_peer(peer_database.url, fake, workdir / "peer", workers=args.workers or common.app_server_defaults()[0])
            servers.append(peer)
            print(f"store: {kind} (app {common.redact(database.url)}, peer {common.redact(peer_database.url)}), {args.leads} leads each, one RSVP event")
            print(f"app:  slackapp, default settings, {common.serving_shape(app)}")
            print(f"bare: bench.bare_app, {common.serving_shape(bare)}")
            print(f"peer: bench.plain_peer, {common.serving_shape(peer)} (reported, not judged)")
            errors = {server.name: serve_a_few(server, fake, args.requests) for server in servers}
            print(f"served {args.requests} /internships and {args.requests} reactions each; errors: {errors}")
            waited = common.wait_quiet(servers, timeout=30)
            time.sleep(args.settle)
            print(f"idle after {waited:.1f}s (+{args.settle:g}s)")
            print()
            app_rss, app_pss = print_tree("app", tree_memory(app))
            print()
            bare_rss, bare_pss = print_tree("bare", tree_memory(bare))
            print()
            peer_rss, peer_pss = print_tree("peer", tree_memory(peer))
        finally:
            for server in reversed(servers):
                server.stop()
            fake.stop()
            for database in databases:
                database.drop()

    print()
    print(f"tree PSS: app {app_pss / 1024:.1f} MiB, bare {bare_pss / 1024:.1f} MiB (app - bare {(app_pss - bare_pss) / 1024:.1f} MiB, "
          f"ratio {app_pss / bare_pss:.2f})")
    print(f"tree RSS: app {app_rss / 1024:.1f} MiB, bare {bare_rss / 1024:.1f} MiB (app - bare {(app_rss - bare_rss) / 1024:.1f} MiB, "
          f"ratio {app_rss / bare_rss:.2f})")
    print(f"tree RSS of the plain peer (what a club developer would write; its master makes its tables, so it holds "
          f"SQLAlchemy and the driver too): {peer_rss / 1024:.1f} MiB, PSS {peer_pss / 1024:.1f} MiB; app / peer RSS {app_rss / peer_rss:.2f}")
    print()
    judged, other = (app_rss, app_pss) if args.by == "rss" else (app_pss, app_rss)
    other_name = "PSS" if args.by == "rss" else "RSS"
    print(f"targets for {kind}:")
    code = common.verdict(
        [common.Target(f"app tree memory, {args.by.upper()} sum (MB; {judged / 1024:.1f} MiB)", judged * 1024 / 1e6, TREE_MAX_MB[kind], at_most=True)],
        [(f"every request answered 200 ({errors})", not any(errors.values()))],
    )
    print(f"(the {other_name} sum, {other * 1024 / 1e6:.1f} MB, would {'also hold' if other * 1024 / 1e6 <= TREE_MAX_MB[kind] else 'miss'} the same limit)")
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
