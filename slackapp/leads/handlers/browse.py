"""The /internships command: the open list, search, paging, and your saved leads."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.errors import UserError
from slackapp.leads import ids, sections, service, views
from slackapp.leads.handlers import history as lead_history
from slackapp.leads.models import LeadType
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata


def on_post(ack, command, slack: Slack):
    ack()
    slack.open_modal(command["trigger_id"], views.lead_form(channel=command.get("channel_id")))


def on_command(ack, command, club: Club, session: Session, user_id: str):
    """Every answer is the ack itself (see register: it runs in the request's thread)."""
    text = (command.get("text") or "").strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    if first == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif first == "mine" and len(text.split()) == 1:
        ack(**my_leads(club, session, user_id))
    elif first == "history" and club.looks_like_officer(user_id):  # for anyone else, a search for the word
        ack(**lead_history.answer(club, session, user_id, text.split(maxsplit=1)[1] if " " in text else ""))
    else:
        ack(**lead_list(club, session, user_id, service.parse_query(text)))


def lead_list(club: Club, session: Session, user_id: str, query: service.Query, page: int = 1) -> dict:
    """The list: the club's settings and whether the member is listed as an officer, the page with
    what this member saved, and, heading a search's first page, what other features add to it."""
    found = club.read_with_snapshot(lambda today, run: service.open_leads(session, team_id=club.team_id, today=today, query=query, page=page, member=user_id, run=run))
    above = sections.above_search(session, club, user_id, query.words, query.remote) if _finds_projects(query, page) else []
    officer = club.looks_like_officer(user_id)
    manageable = {lead.id for lead in found.leads if service.may_manage(lead, user_id=user_id, is_officer=officer)}
    below = sections.below_search(club, user_id, query.as_text(), page) if query.is_search else []
    blocks = views.lead_list(found, tz=club.timezone, saved=found.saved, manageable=manageable, above=above, below=below, officer=officer)
    return ephemeral(f"{len(found.leads)} internship leads", blocks)


def _finds_projects(query: service.Query, page: int) -> bool:
    """Micro-internship projects (type micro; always paid) head the first page of a search."""
    return query.is_search and page == 1 and query.kind in (None, LeadType.micro)


def my_leads(club: Club, session: Session, user_id: str) -> dict:
    saved = service.my_leads(session, team_id=club.team_id, user_id=user_id)
    below = sections.below_mine(session, club, user_id, views.MINE_EXTRA)
    return ephemeral("Your saved leads", views.my_leads(saved, tz=club.timezone, today=club.today(), below=below))


def on_page(ack, action, respond, club: Club, session: Session, user_id: str):
    try:
        wanted = json.loads(action.get("value") or "{}")
        query = service.parse_query(str(wanted.get("q", "")))
        page = int(wanted.get("p", 1))
    except (ValueError, TypeError, AttributeError, RecursionError):
        raise UserError(views.BROKEN_PAGE) from None
    answer = lead_list(club, session, user_id, query, page)
    ack()
    respond(**answer, replace_original=True)


def on_find(ack, body, slack: Slack):
    ack()
    slack.open_modal(body["trigger_id"], views.find_form())


def on_find_form(ack, view, club: Club, session: Session):
    """The search from App Home: the results replace the form; "Search again" goes back to it."""
    if metadata(view).get("shown"):
        ack(response_action="update", view=views.find_form())
        return
    query = service.parse_query(str(form_values(view).get(ids.FIND_WORDS) or ""))
    found = service.open_leads(session, team_id=club.team_id, today=club.today(), query=query)
    ack(response_action="update", view=views.find_results(found, tz=club.timezone))


def on_open(ack):
    # A link button still reports its click; the browser has already opened the link.
    ack()
