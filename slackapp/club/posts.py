"""How the club posts in its channels and asks its officers, through the outbox: a row announced
once in a channel and kept up to date there (a lead, a gig), and a row the officers decide on (a
gig request, a project to approve). Features describe theirs with these shapes; the scheduler
knows none of them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.db import team_row
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import NotYet, Outgoing, Skip, Work
from slackapp.scheduler.models import Job, JobStatus
from slackapp.scheduler.outbox import dm, owed_row, refresh, send, update
from slackapp.slack.blocks import to_dicts
from slackapp.slack.facade import is_announceable, why_not_posted

log = logging.getLogger(__name__)


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

    def _render_announcement(self, session: Session, job: Job, now: datetime) -> Outgoing:
        text, blocks = self.render(session, owed_row(session, job, self.model, id_key="row_id", gone="it was deleted"))
        return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)

    def _announced(self, session: Session, job: Job, channel: str | None, ts: str | None) -> None:
        row = team_row(session, self.model, team_id=job.team_id, row_id=int(job.payload["row_id"]))
        if row is not None:
            row.announce_channel, row.announce_ts = channel, ts

    def _refused(self, session: Session, job: Job, error: str) -> None:
        dm(session, team_id=job.team_id, user_id=job.payload["poster"], text=f"{self.not_announced} {why_not_posted(error, job.target)}")

    def _render_update(self, session: Session, job: Job, now: datetime) -> Outgoing:
        row = owed_row(session, job, self.model, id_key="subject", gone="it was deleted")
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

    def _key(self, row, occasion: str | None) -> str:
        return f"{self.kind}:{row.id}" + (f":{occasion}" if occasion else "")

    def ask_officers(self, session: Session, *, row, reviewers: list[str], occasion: str | None = None) -> None:
        """Ask in the officers' channel from /club config; without one, each of `reviewers` by DM.
        `occasion` tells apart the times one row is asked about (a lead hidden again after a restore)."""
        channel = club.workspace(session, team_id=row.team_id).officers_channel
        if channel:
            payload = {self.id_key: row.id, "reviewers": reviewers}
            send(session, team_id=row.team_id, kind=self.kind, key=self._key(row, occasion), target=channel, payload=payload)
        else:
            self._ask_each(session, row=row, reviewers=reviewers)

    def show_now(self, session: Session, *, row, occasion: str | None = None, except_ts: str | None = None) -> None:
        """Owe an update of the question about `row` posted in the officers' channel (unless it is
        the message at `except_ts`, answered in place), showing `row` as it is now: decided and by
        whom, or with what has come in since it was asked. One not posted yet is rendered when sent."""
        posted = session.execute(
            select(Job.result_channel, Job.result_ts).where(
                Job.team_id == row.team_id, Job.key == self._key(row, occasion), Job.status == JobStatus.sent.value
            )
        ).first()
        if posted is not None and posted.result_channel and posted.result_ts and posted.result_ts != except_ts:
            text, blocks = self.render(row)
            update(session, team_id=row.team_id, channel=posted.result_channel, ts=posted.result_ts, text=text, blocks=blocks)

    def _ask_each(self, session: Session, *, row, reviewers: list[str]) -> None:
        text, blocks = self.render(row)
        for officer_id in reviewers:
            dm(session, team_id=row.team_id, user_id=officer_id, text=text, blocks=blocks)
        if not reviewers:
            dm(session, team_id=row.team_id, user_id=self.asker(row), text=self.no_reviewers)

    def _row(self, session: Session, job: Job):
        return owed_row(session, job, self.model, id_key=self.id_key, gone="it was deleted")

    def _render(self, session: Session, job: Job, now: datetime) -> Outgoing:
        text, blocks = self.render(self._row(session, job))
        return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks), join=True)

    def _not_posted(self, session: Session, job: Job, error: str) -> None:
        log.warning("officers' channel unusable for team %s: %s", job.team_id, error)
        self._ask_each(session, row=self._row(session, job), reviewers=list(job.payload.get("reviewers") or []))

    def work(self) -> dict[str, Work]:
        return {self.kind: Work(self._render, failed=self._not_posted)}
