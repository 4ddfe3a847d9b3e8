"""What the app stores about a member, found in every table; and forgetting them.

Every table has team_id, and people appear in it as Slack user ids: in their own rows (a profile,
saved leads, habit ticks), in rows that count for others too (an answer to an event, a gig
volunteered for, a lead shared), and as mentions (<@U…>) in text. Forgetting deletes the first,
keeps the second under a pseudonym so counts and histories stay right, and rewrites the third.
Work owed to or about them and the raw Slack events they caused are deleted."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, String, Table, Text, cast, delete, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from slackapp.db import ERASED
from slackapp.models import metadata

# Rows that are only about the member (by their user_id column): deleted.
PERSONAL = {"profiles", "saved_leads", "lead_alerts", "alert_matches", "habit_members", "habit_checks", "passport_members", "passport_claims", "home_viewers", "members", "officers", "helpers", "intro_members", "intro_avoids", "event_series_members", "resume_book_consents", "resume_book_optouts", "company_follows"}
# Rows whose subject is the member (another column names them): deleted.
# An avoid list's row names two people: forgetting either drops it (intro_avoids by user_id above).
ABOUT = {"micro_evaluations": "student", "intro_avoids": "avoided"}
# Rows a member's export shows only to the member this column names: an avoid list is private to
# whoever made it, so the one avoided never learns of it.
PRIVATE_TO = {"intro_avoids": "user_id"}
# What a member wrote in a row that stays (their bid on a project that counts its positions).
# (A report counts towards hiding a lead, so it stays; its note is the member's words. A request for
# help counts for its helper's passport and the officers' numbers: it stays, without what they wrote.)
WRITTEN = {
    "micro_bids": ("application", "availability", "portfolio", "submission_link"),
    "lead_reports": ("note",),
    "help_requests": ("topic", "link", "availability", "note"),
    # A review counts on its company's page: it stays under a stand-in, without what they wrote.
    "company_reviews": ("text", "role"),
}
REMOVED = "(removed at the member's request)"
# Raw events and owed messages mention people anywhere in their JSON: deleted when they do.
LOGS = {"inbox": "body", "jobs": "payload"}


def _workspace_tables() -> list[Table]:
    # OAuth states belong to no workspace yet and name nobody.
    return [table for table in metadata.sorted_tables if "team_id" in table.c]


def _text_columns(table: Table, user_id: str) -> list:
    """The columns that could hold the id: text, and long enough for it."""
    return [
        column
        for column in table.columns
        if isinstance(column.type, String | Text) and column.name != "team_id" and (column.type.length is None or column.type.length >= len(user_id))
    ]


def _json_columns(table: Table) -> list:
    return [column for column in table.columns if isinstance(column.type, JSON)]


def _mentions(column, user_id: str):
    return column.contains(f"<@{user_id}", autoescape=True)


def _mentioning(table: Table, user_id: str):
    """Rows of the table with the member in any column."""
    checks = [column == user_id for column in _text_columns(table, user_id)]
    checks += [_mentions(column, user_id) for column in _text_columns(table, user_id)]
    checks += [cast(column, Text).contains(user_id, autoescape=True) for column in _json_columns(table)]
    return or_(false(), *checks)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# A row's reference to another row, in words: the key it is shown under, the table it points into
# and the columns a person knows that row by (a bid is known by its project).
REFERENCES = {
    "lead_id": ("lead", "leads", ("company", "role")),
    "event_id": ("event", "events", ("title", "starts_at")),
    "gig_id": ("gig", "gigs", ("title", "due_date")),
    "project_id": ("project", "micro_projects", ("title", "organization")),
    "bid_id": ("bid", "micro_bids", ("project_id",)),
}
# What each table holds about the member, said once at the top of the export.
EXPLAINED = {
    "profiles": "Your profile: school, major, graduation year, skills and links.",
    "members": "Your time zone as Slack gave it, so reminders come at your own hours.",
    "officers": "Your officer role in the club.",
    "officer_roles": "Club roles (President, Treasurer …) you hold or gave, and their terms (kept under a stand-in when you are forgotten: they are the club's).",
    "role_notes": "Versions of a role's notes you wrote, or that name you (kept for the club, at least 4 years, under a stand-in when you are forgotten).",
    "role_handovers": "Handovers of club roles and open items from you, to you or run by you, and what moved.",
    "home_viewers": "When you last opened the app's Home tab.",
    "leads": "Internship leads you shared (or whose text names you).",
    "lead_history": "Changes you made to leads (shared, edited, closed, kept open, reported, reviewed), as each lead's history records them.",
    "lead_reports": "Leads you reported, with your reason and note (lead: its company and role).",
    "saved_leads": "Leads you saved and how far you got with each (lead: its company and role).",
    "lead_alerts": "Your alerts: the searches whose new matches come to you by DM, how and whether they run.",
    "alert_matches": "Leads and projects your alerts found for you, and the DM each went in.",
    "intro_members": "Your introductions settings: on, paused or off, how often, whom you're open to meet, a snooze.",
    "intro_avoids": "People you asked never to be paired with in introductions (private to you).",
    "intro_people": "Your place in each introduction and your answer to \"Did you meet?\" (kept under a stand-in when you are forgotten: it counts for the others).",
    "events": "Events you created (or whose text names you).",
    "rsvps": "Your answer to each event and your seat (event: its title and start, UTC).",
    "event_series": "Repeating events you created: how they repeat and what each date is made from.",
    "event_series_members": "Repeating events you are going to all of (Going to all).",
    "rsvp_actions": "Each RSVP you gave, by reaction or button, as it arrived.",
    "attendance": "Events you were checked in at.",
    "gigs": "Volunteer gigs you posted or are the contact for.",
    "gig_volunteers": "Volunteer gigs you signed up for, your spot and your confirmed hours (gig: its title).",
    "gig_requests": "Requests for volunteers you sent to the officers.",
    "help_requests": "Requests for help you asked for (the kind, what you wanted help with, your link, when you were available, your rating and note) "
    "or claimed as a helper, and where each got to.",
    "helpers": "Whether you take requests for help (/ask helper on), and which kinds.",
    "resume_books": "Resume books for firms you opened, closed or sent as an officer (kept under a stand-in when you are forgotten).",
    "resume_book_consents": "Resume books you were invited to, and when you opted in or withdrew (deleted when you are forgotten: you leave every future export).",
    "resume_book_optouts": "That you asked for no more resume book invitations by DM.",
    "resume_book_links": "Links for a firm to a resume book that you made as an officer (only a hash of each link is kept).",
    "resume_book_accesses": "Times a firm opened a resume book link you made.",
    "companies": "Company records you merged as an officer (kept under a stand-in when you are forgotten: they are the club's).",
    "company_reviews": "Your reviews of companies: rating, year, role, text, whether anonymous, and whether approved; or reviews you decided on as an officer "
    "(kept under a stand-in when you are forgotten, without what you wrote).",
    "company_contacts": "Conversations with companies that the officers logged and that name you (kept for the club under a stand-in when you are forgotten).",
    "company_follows": "Companies you follow (their new leads and projects come by DM).",
    "habit_members": "Your weekly job-search checklist settings.",
    "habit_checks": "Checklist items you ticked, week by week.",
    "passport_members": "Your Business Passport choices (the leaderboard).",
    "passport_claims": "Activities you claimed for your Business Passport, and the officers' decisions.",
    "passport_programs": "The club's Business Passport settings, last changed by you.",
    "micro_projects": "Micro-internship projects you posted, supervise or decided on.",
    "micro_milestones": "Milestones of micro-internship projects whose text names you.",
    "micro_bids": "Your bids on micro-internships and the work you handed in (project: its title).",
    "micro_evaluations": "Evaluations of your micro-internship work (bid: the project it was for).",
    "workspaces": "The club's settings, where they name you.",
    "installations": "This workspace's installation of the app, which you made.",
    "jobs": "Messages the app owed you, or others about you, and how each ended.",
    "inbox": "Slack events you caused that reached the app (your reactions, for instance), as Slack sent them.",
}


def _plain_rows(rows) -> list[dict]:
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def everything_about(session: Session, *, team_id: str, user_id: str) -> dict[str, list[dict]]:
    """Every row of this workspace that names the member, table by table, each reference to
    another row named in words next to its id."""
    found: dict[str, list[dict]] = {}
    for table in _workspace_tables():
        whose = table.c[PRIVATE_TO[table.name]] == user_id if table.name in PRIVATE_TO else _mentioning(table, user_id)
        rows = session.execute(select(table).where(table.c.team_id == team_id, whose)).mappings().all()
        if rows:
            found[table.name] = _with_references_named(session, team_id, _plain_rows(rows))
    return found


def _with_references_named(session: Session, team_id: str, rows: list[dict]) -> list[dict]:
    """The rows, with what each reference (lead_id) points at added next to it (lead: company, role)."""
    for column, (key, table_name, known_by) in REFERENCES.items():
        # Only numbers refer to our rows (the inbox's event_id is Slack's id of an event).
        ids = {row[column] for row in rows if isinstance(row.get(column), int)}
        if not ids:
            continue
        table = metadata.tables[table_name]
        statement = select(table.c.id, *(table.c[name] for name in known_by)).where(table.c.team_id == team_id, table.c.id.in_(ids))
        referred = _with_references_named(session, team_id, _plain_rows(session.execute(statement).mappings()))
        names = {entry.pop("id"): entry for entry in referred}
        for row in rows:
            if row.get(column) in names:
                row[key] = names[row[column]]
    return rows


def as_json(found: dict[str, list[dict]], *, user_id: str, team_id: str) -> str:
    about = {table: EXPLAINED.get(table, "Rows of this table that name you.") for table in found}
    return json.dumps({"user_id": user_id, "team_id": team_id, "about": about, "tables": found}, indent=2, ensure_ascii=False, sort_keys=True)


def pseudonym(user_id: str) -> str:
    """Stands in for a forgotten member: random (not derived from who they were), unique enough
    that their answers stay one per event, and as long as their id, so rewriting a mention never
    makes a text longer than its column allows. No Slack id starts with X."""
    return "X" + "".join(secrets.choice(_ALPHABET) for _ in range(max(len(user_id), 9) - 1))


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def forget(session: Session, *, team_id: str, user_id: str) -> str:
    """Forget the member in this workspace; returns the pseudonym their contributions now carry."""
    stand_in = pseudonym(user_id)
    tables = metadata.tables
    for name in PERSONAL:
        session.execute(delete(tables[name]).where(tables[name].c.team_id == team_id, tables[name].c.user_id == user_id))
    for name, column in ABOUT.items():
        session.execute(delete(tables[name]).where(tables[name].c.team_id == team_id, tables[name].c[column] == user_id))
    for name, column in LOGS.items():
        table = tables[name]
        session.execute(delete(table).where(table.c.team_id == team_id, _mentioning(table, user_id)))
    for name, columns in WRITTEN.items():
        table = tables[name]
        session.execute(update(table).where(table.c.team_id == team_id, table.c.user_id == user_id).values({column: None if table.c[column].nullable else REMOVED for column in columns}))
    for table in _workspace_tables():
        _rewrite(session, table, team_id=team_id, user_id=user_id, stand_in=stand_in)
    erased(session)
    return stand_in


def erased(session: Session) -> None:
    """Once this transaction commits, the store is scrubbed of the old copies of what it erased.

    On SQLite the leads' search index (FTS5, migration 0001) keeps the words of a lead deleted or
    rewritten (a mention of the member in its description) in its older segments, only marked as
    deleted, until they are merged: they are merged into one now. (PostgreSQL's text index is
    part of the leads' rows, which the scrub's VACUUM cleans.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO leads_fts(leads_fts) VALUES ('optimize')"))
    session.info[ERASED] = True


def _rewrite(session: Session, table: Table, *, team_id: str, user_id: str, stand_in: str) -> None:
    for column in _text_columns(table, user_id):
        session.execute(update(table).where(table.c.team_id == team_id, column == user_id).values({column.name: stand_in}))
        rewritten = func.replace(func.replace(column, f"<@{user_id}>", f"<@{stand_in}>"), f"<@{user_id}|", f"<@{stand_in}|")
        session.execute(update(table).where(table.c.team_id == team_id, _mentions(column, user_id)).values({column.name: rewritten}))
