"""Introductions over the store: opting in, avoid lists, snoozing, rounds and their answers. No Slack."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from slackapp.club.models import Workspace
from slackapp.db import insert_for, inserted
from slackapp.errors import UserError
from slackapp.intros import ids
from slackapp.intros.models import Cadence, Intro, IntroAvoid, IntroMember, IntroPerson, IntroRound, Kind, State
from slackapp.intros.pairing import ALUMNI, OFFICERS, PEERS, History, Person, pair, plan_round, skill_set
from slackapp.profiles.models import Profile

CADENCE_DAYS = {Cadence.biweekly.value: 14, Cadence.monthly.value: 28}
KINDS = tuple(kind.value for kind in Kind)
# Someone who left this many intros in a row unanswered is paused.
UNANSWERED_IN_A_ROW = 3
ANSWERS = ("yes", "not_yet", "skip")
MAX_SNOOZE_DAYS = 365
# Officers' numbers never show a figure that stands for fewer members than this (as the passport's).
SMALLEST_GROUP = 5
_SNOOZE = re.compile(r"^(\d{1,3})\s*([dw])$")


# --- a member's settings ------------------------------------------------------------------------


def member(session: Session, *, team_id: str, user_id: str) -> IntroMember | None:
    return session.scalar(select(IntroMember).where(IntroMember.team_id == team_id, IntroMember.user_id == user_id))


@dataclass(frozen=True)
class Choice:
    cadence: str
    open_to: tuple[str, ...]


def validate(raw: dict) -> Choice:
    """The `/intros on` form: how often, and whom to meet (at least one kind)."""
    errors = {}
    cadence = raw.get(ids.CADENCE) or Cadence.biweekly.value
    if cadence not in CADENCE_DAYS:
        errors[ids.CADENCE] = "Pick every 2 weeks or monthly."
    chosen = raw.get(ids.OPEN_TO)
    open_to = tuple(kind for kind in KINDS if isinstance(chosen, list) and kind in chosen)
    if not open_to:
        errors[ids.OPEN_TO] = "Pick at least one: peers, alumni or officers."
    if errors:
        raise UserError.in_fields(errors)
    return Choice(cadence=cadence, open_to=open_to)


def opt_in(session: Session, *, team_id: str, user_id: str, choice: Choice, guest: bool, officer: bool, today: date) -> IntroMember:
    """On (again), with these choices; a pause and a snooze end, and unanswered intros count afresh."""
    values = {
        "state": State.on.value,
        "cadence": choice.cadence,
        "open_to": ",".join(choice.open_to),
        "snoozed_until": None,
        "guest": guest,
        "officer": officer,
        "counted_since": today,
        "paused_by_app": False,
    }
    statement = insert_for(session)(IntroMember).values(team_id=team_id, user_id=user_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=values))
    return session.scalar(
        select(IntroMember).where(IntroMember.team_id == team_id, IntroMember.user_id == user_id).execution_options(populate_existing=True)
    )


def _mine(session: Session, team_id: str, user_id: str) -> IntroMember:
    found = member(session, team_id=team_id, user_id=user_id)
    if found is None:
        raise UserError("You haven't joined introductions yet: `/intros on`.")
    return found


def turn_off(session: Session, *, team_id: str, user_id: str) -> IntroMember | None:
    found = member(session, team_id=team_id, user_id=user_id)
    if found is not None:
        found.state, found.paused_by_app = State.off.value, False
    return found


def pause(session: Session, *, team_id: str, user_id: str, by_app: bool = False) -> IntroMember | None:
    found = member(session, team_id=team_id, user_id=user_id)
    if found is not None and found.state == State.on.value:
        found.state, found.paused_by_app = State.paused.value, by_app
    return found


def resume(session: Session, *, team_id: str, user_id: str, today: date) -> IntroMember:
    found = _mine(session, team_id, user_id)
    found.state, found.paused_by_app, found.counted_since, found.snoozed_until = State.on.value, False, today, None
    return found


def parse_snooze(text: str) -> int:
    """`2w` or `10d` -> days."""
    found = _SNOOZE.match(text.strip().lower())
    days = int(found.group(1)) * (7 if found.group(2) == "w" else 1) if found else 0
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise UserError("Say how long, like `/intros snooze 2w` (weeks) or `/intros snooze 10d` (days), up to a year.")
    return days


def snooze(session: Session, *, team_id: str, user_id: str, days: int, today: date) -> IntroMember:
    found = _mine(session, team_id, user_id)
    found.snoozed_until = today + timedelta(days=days)
    return found


def refresh_roles(session: Session, *, team_id: str, user_id: str, guest: bool, officer: bool) -> None:
    """What Slack says they are now (a member may become an officer, a guest may be promoted)."""
    found = member(session, team_id=team_id, user_id=user_id)
    if found is not None and (found.guest, found.officer) != (guest, officer):
        found.guest, found.officer = guest, officer


def avoid(session: Session, *, team_id: str, user_id: str, other: str) -> bool:
    """Never pair the two (either way round). False when they were on the list already."""
    if other == user_id:
        raise UserError("You won't be introduced to yourself.")
    statement = insert_for(session)(IntroAvoid).values(team_id=team_id, user_id=user_id, avoided=other).on_conflict_do_nothing()
    return inserted(session, statement, IntroAvoid.id)


def unavoid(session: Session, *, team_id: str, user_id: str, other: str) -> bool:
    result = session.execute(delete(IntroAvoid).where(IntroAvoid.team_id == team_id, IntroAvoid.user_id == user_id, IntroAvoid.avoided == other))
    return result.rowcount == 1


def avoided_by(session: Session, *, team_id: str, user_id: str) -> list[str]:
    return list(session.scalars(select(IntroAvoid.avoided).where(IntroAvoid.team_id == team_id, IntroAvoid.user_id == user_id).order_by(IntroAvoid.id)))


# --- when -----------------------------------------------------------------------------------------


def intro_weekday(session: Session, *, team_id: str) -> int:
    return session.scalar(select(Workspace.intro_weekday).where(Workspace.team_id == team_id)) or 0


def next_round_day(on_or_after: date, weekday: int) -> date:
    return on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % 7)


def is_due(found: IntroMember, day: date, last_intro: date | None) -> bool:
    """Taking part in the round of `day`: on, not snoozed past it, and due by their cadence."""
    if found.state != State.on.value or (found.snoozed_until and day < found.snoozed_until):
        return False
    return last_intro is None or (day - last_intro).days >= CADENCE_DAYS.get(found.cadence, 14)


def last_intro_days(session: Session, *, team_id: str, users: list[str] | None = None) -> dict[str, date]:
    statement = select(IntroPerson.user_id, func.max(Intro.day)).join(Intro, Intro.id == IntroPerson.intro_id).where(IntroPerson.team_id == team_id)
    if users is not None:
        statement = statement.where(IntroPerson.user_id.in_(users))
    return dict(session.execute(statement.group_by(IntroPerson.user_id)).all())


def next_intro(session: Session, *, team_id: str, user_id: str, today: date) -> date | None:
    """The day of the member's next intro round (if someone they may meet takes part)."""
    found = member(session, team_id=team_id, user_id=user_id)
    if found is None or found.state != State.on.value:
        return None
    weekday = intro_weekday(session, team_id=team_id)
    planned = dict(session.execute(select(IntroRound.day, IntroRound.id).where(IntroRound.team_id == team_id, IntroRound.day >= today)).all())
    mine = set(
        session.scalars(
            select(Intro.day).join(IntroPerson, IntroPerson.intro_id == Intro.id).where(IntroPerson.team_id == team_id, IntroPerson.user_id == user_id, Intro.day >= today)
        )
    )
    last = last_intro_days(session, team_id=team_id, users=[user_id]).get(user_id)
    day = next_round_day(today, weekday)
    for _ in range(60):
        if day in mine:
            return day
        if day not in planned and is_due(found, day, last):
            return day
        day += timedelta(days=7)
    return None


