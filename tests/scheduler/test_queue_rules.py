"""The queue's rules, one by one, on the migrated store: what planning, cancelling, claiming,
finishing and retrying do to the rows, which workspace and which jobs each touches, and the exact
moments at the edges (due, the claim's lease, `until`, `since`).

Jobs that must be alone in the store (the claim of every workspace, the earliest due, what /metrics
counts) are placed in 1990, long before anything another test leaves behind."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from slackapp.scheduler import queue
from slackapp.scheduler.models import Job, JobStatus, Member
from tests.conftest import new_id

pytestmark = pytest.mark.fast

T0 = datetime(2035, 4, 1, 8, 0, tzinfo=UTC)
PAST = datetime(1990, 1, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def plan(session, team: str, key: str, *, kind: str = "note", target: str = "U1", due=T0, payload=None) -> bool:
    return queue.plan(session, team_id=team, kind=kind, key=key, target=target, due_at=due, expires_at=due + timedelta(days=1), payload=payload)


def job(session, team: str, key: str) -> Job:
    session.expire_all()
    return session.scalar(select(Job).where(Job.team_id == team, Job.key == key))


def keys(jobs) -> list[str]:
    return sorted(job.key for job in jobs)


# ---- planning -------------------------------------------------------------------------------------


def test_planned_work_waits_for_its_moment_with_nothing_tried_yet(session):
    team = new_id("T")
    assert plan(session, team, "note:a", target="UA", payload=None) is True
    row = job(session, team, "note:a")
    assert (row.kind, row.target, row.payload, row.status, row.attempts, row.reason) == ("note", "UA", {}, "pending", 0, None)
    assert (row.due_at, row.next_attempt_at, row.expires_at) == (T0, T0, T0 + timedelta(days=1))
    assert (row.claimed_by, row.claimed_at, row.finished_at, row.result_channel, row.result_ts) == (None, None, None, None, None)


def test_planning_new_work_tells_the_sender_and_planning_known_work_does_not(session):
    team = new_id("T")
    session.info.pop(queue.PLANNED, None)
    assert plan(session, team, "note:a") is True
    assert session.info[queue.PLANNED] is True
    session.info.pop(queue.PLANNED)
    assert plan(session, team, "note:a") is False
    assert queue.PLANNED not in session.info


def test_the_same_key_in_another_workspace_is_other_work(session):
    one, two = new_id("T"), new_id("T")
    assert plan(session, one, "note:a") is True
    assert plan(session, two, "note:a") is True
    assert plan(session, one, "note:b") is True


def test_cancelled_work_planned_anew_starts_over(session):
    team = new_id("T")
    plan(session, team, "note:a", target="UOLD", payload={"v": 1})
    [claimed] = queue.claim(session, worker="w", now=T0, team_id=team)
    assert queue.retry_later(session, job_id=claimed.id, worker="w", at=T0 + timedelta(minutes=1), reason="slow down")
    assert queue.cancel(session, team_id=team, kind="note", key_prefix="note:", reason="turned off", now=T0) == 1
    later = T0 + timedelta(days=3)
    assert plan(session, team, "note:a", target="UNEW", due=later, payload={"v": 2}) is True
    row = job(session, team, "note:a")
    assert (row.status, row.attempts, row.reason, row.target, row.payload) == ("pending", 0, None, "UNEW", {"v": 2})
    assert (row.due_at, row.next_attempt_at, row.expires_at) == (later, later, later + timedelta(days=1))


# ---- cancelling -----------------------------------------------------------------------------------


def test_cancel_takes_pending_work_of_one_kind_whose_key_starts_so_in_one_workspace(session):
    team, other = new_id("T"), new_id("T")
    for key in ("rsvp:1:a", "rsvp:1:b", "rsvp:10:a", "rsvp:2:a", "rsvp_1:a", "rsvp:1%:x"):
        plan(session, team, key, kind="rsvp")
    plan(session, team, "rsvp:1:dm", kind="dm")
    plan(session, other, "rsvp:1:a", kind="rsvp")
    # One is being sent right now: left alone.
    plan(session, team, "rsvp:1:sending", kind="rsvp", due=T0 - timedelta(hours=1))
    [sending] = queue.claim(session, worker="w", now=T0 - timedelta(minutes=30), team_id=team)
    assert sending.key == "rsvp:1:sending"

    assert queue.cancel(session, team_id=team, kind="rsvp", key_prefix="rsvp:1:", reason="event deleted", now=T0) == 2
    session.expire_all()
    cancelled = session.scalars(select(Job).where(Job.status == "cancelled", Job.team_id.in_((team, other)))).all()
    assert keys(cancelled) == ["rsvp:1:a", "rsvp:1:b"]
    assert {(row.reason, row.finished_at, row.team_id) for row in cancelled} == {("event deleted", T0, team)}
    assert job(session, team, "rsvp:1:sending").status == "claimed"
    # Wildcards in the prefix are taken literally.
    assert queue.cancel(session, team_id=team, kind="rsvp", key_prefix="rsvp:1%", reason="x", now=T0) == 1
    assert job(session, team, "rsvp:1%:x").status == "cancelled"
    assert job(session, team, "rsvp:10:a").status == "pending"
    assert queue.cancel(session, team_id=team, kind="rsvp", key_prefix="rsvp_", reason="x", now=T0) == 1
    assert job(session, team, "rsvp:2:a").status == "pending"


def test_cancel_team_takes_all_of_one_workspaces_pending_work(session):
    team, other = new_id("T"), new_id("T")
    plan(session, team, "a", kind="note")
    plan(session, team, "b", kind="dm")
    plan(session, team, "c", kind="dm", due=T0 - timedelta(hours=1))
    queue.claim(session, worker="w", now=T0 - timedelta(minutes=30), team_id=team)
    plan(session, other, "a")
    assert queue.cancel_team(session, team_id=team, reason="uninstalled", now=T0) == 2
    assert [(job(session, team, key).status, job(session, team, key).reason, job(session, team, key).finished_at) for key in ("a", "b")] == [
        ("cancelled", "uninstalled", T0),
        ("cancelled", "uninstalled", T0),
    ]
    assert job(session, team, "c").status == "claimed"
    assert job(session, other, "a").status == "pending"


# ---- claiming -------------------------------------------------------------------------------------


def test_work_is_claimed_from_its_moment_on_and_marked_as_taken(session):
    team = new_id("T")
    plan(session, team, "note:a")
    plan(session, team, "note:b", due=T0 + TICK)
    assert queue.claim(session, worker="w", now=T0 - TICK, team_id=team) == []
    [taken] = queue.claim(session, worker="w", now=T0, team_id=team)
    assert taken.key == "note:a"
    row = job(session, team, "note:a")
    assert (row.status, row.claimed_by, row.claimed_at, row.attempts) == ("claimed", "w", T0, 1)
    assert job(session, team, "note:b").status == "pending"
    # Taken once: nobody else gets it.
    assert keys(queue.claim(session, worker="v", now=T0 + TICK, team_id=team)) == ["note:b"]
    assert queue.claim(session, worker="v", now=T0 + TICK, team_id=team) == []


def test_a_claim_lasts_five_minutes_then_the_work_goes_back_in_the_queue(session):
    team = new_id("T")
    plan(session, team, "note:a")
    queue.claim(session, worker="died", now=T0, team_id=team)
    assert queue.LEASE == timedelta(minutes=5)
    assert queue.claim(session, worker="w", now=T0 + timedelta(minutes=5), team_id=team) == []
    assert job(session, team, "note:a").claimed_by == "died"
    [again] = queue.claim(session, worker="w", now=T0 + timedelta(minutes=5) + TICK, team_id=team)
    row = job(session, team, "note:a")
    assert (again.id, row.status, row.claimed_by, row.attempts, row.claimed_at) == (row.id, "claimed", "w", 2, T0 + timedelta(minutes=5) + TICK)
    assert row.reason == "claim expired (the process sending it stopped); retrying"


def test_an_expired_claim_waits_for_its_retry_time_like_any_other(session):
    team = new_id("T")
    plan(session, team, "note:a")
    assert len(queue.claim(session, worker="died", now=T0, team_id=team)) == 1
    # Another workspace's expired claim is freed too: it is the same dead process's work.
    other = new_id("T")
    plan(session, other, "note:a")
    queue.claim(session, worker="died", now=T0, team_id=other)
    assert queue.claim(session, worker="w", now=T0 + timedelta(minutes=6), team_id=team) != []
    row = job(session, other, "note:a")
    assert (row.status, row.claimed_by) == ("pending", None)


def test_claim_takes_twenty_at_most_by_default_and_the_limit_given(session):
    team = new_id("T")
    for n in range(23):
        plan(session, team, f"note:{n:02}")
    assert len(queue.claim(session, worker="w", now=T0, limit=2, team_id=team)) == 2
    assert len(queue.claim(session, worker="w", now=T0, team_id=team)) == 20
    assert len(queue.claim(session, worker="w", now=T0, team_id=team)) == 1


def test_within_a_workspace_the_earliest_goes_first(session):
    team = new_id("T")
    plan(session, team, "note:late", kind="a", due=T0 + timedelta(minutes=2))
    plan(session, team, "note:first", kind="b", due=T0)
    plan(session, team, "note:second", kind="c", due=T0 + timedelta(minutes=1))
    plan(session, team, "note:also-second", kind="a", due=T0 + timedelta(minutes=1))
    order = [queue.claim(session, worker="w", now=T0 + timedelta(hours=1), limit=1, team_id=team)[0].key for _ in range(4)]
    assert order == ["note:first", "note:second", "note:also-second", "note:late"]


def test_every_workspaces_first_due_item_comes_before_anyones_second(session):
    big, small = new_id("T"), new_id("T")
    for n in range(5):
        plan(session, big, f"note:{n}", due=PAST + timedelta(minutes=n))
    plan(session, small, "note:0", due=PAST + timedelta(minutes=4))
    taken = queue.claim(session, worker="w", now=PAST + timedelta(hours=1), limit=2)
    assert sorted((row.team_id, row.key) for row in taken) == sorted([(big, "note:0"), (small, "note:0")])
    assert all(row.claimed_by == "w" and row.status == "claimed" for row in taken)


def test_the_workspaces_take_their_turn_in_random_order(session):
    """Neither the workspace that planned first nor any other always goes first within a turn."""
    first_in_line = set()
    for trial in range(24):
        teams = sorted(new_id("T") for _ in range(2))
        for team in teams:
            plan(session, team, "note:a", due=PAST + timedelta(minutes=trial))
        now = PAST + timedelta(minutes=trial)
        [taken] = queue.claim(session, worker="w", now=now, limit=1)
        first_in_line.add(teams.index(taken.team_id))
        [rest] = queue.claim(session, worker="w", now=now, limit=1)
        assert rest.team_id != taken.team_id
        for row in (taken, rest):
            queue.finish(session, job_id=row.id, worker="w", status=JobStatus.sent, now=now)
    assert first_in_line == {0, 1}


# ---- finishing and retrying -----------------------------------------------------------------------


def test_only_the_sender_holding_the_claim_records_the_outcome(session):
    team = new_id("T")
    plan(session, team, "note:a")
    plan(session, team, "note:b", due=T0 + timedelta(hours=1))
    [taken] = queue.claim(session, worker="w", now=T0, team_id=team)
    assert queue.finish(session, job_id=taken.id, worker="v", status=JobStatus.sent, now=T0, reason="x") is False
    assert job(session, team, "note:a").status == "claimed"
    # Work nobody claimed can't be finished either.
    pending = job(session, team, "note:b")
    assert queue.finish(session, job_id=pending.id, worker="w", status=JobStatus.sent, now=T0) is False
    assert job(session, team, "note:b").status == "pending"

    assert queue.finish(session, job_id=taken.id, worker="w", status=JobStatus.sent, now=T0 + timedelta(seconds=3), reason="done", channel="C1", ts="1.2") is True
    row = job(session, team, "note:a")
    assert (row.status, row.finished_at, row.reason, row.result_channel, row.result_ts) == ("sent", T0 + timedelta(seconds=3), "done", "C1", "1.2")
    # Once finished, it is nobody's to finish again.
    assert queue.finish(session, job_id=taken.id, worker="w", status=JobStatus.failed, now=T0) is False
    assert job(session, team, "note:a").status == "sent"


def test_finish_defaults_record_no_reason_and_no_message(session):
    team = new_id("T")
    plan(session, team, "note:a")
    [taken] = queue.claim(session, worker="w", now=T0, team_id=team)
    taken_reason = job(session, team, "note:a").reason
    assert taken_reason is None
    assert queue.finish(session, job_id=taken.id, worker="w", status=JobStatus.skipped, now=T0) is True
    row = job(session, team, "note:a")
    assert (row.status, row.reason, row.result_channel, row.result_ts) == ("skipped", None, None, None)


def test_retry_later_hands_the_work_back_for_later(session):
    team = new_id("T")
    plan(session, team, "note:a")
    [taken] = queue.claim(session, worker="w", now=T0, team_id=team)
    assert queue.retry_later(session, job_id=taken.id, worker="v", at=T0 + timedelta(seconds=5), reason="x") is False
    assert job(session, team, "note:a").claimed_by == "w"
    assert queue.retry_later(session, job_id=taken.id, worker="w", at=T0 + timedelta(seconds=5), reason="Slack was busy") is True
    row = job(session, team, "note:a")
    assert (row.status, row.claimed_by, row.next_attempt_at, row.reason, row.attempts) == ("pending", None, T0 + timedelta(seconds=5), "Slack was busy", 1)
    assert queue.retry_later(session, job_id=taken.id, worker="w", at=T0, reason="x") is False
    assert queue.claim(session, worker="w", now=T0 + timedelta(seconds=5) - TICK, team_id=team) == []
    assert len(queue.claim(session, worker="w", now=T0 + timedelta(seconds=5), team_id=team)) == 1


# ---- updates of one message by other processes ----------------------------------------------------


def add_job(session, team: str, key: str, *, kind="edit", target="C1", status="sent", claimed_by="elsewhere", claimed_at=None, finished_at=None) -> Job:
    row = Job(
        team_id=team,
        kind=kind,
        key=key,
        target=target,
        payload={},
        due_at=T0,
        expires_at=T0 + timedelta(days=1),
        next_attempt_at=T0,
        status=status,
        attempts=1,
        claimed_by=claimed_by,
        claimed_at=claimed_at,
        finished_at=finished_at,
    )
    session.add(row)
    session.flush()
    return row


def test_last_alike_is_the_latest_update_of_the_same_message_by_another_process(session):
    team, other_team = new_id("T"), new_id("T")
    at = lambda seconds: T0 + timedelta(seconds=seconds)
    # This very job: sent long after, by another worker. Not "another update".
    me = add_job(session, team, "edit:me", finished_at=at(9), claimed_at=at(8.5))
    assert queue.last_alike(session, me, other_than="here", until=at(20)) is None
    add_job(session, team, "edit:1", claimed_at=at(0.5), finished_at=at(1))
    add_job(session, team, "edit:2", status="claimed", claimed_at=at(2))
    add_job(session, team, "edit:3", claimed_by="here", claimed_at=at(3), finished_at=at(3))
    add_job(session, team, "edit:4", target="C2", claimed_at=at(4), finished_at=at(4))
    add_job(session, team, "edit:5", kind="other", claimed_at=at(5), finished_at=at(5))
    add_job(session, other_team, "edit:6", claimed_at=at(6), finished_at=at(6))
    add_job(session, team, "edit:7", status="failed", claimed_at=at(7), finished_at=at(7))
    add_job(session, team, "edit:7b", status="skipped", claimed_at=at(7), finished_at=at(7))
    add_job(session, team, "edit:7c", status="pending", claimed_by=None, claimed_at=at(7))
    assert queue.last_alike(session, me, other_than="here", until=at(20)) == at(2)
    assert queue.last_alike(session, me, other_than="here", until=at(2)) == at(2)
    assert queue.last_alike(session, me, other_than="here", until=at(2) - TICK) == at(1)
    # When it was sent counts, not when it was taken.
    assert queue.last_alike(session, me, other_than="here", until=at(1) - TICK) is None
    assert queue.last_alike(session, me, other_than="elsewhere", until=at(20)) == at(3)


# ---- listing and counting -------------------------------------------------------------------------


def test_listing_is_by_next_attempt_then_planning_order_with_filters(session):
    team, other = new_id("T"), new_id("T")
    plan(session, team, "c", due=T0 + timedelta(minutes=2))
    plan(session, team, "a", due=T0)
    plan(session, team, "b", due=T0)
    plan(session, other, "x", due=T0)
    queue.claim(session, worker="w", now=T0, limit=1, team_id=team)
    assert [row.key for row in queue.listing(session, team_id=team)] == ["a", "b", "c"]
    assert [row.key for row in queue.listing(session, team_id=team, statuses=("pending",))] == ["b", "c"]
    assert [row.key for row in queue.listing(session, team_id=team, statuses=("claimed", "sent"))] == ["a"]
    assert [row.key for row in queue.listing(session, team_id=team, limit=2)] == ["a", "b"]
    everyone = [(row.team_id, row.key) for row in queue.listing(session, limit=100_000)]
    assert (other, "x") in everyone and (team, "a") in everyone


def test_listing_breaks_ties_by_planning_order_whatever_the_kind(session):
    team = new_id("T")
    plan(session, team, "first", kind="zeta")
    plan(session, team, "second", kind="alpha")
    plan(session, team, "third", kind="mid")
    assert [row.key for row in queue.listing(session, team_id=team)] == ["first", "second", "third"]
    assert [row.key for row in queue.listing(session, team_id=team, statuses=("pending",))] == ["first", "second", "third"]


def test_listing_shows_two_hundred_at_most_by_default(session):
    team = new_id("T")
    for n in range(201):
        plan(session, team, f"n:{n:03}")
    listed = queue.listing(session, team_id=team)
    assert len(listed) == 200 and listed[-1].key == "n:199"


def test_a_members_time_zone_is_remembered_per_workspace(session):
    team, other = new_id("T"), new_id("T")
    queue.remember_timezone(session, team_id=team, user_id="U1", tz="America/Chicago")
    queue.remember_timezone(session, team_id=other, user_id="U1", tz="Asia/Tokyo")
    queue.remember_timezone(session, team_id=team, user_id="U2", tz="Europe/Paris")
    assert queue.member_timezone(session, team_id=team, user_id="U1") == "America/Chicago"
    assert queue.member_timezone(session, team_id=other, user_id="U1") == "Asia/Tokyo"
    assert queue.member_timezone(session, team_id=team, user_id="U3") is None
    # A new zone replaces the old; no zone at all changes nothing.
    queue.remember_timezone(session, team_id=team, user_id="U1", tz="America/Denver")
    queue.remember_timezone(session, team_id=team, user_id="U1", tz=None)
    queue.remember_timezone(session, team_id=team, user_id="U1", tz="")
    queue.remember_timezone(session, team_id=team, user_id="U4", tz="")
    assert queue.member_timezone(session, team_id=team, user_id="U1") == "America/Denver"
    assert session.scalar(select(Member).where(Member.team_id == team, Member.user_id == "U4")) is None
    assert queue.member_timezone(session, team_id=other, user_id="U1") == "Asia/Tokyo"


def test_time_zones_of_several_members_in_one_workspace(session):
    team, other = new_id("T"), new_id("T")
    queue.remember_timezone(session, team_id=team, user_id="U1", tz="America/Chicago")
    queue.remember_timezone(session, team_id=team, user_id="U2", tz="Europe/Paris")
    queue.remember_timezone(session, team_id=team, user_id="U3", tz="Asia/Tokyo")
    queue.remember_timezone(session, team_id=other, user_id="U4", tz="Africa/Cairo")
    session.add(Member(team_id=team, user_id="U5", tz=None))
    session.flush()
    assert queue.member_timezones(session, team_id=team, user_ids=["U1", "U2", "U4", "U5", "U9"]) == {"U1": "America/Chicago", "U2": "Europe/Paris"}
    assert queue.member_timezones(session, team_id=team, user_ids=[]) == {}


class OneSession:
    """A store whose reads are this test's session (what due_now reads is rolled back with it)."""

    def __init__(self, session):
        self.session = session

    @contextlib.contextmanager
    def read(self):
        yield self.session


