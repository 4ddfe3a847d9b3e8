"""`/internships micro`: the projects taking bids, a member's own, and projects in `/internships` searches."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.micro import service, views
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack


def on_command(ack, command, club: Club, slack: Slack, session: Session, user_id: str):
    words = (command.get("text") or "").split()[1:]
    verb = words[0].lower() if words else ""
    if verb == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif verb == "post":
        ack()
        slack.open_modal(command["trigger_id"], views.project_form(poster=user_id))
    elif verb == "mine":
        mine = service.mine(session, team_id=club.team_id, user_id=user_id)
        ack(**ephemeral("Your micro-internships", views.mine_page(mine, user_id=user_id)))
    elif verb == "":
        blocks = listing(session, club, user_id)
        ack(**ephemeral("Micro-internships", blocks))
    else:
        ack(**ephemeral(views.unknown(verb)))


def _shown(session: Session, club: Club, user_id: str, projects: list) -> tuple[dict[int, str], set[int]]:
    """The member's bid on each project, and which projects they may review."""
    statuses = service.my_bid_statuses(session, team_id=club.team_id, user_id=user_id, project_ids=[project.id for project in projects])
    officer = club.looks_like_officer(user_id)
    return statuses, {project.id for project in projects if service.may_manage(project, user_id=user_id, is_officer=officer)}


def listing(session: Session, club: Club, user_id: str) -> list:
    projects = service.open_projects(session, team_id=club.team_id, today=club.today())
    statuses, manageable = _shown(session, club, user_id, projects)
    return views.project_list(projects, my_bids=statuses, manageable=manageable)


def search_section(session: Session, club: Club, user_id: str, words: tuple[str, ...], remote: bool) -> list:
    """Projects matching an `/internships` search, heading the leads' list (slackapp.leads.sections)."""
    if not club.may_hold(service.MAY_HAVE_OPEN_PROJECTS):
        return []
    projects = service.open_projects(session, team_id=club.team_id, today=club.today(), words=words, remote=remote, limit=views.SEARCH_SHOWN + 1)
    statuses, manageable = _shown(session, club, user_id, projects)
    return views.search_section(projects, my_bids=statuses, manageable=manageable)


def mine_section(session: Session, club: Club, user_id: str, limit: int) -> list:
    """A member's micro-internships, under `/internships mine` (slackapp.leads.sections)."""
    return views.mine_blocks(service.mine(session, team_id=club.team_id, user_id=user_id), user_id=user_id, limit=limit)
