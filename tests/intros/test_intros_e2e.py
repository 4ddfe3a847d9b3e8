"""Introductions end to end on SQLite and PostgreSQL: `/intros …` through the running app, rounds
held and sent by an in-process dispatcher on a moved clock (tick), answers back through the app.

The app servers' own clocks run on real time. Each test sets the club's intro day three days
ahead of today (UTC), and a round is held only from the day before its day, so the servers never
hold a round of these workspaces themselves: every round here is held by `tick`, at moments
days ahead of real time."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slackapp.club import ids as club_ids
from slackapp.intros import ids
from slackapp.intros.models import Intro, IntroAvoid, IntroMember, IntroPerson
from slackapp.passport.program import DEVELOPMENT
from slackapp.passport.sources import stamps
from slackapp.profiles import ids as profile_ids
from slackapp.scheduler.models import Job
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, answer_to, buttons, config_values, dms, eventually_got, press, text_state, tick

UTC = timezone.utc
MENTION = re.compile(r"<@([A-Z0-9]+)>")


# ---- helpers ------------------------------------------------------------------------------------


def first_round_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=3)


def club(workspace) -> date:
    """An officer sets the intro day to the weekday three days from now; the first round's day."""
    day = first_round_day()
    values = config_values() | {club_ids.INTRO_DAY: {"value": {"type": "static_select", "selected_option": {"value": str(day.weekday())}}}}
    reply = workspace.submit(club_ids.CONFIG_FORM, values, user=workspace.officer())
    assert reply.status == 200 and reply.body == b"", reply.text
    return day


def intros(workspace, text: str, *, user: str) -> dict:
    response_url = workspace.response_url()
    reply = workspace.command("/intros", text, user=user, response_url=response_url)
    return answer_to(workspace, reply, response_url)