def test_next_due_and_due_now_count_only_pending_work(session):
    team = new_id("T")
    plan(session, team, "taken", due=PAST - timedelta(days=2))
    queue.claim(session, worker="w", now=PAST - timedelta(days=1), team_id=team)
    plan(session, team, "a", due=PAST)
    plan(session, team, "b", due=PAST + timedelta(minutes=1))
    plan(session, team, "c", due=PAST + timedelta(minutes=2))
    assert queue.next_due(session) == PAST
    assert queue.due_now(OneSession(session), PAST - TICK) == (0, None)
    assert queue.due_now(OneSession(session), PAST + timedelta(minutes=1)) == (2, PAST)


def test_sent_since_counts_what_was_sent_by_kind_from_a_moment_on(session):
    team = new_id("T")
    kind, other_kind = new_id("k"), new_id("k")
    for n, (which, minute, status) in enumerate([(kind, 0, JobStatus.sent), (kind, 1, JobStatus.sent), (kind, 2, JobStatus.failed), (other_kind, 2, JobStatus.sent), (kind, -1, JobStatus.sent)]):
        plan(session, team, f"{which}:{n}", kind=which)
        [taken] = queue.claim(session, worker="w", now=T0, limit=1, team_id=team)
        queue.finish(session, job_id=taken.id, worker="w", status=status, now=T0 + timedelta(minutes=minute))
    counts = queue.sent_since(session, T0)
    assert (counts.get(kind), counts.get(other_kind)) == (2, 1)
    counts = queue.sent_since(session, T0 + TICK)
    assert (counts.get(kind), counts.get(other_kind)) == (1, 1)


