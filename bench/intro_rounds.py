"""Introductions' rounds: planning them, and sending one through the app's dispatcher.

    .venv/bin/python -m bench.intro_rounds [--database-url URL] [--share 0.10]

Prints, each with PASS or FAIL:
1. a round for 2,000 participants (10% alumni, profiles with schools, majors and skills, two
   earlier rounds in the history) planned in the store (`intros.service.plan`: pausing the silent,
   pairing, keeping the groups): seconds, target < 5 s; the pairing alone; and the whole of what
   the clock does (`intros.jobs.hold`: the same, plus its 4,000 DM jobs, in a few INSERTs:
   `queue.plan_many`);
2. 20 simulated rounds of the same 50 participants: pairs repeated while pairs that never met
   remained among them, target 0;
3. alumni spread: 50 alumni and 20 students open to alumni over 10 rounds, and 30 alumni with 60
   students: max - min intros per alum, target <= 1;
4. a round of 500 intros (1,000 people, so 1,000 intro DMs, one DM each: the app opens no group
   DM) sent by the app's Dispatcher (its renderers, 20 posts a second) to the fake Slack, which
   answers 429 (Retry-After: 1) to a random share of chat.postMessage calls: every person gets
   exactly one intro naming their partner; none lost or doubled.

SQLite in a temporary folder by default; with --database-url, a scratch database on that server
(dropped at the end). Exit status 1 when a target is missed."""

from __future__ import annotations

import argparse
import collections
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import func, select, update

from bench import common
from slackapp.app import job_renderers
from slackapp.db import Store, upgrade
from slackapp.intros import jobs, service
from slackapp.intros.models import Intro, IntroMember, IntroPerson
from slackapp.intros.pairing import ALUMNI, OFFICERS, PEERS, History, Person, pair, plan_round
from slackapp.profiles.models import Profile
from slackapp.scheduler.dispatch import Dispatcher
from slackapp.scheduler.models import Job

EVERYONE = frozenset({PEERS, ALUMNI, OFFICERS})
SCHOOLS = ["State U", "Tech", "City College", "Northern", "Coastal"]
MAJORS = ["Finance", "Marketing", "Accounting", "Design", "Computer Science", "Economics"]
SKILLS = ["excel", "python", "sql", "figma", "writing", "sales", "tableau", "research"]
MONDAY = date(2031, 10, 6)


def seed_members(store: Store, team: str, count: int, *, alumni_every: int = 10, rng: random.Random) -> list[str]:
    users = [f"U{team[-4:]}{index:06d}" for index in range(count)]
    with store.write() as session:
        session.add_all(
            IntroMember(team_id=team, user_id=user, state="on", cadence="2w", open_to="peers,alumni,officers", guest=index % alumni_every == 0, officer=False, counted_since=MONDAY - timedelta(days=60))
            for index, user in enumerate(users)
        )
        session.add_all(
            Profile(team_id=team, user_id=user, school=rng.choice(SCHOOLS), major=rng.choice(MAJORS), skills=", ".join(rng.sample(SKILLS, 2)))
            for user in users
        )
    return users


def planning(store: Store, rng: random.Random) -> tuple[float, float, int]:
    team = "TBENCHPLAN"
    users = seed_members(store, team, 2000, rng=rng)
    # Two earlier rounds, held the same way, so the history is not empty (and everyone answered).
    for weeks in (4, 2):
        with store.write() as session:
            service.plan(session, team_id=team, day=MONDAY - timedelta(weeks=weeks), listed_officers=set())
            session.execute(update(IntroPerson).where(IntroPerson.team_id == team).values(answer="yes"))
    # Holding a round: pausing the silent, pairing, keeping the groups (the target), then its DMs.
    started = time.perf_counter()
    with store.write() as session:
        held_round = service.plan(session, team_id=team, day=MONDAY, listed_officers=set())
        session.rollback()
    held = time.perf_counter() - started
    started = time.perf_counter()
    with store.write() as session:
        planned = jobs.hold(session, team_id=team, day=MONDAY, now=datetime(2031, 10, 5, tzinfo=UTC))
    with_dms = time.perf_counter() - started
    assert len(held_round.intros) == 1000
    people = [Person(user, ALUMNI if index % 10 == 0 else PEERS, EVERYONE, rng.choice(SCHOOLS), rng.choice(MAJORS), frozenset(rng.sample(SKILLS, 2))) for index, user in enumerate(users)]
    started = time.perf_counter()
    plan_round(people, avoid=set(), history=History(), ordinal=3)
    pairing = time.perf_counter() - started
    return held, pairing, with_dms, planned


def repeats_while_unused_remain(count: int = 50, rounds: int = 20) -> tuple[int, int]:
    people = [Person(f"U{index:03d}", PEERS, EVERYONE) for index in range(count)]
    history, repeated, met = History(), 0, 0
    everyone = count * (count - 1) // 2
    for ordinal in range(rounds):
        groups = plan_round(people, avoid=set(), history=history, ordinal=ordinal, seed=ordinal)
        unused_left = len(history.last_met) < everyone
        for group in groups:
            for index, one in enumerate(group):
                for other in group[index + 1 :]:
                    repeated += unused_left and pair(one, other) in history.last_met
        history.record(groups, ordinal + 1)
        met = len(history.last_met)
    return repeated, met


