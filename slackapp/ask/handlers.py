"""Bolt glue for /ask: asking, helpers opting in, claiming, closing, handing back.

Who may do what is decided on the server for every request (the rules in ask.service): the person
acting is always the request's signed user, never anyone a button's value or a form's metadata names."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.ask import ids, jobs, service, views
from slackapp.ask.models import Kind
from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in

HELPER_USAGE = "Use `/ask helper on` (pick the kinds you take) or `/ask helper off`."


def _officers(club: Club, session: Session) -> list[str]:
    listed = {officer.user_id for officer in club_service.listed_officers(session, team_id=club.team_id)}
    return sorted(listed | club.officers.configured)


def _answered_in_place(body: dict) -> str | None:
    """The message whose button was pressed, answered by the listener (so not updated by the outbox)."""
    container = body.get("container") or {}
    return container.get("message_ts") if container.get("type") == "message" else None


# --- /ask ---------------------------------------------------------------------------------------------


def on_command(ack, command, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    text = command.get("text") or ""
    verb = first_word(text)
    if verb == "":
        ack()
        slack.open_modal(command["trigger_id"], views.request_form())
    elif verb == "help":
        ack(**ephemeral("Help queue", views.help_blocks()))
    elif verb == "mine":
        found = service.mine(session, team_id=club.team_id, user_id=user_id)
        kinds = service.helper_kinds(session, team_id=club.team_id, user_id=user_id)
        ack(**ephemeral("Your requests for help", views.mine(found, kinds=kinds)))
    elif verb == "helper":
        helper(ack, command, club, slack, session, store, user_id, text.split()[1:])
    else:
        ack(**ephemeral(views.unknown_command(verb)))


def helper(ack, command, club: Club, slack: Slack, session: Session, store: Store, user_id: str, words: list[str]) -> None:
    switch = words[0].lower() if words else ""
    if switch == "off":
        with store.writing(session):
            stopped = service.stop_helping(session, team_id=club.team_id, user_id=user_id)
        ack(**ephemeral(views.HELPER_OFF if stopped else views.NOT_A_HELPER))
    elif switch == "on" and len(words) > 1:
        kinds = service.parse_kinds(words[1:])
        if len(kinds) != len(words) - 1:
            raise UserError(f"Name kinds of help from: {', '.join(kind.value for kind in Kind)}; or just `/ask helper on` to pick them.")
        with store.writing(session):
            service.set_helper(session, team_id=club.team_id, user_id=user_id, kinds=kinds)
        ack(**ephemeral(views.helper_on(kinds)))
    elif switch == "on":
        current = service.helper_kinds(session, team_id=club.team_id, user_id=user_id)
        ack()
        slack.open_modal(command["trigger_id"], views.helper_form(current))
    else:
        raise UserError(HELPER_USAGE)


def on_stop(ack, respond, club: Club, session: Session, store: Store, user_id: str):
    """"Stop getting these" on a request a helper got by DM."""
    with store.writing(session):
        stopped = service.stop_helping(session, team_id=club.team_id, user_id=user_id)
    officer = club.is_known_officer(user_id)
    ack()
    text = " ".join(filter(None, [views.HELPER_OFF if stopped else None, views.OFFICERS_GET_THEM if officer else None])) or views.NOT_A_HELPER
    respond(**ephemeral(text), replace_original=False)


def on_open(ack, body, slack: Slack):
    """App Home's "Ask for help": the same form as `/ask`."""
    ack()
    slack.open_modal(body["trigger_id"], views.request_form())


def on_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_request(form_values(view))
    with store.writing(session):
        club_service.ensure_workspace(session, team_id=club.team_id)
        request = service.create(session, team_id=club.team_id, user_id=user_id, draft=draft)
        officers = _officers(club, session)
        asked = jobs.post(session, request=request, officers=officers)
        jobs.plan_unclaimed(session, request=request, officers=officers)
        settings = club_service.workspace(session, team_id=club.team_id)
        if settings.helpers_channel or settings.officers_channel:
            text, blocks = views.request_sent(request, helpers_asked=None)
        elif asked:
            text, blocks = views.request_sent(request, helpers_asked=len(asked))
        else:
            text, blocks = views.NO_HELPERS, []
        jobs.tell(session, request=request, user_id=user_id, what="sent", text=text, blocks=blocks)
    ack()