def join(workspace, user: str, *, cadence: str = "2w", open_to=("peers", "alumni", "officers")):
    values = {
        ids.CADENCE: {"value": {"type": "radio_buttons", "selected_option": {"value": cadence}}},
        ids.OPEN_TO: {"value": {"type": "checkboxes", "selected_options": [{"value": kind} for kind in open_to]}},
    }
    reply = workspace.submit(ids.FORM, values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text


def members(workspace, count: int, *, tz: str = "UTC") -> list[str]:
    found = [workspace.member(tz=tz) for _ in range(count)]
    for user in found:
        join(workspace, user)
    return found


def at_ten(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(10), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def intro_dms(workspace, user: str) -> list:
    return [call for call in dms(workspace, user) if ids.PAUSE in [b["action_id"] for b in buttons(call.args.get("blocks") or [])] and "Meet " in call.args["text"]]


def check_ins(workspace, user: str) -> list:
    return [call for call in dms(workspace, user) if ids.MET in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]]


def met_in(call) -> set[str]:
    return set(MENTION.findall(call.args["text"]))


def groups(workspace, day: date) -> list[tuple[int, set[str]]]:
    with workspace.server.store.read() as session:
        rows = session.execute(
            select(Intro.id, IntroPerson.user_id).join(IntroPerson, IntroPerson.intro_id == Intro.id).where(Intro.team_id == workspace.team_id, Intro.day == day)
        ).all()
    found: dict[int, set[str]] = {}
    for intro_id, user in rows:
        found.setdefault(intro_id, set()).add(user)
    return sorted(found.items())


def answer_all(workspace, day: date, action: str = ids.NOT_YET) -> None:
    for intro_id, group in groups(workspace, day):
        for user in group:
            press(workspace, action, str(intro_id), user=user)


def answers(workspace) -> dict[str, str | None]:
    with workspace.server.store.read() as session:
        return dict(session.execute(select(IntroPerson.user_id, IntroPerson.answer).where(IntroPerson.team_id == workspace.team_id)).all())


# ---- rounds ---------------------------------------------------------------------------------------


def test_rounds_introduce_everyone_and_no_pair_meets_twice_until_all_have_met(workspace, dispatcher):
    day = club(workspace)
    people = members(workspace, 4)
    met: Counter = Counter()
    for number in range(3):
        round_day = day + timedelta(days=14 * number)
        tick(workspace, dispatcher, at_ten(round_day, "UTC"))
        for user in people:
            [call] = intro_dms(workspace, user)[number:]
            [other] = met_in(call)
            met[frozenset((user, other))] += 1
        answer_all(workspace, round_day)  # or the fourth round would pause everyone
    # K4: 6 pairs over 3 rounds, each twice in the count (both people got a DM), none repeated.
    assert len(met) == 6 and set(met.values()) == {2}
    # The fourth round has to repeat a pair: the one that met longest ago.
    tick(workspace, dispatcher, at_ten(day + timedelta(days=42), "UTC"))
    first = {frozenset(group) for _, group in groups(workspace, day)}
    assert {frozenset(group) for _, group in groups(workspace, day + timedelta(days=42))} == first


def test_an_odd_count_makes_a_trio_and_each_of_them_hears_of_both_others(workspace, dispatcher):
    day = club(workspace)
    people = members(workspace, 3)
    tick(workspace, dispatcher, at_ten(day, "UTC"))
    for user in people:
        [call] = intro_dms(workspace, user)
        assert met_in(call) == set(people) - {user}


def test_people_on_an_avoid_list_are_never_introduced_and_nobody_is_told(workspace, dispatcher):
    day = club(workspace)
    one, other, third, fourth = members(workspace, 4)
    answer = intros(workspace, f"avoid <@{other}|someone>", user=one)
    assert answer["response_type"] == "ephemeral" and f"<@{other}>" in answer["text"]
    for number in range(3):
        tick(workspace, dispatcher, at_ten(day + timedelta(days=14 * number), "UTC"))
    for number in range(3):
        assert all(not {one, other} <= group for _, group in groups(workspace, day + timedelta(days=14 * number)))
    assert all(one not in met_in(call) for call in intro_dms(workspace, other))
    assert all(f"<@{one}>" not in (call.args.get("text") or "") for call in workspace.fake.calls_to("chat.postMessage", channel=other))
    # The one avoided doesn't find it in their own data either; the one who asked does.
    with workspace.server.store.read() as session:
        rows = session.execute(select(IntroAvoid.user_id, IntroAvoid.avoided).where(IntroAvoid.team_id == workspace.team_id)).all()
    assert rows == [(one, other)]


def test_a_snoozed_member_sits_rounds_out_until_the_snooze_ends(workspace, dispatcher):
    day = club(workspace)
    sleeper, *awake = members(workspace, 4)
    answer = intros(workspace, "snooze 2w", user=sleeper)
    assert "Snoozed" in answer["text"]
    status = all_text(intros(workspace, "", user=sleeper)["blocks"])
    back = day + timedelta(days=14)
    assert f"{back:%A, %B} {back.day}" in status
    tick(workspace, dispatcher, at_ten(day, "UTC"))
    assert sorted(user for _, group in groups(workspace, day) for user in group) == sorted(awake)
    assert intro_dms(workspace, sleeper) == []
    tick(workspace, dispatcher, at_ten(back, "UTC"))
    assert any(sleeper in group for _, group in groups(workspace, back))
    assert len(intro_dms(workspace, sleeper)) == 1


def test_each_intro_arrives_at_ten_in_each_persons_own_zone(workspace, dispatcher):
    day = club(workspace)
    tokyo, new_york = workspace.member(tz="Asia/Tokyo"), workspace.member(tz="America/New_York")
    join(workspace, tokyo)
    join(workspace, new_york)
    tick(workspace, dispatcher, datetime.combine(day - timedelta(days=1), time(0, 30), tzinfo=UTC))  # held, nothing due
    assert len(groups(workspace, day)) == 1 and intro_dms(workspace, tokyo) == intro_dms(workspace, new_york) == []
    tick(workspace, dispatcher, at_ten(day, "Asia/Tokyo") - timedelta(minutes=1))
    assert intro_dms(workspace, tokyo) == []
    tick(workspace, dispatcher, at_ten(day, "Asia/Tokyo"))
    assert len(intro_dms(workspace, tokyo)) == 1 and intro_dms(workspace, new_york) == []
    tick(workspace, dispatcher, at_ten(day, "America/New_York") - timedelta(minutes=1))
    assert intro_dms(workspace, new_york) == []
    tick(workspace, dispatcher, at_ten(day, "America/New_York"))
    assert len(intro_dms(workspace, new_york)) == 1 and len(intro_dms(workspace, tokyo)) == 1
    with workspace.server.store.read() as session:
        sent = dict(session.execute(select(Job.target, Job.due_at).where(Job.team_id == workspace.team_id, Job.kind == "intro")).all())
    assert sent == {tokyo: at_ten(day, "Asia/Tokyo"), new_york: at_ten(day, "America/New_York")}


# ---- the check-in ---------------------------------------------------------------------------------


def test_did_you_meet_comes_halfway_and_yes_earns_passport_points(workspace, dispatcher):
    day = club(workspace)
    people = members(workspace, 3)
    outsider = members(workspace, 1)[0]
    intros(workspace, "snooze 4w", user=outsider)
    tick(workspace, dispatcher, at_ten(day, "UTC"))
    [(intro_id, group)] = groups(workspace, day)
    assert group == set(people)
    tick(workspace, dispatcher, at_ten(day + timedelta(days=7), "UTC") - timedelta(minutes=1))
    assert all(check_ins(workspace, user) == [] for user in people)
    tick(workspace, dispatcher, at_ten(day + timedelta(days=7), "UTC"))
    for user in people:
        [call] = check_ins(workspace, user)
        assert [b["text"]["text"] for b in buttons(call.args["blocks"])] == ["Yes", "Not yet", "Skip", "Pause intros"]
    yes, not_yet, skip = people
    # Someone else's check-in (a crafted request with its id) is refused, and nothing changes.
    refused = press(workspace, ids.MET, str(intro_id), user=outsider)
    assert "isn't yours" in refused["text"]
    assert answers(workspace) == {yes: None, not_yet: None, skip: None}
    for user, action in ((yes, ids.MET), (not_yet, ids.NOT_YET), (skip, ids.SKIP)):
        reply = press(workspace, action, str(intro_id), user=user)
        assert reply.get("replace_original") is True
    assert answers(workspace) == {yes: "yes", not_yet: "not_yet", skip: "skip"}
    with workspace.server.store.read() as session:
        found = stamps(session, team_id=workspace.team_id, users=people, start=day, end=day, tz="UTC")
    assert [(stamp.user_id, stamp.category, stamp.source) for stamp in found] == [(yes, DEVELOPMENT, "intro")]


def test_three_intros_left_unanswered_pause_the_member_once_with_a_way_back(workspace, dispatcher):
    day = club(workspace)
    silent, talker = members(workspace, 2)
    for number in range(3):
        round_day = day + timedelta(days=14 * number)
        tick(workspace, dispatcher, at_ten(round_day, "UTC"))
        [(intro_id, _)] = groups(workspace, round_day)
        press(workspace, ids.NOT_YET, str(intro_id), user=talker)
    tick(workspace, dispatcher, at_ten(day + timedelta(days=42), "UTC"))
    paused = [call for call in dms(workspace, silent) if ids.RESUME in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]]
    assert len(paused) == 1 and "/intros on" in paused[0].args["text"]
    assert groups(workspace, day + timedelta(days=42)) == []
    tick(workspace, dispatcher, at_ten(day + timedelta(days=56), "UTC"))
    assert len([call for call in dms(workspace, silent) if "paused" in call.args["text"]]) == 1
    assert dms(workspace, talker, "paused your introductions") == []
    status = all_text(intros(workspace, "", user=silent)["blocks"])
    assert "paused (after 3 intros went unanswered)" in status
    reply = press(workspace, ids.RESUME, "resume", user=silent)
    assert "You're in" in reply["text"]
    with workspace.server.store.read() as session:
        state = session.scalar(select(IntroMember.state).where(IntroMember.team_id == workspace.team_id, IntroMember.user_id == silent))
    assert state == "on"


