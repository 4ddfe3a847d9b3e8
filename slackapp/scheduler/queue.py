"""Timed work as rows: plan it once, claim it atomically, record how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from slackapp.db import Store, insert_for, inserted
from slackapp.scheduler.models import Job, JobStatus, Member, SlackPause

# A claim older than this belongs to a process that died mid-send; the work goes back in the queue.
LEASE = timedelta(minutes=5)
# Set on a session that planned work (see Store.after_commit).
PLANNED = "planned_work"


def _pending(*, target: str, due_at: datetime, expires_at: datetime, payload: dict | None) -> dict:
    """A job's columns as it waits for its first try."""
    return {
        "target": target,
        "payload": payload or {},
        "due_at": due_at,
        "expires_at": expires_at,
        "next_attempt_at": due_at,
        "status": JobStatus.pending.value,
        "attempts": 0,
        "reason": None,
    }


def plan(
    session: Session,
    *,
    team_id: str,
    kind: str,
    key: str,
    target: str,
    due_at: datetime,
    expires_at: datetime,
    payload: dict | None = None,
) -> bool:
    """Add work unless the same key is already planned; True when it is new."""
    fields = _pending(target=target, due_at=due_at, expires_at=expires_at, payload=payload)
    statement = insert_for(session)(Job).values(team_id=team_id, kind=kind, key=key, **fields)
    # Work that was cancelled (a check-in turned off, then on again) can be planned anew;
    # anything else under the same key is left exactly as it is.
    statement = statement.on_conflict_do_update(
        index_elements=["team_id", "key"], set_=fields, where=Job.__table__.c.status == JobStatus.cancelled.value
    )
    new = inserted(session, statement, Job.id)
    if new:
        # Once this transaction commits, this process's sender looks at the queue at once.
        session.info[PLANNED] = True
    return new


@dataclass(frozen=True)
class Planned:
    """One piece of work for plan_many."""

    kind: str
    key: str
    target: str
    due_at: datetime
    expires_at: datetime
    payload: dict | None = None


# Rows per INSERT: PostgreSQL and SQLite both take this many sets of parameters in one statement.
PLAN_BATCH = 500


def plan_many(session: Session, *, team_id: str, work: list[Planned]) -> int:
    """Plan many new pieces of work in a few statements (a round's thousands of DMs); work under
    a key already planned is left as it is. How many were new."""
    new = 0
    for start in range(0, len(work), PLAN_BATCH):
        rows = [
            {"team_id": team_id, "kind": item.kind, "key": item.key, **_pending(target=item.target, due_at=item.due_at, expires_at=item.expires_at, payload=item.payload)}
            for item in work[start : start + PLAN_BATCH]
        ]
        statement = insert_for(session)(Job).values(rows).on_conflict_do_nothing(index_elements=["team_id", "key"]).returning(Job.id)
        new += len(session.execute(statement).all())
    if new:
        session.info[PLANNED] = True
    return new


def cancel(session: Session, *, team_id: str, kind: str, key_prefix: str, reason: str, now: datetime) -> int:
    """Cancel pending work whose key starts with `key_prefix` (work being sent right now is left alone)."""
    result = session.execute(
        update(Job)
        .where(Job.team_id == team_id, Job.kind == kind, Job.status == JobStatus.pending.value, Job.key.startswith(key_prefix, autoescape=True))
        .values(status=JobStatus.cancelled.value, reason=reason, finished_at=now)
    )
    return result.rowcount


def cancel_team(session: Session, *, team_id: str, reason: str, now: datetime) -> int:
    """Cancel all of a workspace's pending work (work being sent right now is left alone)."""
    result = session.execute(
        update(Job).where(Job.team_id == team_id, Job.status == JobStatus.pending.value).values(status=JobStatus.cancelled.value, reason=reason, finished_at=now)
    )
    return result.rowcount


