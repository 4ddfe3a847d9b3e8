"""`/internships` on a club's real traffic: the app against the plain peer and bare Bolt, interleaved.

    .venv/bin/python -m bench.club_traffic [--database-url postgresql://…] [--leads 200]
        [--clients 32] [--members 300] [--rounds 5] [--seconds 4] [--warmup 1]
        [--app-workers 1|default] [--writes-per-second 1]

Three servers run side by side, each over a store of its own holding the same `--leads` leads (the
app's bulk-loaded by bench.common, then copied into the peer's own tables: same companies, roles,
descriptions, links, kinds, open or not). Only one is driven at a time: app, peer, bare, app, …,
each turn starting once all three process trees are idle, with `--clients` closed-loop keep-alive
clients. The traffic is a club's: each request from a random one of `--members` members, with a
random search from a mix of plain lists, one word, two words, `remote`, `paid` and `type:…`
(some with a word), and page 2 of a list or a search for ~10% of requests. The command takes no
page number, so the app gets page 2 as Slack sends it, a signed block_actions of its Next button
(`lead_page`, acked at once; the page goes to the response_url, where the bench checks it arrived
with blocks); the peer and the bare app get that search as a command.

While the app's and the peer's turns run (warm-ups included), a new lead is shared about
`--writes-per-second` times a second: a signed view_submission of the app's lead form (built from
the form's own block and action ids, callback `lead_form`, as Slack sends it). The peer gets the
same body and stores the lead in its own table. The bare app gets no writes.

Every answer is checked: HTTP 200 and a JSON body with blocks (app, peer), the static text (bare).
Targets (issue 18, 1 worker each; the same on SQLite and PostgreSQL): app p99 <= 1.0 x peer p99 and
app req/s >= 1.0 x peer req/s, over all rounds. `--app-workers default` runs the app with its own
default workers instead, for the report beside the one-worker comparison (still judged).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, insert, select

from bench import common, plain_peer
from slackapp.db import Store
from slackapp.leads import ids, views
from slackapp.leads.models import Lead
from slackapp.sandbox import payloads

# Targets per store (the issue sets the same for both).
P99_RATIO_MAX = {"sqlite": 1.0, "postgresql": 1.0}
THROUGHPUT_RATIO_MIN = {"sqlite": 1.0, "postgresql": 1.0}
CATCH_UP_STALL_S = 15.0
LINK = b".example.com/careers/"  # in every lead's link, stored or shared during the run

# What members search for: words from the roles, companies and descriptions the leads hold.
WORDS = ["marketing", "data", "engineering", "finance", "design", "research", "software", "analyst", "python",
         "sql", "sales", "consulting", "summer", "biology", "robotics", "security", "policy", "excel",
         "cloud", "Globex", "Acme", "Labs", "healthcare", "intern", "remote-friendly", "mentor", "zymurgy"]
PAIRS = [("data", "python"), ("marketing", "summer"), ("software", "engineering"), ("finance", "excel"),
         ("research", "biology"), ("product", "design"), ("data", "analyst"), ("machine", "learning"),
         ("sales", "clients"), ("policy", "research"), ("cloud", "security"), ("summer", "intern")]
TYPES = ["type:internship", "type:micro", "type:part-time", "type:full-time"]
# (label, share of requests)
MIX = [("list", 0.30), ("word", 0.24), ("words", 0.12), ("remote", 0.07), ("paid", 0.07), ("type", 0.10), ("page", 0.10)]
LABELS = [label for label, _ in MIX]


def search_text(rng: random.Random, label: str) -> str:
    """The words of one search of that kind."""
    with_word = f" {rng.choice(WORDS)}" if rng.random() < 0.5 else ""
    if label == "word":
        return rng.choice(WORDS)
    if label == "words":
        return " ".join(rng.choice(PAIRS))
    if label in ("remote", "paid"):
        return label + with_word
    if label == "type":
        return rng.choice(TYPES) + with_word
    if label == "page":  # page 2 of the plain list or of a one-word search
        return rng.choice(WORDS) if rng.random() < 0.4 else ""
    return ""


class Traffic:
    """Request `index` is the same member and search for every server; only its form differs."""

    def __init__(self, fake, members: list[str], seed: int):
        self.fake, self.members, self.seed = fake, members, seed
        self.labels = LABELS
        self.weights = list(itertools.accumulate(share for _, share in MIX))

    def pick(self, index: int) -> tuple[str, str, str]:
        rng = random.Random(self.seed * 1_000_003 + index)
        label = rng.choices(self.labels, cum_weights=self.weights)[0]
        return label, rng.choice(self.members), search_text(rng, label)

    def command(self, index: int) -> tuple[str, bytes]:
        label, member, text = self.pick(index)
        return label, common.slash_body(text, user_id=member, response_url=self.fake.response_url(f"cmd{index}"))

    def app_request(self, index: int) -> tuple[str, bytes]:
        label, member, text = self.pick(index)
        if label != "page":
            return label, common.slash_body(text, user_id=member, response_url=self.fake.response_url(f"cmd{index}"))
        payload = payloads.block_actions(ids.PAGE, json.dumps({"q": text, "p": 2}), user_id=member, team_id=common.TEAM_ID,
                                         channel_id=common.CHANNEL_ID, block_id="lead_nav",
                                         response_url=self.fake.response_url(f"page{index}"))
        return label, urlencode({"payload": json.dumps(payload)}).encode()


class Answers:
    """Checks each answer and counts what it showed (cheaply: the driver shares the cores)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = self.empty = self.leads = 0
        self.parsed = itertools.count()

    def lists(self, label: str, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        if label == "page" and body == b"":  # the app acks its page button; the page goes to the response_url
            return None
        if body[:1] != b"{" or b'"blocks"' not in body:
            return f"no blocks ({label}): {body[:100]!r}"
        if next(self.parsed) % 25 == 0:  # one answer in 25 parsed in full
            try:
                if not json.loads(body).get("blocks"):
                    return f"empty blocks ({label})"
            except ValueError:
                return f"not JSON ({label}): {body[:100]!r}"
        shown = body.count(LINK)
        with self.lock:
            self.answers += 1
            self.leads += shown
            self.empty += shown == 0
        return None

    @staticmethod
    def static(label: str, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        return None if b"static reply" in body else f"unexpected body {body[:80]!r}"


def form_values(form: dict, lead: dict) -> dict:
    """The view_submission state Slack sends for the lead form filled with `lead`: one entry per
    input block, keyed by the form's own block and action ids, shaped for its element type."""
    values = {}
    for block in form["blocks"]:
        if block.get("type") != "input":
            continue
        element, name = block["element"], block["block_id"]
        value = lead.get(name)
        if element["type"] == "static_select":
            option = next(o for o in element["options"] if o["value"] == value)
            state = {"type": "static_select", "selected_option": option}
        elif element["type"] == "checkboxes":
            state = {"type": "checkboxes", "selected_options": element["options"] if value else []}
        elif element["type"] == "datepicker":
            state = {"type": "datepicker", "selected_date": value.isoformat() if value else None}
        else:
            state = {"type": element["type"], "value": value}
        values[name] = {element["action_id"]: state}
    return values


class Sharing:
    """New leads shared through the lead form, about `rate` a second while a turn runs."""

    def __init__(self, members: list[str], rate: float, seed: int):
        self.members, self.rate = members, rate
        self.rng = random.Random(seed)
        self.form = views.lead_form(channel=common.CHANNEL_ID).to_dict()
        self.now = datetime.now(UTC)
        self.count = itertools.count()
        self.results: dict[str, list[tuple[float, str | None]]] = {}

    def body(self) -> bytes:
        number = next(self.count)
        lead = common.lead_row(self.rng, 1_000_000 + number, team_id=common.TEAM_ID, now=self.now, today=self.now.date(), created=self.now)
        host = lead["company"].lower().replace(" ", "") + ".example.com"
        lead.update(url=f"https://{host}/careers/new-{uuid.uuid4().hex[:16]}", location=lead["location"] or "Storrs, CT",
                    deadline=None if self.rng.random() < 0.4 else self.now.date() + timedelta(days=self.rng.randint(7, 180)))
        payload = payloads.view_submission(ids.FORM, form_values(self.form, lead), user_id=self.rng.choice(self.members),
                                           team_id=common.TEAM_ID, view=self.form)
        return urlencode({"payload": json.dumps(payload)}).encode()

    @contextlib.contextmanager
    def running(self, name: str, server: common.Server):
        """Share leads with `server` while the block runs (bounded: stops with it, joins within 15 s)."""
        results = self.results.setdefault(name, [])
        stop = threading.Event()

        def share() -> None:
            interval = 1.0 / self.rate
            next_at = time.monotonic() + self.rng.uniform(0, interval)
            while not stop.wait(max(0.0, next_at - time.monotonic())):
                seconds, status, answer = common.post_once(server.url, self.body())
                ok = status == 200 and isinstance(answer, bytes) and b'"errors"' not in answer
                results.append((seconds, None if ok else f"HTTP {status}: {answer[:160]!r}"))
                next_at += interval

        thread = threading.Thread(target=share, name=f"share-{name}", daemon=True)
        if self.rate > 0:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread.is_alive():
                thread.join(timeout=15)

    def stored(self, name: str) -> int:
        return sum(1 for _, error in self.results.get(name, []) if error is None)

    def line(self, name: str) -> str:
        results = self.results.get(name, [])
        if not results:
            return f"{name}: no leads shared"
        s = common.summary(seconds for seconds, _ in results)
        errors = [error for _, error in results if error]
        line = f"{name}: {len(results)} shared, {len(errors)} refused; ack p50 {s['p50'] * 1000:.1f} ms, max {s['max'] * 1000:.1f} ms"
        return line + (f" (first refusal: {errors[0]})" if errors else "")


class CpuMeter:
    """CPU time each server's process tree used in each of its turns (warm-up first)."""

    def __init__(self):
        self.turns: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def measure(self, name: str, server: common.Server):
        pids = common.process_tree(server.process.pid)
        before = common.cpu_seconds(pids)
        try:
            yield
        finally:
            self.turns.setdefault(name, []).append(common.cpu_seconds(pids) - before)

    def per_request_ms(self, contender: common.Contender) -> float:
        measured = sum(self.turns.get(contender.name, [])[1:])  # the measured turns, not the warm-up
        requests = len(contender.pooled().samples)
        return measured / requests * 1000 if requests else float("nan")


def both(*managers):
    """Enter several context managers as one."""
    stack = contextlib.ExitStack()
    for manager in managers:
        stack.enter_context(manager)
    return stack


def copy_leads_to_peer(store: Store, peer_url: str) -> int:
    """The app's stored leads, as rows of the peer's own table (open = not closed, not past its deadline)."""
    with store.read() as session:
        leads = list(session.scalars(select(Lead).order_by(Lead.id)))
    today = datetime.now(UTC).date()
    rows = [{"team_id": lead.team_id, "company": lead.company, "role": lead.role, "description": lead.description, "url": lead.url,
             "kind": lead.kind, "remote": lead.remote, "paid": bool(lead.pay), "posted_at": lead.created_at,
             "closed": lead.closed_at is not None or (lead.deadline is not None and lead.deadline < today)} for lead in leads]
    engine = create_engine(peer_url)
    try:
        plain_peer.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(plain_peer.Lead), rows)
    finally:
        engine.dispose()
    return sum(1 for row in rows if not row["closed"])


def count_leads(url: str, table) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table))
    finally:
        engine.dispose()


