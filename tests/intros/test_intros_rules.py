"""Introductions, rule by rule (the fast layer): who meets whom in a round (no pair repeats until
every allowed pair has met, trios, avoid lists, whom each is open to meet, alumni mode), and the
store's rules (cadence, snooze, the pause after 3 unanswered intros, answers only by the intro's own)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from slackapp.errors import UserError
from slackapp.intros import service
from slackapp.intros.models import Intro, IntroMember, IntroPerson, State
from slackapp.intros.pairing import ALUMNI, OFFICERS, PEERS, History, Person, pair, plan_round
from slackapp.intros.service import Choice
from slackapp.profiles.models import Profile
from tests.conftest import new_id

pytestmark = pytest.mark.fast

EVERYONE = frozenset({PEERS, ALUMNI, OFFICERS})


def people(count: int, *, kind: str = PEERS, prefix: str = "U", open_to=EVERYONE, **facts) -> list[Person]:
    return [Person(f"{prefix}{index:03d}", kind, frozenset(open_to), **facts) for index in range(count)]


def pairs_of(groups) -> list[frozenset]:
    return [pair(one, other) for group in groups for one, other in itertools.combinations(group, 2)]


def run(members: list[Person], rounds: int, *, avoid=frozenset(), history: History | None = None) -> tuple[list[list[tuple]], History]:
    history = history or History()
    alumni = {person.user_id for person in members if person.kind == ALUMNI}
    held = []
    for ordinal in range(rounds):
        groups = plan_round(members, avoid=set(avoid), history=history, ordinal=ordinal, seed=ordinal)
        held.append(groups)
        history.record(groups, ordinal + 1, alumni)
    return held, history


# ---- no pair repeats until every allowed pair has met --------------------------------------------


@pytest.mark.parametrize("count", [4, 6, 8, 12, 50])
def test_every_pair_meets_once_before_any_pair_meets_twice(count):
    members = people(count)
    held, _ = run(members, count - 1)
    met = [p for groups in held for p in pairs_of(groups)]
    assert len(met) == len(set(met)) == count * (count - 1) // 2
    # Every round, everyone is in exactly one pair.
    for groups in held:
        assert sorted(user for group in groups for user in group) == sorted(m.user_id for m in members)
        assert {len(group) for group in groups} == {2}


def test_once_all_have_met_the_pairs_that_met_longest_ago_meet_again():
    members = people(4)
    held, history = run(members, 3)
    [again] = run(members, 1, history=history)[0]
    assert set(pairs_of(again)) == set(pairs_of(held[0]))


def test_new_partners_come_first_even_when_people_come_and_go():
    members = people(10)
    history = History()
    for ordinal in range(6):
        present = [m for index, m in enumerate(members) if (index + ordinal) % 5]  # two sit out each round
        groups = plan_round(present, avoid=set(), history=history, ordinal=ordinal, seed=ordinal)
        assert all(history.last_met.get(p) is None for p in pairs_of(groups)), (ordinal, groups)
        history.record(groups, ordinal + 1)


def test_an_odd_count_makes_one_trio_and_leaves_nobody_out():
    groups = plan_round(people(7), avoid=set(), history=History(), ordinal=0)
    assert sorted(len(group) for group in groups) == [2, 2, 3]
    assert len({user for group in groups for user in group}) == 7


# ---- avoid lists and whom each is open to meet -----------------------------------------------------


def test_people_who_avoid_each_other_are_never_paired_nor_in_a_trio():
    members = people(5)
    avoid = {pair("U000", "U001"), pair("U002", "U003")}
    held, _ = run(members, 12, avoid=avoid)
    for groups in held:
        assert not set(pairs_of(groups)) & avoid
        assert len({user for group in groups for user in group}) == 5


def test_someone_open_only_to_peers_meets_no_alum_and_no_officer():
    members = people(3, open_to={PEERS}) + people(3, kind=ALUMNI, prefix="A") + people(2, kind=OFFICERS, prefix="O")
    held, _ = run(members, 6)
    kinds = {m.user_id: m.kind for m in members}
    for groups in held:
        for group in groups:
            if any(user.startswith("U") for user in group):
                assert all(kinds[user] == PEERS for user in group), group


def test_alumni_are_never_paired_with_each_other():
    members = people(4, kind=ALUMNI, prefix="A") + people(1)
    groups = plan_round(members, avoid=set(), history=History(), ordinal=0)
    assert all(sum(user.startswith("A") for user in group) <= 1 for group in groups)
    assert len(groups) == 1  # one student: one alum meets them this round, the others wait


# ---- alumni mode ----------------------------------------------------------------------------------


def test_students_meet_alumni_first_and_each_alum_at_most_once_a_round():
    members = people(6, prefix="S") + people(3, kind=ALUMNI, prefix="A")
    held, _ = run(members, 4)
    for groups in held:
        alumni_in = Counter(user for group in groups for user in group if user.startswith("A"))
        assert set(alumni_in.values()) == {1}  # every alum introduced, once
        assert all(sum(user.startswith("A") for user in group) <= 1 for group in groups)


def test_alumni_are_spread_evenly_when_there_are_more_of_them_than_students():
    members = people(2, prefix="S") + people(7, kind=ALUMNI, prefix="A")
    _, history = run(members, 7)
    counts = [history.alum_intros.get(f"A{index:03d}", 0) for index in range(7)]
    assert max(counts) - min(counts) <= 1 and sum(counts) == 14


def test_an_alum_is_matched_with_the_student_who_shares_the_most():
    alumni = [
        Person("A1", ALUMNI, EVERYONE, school="State U", major="Finance", skills=frozenset({"excel"})),
        Person("A2", ALUMNI, EVERYONE, school="Tech", major="Design", skills=frozenset({"figma"})),
    ]
    students = [
        Person("S1", PEERS, EVERYONE, school="tech ", major="Design"),
        Person("S2", PEERS, EVERYONE, school="State  U", major="finance", skills=frozenset({"excel"})),
    ]
    groups = plan_round(alumni + students, avoid=set(), history=History(), ordinal=0)
    assert sorted(groups) == [("A1", "S2"), ("A2", "S1")]


def test_two_thousand_and_one_people_are_all_placed_in_pairs_and_one_trio():
    members = people(2000, prefix="P") + people(1, kind=ALUMNI, prefix="A")
    groups = plan_round(members, avoid=set(), history=History(), ordinal=3)
    assert sorted(Counter(len(group) for group in groups).items()) == [(2, 999), (3, 1)]
    assert len({user for group in groups for user in group}) == 2001


# ---- the store's rules -------------------------------------------------------------------------------

MONDAY = date(2031, 10, 6)
NOW = datetime(2031, 10, 5, 12, 0, tzinfo=UTC)


def join(session, team: str, user: str, *, cadence: str = "2w", open_to=("peers", "alumni", "officers"), today: date = MONDAY - timedelta(days=7)):
    return service.opt_in(session, team_id=team, user_id=user, choice=Choice(cadence, tuple(open_to)), guest=False, officer=False, today=today)


def test_snooze_takes_days_or_weeks_up_to_a_year():
    assert [service.parse_snooze(text) for text in ("2w", "10d", "1W", "52w")] == [14, 10, 7, 364]
    for wrong in ("", "2", "0d", "2 weeks", "366d", "-1w", "2m"):
        with pytest.raises(UserError):
            service.parse_snooze(wrong)


def test_a_round_takes_those_due_by_their_cadence_and_not_snoozed(session):
    team = new_id("T")
    for user in ("UA", "UB", "UC", "UD"):
        join(session, team, user, cadence="monthly" if user == "UD" else "2w")
    service.snooze(session, team_id=team, user_id="UC", days=8, today=MONDAY - timedelta(days=1))
    first = service.plan(session, team_id=team, day=MONDAY, listed_officers=set())
    assert sorted(user for _, group in first.intros for user in group) == ["UA", "UB", "UD"]
    # A week on: nobody is due (2 weeks, or monthly), except the one snoozed before.
    second = service.plan(session, team_id=team, day=MONDAY + timedelta(days=7), listed_officers=set())
    assert [group for _, group in second.intros] == []
    third = service.plan(session, team_id=team, day=MONDAY + timedelta(days=14), listed_officers=set())
    assert sorted(user for _, group in third.intros for user in group) == ["UA", "UB", "UC"]
    # A round is held once.
    assert service.plan(session, team_id=team, day=MONDAY, listed_officers=set()).round is None


def test_check_in_comes_halfway_to_the_next_round(session):
    team = new_id("T")
    join(session, team, "UA")
    join(session, team, "UB", cadence="monthly")
    join(session, team, "UC", cadence="monthly")
    join(session, team, "UD", cadence="monthly")
    held = service.plan(session, team_id=team, day=MONDAY, listed_officers=set())
    halves = {tuple(sorted(group)): (intro.check_in_on - MONDAY).days for intro, group in held.intros}
    assert sorted(halves.values()) == [7, 14]  # the pair with an every-2-weeks member hears at 7 days


def test_three_intros_left_unanswered_in_a_row_pause_the_member_once(session):
    team = new_id("T")
    join(session, team, "UA")
    join(session, team, "UB")
    for week in range(3):
        held = service.plan(session, team_id=team, day=MONDAY + timedelta(days=14 * week), listed_officers=set())
        [(intro, _)] = held.intros
        service.answer(session, team_id=team, intro_id=intro.id, user_id="UB", said="not_yet", now=NOW)
        assert held.paused == []
    fourth = service.plan(session, team_id=team, day=MONDAY + timedelta(days=42), listed_officers=set())
    assert fourth.paused == ["UA"] and fourth.intros == []
    found = service.member(session, team_id=team, user_id="UA")
    assert (found.state, found.paused_by_app) == (State.paused.value, True)
    assert service.plan(session, team_id=team, day=MONDAY + timedelta(days=56), listed_officers=set()).paused == []
    # Resuming counts afresh: the old silence doesn't pause them again.
    service.resume(session, team_id=team, user_id="UA", today=MONDAY + timedelta(days=60))
    again = service.plan(session, team_id=team, day=MONDAY + timedelta(days=70), listed_officers=set())
    assert again.paused == [] and len(again.intros) == 1


def test_only_the_intros_own_people_answer_it(session):
    team = new_id("T")
    join(session, team, "UA")
    join(session, team, "UB")
    [(intro, _)] = service.plan(session, team_id=team, day=MONDAY, listed_officers=set()).intros
    with pytest.raises(UserError):
        service.answer(session, team_id=team, intro_id=intro.id, user_id="UC", said="yes", now=NOW)
    with pytest.raises(UserError):
        service.answer(session, team_id=new_id("T"), intro_id=intro.id, user_id="UA", said="yes", now=NOW)
    with pytest.raises(UserError):
        service.answer(session, team_id=team, intro_id=intro.id, user_id="UA", said="maybe", now=NOW)
    answers = session.scalars(select(IntroPerson.answer).where(IntroPerson.team_id == team)).all()
    assert answers == [None, None]


def test_a_guest_or_a_profile_that_says_alumni_makes_an_alum(session):
    team = new_id("T")
    guest = service.opt_in(session, team_id=team, user_id="UG", choice=Choice("2w", ("peers",)), guest=True, officer=False, today=MONDAY)
    member = join(session, team, "UM")
    officer = service.opt_in(session, team_id=team, user_id="UO", choice=Choice("2w", ("peers",)), guest=False, officer=True, today=MONDAY)
    session.add(Profile(team_id=team, user_id="UM", alumni=True))
    session.flush()
    profile = session.scalar(select(Profile).where(Profile.team_id == team, Profile.user_id == "UM"))
    assert service.kind_of(guest, None, set()) == ALUMNI
    assert service.kind_of(member, profile, set()) == ALUMNI
    assert service.kind_of(officer, None, set()) == OFFICERS
    assert service.kind_of(join(session, team, "UL"), None, {"UL"}) == OFFICERS
    assert service.kind_of(join(session, team, "UP"), None, set()) == PEERS


def test_officers_numbers_hide_groups_under_five(session):
    team = new_id("T")
    for index in range(6):
        join(session, team, f"U{index}")
    held = service.plan(session, team_id=team, day=MONDAY, listed_officers=set())
    first = held.intros[0][0]
    service.answer(session, team_id=team, intro_id=first.id, user_id=held.intros[0][1][0], said="yes", now=NOW)
    service.pause(session, team_id=team, user_id="U5")
    numbers = service.numbers(session, team_id=team, today=MONDAY)
    assert (numbers.taking_part, numbers.paused, numbers.snoozed) == (5, None, None)
    assert numbers.rounds == [(MONDAY, 6, None)]
    assert session.scalar(select(IntroMember.state).where(IntroMember.team_id == team, IntroMember.user_id == "U5")) == "paused"
    assert session.scalars(select(Intro.day).where(Intro.team_id == team)).all() == [MONDAY] * 3


# ---- privacy: forget-me and the uninstall purge -------------------------------------------------------


def _seeded(session, team: str):
    for user in ("UAINTRO001", "UBINTRO001", "UCINTRO001", "UDINTRO001"):
        join(session, team, user)
    service.avoid(session, team_id=team, user_id="UAINTRO001", other="UBINTRO001")
    service.avoid(session, team_id=team, user_id="UCINTRO001", other="UAINTRO001")
    service.avoid(session, team_id=team, user_id="UCINTRO001", other="UDINTRO001")
    return service.plan(session, team_id=team, day=MONDAY, listed_officers=set())


def test_forgetting_either_person_of_an_avoid_row_drops_it_and_intros_stay_under_a_stand_in(session):
    from slackapp.intros.models import IntroAvoid
    from slackapp.privacy import service as privacy

    team = new_id("T")
    _seeded(session, team)
    exported = privacy.everything_about(session, team_id=team, user_id="UBINTRO001")
    assert "intro_avoids" not in exported  # the one avoided never learns of it
    assert [row["avoided"] for row in privacy.everything_about(session, team_id=team, user_id="UAINTRO001")["intro_avoids"]] == ["UBINTRO001"]
    stand_in = privacy.forget(session, team_id=team, user_id="UAINTRO001")
    session.expire_all()
    assert session.scalars(select(IntroAvoid.user_id).where(IntroAvoid.team_id == team)).all() == ["UCINTRO001"]
    assert service.member(session, team_id=team, user_id="UAINTRO001") is None
    people = session.scalars(select(IntroPerson.user_id).where(IntroPerson.team_id == team)).all()
    assert stand_in in people and "UAINTRO001" not in people and len(people) == 4


def test_the_uninstall_purge_takes_every_intro_table(session):
    from slackapp.intros import models
    from slackapp.privacy import purge

    team, other = new_id("T"), new_id("T")
    _seeded(session, team)
    _seeded(session, other)
    purge.purge(session, team_id=team)
    tables = (models.IntroMember, models.IntroAvoid, models.IntroRound, models.Intro, models.IntroPerson)
    assert [session.scalar(select(func.count()).select_from(table).where(table.team_id == team)) for table in tables] == [0] * 5
    assert all(session.scalar(select(func.count()).select_from(table).where(table.team_id == other)) for table in tables)
