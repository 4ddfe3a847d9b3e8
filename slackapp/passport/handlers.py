"""Bolt glue for /passport: my record, claims and their review, the leaderboard, the program, exports."""

from __future__ import annotations

import re
from datetime import date

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.passport import ids, service, views
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{6,})$")


def on_command(ack, command, respond, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    words = (command.get("text") or "").split()
    first = first_word(command.get("text"))
    if first == "help":
        ack(**ephemeral("Passport", views.help_blocks()))
    elif first == "claim":
        rules = service.program(session, team_id=club.team_id)
        ack()
        slack.open_modal(command["trigger_id"], views.claim_form(rules, today=club.today()))
    elif first == "config":
        club.require_officer(user_id, views.NOT_OFFICER)
        rules = service.program(session, team_id=club.team_id)
        ack()
        slack.open_modal(command["trigger_id"], views.config_form(rules))
    elif first == "leaderboard":
        ack(**ephemeral("Passport leaderboard", leaderboard(club, session, store, user_id, words[1:])))
    elif first == "review":
        club.require_officer(user_id, views.NOT_OFFICER)
        pending = service.pending_claims(session, team_id=club.team_id)
        rules = service.program(session, team_id=club.team_id)
        ack(**ephemeral("Passport claims waiting", views.pending_blocks(pending, rules)))
    elif first == "stats":
        club.require_officer(user_id, views.NOT_OFFICER)
        ack(**ephemeral("Passport numbers", club_numbers(club, session)))
    elif first == "export":
        records = export(club, slack, session, user_id, words[1:])
        ack()
        if slack.send_file(user_id, **records):
            respond(**ephemeral("I sent the CSV to our DM."))
    elif not words:
        ack(**ephemeral("Your passport", record_of(club, session, user_id) + [views.new_claim_button()]))
    elif (mentioned := _MENTION.match(words[0])) and len(words) == 1:
        club.require_officer(user_id, views.NOT_OFFICER)
        member = mentioned.group(1) or mentioned.group(2)
        ack(**ephemeral("A member's passport", record_of(club, session, member, whose=f"<@{member}>'s")))
    else:
        ack(**ephemeral(views.unknown_command(first), views.help_blocks()))


def record_of(club: Club, session: Session, member: str, *, whose: str = "Your") -> list:
    found = service.record(session, team_id=club.team_id, user_id=member, today=club.today(), tz=club.timezone)
    return views.record_blocks(found, whose=whose)


def club_numbers(club: Club, session: Session) -> list:
    rules = service.program(session, team_id=club.team_id)
    period = service.current_period(session, team_id=club.team_id, today=club.today())
    numbers = service.club_numbers(session, team_id=club.team_id, start=period.start, end=period.end, tz=club.timezone)
    return views.numbers_blocks(period.label, numbers, rules)


def leaderboard(club: Club, session: Session, store: Store, user_id: str, words: list[str]) -> list:
    choice = words[0].lower() if words else ""
    if choice in ("on", "off"):
        with store.writing(session):
            service.set_leaderboard(session, team_id=club.team_id, user_id=user_id, on=choice == "on")
        return views.leaderboard_choice(choice == "on")
    period, ranked = service.leaderboard(session, team_id=club.team_id, today=club.today(), tz=club.timezone)
    return views.leaderboard_blocks(period.label, ranked)


def _dates(words: list[str]) -> tuple[date, date]:
    try:
        start, end = (date.fromisoformat(word) for word in words)
    except ValueError:
        raise UserError(views.EXPORT_USAGE) from None
    return start, end


def export(club: Club, slack: Slack, session: Session, user_id: str, words: list[str]) -> dict:
    """Officers: everyone's record between two dates. Anyone else (or no dates): my own, this period.
    What `slack.send_file` takes."""
    if words:
        if len(words) != 2:
            raise UserError(views.EXPORT_USAGE)
        club.require_officer(user_id, views.NOT_OFFICER)
        start, end = _dates(words)
        members = None
    else:
        period = service.current_period(session, team_id=club.team_id, today=club.today())
        start, end, members = period.start, period.end, [user_id]
    found = service.records(session, team_id=club.team_id, start=start, end=end, tz=club.timezone, users=members)
    names = {record.user_id: slack.name_of(club.team_id, record.user_id) for record in found}
    who = "passport" if members is None else "my-passport"
    return {"filename": f"{who}-{start}-{end}.csv", "title": f"Passport records {start} to {end}", "content": views.records_csv(found, names)}


def on_new_claim(ack, body, club: Club, slack: Slack, session: Session):
    rules = service.program(session, team_id=club.team_id)
    ack()
    slack.open_modal(body["trigger_id"], views.claim_form(rules, today=club.today()))


def on_claim(ack, view, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        rules = service.program(session, team_id=club.team_id)
        draft = service.validate_claim(form_values(view), rules=rules, today=club.today())
        service.submit_claim(session, team_id=club.team_id, user_id=user_id, draft=draft)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.CLAIM_SENT)
    ack()


def on_review(ack, action, body, club: Club, slack: Slack, session: Session, user_id: str):
    claim = service.claim_for_review(session, team_id=club.team_id, claim_id=number_in(action.get("value")), is_officer=club.is_officer(user_id))
    rules = service.program(session, team_id=club.team_id)
    ack()
    slack.open_modal(body["trigger_id"], views.decision_form(claim, rules))


def on_decision(ack, view, club: Club, session: Session, store: Store, user_id: str):
    values = form_values(view)
    with store.writing(session):
        claim = service.decide_claim(
            session,
            team_id=club.team_id,
            claim_id=number_in(metadata(view).get("claim_id")),
            user_id=user_id,
            is_officer=club.is_officer(user_id),
            approve=values.get(ids.DECISION) != "decline",
            comment=values.get(ids.COMMENT),
        )
        rules = service.program(session, team_id=club.team_id)
        outbox.dm(session, team_id=club.team_id, user_id=claim.user_id, text=views.decided_dm(claim, rules))
    ack()


def on_config(ack, view, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        current = service.program(session, team_id=club.team_id)
        service.configure(session, team_id=club.team_id, user_id=user_id, is_officer=club.is_officer(user_id), raw=form_values(view), current=current)
    ack()


def register(app: App) -> None:
    app.command(ids.COMMAND)(on_command)
    app.action(ids.NEW_CLAIM)(on_new_claim)
    app.action(ids.REVIEW)(on_review)
    for callback_id, on_submit in ((ids.CLAIM_FORM, on_claim), (ids.DECISION_FORM, on_decision), (ids.CONFIG_FORM, on_config)):
        app.view(callback_id)(on_submit)