def on_helper_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    kinds = service.parse_kinds(form_values(view).get(ids.KINDS))
    with store.writing(session):
        service.set_helper(session, team_id=club.team_id, user_id=user_id, kinds=kinds)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.helper_on(kinds))
    ack()


# --- claiming -------------------------------------------------------------------------------------------


def on_claim(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str):
    request_id = number_in(action.get("value"))
    request = service.get(session, team_id=club.team_id, request_id=request_id)
    kinds = service.helper_kinds(session, team_id=club.team_id, user_id=user_id)
    # Asked before the write (it may ask Slack), and only of someone who doesn't take this kind.
    is_officer = request.kind not in kinds and request.user_id != user_id and club.is_officer(user_id)
    in_place = _answered_in_place(body)
    with store.writing(session):
        request = service.claim(session, team_id=club.team_id, request_id=request_id, user_id=user_id, is_officer=is_officer, kinds=kinds)
        for whom, (text, blocks) in ((request.helper, views.intro_helper(request)), (request.user_id, views.intro_requester(request))):
            jobs.tell(session, request=request, user_id=whom, what="claimed", text=text, blocks=blocks)
        jobs.plan_reminders(session, request=request)
        jobs.show_now(session, request=request, except_ts=in_place)
    ack()
    if in_place:
        text, blocks = views.post(request, turn=request.turn)
        respond(text=text, blocks=blocks, replace_original=True)
    respond(**ephemeral(views.claimed_by_you(request)), replace_original=False)


def on_hand_back(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        request = service.hand_back(session, team_id=club.team_id, request_id=number_in(action.get("value")), user_id=user_id)
        jobs.show_now(session, request=request, turn=request.turn - 1)
        officers = _officers(club, session)
        jobs.post(session, request=request, officers=officers)
        jobs.plan_unclaimed(session, request=request, officers=officers)
        jobs.tell(session, request=request, user_id=request.user_id, what="handed-back", text=views.handed_back(request, to_helper=False))
    ack()
    respond(**ephemeral(views.handed_back(request, to_helper=True)), replace_original=False)


# --- closing: the requester only ----------------------------------------------------------------------


def on_done(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    """Mark done opens the rating form (the requester's own claimed request only)."""
    request = service.may_mark_done(session, team_id=club.team_id, request_id=number_in(action.get("value")), user_id=user_id)
    ack()
    slack.open_modal(body["trigger_id"], views.done_form(request))


def on_done_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    rating, note = service.validate_rating(form_values(view))
    with store.writing(session):
        request = service.mark_done(session, team_id=club.team_id, request_id=number_in(metadata(view).get("request_id")), user_id=user_id,
                                    rating=rating, note=note)
        jobs.tell(session, request=request, user_id=request.helper, what="done", text=views.done_to_helper(request))
        jobs.show_now(session, request=request)
    ack(response_action="update", view=views.rated(request))


def on_withdraw(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        request = service.withdraw(session, team_id=club.team_id, request_id=number_in(action.get("value")), user_id=user_id)
        if request.helper:
            jobs.tell(session, request=request, user_id=request.helper, what="withdrawn", text=views.withdrawn(request, to_helper=True))
        jobs.show_now(session, request=request)
    ack()
    respond(**ephemeral(views.withdrawn(request, to_helper=False)), replace_original=False)


def register(app: App) -> None:
    app.command(ids.COMMAND)(on_command)
    app.action(ids.OPEN)(on_open)
    app.view(ids.FORM)(on_form)
    app.view(ids.HELPER_FORM)(on_helper_form)
    app.action(ids.CLAIM)(on_claim)
    app.action(ids.HAND_BACK)(on_hand_back)
    app.action(ids.STOP)(on_stop)
    app.action(ids.DONE)(on_done)
    app.view(ids.DONE_FORM)(on_done_form)
    app.action(ids.WITHDRAW)(on_withdraw)
