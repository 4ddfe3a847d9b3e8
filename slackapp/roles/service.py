"""Officer roles, their notes and handovers: the rules, over a Session. No Slack here.

How roles and the officer list relate: holding a role puts you on the officer list (so you are an
officer); a handover of a role takes the outgoing holder off the list unless they still hold
another role. Officers named in SLACKAPP_OFFICERS and workspace admins stay officers regardless.
Taking someone off the list (`/club officers remove`) leaves their roles without a holder."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.db import insert_for, team_row
from slackapp.errors import UserError
from slackapp.passport.program import PeriodKind, period_of
from slackapp.roles import openitems
from slackapp.roles.models import Handover, OfficerRole, RoleNote

# The checklist comes this long before a term ends; a term ending sooner than this when a role is
# given runs to the end of the next academic year instead.
CHECKLIST_BEFORE = timedelta(days=14)
TITLE_MAX = 60
NOTES_MAX = 3000
# The edits shown under the notes.
LAST_EDITS = 5

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")
_UNTIL = re.compile(r"\buntil\s+(\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE)


# ---- reading a command ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A command's people (mentions or raw ids, in order), the title written next to them, and
    `until YYYY-MM-DD` when given."""

    people: list[str]
    title: str
    until: date | None = None


def read_words(text: str) -> Words:
    text = text or ""
    until = None
    found = _UNTIL.search(text)
    if found:
        try:
            until = date.fromisoformat(found.group(1))
        except ValueError:
            raise UserError(f"“{found.group(1)}” is not a date: write it as 2027-05-31.") from None
        text = text[: found.start()]
    people = list(dict.fromkeys(a or b for a, b in _MENTION.findall(text)))
    title = " ".join(_MENTION.sub(" ", text).split())
    return Words(people=people, title=title, until=until)


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise UserError("Name the role: `/club officers role @someone President`.")
    if len(title) > TITLE_MAX or any(char in title for char in "<>&*_~`"):
        raise UserError(f"A role's title is at most {TITLE_MAX} characters, without <, >, &, *, _, ~ or `.")
    return title


def key_of(title: str) -> str:
    return " ".join(title.split()).lower()


# ---- terms ------------------------------------------------------------------------------------------------


def default_term_end(today: date) -> date:
    """The end of the club's academic year (August to July, as the passport counts it); when that
    comes within 14 days, the end of the next one."""
    return period_of(today + CHECKLIST_BEFORE, PeriodKind.year).end


def _term(until: date | None, today: date) -> date:
    if until is None:
        return default_term_end(today)
    if until <= today:
        raise UserError("A term ends after today.")
    return until


# ---- roles --------------------------------------------------------------------------------------------------


def roles(session: Session, *, team_id: str) -> list[OfficerRole]:
    return list(session.scalars(select(OfficerRole).where(OfficerRole.team_id == team_id).order_by(OfficerRole.id)))


def role_named(session: Session, *, team_id: str, title: str) -> OfficerRole | None:
    return session.scalar(select(OfficerRole).where(OfficerRole.team_id == team_id, OfficerRole.key == key_of(title)))


def roles_of(session: Session, *, team_id: str, user_id: str) -> list[OfficerRole]:
    return list(session.scalars(select(OfficerRole).where(OfficerRole.team_id == team_id, OfficerRole.holder == user_id).order_by(OfficerRole.id)))


def the_role(session: Session, *, team_id: str, title: str) -> OfficerRole:
    role = role_named(session, team_id=team_id, title=title)
    if role is None:
        raise UserError(f"There is no role called “{title[:TITLE_MAX]}”. `/club officers` lists the roles.")
    return role


def give_role(session: Session, *, team_id: str, user_id: str, title: str, by: str, today: date, until: date | None = None) -> OfficerRole:
    """`user_id` holds the role `title` (made when new) until `until` (or the default), and is on
    the officer list. A role someone else holds moves only with a handover."""
    title = clean_title(title)
    term_end = _term(until, today)
    role = role_named(session, team_id=team_id, title=title)
    if role is not None and role.holder not in (None, user_id):
        raise UserError(f"<@{role.holder}> holds {role.title}: hand it over with `/club handover <@{user_id}> {role.title}`.")
    if role is None:
        role = OfficerRole(team_id=team_id, title=title, key=key_of(title), holder=user_id, term_end=term_end, assigned_by=by)
        session.add(role)
    else:
        role.title, role.holder, role.term_end, role.assigned_by = title, user_id, term_end, by
    club.add_officer(session, team_id=team_id, user_id=user_id, added_by=by)
    session.flush()
    return role


def vacate(session: Session, *, team_id: str, user_id: str) -> list[OfficerRole]:
    """Someone left the officer list: their roles stay, with nobody holding them."""
    held = roles_of(session, team_id=team_id, user_id=user_id)
    for role in held:
        role.holder = None
    return held


# ---- notes ------------------------------------------------------------------------------------------------


def may_read_notes(role: OfficerRole, *, user_id: str, is_officer: bool) -> bool:
    """The role's holder (so every later holder, in turn) and the officers."""
    return is_officer or role.holder == user_id


def notes_of(session: Session, *, role: OfficerRole, limit: int = LAST_EDITS) -> list[RoleNote]:
    """The latest versions, newest first: the first is the notes as they are now."""
    return list(session.scalars(
        select(RoleNote).where(RoleNote.team_id == role.team_id, RoleNote.role_id == role.id).order_by(RoleNote.id.desc()).limit(limit)
    ))