def alumni_spread(alumni: int, students: int, rounds: int) -> tuple[int, int, int]:
    people = [Person(f"A{index:03d}", ALUMNI, frozenset({PEERS})) for index in range(alumni)]
    people += [Person(f"S{index:03d}", PEERS, EVERYONE) for index in range(students)]
    history = History()
    for ordinal in range(rounds):
        groups = plan_round(people, avoid=set(), history=history, ordinal=ordinal, seed=ordinal)
        assert all(sum(user.startswith("A") for user in group) <= 1 for group in groups)
        history.record(groups, ordinal + 1, {p.user_id for p in people if p.kind == ALUMNI})
    counts = [history.alum_intros.get(f"A{index:03d}", 0) for index in range(alumni)]
    return max(counts) - min(counts), min(counts), max(counts)


def sending(store: Store, share: float, rng: random.Random) -> dict:
    team = "TBENCHSEND"
    seed_members(store, team, 1000, alumni_every=10**9, rng=rng)
    day = MONDAY + timedelta(days=7)
    due = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
    with store.write() as session:
        jobs.hold(session, team_id=team, day=day, now=due - timedelta(days=1))
        pairs = {tuple(sorted(group)) for group in _groups(session, team)}
        # Only the intro DMs: the check-ins are for a week later.
        session.execute(update(Job).where(Job.team_id == team, Job.kind == jobs.CHECK_IN).values(status="cancelled"))
    began = time.monotonic()
    with common.LimitedSlack(share=share, seed=11) as fake:
        dispatcher = Dispatcher(
            store, WebClient(token="xoxb-bench", base_url=fake.url), renderers=job_renderers(), worker="bench", per_second=20.0,
            clock=lambda: due + timedelta(seconds=time.monotonic() - began),
        )
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            dispatcher.run_due(team_id=team)
            with store.read() as session:
                left = session.scalar(select(func.count()).select_from(Job).where(Job.team_id == team, Job.status.in_(("pending", "claimed"))))
            if not left:
                break
            time.sleep(0.05)
        dispatcher.shutdown()
        elapsed = time.monotonic() - began
        sent = [call for call in fake.calls_to("chat.postMessage") if not call.failed]
        limited = len(fake.limited_at)
    per_person = collections.Counter(call.args["channel"] for call in sent)
    per_pair = collections.Counter()
    for call in sent:
        partners = re.findall(r"<@([A-Z0-9]+)>", call.args["text"])
        per_pair[tuple(sorted([call.args["channel"], *partners]))] += 1
    with store.read() as session:
        statuses = dict(session.execute(select(Job.status, func.count()).where(Job.team_id == team, Job.kind == jobs.INTRO).group_by(Job.status)).all())
    return {
        "intros": len(pairs),
        "dms": len(sent),
        "429s": limited,
        "seconds": elapsed,
        "lost": sum(1 for group in pairs if per_pair[group] < len(group)),
        "doubled": sum(count - 1 for count in per_person.values() if count > 1),
        "wrong": sum(1 for group in per_pair if group not in pairs),
        "statuses": statuses,
    }


def _groups(session, team: str) -> list[list[str]]:
    found = collections.defaultdict(list)
    for intro_id, user in session.execute(select(Intro.id, IntroPerson.user_id).join(IntroPerson, IntroPerson.intro_id == Intro.id).where(Intro.team_id == team)):
        found[intro_id].append(user)
    return list(found.values())


def run(args, store: Store) -> int:
    rng = random.Random(5)
    held, pairing, with_dms, planned = planning(store, rng)
    print(f"store: {store.dialect}")
    print(f"1. round of 2,000 participants planned (paired and kept in the store): {held:.2f} s; pairing alone: {pairing:.2f} s; "
          f"with its {planned} DMs planned too (as the clock does it): {with_dms:.2f} s")
    repeated, met = repeats_while_unused_remain()
    print(f"2. 20 rounds of 50 participants: {met} of 1,225 pairs met; pairs repeated while unused pairs remained: {repeated}")
    spreads = [alumni_spread(50, 20, 10), alumni_spread(30, 60, 10)]
    for (alumni, students), (spread, low, high) in zip(((50, 20), (30, 60)), spreads):
        print(f"3. {alumni} alumni, {students} students, 10 rounds: intros per alum {low}..{high} (max - min = {spread})")
    outcome = sending(store, args.share, rng)
    print(
        f"4. a round of {outcome['intros']} intros: {outcome['dms']} DMs sent in {outcome['seconds']:.1f} s with {outcome['429s']} answers 429; "
        f"lost: {outcome['lost']}, doubled: {outcome['doubled']}, naming the wrong partner: {outcome['wrong']}; intro jobs: {outcome['statuses']}"
    )
    checks = [
        (f"round of 2,000 planned in {held:.2f} s < 5 s", held < 5),
        ("no pair repeated while unused pairs remained (20 rounds of 50)", repeated == 0),
        ("alumni spread evenly (max - min <= 1)", all(spread <= 1 for spread, _, _ in spreads)),
        ("500 intros sent under 429s: none lost, none doubled", outcome["intros"] == 500 and outcome["lost"] == outcome["doubled"] == outcome["wrong"] == 0),
    ]
    return common.verdict([], checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--share", type=float, default=0.10, help="share of chat.postMessage calls answered 429")
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on (default: SQLite in a temp folder)")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="bench-intros-") as scratch:
        database = store = None
        try:
            database = common.prepare_database(args.database_url and common.sqlalchemy_url(args.database_url), Path(scratch))
            store = Store.from_url(database.url)
            upgrade(store.engine)
            return run(args, store)
        finally:
            if store is not None:
                store.dispose()
            if database is not None:
                database.drop()


if __name__ == "__main__":
    sys.exit(main())
