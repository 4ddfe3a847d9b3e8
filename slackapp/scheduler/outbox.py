"""Messages the app owes someone, kept in the store and sent exactly once by the scheduler.

Plan them in the same transaction as the change that causes them: if the process dies after
the commit, the message still goes out; if the change rolls back, so does the message. The sender
retries 429s after Retry-After and server errors with backoff, and records why it gave up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import team_row, utcnow
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import Call, NotYet, Outgoing, Skip, Work
from slackapp.scheduler.models import Job, JobStatus
from slackapp.slack.blocks import to_dicts
from slackapp.slack.facade import is_announceable, why_not_posted

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
    waiting = select(Job.id).where(
        Job.team_id == team_id, Job.kind == kind, Job.status == JobStatus.pending.value, Job.key.startswith(prefix, autoescape=True)
    )
    if session.scalar(waiting.with_for_update().limit(1)) is not None:
        return
    send(session, team_id=team_id, kind=kind, key=f"{prefix}{uuid.uuid4().hex}", target=str(subject), payload={"subject": subject})


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


@dataclass(frozen=True)
class AnnouncedPost:
    """A row announced once in a channel and kept up to date there (a lead, a gig): its model has
    announce_channel and announce_ts. `render(session, row)` gives the post's (text, blocks)."""

    model: type
    announce_kind: str
    update_kind: str
    render: Callable[[Session, object], tuple[str, list]]
    no_channel: str  # told to the poster when there is nowhere to announce
    not_announced: str  # told to the poster, followed by Slack's reason, when Slack refuses

    def announce(self, session: Session, *, row, channel: str | None, poster: str) -> None:
        if not is_announceable(channel):
            dm(session, team_id=row.team_id, user_id=poster, text=self.no_channel)
            return
        key = f"{self.announce_kind}:{row.id}"
        send(session, team_id=row.team_id, kind=self.announce_kind, key=key, target=channel, payload={"row_id": row.id, "poster": poster})

    def refresh(self, session: Session, *, row) -> None:
        refresh(session, team_id=row.team_id, kind=self.update_kind, subject=row.id)

    def _row(self, session: Session, job: Job, row_id: int):
        row = team_row(session, self.model, team_id=job.team_id, row_id=row_id)
        if row is None:
            raise Skip("it was deleted")
        return row

    def _render_announcement(self, session: Session, job: Job, now: datetime) -> Outgoing:
        text, blocks = self.render(session, self._row(session, job, int(job.payload["row_id"])))
        return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)

    def _announced(self, session: Session, job: Job, channel: str | None, ts: str | None) -> None:
        row = team_row(session, self.model, team_id=job.team_id, row_id=int(job.payload["row_id"]))
        if row is not None:
            row.announce_channel, row.announce_ts = channel, ts

    def _refused(self, session: Session, job: Job, error: str) -> None:
        dm(session, team_id=job.team_id, user_id=job.payload["poster"], text=f"{self.not_announced} {why_not_posted(error, job.target)}")

    def _render_update(self, session: Session, job: Job, now: datetime) -> Outgoing:
        row = self._row(session, job, int(job.payload["subject"]))
        if not (row.announce_channel and row.announce_ts):
            if queue.is_waiting(session, team_id=job.team_id, key=f"{self.announce_kind}:{row.id}"):
                raise NotYet("the announcement is still on its way")
            raise Skip("it was never announced")
        text, blocks = self.render(session, row)
        return Outgoing(channel=row.announce_channel, update_ts=row.announce_ts, text=text, blocks=to_dicts(blocks))

    def work(self) -> dict[str, Work]:
        return {
            self.announce_kind: Work(self._render_announcement, sent=self._announced, failed=self._refused),
            self.update_kind: Work(self._render_update),
        }


@dataclass(frozen=True)
class OfficersAsked:
    """A row the officers decide on (a gig request, a project to approve): asked in the officers'
    channel, or by DM to each officer when there is none or Slack refuses it. `render(row)` gives
    the question's (text, blocks); `asker(row)` is told `no_reviewers` when nobody can decide."""

    model: type
    kind: str
    id_key: str  # the row's id in the job's payload
    render: Callable[[object], tuple[str, list]]
    asker: Callable[[object], str]
    no_reviewers: str

    def ask(self, session: Session, *, row, channel: str | None, reviewers: list[str]) -> None:
        if channel:
            payload = {self.id_key: row.id, "reviewers": reviewers}
            send(session, team_id=row.team_id, kind=self.kind, key=f"{self.kind}:{row.id}", target=channel, payload=payload)
        else:
            self._ask_each(session, row=row, reviewers=reviewers)

    def _ask_each(self, session: Session, *, row, reviewers: list[str]) -> None:
        text, blocks = self.render(row)
        for officer_id in reviewers:
            dm(session, team_id=row.team_id, user_id=officer_id, text=text, blocks=blocks)
        if not reviewers:
            dm(session, team_id=row.team_id, user_id=self.asker(row), text=self.no_reviewers)

    def _row(self, session: Session, job: Job):
        row = team_row(session, self.model, team_id=job.team_id, row_id=int(job.payload[self.id_key]))
        if row is None:
            raise Skip("it was deleted")
        return row

    def _render(self, session: Session, job: Job, now: datetime) -> Outgoing:
        text, blocks = self.render(self._row(session, job))
        return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)

    def _not_posted(self, session: Session, job: Job, error: str) -> None:
        log.warning("officers' channel unusable for team %s: %s", job.team_id, error)
        self._ask_each(session, row=self._row(session, job), reviewers=list(job.payload.get("reviewers") or []))

    def work(self) -> dict[str, Work]:
        return {self.kind: Work(self._render, failed=self._not_posted)}