# --- a round ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    round: IntroRound | None
    intros: list[tuple[Intro, tuple[str, ...]]]
    paused: list[str]  # members paused for leaving intros unanswered, in this round's planning


def unanswered_in_a_row(session: Session, *, team_id: str, users: list[str], before: date, since: dict[str, date]) -> dict[str, int]:
    """For each member, how many of their latest intros whose check-in came before `before` went
    unanswered, counting back from the latest (only intros from their `since` day on)."""
    rows = session.execute(
        select(IntroPerson.user_id, Intro.day, IntroPerson.answer)
        .join(Intro, Intro.id == IntroPerson.intro_id)
        .where(IntroPerson.team_id == team_id, IntroPerson.user_id.in_(users), Intro.check_in_on < before)
        .order_by(IntroPerson.user_id, Intro.day.desc())
    ).all()
    counts: dict[str, int] = defaultdict(int)
    stopped: set[str] = set()
    for user, day, answer in rows:
        if user in stopped or day < since[user]:
            stopped.add(user)
            continue
        if answer is None:
            counts[user] += 1
        else:
            stopped.add(user)
    return counts


def kind_of(found: IntroMember, profile: Profile | None, listed_officers: set[str]) -> str:
    if found.guest or (profile is not None and profile.alumni):
        return ALUMNI
    if found.officer or found.user_id in listed_officers:
        return OFFICERS
    return PEERS