def edit_notes(session: Session, *, role: OfficerRole, text: str, by: str, now: datetime) -> RoleNote | None:
    """Keep a new version (never overwrite one); None when nothing changed."""
    text = (text or "").strip()
    if len(text) > NOTES_MAX:
        raise UserError(f"Notes are at most {NOTES_MAX} characters.")
    current = notes_of(session, role=role, limit=1)
    if (current[0].text if current else "") == text:
        return None
    note = RoleNote(team_id=role.team_id, role_id=role.id, text=text, edited_by=by, edited_at=now)
    session.add(note)
    session.flush()
    return note


# ---- handover ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A handover as asked: from whom (None: a role nobody holds), to whom, which role (None: open
    items only)."""

    old: str | None
    new: str
    role_id: int | None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def as_value(self) -> str:
        return "|".join((self.token, self.old or "", self.new, str(self.role_id or "")))

    @classmethod
    def from_value(cls, value: str | None) -> Plan:
        parts = (value or "").split("|")
        if len(parts) != 4 or not parts[0].isalnum() or not parts[2] or (parts[3] and not parts[3].isdigit()):
            raise UserError("That handover can't be read: run `/club handover` again.")
        return cls(old=parts[1] or None, new=parts[2], role_id=int(parts[3]) if parts[3] else None, token=parts[0][:32])


def plan_handover(session: Session, *, team_id: str, user_id: str, words: Words) -> Plan:
    """Who hands what to whom. Without a role named, the person asking hands over their own
    (the only one they hold)."""
    if len(words.people) != 1:
        raise UserError("Name the one person taking over: `/club handover @someone [role]`.")
    new = words.people[0]
    if words.title:
        role = the_role(session, team_id=team_id, title=words.title)
        old = role.holder
    else:
        held = roles_of(session, team_id=team_id, user_id=user_id)
        if len(held) > 1:
            raise UserError("You hold " + ", ".join(role.title for role in held) + ": name the one to hand over, `/club handover @someone <role>`.")
        role, old = (held[0] if held else None), user_id
    if old == new:
        raise UserError(f"<@{new}> already holds it.")
    return Plan(old=old, new=new, role_id=role.id if role else None)


@dataclass(frozen=True)
class Preview:
    plan: Plan
    role: OfficerRole | None
    term_end: date | None  # the new holder's
    items: dict[str, list[openitems.Item]]
    shared: dict[str, int]
    old_keeps: list[str]  # the other roles the outgoing holder keeps
    old_stays_officer: bool


def _new_term(role: OfficerRole, today: date) -> date:
    """The new holder finishes the term, unless it ends within 14 days: then a new one begins."""
    return role.term_end if role.term_end > today + CHECKLIST_BEFORE else default_term_end(today)


def preview(session: Session, *, team_id: str, plan: Plan, now: datetime, today: date, configured: frozenset[str] = frozenset()) -> Preview:
    role = team_row(session, OfficerRole, team_id=team_id, row_id=plan.role_id) if plan.role_id else None
    if plan.role_id and role is None:
        raise UserError("That role is gone: run `/club handover` again.")
    items = openitems.owned_by(session, team_id=team_id, owner=plan.old, now=now) if plan.old else {kind.key: [] for kind in openitems.KINDS}
    keeps = [other.title for other in roles_of(session, team_id=team_id, user_id=plan.old) if role is None or other.id != role.id] if plan.old else []
    stays = bool(plan.old) and (role is None or bool(keeps) or plan.old in configured)
    return Preview(plan=plan, role=role, term_end=_new_term(role, today) if role else None, items=items,
                   shared=openitems.shared(session, team_id=team_id), old_keeps=keeps, old_stays_officer=stays)


@dataclass(frozen=True)
class Done:
    handover: Handover
    preview: Preview  # as it was when it was done
    told: dict[str, list[str]]


def hand_over(session: Session, *, team_id: str, plan: Plan, by: str, now: datetime, today: date) -> Done:
    """Move the role and every open item, in the caller's transaction. A preview confirmed twice,
    or one the role has moved on from since, is refused with nothing changed."""
    role = team_row(session, OfficerRole, team_id=team_id, row_id=plan.role_id, lock=True) if plan.role_id else None
    if plan.role_id and (role is None or role.holder != plan.old):
        raise UserError("That role was handed over already (or changed since): `/club officers` shows who holds it now.")
    statement = insert_for(session)(Handover).values(
        team_id=team_id, token=plan.token, role_id=plan.role_id, from_user=plan.old, to_user=plan.new, done_by=by, moved={}, done_at=now
    ).on_conflict_do_nothing().returning(Handover.id)
    handover_id = session.scalar(statement)
    if handover_id is None:
        raise UserError("That handover was done already.")
    before = preview(session, team_id=team_id, plan=plan, now=now, today=today)
    moved = openitems.move(session, team_id=team_id, old=plan.old, new=plan.new, now=now) if plan.old else openitems.Moved(items=before.items, told={})
    if role is not None:
        role.holder, role.term_end, role.assigned_by, role.assigned_at = plan.new, before.term_end, by, now
        club.add_officer(session, team_id=team_id, user_id=plan.new, added_by=by)
        if plan.old and not before.old_keeps:
            club.remove_officer(session, team_id=team_id, user_id=plan.old)
    handover = session.get(Handover, handover_id)
    handover.moved = {kind: [item.id for item in items] for kind, items in moved.items.items() if items}
    session.flush()
    return Done(handover=handover, preview=replace(before, items=moved.items), told=moved.told)


# ---- the term's end ---------------------------------------------------------------------------------------


def ending(session: Session, *, team_id: str, term_end: date) -> list[OfficerRole]:
    return list(session.scalars(select(OfficerRole).where(OfficerRole.team_id == team_id, OfficerRole.term_end == term_end).order_by(OfficerRole.id)))