# ---- alumni mode ----------------------------------------------------------------------------------


def profile(workspace, user: str, *, school: str, major: str = "Finance", skills: str = "", alumni: bool = False) -> None:
    values = {
        profile_ids.SCHOOL: text_state(school),
        profile_ids.MAJOR: text_state(major),
        profile_ids.SKILLS: text_state(skills),
        profile_ids.ALUMNI: {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}] if alumni else []}},
    }
    reply = workspace.submit(profile_ids.FORM, values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text


def test_alumni_meet_students_who_share_their_school_one_intro_each(workspace, dispatcher):
    day = club(workspace)
    guest = f"UG{workspace.team_id[-8:]}"
    workspace.fake.add_user(guest, team_id=workspace.team_id, tz="UTC", is_restricted=True)  # a Slack guest: an alum
    graduate = workspace.member(tz="UTC")
    students = [workspace.member(tz="UTC") for _ in range(4)]
    odd_school = f"A&M <Tech> {EVIL}"
    profile(workspace, guest, school="State U")
    profile(workspace, graduate, school=odd_school, major="Design", alumni=True)
    profile(workspace, students[0], school="state u")
    profile(workspace, students[1], school=odd_school, major="design")
    profile(workspace, students[2], school="Elsewhere")
    profile(workspace, students[3], school="Nowhere")
    for user in [guest, graduate, *students]:
        join(workspace, user)
    tick(workspace, dispatcher, at_ten(day, "UTC"))
    found = [group for _, group in groups(workspace, day)]
    assert {guest, students[0]} in found and {graduate, students[1]} in found
    assert all(len(group & {guest, graduate}) <= 1 for group in found)
    [call] = intro_dms(workspace, students[1])
    text = all_text(call.args["blocks"])
    assert ESCAPED in text and not any(live in text for live in LIVE)
    assert "alum" in text and "in common" in text


# ---- officers ---------------------------------------------------------------------------------------


def test_the_numbers_are_for_officers_only_and_hide_small_groups(workspace, dispatcher):
    club(workspace)
    people = members(workspace, 6)
    refused = intros(workspace, "stats", user=people[0])
    assert "Only club officers" in refused["text"]
    shown = all_text(intros(workspace, "stats", user=workspace.officer())["blocks"])
    assert "Taking part: *6*" in shown and "paused: &lt;5" in shown


def test_the_club_config_form_offers_the_intro_day(workspace):
    officer = workspace.officer()
    before = len(workspace.fake.calls_to("views.open"))
    workspace.command("/club", "config", user=officer)
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open")[before:], count=1)
    assert "Introductions day" in str(opened.args["view"])


def test_help_and_unknown_words(workspace):
    user = workspace.member()
    assert "/intros avoid @someone" in intros(workspace, "help", user=user)["text"]
    assert "I don't know that one" in intros(workspace, "dance", user=user)["text"]
    assert "haven't joined" in all_text(intros(workspace, "", user=user)["blocks"])