def _history(session: Session, team_id: str, alumni: set[str]) -> tuple[History, int]:
    """Who met whom in earlier rounds, and how many rounds held intros."""
    rows = session.execute(
        select(Intro.id, Intro.round_id, IntroPerson.user_id).join(IntroPerson, IntroPerson.intro_id == Intro.id).where(Intro.team_id == team_id).order_by(Intro.day, Intro.id)
    ).all()
    groups: dict[int, list[str]] = defaultdict(list)
    rounds: dict[int, int] = {}
    for intro_id, round_id, user in rows:
        groups[intro_id].append(user)
        rounds.setdefault(intro_id, round_id)
    ordinals = {round_id: number for number, round_id in enumerate(dict.fromkeys(rounds.values()), start=1)}
    history = History()
    for intro_id, people in groups.items():
        history.record([tuple(people)], ordinals[rounds[intro_id]], alumni)
    return history, len(ordinals)


def participants(session: Session, *, team_id: str, day: date) -> tuple[list[IntroMember], list[IntroMember]]:
    """Who is due in the round of `day`, and who is to be paused instead (3 intros unanswered)."""
    on = list(session.scalars(select(IntroMember).where(IntroMember.team_id == team_id, IntroMember.state == State.on.value).order_by(IntroMember.id)))
    last = last_intro_days(session, team_id=team_id, users=[m.user_id for m in on])
    due = [m for m in on if is_due(m, day, last.get(m.user_id))]
    silent = unanswered_in_a_row(session, team_id=team_id, users=[m.user_id for m in on], before=day, since={m.user_id: m.counted_since for m in on})
    to_pause = [m for m in on if silent.get(m.user_id, 0) >= UNANSWERED_IN_A_ROW]
    return [m for m in due if m not in to_pause], to_pause


