"""The plain peer: what a club developer would write instead of slackapp, as the reference for the
`/internships` and reaction benchmarks. A Bolt `App` (default settings, signatures checked by Bolt)
behind Bolt's WSGI adapter, under gunicorn gthread with bench.bare_app's options; SQLAlchemy 2 with
a session per request, no cache.

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:…/api/ \\
        .venv/bin/python -m bench.plain_peer --port 3002 [--workers 1] [--threads 32] \\
        [--database-url sqlite:///peer.db | postgresql+psycopg://…]   (or PEER_DATABASE_URL)

It loads nothing of slackapp (so its memory is honest). The tables are created at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, Text, create_engine, delete, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

EVENTS_PATH = "/slack/events"
ANSWERS = {"white_check_mark": "yes", "thinking_face": "maybe", "x": "no"}  # RSVP by reaction


class Base(DeclarativeBase):
    pass


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(3000))
    kind: Mapped[str] = mapped_column(String(16), default="internship")
    remote: Mapped[bool] = mapped_column(default=False)
    paid: Mapped[bool] = mapped_column(default=False)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    closed: Mapped[bool] = mapped_column(default=False)


class Rsvp(Base):
    """A member's answer to an event's message: one row per member and message."""

    __tablename__ = "rsvps"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))


def database_url() -> str:
    url = os.environ.get("PEER_DATABASE_URL") or "sqlite:///plain_peer.db"
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgresql://", "postgres://")) else url


def search(team_id: str, text: str):
    """The 10 newest open leads; `remote`, `paid` and `type:x` filter, any other word must appear in
    the role, the company or the description."""
    query = select(Lead).where(Lead.team_id == team_id, Lead.closed.is_(False))
    for word in text.split():
        if word.lower() == "remote":
            query = query.where(Lead.remote.is_(True))
        elif word.lower() == "paid":
            query = query.where(Lead.paid.is_(True))
        elif word.lower().startswith("type:"):
            query = query.where(Lead.kind == word.lower()[5:])
        else:
            query = query.where(or_(Lead.role.ilike(f"%{word}%"), Lead.company.ilike(f"%{word}%"), Lead.description.ilike(f"%{word}%")))
    return query.order_by(Lead.posted_at.desc(), Lead.id.desc()).limit(10)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lead_blocks(leads: list[Lead], text: str) -> list[dict]:
    if not leads:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "Nothing matches that search." if text else "No open leads yet."}}]
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape(lead.role)}* · {escape(lead.company)}\n<{lead.url}|Read more and apply>"},
            "accessory": {"type": "button", "action_id": "save_lead", "value": str(lead.id), "text": {"type": "plain_text", "text": "Save"}},
        }
        for lead in leads
    ]


def load():
    """Called by each gunicorn worker after the fork."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    engine = create_engine(database_url())
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/")),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        name="plain-peer",
    )

    @app.command("/internships")
    def internships(ack, command):
        text = (command.get("text") or "").strip()
        with Session(engine) as session:
            leads = list(session.scalars(search(command["team_id"], text)))
        ack(text=f"{len(leads)} internship leads", blocks=lead_blocks(leads, text))

    @app.action("save_lead")
    def save_lead(ack):
        ack()

    @app.view("lead_form")
    def share_lead(ack, body, view):
        state = {block: next(iter(element.values())) for block, element in view["state"]["values"].items()}
        given = {name: (state.get(name) or {}).get("value") or "" for name in ("company", "role", "url", "description", "pay")}
        missing = {name: "Please fill this in." for name in ("company", "role", "url") if not given[name].strip()}
        if missing:
            return ack(response_action="errors", errors=missing)
        kind = ((state.get("kind") or {}).get("selected_option") or {}).get("value") or "internship"
        with Session(engine) as session:
            session.add(Lead(team_id=body["team"]["id"], company=given["company"], role=given["role"], url=given["url"],
                             description=given["description"], kind=kind, paid=bool(given["pay"].strip()),
                             remote=bool((state.get("remote") or {}).get("selected_options"))))
            session.commit()
        ack()

    @app.event("reaction_added")
    def reaction_added(body, event):
        if event["reaction"] in ANSWERS and event["item"].get("type") == "message":
            with Session(engine) as session:
                session.merge(Rsvp(team_id=body["team_id"], channel_id=event["item"]["channel"], message_ts=event["item"]["ts"],
                                   user_id=event["user"], answer=ANSWERS[event["reaction"]]))
                session.commit()

    @app.event("reaction_removed")
    def reaction_removed(body, event):
        if event["reaction"] in ANSWERS and event["item"].get("type") == "message":
            with Session(engine) as session:
                session.execute(delete(Rsvp).where(
                    Rsvp.team_id == body["team_id"], Rsvp.channel_id == event["item"]["channel"], Rsvp.message_ts == event["item"]["ts"],
                    Rsvp.user_id == event["user"], Rsvp.answer == ANSWERS[event["reaction"]]))
                session.commit()

    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    healthy = json.dumps({"ok": True}).encode()

    def routes(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(healthy)))])
            return [healthy]
        return bolt(environ, start_response)

    return routes


def main(argv: list[str] | None = None) -> None:
    from bench.bare_app import serve  # the same gunicorn options as the bare app (it imports nothing else)

    parser = argparse.ArgumentParser(prog="bench.plain_peer")
    parser.add_argument("--port", type=int, default=3002)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: $PEER_DATABASE_URL, else sqlite:///plain_peer.db)")
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["PEER_DATABASE_URL"] = args.database_url  # the workers read it after the fork
    engine = create_engine(database_url())
    Base.metadata.create_all(engine)
    engine.dispose()
    # The same words as slackapp's own start-up line, so bench.common.serving_shape reads all three.
    print(f"plain peer: starting HTTP on port {args.port} ({args.workers} worker(s) x {args.threads} threads)", file=sys.stderr, flush=True)
    serve(args.port, args.workers, args.threads, loader=load)


if __name__ == "__main__":
    main()
