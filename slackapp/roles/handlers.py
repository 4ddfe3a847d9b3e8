"""Bolt glue for `/club officers`, `/club handover` and `/club notes` (words of the club's command,
registered before the club's own listener), the handover's Confirm and Cancel, and the notes form."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club import views as club_views
from slackapp.club.context import Club
from slackapp.db import Store, team_row
from slackapp.errors import UserError
from slackapp.roles import ids, service, views
from slackapp.roles.models import OfficerRole
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata


def _now() -> datetime:
    return datetime.now(UTC)


def _rest(text: str) -> str:
    """The command's text after its first word."""
    parts = (text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


# ---- /club officers ---------------------------------------------------------------------------------------


def on_officers(ack, command, respond, club: Club, session: Session, store: Store, user_id: str):
    rest = _rest(command.get("text"))
    verb = first_word(rest) or "list"
    if verb == "list":
        ack()
        respond(**ephemeral(views.overview(service.roles(session, team_id=club.team_id),
                                           club_service.listed_officers(session, team_id=club.team_id), club.officers.configured)))
        return
    if verb not in ("add", "remove", "role"):
        ack(**ephemeral(views.USAGE))
        return
    words = service.read_words(_rest(rest))
    if not words.people:
        ack(**ephemeral(club_views.whom_to(verb)))
        return
    club.require_officer(user_id, views.NOT_OFFICER)
    today = club.today()
    with store.writing(session):
        if verb == "remove":
            lines = []
            for target in words.people:
                removed = club_service.remove_officer(session, team_id=club.team_id, user_id=target)
                held = service.vacate(session, team_id=club.team_id, user_id=target)
                lines.append(club_views.officer_removed(target, removed, configured=target in club.officers.configured) + views.vacated(held))
        elif verb == "role" or words.title:
            if len(words.people) != 1:
                raise UserError("Give a role to one person at a time: `/club officers role @someone <title>`.")
            role = service.give_role(session, team_id=club.team_id, user_id=words.people[0], title=words.title, by=user_id, today=today, until=words.until)
            lines = [views.role_given(role)]
        else:
            lines = [club_views.officer_added(target, club_service.add_officer(session, team_id=club.team_id, user_id=target, added_by=user_id))
                     for target in words.people]
    ack()
    respond(**ephemeral("\n".join(lines)))


# ---- /club handover ----------------------------------------------------------------------------------------


def on_handover(ack, command, club: Club, session: Session, user_id: str):
    club.require_officer(user_id, views.NOT_OFFICER)
    words = service.read_words(_rest(command.get("text")))
    if not words.people:
        ack(**ephemeral(views.HANDOVER_USAGE))
        return
    plan = service.plan_handover(session, team_id=club.team_id, user_id=user_id, words=words)
    preview = service.preview(session, team_id=club.team_id, plan=plan, now=_now(), today=club.today(), configured=club.officers.configured)
    text, blocks = views.preview_message(preview)
    ack(**ephemeral(text, blocks))


def on_confirm(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    """Checked again here, on the server: a crafted click from a member changes nothing."""
    club.require_officer(user_id, views.NOT_OFFICER)
    plan = service.Plan.from_value(action.get("value"))
    now = _now()
    with store.writing(session):
        done = service.hand_over(session, team_id=club.team_id, plan=plan, by=user_id, now=now, today=club.today(now))
        key = f"{ids.HANDOVER_DM}:{done.handover.id}"
        people = {plan.new: views.summary(done.preview, to_new=True)}
        if plan.old:
            people[plan.old] = views.summary(done.preview, to_new=False)
        for person, lines in done.told.items():
            if person not in people:
                people[person] = views.told(lines)
        for person, text in people.items():
            outbox.send(session, team_id=club.team_id, kind=outbox.DM, key=f"{key}:{person}", target=person, payload={"text": text, "blocks": []}, now=now)
    ack()
    respond(**ephemeral(views.done_message(done.preview)), replace_original=True)


def on_cancel(ack, respond):
    ack()
    respond(**ephemeral(views.CANCELLED), replace_original=True)


# ---- /club notes ------------------------------------------------------------------------------------------


def _readable(club: Club, session: Session, user_id: str, role: OfficerRole | None) -> None:
    if role is None or not service.may_read_notes(role, user_id=user_id, is_officer=role.holder == user_id or club.is_officer(user_id)):
        raise UserError(views.NOTES_REFUSED, field=ids.NOTES_TEXT)


def on_notes(ack, command, club: Club, slack: Slack, session: Session, user_id: str):
    title = _rest(command.get("text")).strip()
    held = service.roles_of(session, team_id=club.team_id, user_id=user_id)
    if not held and not club.is_officer(user_id):
        raise UserError(views.NOTES_REFUSED)
    if title:
        role = service.the_role(session, team_id=club.team_id, title=title)
    elif len(held) == 1:
        role = held[0]
    else:
        ack(**ephemeral(views.which_role(service.roles(session, team_id=club.team_id))))
        return
    _readable(club, session, user_id, role)
    form = views.notes_form(role, service.notes_of(session, role=role))
    ack()
    slack.open_modal(command["trigger_id"], form)


def on_notes_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    role_id = metadata(view).get("role_id")
    role = team_row(session, OfficerRole, team_id=club.team_id, row_id=role_id) if isinstance(role_id, int) else None
    _readable(club, session, user_id, role)
    text = str(form_values(view).get(ids.NOTES_TEXT) or "")
    with store.writing(session):
        service.edit_notes(session, role=role, text=text, by=user_id, now=_now())
    ack()


def _is(word: str):
    return lambda command: first_word(command.get("text") or "") == word


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[_is(ids.OFFICERS)])(on_officers)
    app.command(ids.COMMAND, matchers=[_is(ids.HANDOVER)])(on_handover)
    app.command(ids.COMMAND, matchers=[_is(ids.NOTES)])(on_notes)
    app.action(ids.CONFIRM)(on_confirm)
    app.action(ids.CANCEL)(on_cancel)
    app.view(ids.NOTES_FORM)(on_notes_form)
