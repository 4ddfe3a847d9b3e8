"""Officers read a lead's history (the History button, `/internships history <lead>`) and export it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.errors import UserError
from slackapp.leads import history, views
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import number_in


def answer(club: Club, session: Session, user_id: str, words: str) -> dict:
    """`/internships history <number or words>`: the one lead's history, or the leads to pick from."""
    club.require_officer(user_id, views.ONLY_OFFICERS_HISTORY)
    if not words.strip():
        raise UserError(views.HISTORY_HELP)
    found = history.find(session, team_id=club.team_id, words=words)
    if not found:
        raise UserError(f"No lead matches that. {views.HISTORY_HELP}")
    if len(found) > 1:
        return ephemeral(*views.history_choices(found))
    return _history(club, session, *found[0])


def _history(club: Club, session: Session, lead_id: int, name: str) -> dict:
    return ephemeral(*views.history(lead_id, name, history.of_lead(session, team_id=club.team_id, lead_id=lead_id)))


def on_history(ack, action, respond, club: Club, session: Session, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS_HISTORY)
    found = history.find(session, team_id=club.team_id, words=str(number_in(action.get("value"))))
    if not found:
        raise UserError("That lead no longer exists.")
    answer_ = _history(club, session, *found[0])
    ack()
    respond(**answer_, replace_original=False)


def on_history_csv(ack, action, respond, club: Club, slack: Slack, session: Session, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS_HISTORY)
    lead_id = number_in(action.get("value"))
    changes = history.of_lead(session, team_id=club.team_id, lead_id=lead_id)
    if not changes:
        raise UserError("That lead has no recorded history.")
    ack()
    if slack.send_file(user_id, filename=f"lead-{lead_id}-history.csv", title=f"History of lead #{lead_id}", content=views.history_csv(changes)):
        respond(**ephemeral(views.HISTORY_SENT), replace_original=False)
