"""Bolt glue for `/intros …`, its form, and the buttons of the intro and check-in DMs."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.intros import ids, service, views
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, number_in

# With "escape" on, Slack sends mentions as <@U123|name>; people also paste raw IDs.
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{6,})$")


def on_command(ack, command, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    words = (command.get("text") or "").split()
    verb = first_word(command.get("text"))
    if verb == "on":
        current = service.member(session, team_id=club.team_id, user_id=user_id)
        ack()
        slack.open_modal(command["trigger_id"], views.form(current))
    elif verb in ("off", "snooze", "avoid", "unavoid"):
        ack(**ephemeral(change(club, session, store, user_id, verb, words[1:])))
    elif verb == "stats":
        club.require_officer(user_id, views.ONLY_OFFICERS)
        numbers = service.numbers(session, team_id=club.team_id, today=club.today())
        ack(**ephemeral("Introductions: the club's numbers", views.numbers_blocks(numbers, service.SMALLEST_GROUP)))
    elif verb == "help":
        ack(**ephemeral(views.HELP))
    elif not verb:
        ack(**ephemeral("Your introductions", status_of(club, session, user_id)))
    else:
        ack(**ephemeral(views.USAGE))


def status_of(club: Club, session: Session, user_id: str) -> list:
    today = club.today()
    found = service.member(session, team_id=club.team_id, user_id=user_id)
    next_day = service.next_intro(session, team_id=club.team_id, user_id=user_id, today=today)
    avoiding = len(service.avoided_by(session, team_id=club.team_id, user_id=user_id))
    return views.status(found, next_day, avoiding, today)


def _mentioned(words: list[str]) -> str | None:
    found = _MENTION.match(words[0]) if len(words) == 1 else None
    return (found.group(1) or found.group(2)) if found else None


def change(club: Club, session: Session, store: Store, user_id: str, verb: str, words: list[str]) -> str:
    team_id, today = club.team_id, club.today()
    if verb in ("avoid", "unavoid"):
        other = _mentioned(words)
        if other is None:
            return views.WHOM_TO_AVOID
        with store.writing(session):
            if verb == "avoid":
                return views.avoiding(other, service.avoid(session, team_id=team_id, user_id=user_id, other=other))
            return views.unavoided(other, service.unavoid(session, team_id=team_id, user_id=user_id, other=other))
    if verb == "snooze":
        days = service.parse_snooze(" ".join(words))
        with store.writing(session):
            return views.snoozed(service.snooze(session, team_id=team_id, user_id=user_id, days=days, today=today).snoozed_until)
    with store.writing(session):
        found = service.turn_off(session, team_id=team_id, user_id=user_id)
    return views.TURNED_OFF if found else views.NOT_JOINED


def on_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """Whoever submits the form joins: the form names nobody else."""
    choice = service.validate(form_values(view))
    # What Slack says they are (and their zone), asked before the write.
    guest, officer = club.is_guest(user_id), club.is_officer(user_id)
    today = club.today()
    with store.writing(session):
        club.keep_timezone(user_id)
        found = service.opt_in(session, team_id=club.team_id, user_id=user_id, choice=choice, guest=guest, officer=officer, today=today)
        next_day = service.next_intro(session, team_id=club.team_id, user_id=user_id, today=today)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.joined(found, next_day))
    ack()


def on_answer(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    said = ids.ANSWERS[action["action_id"]]
    with store.writing(session):
        found = service.answer(session, team_id=team_id, intro_id=number_in(action.get("value")), user_id=user_id, said=said, now=datetime.now(timezone.utc))
    text, blocks = views.answered(said, found.others(user_id))
    ack()
    respond(text=text, blocks=blocks, replace_original=True)


def on_pause(ack, respond, session: Session, store: Store, team_id: str, user_id: str):
    with store.writing(session):
        found = service.pause(session, team_id=team_id, user_id=user_id)
    ack()
    respond(**ephemeral(views.PAUSED if found else views.NOT_JOINED), replace_original=False)


def on_resume(ack, respond, club: Club, session: Session, store: Store, user_id: str):
    today = club.today()
    with store.writing(session):
        service.resume(session, team_id=club.team_id, user_id=user_id, today=today)
        next_day = service.next_intro(session, team_id=club.team_id, user_id=user_id, today=today)
    found = service.member(session, team_id=club.team_id, user_id=user_id)
    ack()
    respond(text=views.joined(found, next_day), replace_original=True)


def register(app: App) -> None:
    app.command(ids.COMMAND)(on_command)
    app.view(ids.FORM)(on_form)
    for answer in ids.ANSWERS:
        app.action(answer)(on_answer)
    app.action(ids.PAUSE)(on_pause)
    app.action(ids.RESUME)(on_resume)