def plan(session: Session, *, team_id: str, day: date, listed_officers: set[str]) -> Planned:
    """Hold the round of `day` once: pause the silent, pair the rest, keep the groups."""
    statement = insert_for(session)(IntroRound).values(team_id=team_id, day=day).on_conflict_do_nothing()
    if not inserted(session, statement, IntroRound.id):
        return Planned(round=None, intros=[], paused=[])
    held = session.scalar(select(IntroRound).where(IntroRound.team_id == team_id, IntroRound.day == day))
    due, to_pause = participants(session, team_id=team_id, day=day)
    for found in to_pause:
        found.state, found.paused_by_app = State.paused.value, True
    profiles = {p.user_id: p for p in session.scalars(select(Profile).where(Profile.team_id == team_id, Profile.user_id.in_([m.user_id for m in due])))}
    people = [person_of(found, profiles.get(found.user_id), listed_officers) for found in due]
    alumni = {person.user_id for person in people if person.kind == ALUMNI}
    history, ordinal = _history(session, team_id, alumni)
    avoids = {pair(user, other) for user, other in session.execute(select(IntroAvoid.user_id, IntroAvoid.avoided).where(IntroAvoid.team_id == team_id))}
    groups = plan_round(people, avoid=avoids, history=history, ordinal=ordinal, seed=day.toordinal())
    cadence = {found.user_id: CADENCE_DAYS.get(found.cadence, 14) for found in due}
    # Halfway to the next round of the one who comes soonest.
    made = [(Intro(team_id=team_id, round_id=held.id, day=day, check_in_on=day + timedelta(days=min(cadence[user] for user in group) // 2)), group) for group in groups]
    session.add_all(intro for intro, _ in made)
    session.flush()
    session.add_all(IntroPerson(team_id=team_id, intro_id=intro.id, user_id=user) for intro, group in made for user in group)
    session.flush()
    return Planned(round=held, intros=made, paused=[found.user_id for found in to_pause])


def person_of(found: IntroMember, profile: Profile | None, listed_officers: set[str]) -> Person:
    return Person(
        user_id=found.user_id,
        kind=kind_of(found, profile, listed_officers),
        open_to=frozenset(kind for kind in found.open_to.split(",") if kind),
        school=profile.school if profile else None,
        major=profile.major if profile else None,
        skills=skill_set(profile.skills if profile else None),
    )


def teams_with_members(session: Session) -> list[tuple[str, int]]:
    """Workspaces where someone is on, with their intro day."""
    teams = session.scalars(select(IntroMember.team_id).where(IntroMember.state == State.on.value).distinct()).all()
    if not teams:
        return []
    days = dict(session.execute(select(Workspace.team_id, Workspace.intro_weekday).where(Workspace.team_id.in_(teams))).all())
    return [(team, days.get(team) or 0) for team in sorted(teams)]


# --- an intro and its answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    intro: Intro
    people: list[IntroPerson]

    def others(self, user_id: str) -> list[str]:
        return [person.user_id for person in self.people if person.user_id != user_id]

    def of(self, user_id: str) -> IntroPerson | None:
        return next((person for person in self.people if person.user_id == user_id), None)


def group(session: Session, *, team_id: str, intro_id: int) -> Group | None:
    intro = session.scalar(select(Intro).where(Intro.team_id == team_id, Intro.id == intro_id))
    if intro is None:
        return None
    people = list(session.scalars(select(IntroPerson).where(IntroPerson.team_id == team_id, IntroPerson.intro_id == intro_id).order_by(IntroPerson.id)))
    return Group(intro=intro, people=people)


def answer(session: Session, *, team_id: str, intro_id: int, user_id: str, said: str, now: datetime) -> Group:
    """"Did you meet?" answered by one of the intro's own people (nobody answers for another)."""
    found = group(session, team_id=team_id, intro_id=intro_id)
    person = found.of(user_id) if found else None
    if person is None or said not in ANSWERS:
        raise UserError("That check-in isn't yours to answer.")
    person.answer, person.answered_at = said, now
    return found


def profiles_of(session: Session, *, team_id: str, users: list[str]) -> dict[str, Profile]:
    return {p.user_id: p for p in session.scalars(select(Profile).where(Profile.team_id == team_id, Profile.user_id.in_(users)))}


# --- officers' numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    taking_part: int | None  # None: fewer than SMALLEST_GROUP, not shown
    paused: int | None
    snoozed: int | None
    rounds: list[tuple[date, int | None, int | None]]  # the latest rounds: day, people introduced, who said they met


def _shown(count: int) -> int | None:
    return count if count >= SMALLEST_GROUP else None


def numbers(session: Session, *, team_id: str, today: date, last_rounds: int = 4) -> Numbers:
    members = session.scalars(select(IntroMember).where(IntroMember.team_id == team_id)).all()
    on = [m for m in members if m.state == State.on.value]
    snoozed = [m for m in on if m.snoozed_until and m.snoozed_until > today]
    days = session.scalars(select(IntroRound.day).where(IntroRound.team_id == team_id, IntroRound.day <= today).order_by(IntroRound.day.desc()).limit(last_rounds)).all()
    rows = session.execute(
        select(Intro.day, func.count(), func.count().filter(IntroPerson.answer == "yes"))
        .join(IntroPerson, IntroPerson.intro_id == Intro.id)
        .where(Intro.team_id == team_id, Intro.day.in_(days))
        .group_by(Intro.day)
    ).all()
    counts = {day: (introduced, met) for day, introduced, met in rows}
    rounds = [(day, _shown(counts.get(day, (0, 0))[0]), _shown(counts.get(day, (0, 0))[1])) for day in sorted(days)]
    return Numbers(
        taking_part=_shown(len(on)),
        paused=_shown(sum(m.state == State.paused.value for m in members)),
        snoozed=_shown(len(snoozed)),
        rounds=rounds,
    )
