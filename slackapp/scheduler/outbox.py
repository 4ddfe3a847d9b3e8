"""Messages the app owes someone, kept in the store and sent exactly once by the scheduler.

Plan them in the same transaction as the change that causes them: if the process dies after
the commit, the message still goes out; if the change rolls back, so does the message. The sender
retries 429s after Retry-After and server errors with backoff, and records why it gave up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from slackapp.db import team_row, utcnow
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Call, Outgoing, Skip, Work
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts

log = logging.getLogger(__name__)

DM = "dm"
UPDATE = "update"
DELETE = "delete"
REACT = "react"
# An owed message that Slack can't take within this long is recorded as dropped, with the reason.
KEEP_TRYING = timedelta(days=2)


def send(session: Session, *, team_id: str, kind: str, key: str, target: str, payload: dict, now: datetime | None = None) -> bool:
    """Owe one piece of work of a feature's own `kind` (rendered by it when sent). False if `key`
    was owed already."""
    now = now or utcnow()
    return queue.plan(session, team_id=team_id, kind=kind, key=key, target=target, due_at=now, expires_at=now + KEEP_TRYING, payload=payload)


def dm(session: Session, *, team_id: str, user_id: str, text: str, blocks: Sequence | None = None) -> None:
    send(session, team_id=team_id, kind=DM, key=f"{DM}:{uuid.uuid4().hex}", target=user_id, payload={"text": text, "blocks": to_dicts(blocks)})


def update(session: Session, *, team_id: str, channel: str, ts: str, text: str, blocks: Sequence) -> None:
    """A message whose new content is known now (not one that shows live counts: see `refresh`)."""
    payload = {"channel": channel, "ts": ts, "text": text, "blocks": to_dicts(blocks)}
    send(session, team_id=team_id, kind=UPDATE, key=f"{UPDATE}:{uuid.uuid4().hex}", target=channel, payload=payload)


def delete(session: Session, *, team_id: str, channel: str, ts: str) -> None:
    send(session, team_id=team_id, kind=DELETE, key=f"{DELETE}:{channel}:{ts}", target=channel, payload={"channel": channel, "ts": ts})


def react(session: Session, *, team_id: str, channel: str, ts: str, names: Sequence[str]) -> None:
    for name in names:
        send(session, team_id=team_id, kind=REACT, key=f"{REACT}:{channel}:{ts}:{name}", target=channel, payload={"channel": channel, "ts": ts, "name": name})


# Built once: a storm of reactions asks it for every reaction.
_WAITING_REFRESH = (
    select(Job.id)
    .where(Job.team_id == bindparam("team"), Job.kind == bindparam("kind"), Job.status == JobStatus.pending.value, Job.key.like(bindparam("prefix"), escape="/"))
    .with_for_update()
    .limit(1)
)


def refresh(session: Session, *, team_id: str, kind: str, subject: int | str) -> None:
    """Show the current state in a posted message (a feature's `kind` renders it when sent).

    One refresh waits at a time per message: it renders whatever is true when it is sent, so a
    burst of changes becomes one update, and the last change is always shown. The waiting row is
    locked while this transaction runs, so no sender can render it before this change is committed."""
    prefix = f"{kind}:{subject}:"
    # A batch of changes (a burst of reactions handled together) asks once.
    asked = session.info.setdefault("refreshes_planned", set())
    if prefix in asked:
        return
    asked.add(prefix)
    pattern = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    if session.scalar(_WAITING_REFRESH, {"team": team_id, "kind": kind, "prefix": pattern}) is not None:
        return
    send(session, team_id=team_id, kind=kind, key=f"{prefix}{uuid.uuid4().hex}", target=str(subject), payload={"subject": subject})


def owed_row(session: Session, job: Job, model: type, *, id_key: str, gone: str):
    """For a feature's renderer: the row of `model` the job was owed about (its id in the payload
    at `id_key`), in the job's workspace. A row deleted since then has nothing left to say: the job
    is skipped, `gone` being why."""
    row = team_row(session, model, team_id=job.team_id, row_id=int(job.payload[id_key]))
    if row is None:
        raise Skip(gone)
    return row


def _render_dm(session: Session, job: Job, now: datetime) -> Outgoing:
    return Outgoing(channel=job.target, text=job.payload["text"], blocks=job.payload.get("blocks") or [])


def _render_update(session: Session, job: Job, now: datetime) -> Outgoing:
    payload = job.payload
    return Outgoing(channel=payload["channel"], update_ts=payload["ts"], text=payload["text"], blocks=payload.get("blocks") or [])


def _render_delete(session: Session, job: Job, now: datetime) -> Call:
    return Call("chat.delete", {"channel": job.payload["channel"], "ts": job.payload["ts"]}, done_if=frozenset({"message_not_found"}))


def _render_react(session: Session, job: Job, now: datetime) -> Call:
    args = {"channel": job.payload["channel"], "timestamp": job.payload["ts"], "name": job.payload["name"]}
    return Call("reactions.add", args, done_if=frozenset({"already_reacted"}))


RENDERERS = {DM: Work(_render_dm), UPDATE: Work(_render_update), DELETE: Work(_render_delete), REACT: Work(_render_react)}
PLANNERS = ()
