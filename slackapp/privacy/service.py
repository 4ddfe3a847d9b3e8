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

from sqlalchemy import JSON, String, Table, Text, cast, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from slackapp.models import metadata

# Rows that are only about the member (by their user_id column): deleted.
PERSONAL = {"profiles", "saved_leads", "habit_members", "habit_checks", "passport_members", "passport_claims", "home_viewers", "members", "officers"}
# Rows whose subject is the member (another column names them): deleted.
ABOUT = {"micro_evaluations": "student"}
# What a member wrote in a row that stays (their bid on a project that counts its positions).
WRITTEN = {"micro_bids": ("application", "availability", "portfolio", "submission_link")}
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


def everything_about(session: Session, *, team_id: str, user_id: str) -> dict[str, list[dict]]:
    """Every row of this workspace that names the member, table by table."""
    found: dict[str, list[dict]] = {}
    for table in _workspace_tables():
        rows = session.execute(select(table).where(table.c.team_id == team_id, _mentioning(table, user_id))).mappings().all()
        if rows:
            found[table.name] = [{key: _plain(value) for key, value in row.items()} for row in rows]
    return found


def as_json(found: dict[str, list[dict]], *, user_id: str, team_id: str) -> str:
    return json.dumps({"user_id": user_id, "team_id": team_id, "tables": found}, indent=2, ensure_ascii=False, sort_keys=True)


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
    return stand_in


def _rewrite(session: Session, table: Table, *, team_id: str, user_id: str, stand_in: str) -> None:
    for column in _text_columns(table, user_id):
        session.execute(update(table).where(table.c.team_id == team_id, column == user_id).values({column.name: stand_in}))
        rewritten = func.replace(func.replace(column, f"<@{user_id}>", f"<@{stand_in}>"), f"<@{user_id}|", f"<@{stand_in}|")
        session.execute(update(table).where(table.c.team_id == team_id, _mentions(column, user_id)).values({column.name: rewritten}))