def test_is_waiting_while_pending_or_being_sent_in_that_workspace(session):
    team, other = new_id("T"), new_id("T")
    plan(session, team, "a")
    plan(session, other, "b")
    assert queue.is_waiting(session, team_id=team, key="a") is True
    assert queue.is_waiting(session, team_id=team, key="b") is False
    assert queue.is_waiting(session, team_id=team, key="nothing") is False
    [taken] = queue.claim(session, worker="w", now=T0, team_id=team)
    assert queue.is_waiting(session, team_id=team, key="a") is True
    queue.finish(session, job_id=taken.id, worker="w", status=JobStatus.sent, now=T0)
    assert queue.is_waiting(session, team_id=team, key="a") is False


def test_on_postgresql_a_second_sender_skips_the_work_another_is_claiming(migrated_url):
    """Two processes claim at once: the second takes what the first has not locked, without waiting
    for the first's transaction (SKIP LOCKED). On SQLite a claim holds the store's write lock, so
    claims never overlap."""
    from sqlalchemy.orm import Session

    from slackapp.db import Store

    store = Store.from_url(migrated_url)
    try:
        if store.dialect != "postgresql":
            pytest.skip("SQLite: a claim holds the write lock; two never overlap")
        team = new_id("T")
        # In 1990, so that no claim another test left behind has expired (the first claim would
        # free it, and the second wait for that).
        with store.write() as session:
            plan(session, team, "note:a", due=PAST)
            plan(session, team, "note:b", due=PAST + TICK)
        with store.write() as first:
            mine = [row.key for row in queue.claim(first, worker="first", now=PAST + TICK, limit=1, team_id=team)]
            with store.engine.connect() as connection:
                # Were the second to wait for the first, it would fail here instead of hanging.
                connection.exec_driver_sql("SET lock_timeout = '10s'")
                with Session(bind=connection) as second:
                    theirs = [row.key for row in queue.claim(second, worker="second", now=PAST + TICK, team_id=team)]
                    second.commit()
        assert (mine, theirs) == (["note:a"], ["note:b"])
    finally:
        if store.dialect == "postgresql":
            # Settled, so that no later claim's lease sweep puts them back in the queue.
            with store.write() as session:
                session.execute(update(Job).where(Job.team_id == team).values(status=JobStatus.sent.value))
        store.dispose()