def pages_delivered(fake) -> tuple[int, int]:
    """Page answers the app posted to the fake's response_url: (all, those with blocks)."""
    posts = [call for call in fake.calls_to("response_url") if (call.tag or "").startswith("page")]
    return len(posts), sum(1 for call in posts if call.args.get("blocks"))


def by_label(contenders: list[common.Contender]) -> None:
    print(f"{'search':8}" + "".join(f" {c.name + ' n':>9} {'p50':>6} {'p99':>6}" for c in contenders))
    for label in LABELS:
        cells = []
        for contender in contenders:
            latencies = contender.pooled().latencies(label)
            s = common.summary(latencies)
            cells.append(f" {len(latencies):9d} {s['p50'] * 1000:6.1f} {s['p99'] * 1000:6.1f}")
        print(f"{label:8}" + "".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.club_traffic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server to create the app's and the peer's scratch databases on (default: SQLite files in a temp folder)")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds each server is driven in each round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured warm-up per server")
    parser.add_argument("--app-workers", default="1", help="the app's HTTP workers: a number (default 1), or 'default' for its own default")
    parser.add_argument("--peer-threads", type=int, default=32, help="threads of the peer's one worker")
    parser.add_argument("--bare-threads", type=int, default=32, help="threads of the bare app's one worker")
    parser.add_argument("--writes-per-second", type=float, default=1.0, help="leads shared per second during the app's and the peer's turns")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    common.exit_cleanly_on_sigterm()

    overall = time.perf_counter()
    app_workers, app_threads = common.app_server_defaults()
    members = [f"UCLUB{n:04d}" for n in range(args.members)]
    pages = {"acked": 0, "delivered": 0, "with_blocks": 0}
    answers = {"app": Answers(), "peer": Answers()}
    sharing = Sharing(members, args.writes_per_second, args.seed)
    cpu = CpuMeter()
    print(f"app at {common.app_revision()}; load average before the run: {common.load_average():.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-club-") as scratch:
        workdir = Path(scratch)
        fake = common.start_fake()
        databases: list[common.Database] = []
        servers: list[common.Server] = []
        store = None
        try:
            for member in members:
                fake.add_user(member, team_id=common.TEAM_ID)
            fake.add_channel(common.CHANNEL_ID, name="internships")
            url = args.database_url and common.sqlalchemy_url(args.database_url)
            for name in ("app", "peer"):
                (workdir / name).mkdir()
                databases.append(common.prepare_database(url, workdir / name))
            app_db, peer_db = databases
            kind = common.store_kind(app_db.url)
            store = Store.from_url(app_db.url)
            load_s = common.bulk_load_leads(store, args.leads)
            open_leads = copy_leads_to_peer(store, peer_db.url)
            print(f"store: {kind}; app {common.redact(app_db.url)}, peer {common.redact(peer_db.url)}; "
                  f"{args.leads} leads each ({open_leads} open), loaded in {load_s:.1f}s")

            app_env = {} if args.app_workers == "default" else {"SLACKAPP_HTTP_WORKERS": str(int(args.app_workers))}
            app = common.start_app(app_db.url, fake, workdir / "app", **app_env)
            servers.append(app)
            peer = common.start_plain_peer(peer_db.url, fake, workdir / "peer", workers=1, threads=args.peer_threads)
            servers.append(peer)
            bare = common.start_bare_app(fake, workdir, workers=1, threads=args.bare_threads)
            servers.append(bare)
            print(f"app:  slackapp, gunicorn gthread, {common.serving_shape(app)} "
                  f"({'its default' if args.app_workers == 'default' else 'SLACKAPP_HTTP_WORKERS=' + app_env['SLACKAPP_HTTP_WORKERS']}; "
                  f"its defaults: {app_workers} x {app_threads})")
            print(f"peer: bench.plain_peer, gunicorn gthread, {common.serving_shape(peer)}")
            print(f"bare: bench.bare_app, gunicorn gthread, {common.serving_shape(bare)}")
            print(f"load: {args.clients} concurrent clients (closed loop, keep-alive), {args.rounds} interleaved rounds of "
                  f"{args.seconds:g}s per server after {args.warmup:g}s of warm-up each; {args.members} members; "
                  f"mix {', '.join(f'{label} {share:.0%}' for label, share in MIX)}; "
                  f"{args.writes_per_second:g} lead(s) shared a second in the app's and the peer's turns")

            traffic = Traffic(fake, members, args.seed)

            def app_pages(run: common.LoadResult) -> str:
                """Wait until the fake has every page the app acked (its answer goes to the response_url)."""
                pages["acked"] += sum(1 for sample in run.ok if sample.label == "page")
                started = last_progress = time.monotonic()
                while True:
                    delivered, with_blocks = pages_delivered(fake)
                    if delivered > pages["delivered"]:
                        pages["delivered"], last_progress = delivered, time.monotonic()
                    pages["with_blocks"] = with_blocks
                    if delivered >= pages["acked"] or time.monotonic() - last_progress > CATCH_UP_STALL_S:
                        break
                    time.sleep(0.1)
                return f"pages delivered {pages['delivered']}/{pages['acked']} ({time.monotonic() - started:.1f}s after the turn)"

            contenders = [
                common.Contender("app", app, traffic.app_request, after_round=app_pages, check_labelled=answers["app"].lists,
                                 during=lambda: both(sharing.running("app", app), cpu.measure("app", app))),
                common.Contender("peer", peer, traffic.command, check_labelled=answers["peer"].lists,
                                 during=lambda: both(sharing.running("peer", peer), cpu.measure("peer", peer))),
                common.Contender("bare", bare, traffic.command, check_labelled=Answers.static, during=lambda: cpu.measure("bare", bare)),
            ]
            common.interleave(contenders, rounds=args.rounds, seconds=args.seconds, clients=args.clients,
                              warmup_seconds=args.warmup, show_load=True)
            common.wait_quiet(servers)
            stored = {"app": count_leads(app_db.url, Lead.__table__) - args.leads,
                      "peer": count_leads(peer_db.url, plain_peer.Lead.__table__) - args.leads}
            announced = sum(1 for call in fake.calls_to("chat.postMessage") if str(call.args.get("text", "")).startswith("New lead"))
            logs = {server.name: common.log_problems(server) for server in servers}
        finally:
            for server in reversed(servers):
                server.stop()
            fake.stop()
            if store is not None:
                store.dispose()
            for database in databases:
                database.drop()

    print()
    figures = common.print_overall(contenders)
    print()
    by_label(contenders)
    print()
    for name in ("app", "peer"):
        seen = answers[name]
        print(f"{name} answers (warm-ups included): {seen.answers} lists, {seen.leads / max(seen.answers, 1):.1f} leads shown on average, "
              f"{seen.empty} empty ({seen.empty / max(seen.answers, 1):.0%})")
    print("CPU of each server's process tree per request in its measured turns (writes and work after the ack included): "
          + ", ".join(f"{c.name} {cpu.per_request_ms(c):.2f} ms" for c in contenders))
    print(f"app pages (Next button, answered at the response_url): {pages['delivered']}/{pages['acked']} delivered, "
          f"{pages['with_blocks']} with blocks")
    for name in ("app", "peer"):
        print(f"leads shared, {sharing.line(name)}; stored {stored[name]}")
    print(f"app announcements of shared leads posted: {announced}")
    for name, (count, lines) in logs.items():
        print(f"error lines in the {name} log: {count}" + "".join(f"\n  {line}" for line in lines))

    app_f, peer_f, bare_f = figures["app"], figures["peer"], figures["bare"]

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    p99_ratio, rate_ratio = ratio(app_f["p99"], peer_f["p99"]), ratio(app_f["ok_throughput"], peer_f["ok_throughput"])
    p99s, rates = common.per_round_ratios(contenders[0], contenders[1], right_only=True)
    print()
    print("(percentiles over right answers; ratios of throughput count right answers per second)")
    for name, figure in figures.items():
        if figure["errors"]:
            print(f"note: {name} answered {figure['errors']} of {figure['requests']} requests wrongly; its figures leave them out")
    print(f"p99 ratio app/peer:        {p99_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in p99s)})")
    print(f"throughput ratio app/peer: {rate_ratio:.2f} over all rounds (per round: {', '.join(f'{r:.2f}' for r in rates)})")
    print(f"app/bare:  p99 {ratio(app_f['p99'], bare_f['p99']):.2f}, throughput {ratio(app_f['ok_throughput'], bare_f['ok_throughput']):.2f}")
    print(f"peer/bare: p99 {ratio(peer_f['p99'], bare_f['p99']):.2f}, throughput {ratio(peer_f['ok_throughput'], bare_f['ok_throughput']):.2f}")
    print()
    shape = "1 worker each" if args.app_workers == "1" else f"app workers: {args.app_workers}, peer 1 (targets are set for 1 worker each)"
    print(f"targets for {kind} ({shape}):")
    refused = {name: sum(1 for _, error in sharing.results.get(name, []) if error) for name in ("app", "peer")}
    code = common.verdict(
        [
            common.Target("/internships club-traffic p99, app / peer", p99_ratio, P99_RATIO_MAX[kind], at_most=True, unit="x"),
            common.Target("/internships club-traffic req/s, app / peer", rate_ratio, THROUGHPUT_RATIO_MIN[kind], at_most=False, unit="x"),
        ],
        [
            (f"every answer right ({app_f['errors']} app, {peer_f['errors']} peer, {bare_f['errors']} bare errors)",
             not (app_f["errors"] or peer_f["errors"] or bare_f["errors"])),
            (f"every page the app acked delivered with blocks ({pages['with_blocks']}/{pages['acked']})", pages["with_blocks"] >= pages["acked"]),
            (f"every lead shared was accepted and stored (app {stored['app']}/{len(sharing.results.get('app', []))}, "
             f"peer {stored['peer']}/{len(sharing.results.get('peer', []))})",
             not refused["app"] and not refused["peer"] and stored["app"] == sharing.stored("app") and stored["peer"] == sharing.stored("peer")),
        ],
    )
    print(f"total run time {time.perf_counter() - overall:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