def claim(session: Session, *, worker: str, now: datetime, limit: int = 20, team_id: str | None = None) -> list[Job]:
    """Take up to `limit` due items for `worker`; no other process can take the same ones.

    On PostgreSQL rows are locked with SKIP LOCKED; on SQLite the caller's transaction already
    holds the write lock (Store.write begins IMMEDIATE), so select-then-update is atomic.
    """
    session.execute(
        update(Job)
        .where(Job.status == JobStatus.claimed.value, Job.claimed_at < now - LEASE)
        .values(status=JobStatus.pending.value, claimed_by=None, reason="claim expired (the process sending it stopped); retrying")
    )
    # Round-robin over workspaces: every workspace's first due item comes before anyone's second
    # (in random order among workspaces), so one workspace's big fan-out can't hold up the others'
    # work behind it. Within a workspace, items keep their order.
    turns = select(Job.id, func.row_number().over(partition_by=Job.team_id, order_by=(Job.next_attempt_at, Job.id)).label("turn")).where(
        Job.status == JobStatus.pending.value, Job.next_attempt_at <= now
    )
    if team_id is not None:
        turns = turns.where(Job.team_id == team_id)
    turns = turns.subquery()
    due = select(Job.id).join(turns, turns.c.id == Job.id).order_by(turns.c.turn, func.random()).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(of=Job, skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(
        update(Job)
        .where(Job.id.in_(ids), Job.status == JobStatus.pending.value)
        .values(status=JobStatus.claimed.value, claimed_by=worker, claimed_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(select(Job).where(Job.id.in_(ids), Job.claimed_by == worker, Job.status == JobStatus.claimed.value)))


def _mine(job_id: int, worker: str):
    return and_(Job.id == job_id, Job.claimed_by == worker, Job.status == JobStatus.claimed.value)


def finish(
    session: Session,
    *,
    job_id: int,
    worker: str,
    status: JobStatus,
    now: datetime,
    reason: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
) -> bool:
    """Record the outcome; False if the claim was lost meanwhile (so the caller knows)."""
    result = session.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(status=status.value, finished_at=now, reason=reason, result_channel=channel, result_ts=ts)
    )
    return result.rowcount == 1


def last_alike(session: Session, job: Job, *, other_than: str, until: datetime) -> datetime | None:
    """When another worker last sent (or took to send) a job of the same kind for the same target
    (the updates of one message), up to `until`."""
    moment = func.coalesce(Job.finished_at, Job.claimed_at)
    return session.scalar(
        select(func.max(moment)).where(
            Job.team_id == job.team_id,
            Job.kind == job.kind,
            Job.target == job.target,
            Job.id != job.id,
            Job.claimed_by != other_than,
            Job.status.in_((JobStatus.sent.value, JobStatus.claimed.value)),
            moment <= until,
        )
    )


def retry_later(session: Session, *, job_id: int, worker: str, at: datetime, reason: str) -> bool:
    result = session.execute(
        update(Job).where(_mine(job_id, worker)).values(status=JobStatus.pending.value, claimed_by=None, next_attempt_at=at, reason=reason)
    )
    return result.rowcount == 1


def listing(session: Session, *, team_id: str | None = None, statuses: tuple[str, ...] = (), limit: int = 200) -> list[Job]:
    statement = select(Job).order_by(Job.next_attempt_at, Job.id).limit(limit)
    if team_id:
        statement = statement.where(Job.team_id == team_id)
    if statuses:
        statement = statement.where(Job.status.in_(statuses))
    return list(session.scalars(statement))


def remember_timezone(session: Session, *, team_id: str, user_id: str, tz: str | None) -> None:
    if not tz:
        return
    session.execute(
        insert_for(session)(Member)
        .values(team_id=team_id, user_id=user_id, tz=tz)
        .on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"tz": tz})
    )


def member_timezone(session: Session, *, team_id: str, user_id: str) -> str | None:
    return session.scalar(select(Member.tz).where(Member.team_id == team_id, Member.user_id == user_id))


def member_timezones(session: Session, *, team_id: str, user_ids: list[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(Member.user_id, Member.tz).where(Member.team_id == team_id, Member.user_id.in_(user_ids)))
    return {user_id: tz for user_id, tz in rows if tz}


def next_due(session: Session) -> datetime | None:
    """When the earliest pending work falls due."""
    return session.scalar(select(func.min(Job.next_attempt_at)).where(Job.status == JobStatus.pending.value))


def sent_since(session: Session, since: datetime) -> dict[str, int]:
    """How many jobs of each kind were sent from `since` on."""
    rows = session.execute(
        select(Job.kind, func.count()).where(Job.status == JobStatus.sent.value, Job.finished_at >= since).group_by(Job.kind)
    )
    return {kind: count for kind, count in rows}


def is_waiting(session: Session, *, team_id: str, key: str) -> bool:
    """Whether the work under `key` is still to be sent (pending, or being sent right now)."""
    status = session.scalar(select(Job.status).where(Job.team_id == team_id, Job.key == key))
    return status in (JobStatus.pending.value, JobStatus.claimed.value)


def due_now(store: Store, now: datetime) -> tuple[int, datetime | None]:
    """How many jobs are due and not sent yet, and since when the oldest of them is (for /metrics)."""
    with store.read() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(Job.next_attempt_at)).where(Job.status == JobStatus.pending.value, Job.next_attempt_at <= now)
        ).one()
    return count, oldest


def pause_team(session: Session, *, team_id: str, until: datetime) -> None:
    """Nothing is sent for the workspace before `until` (Slack's 429), by any process."""
    table = SlackPause.__table__
    statement = insert_for(session)(SlackPause).values(team_id=team_id, until=until)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id"], set_={"until": until}, where=table.c.until < until))


def paused_until(session: Session, *, team_id: str) -> datetime | None:
    return session.scalar(select(SlackPause.until).where(SlackPause.team_id == team_id))
