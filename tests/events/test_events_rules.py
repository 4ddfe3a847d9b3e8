"""The rules of events, RSVPs and check-in at their edges, called directly on a migrated database of
each store (the fast layer): exact messages, boundaries, stored rows, and workspaces kept apart even
when the same member id is in both."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from slackapp.errors import UserError
from slackapp.events import service
from slackapp.events.models import Answer, Attendance, Event, Rsvp, RsvpAction, Seat
from tests.events.test_service import form
from tests.helpers import built_anew_for_each_test

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TERULES", "TEOTHER"
OFFICER, MEMBER, STRANGER = "UOFFICER", "UMEMBER", "USTRANGER"
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)
STARTS = NOW + timedelta(days=3)
CHANNEL, POST_TS = "CEVENTS", "1900000000.000100"


def stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


fresh_statements = built_anew_for_each_test(service.log_action_statement)


def draft(editing: bool = False, **changes) -> service.EventDraft:
    return service.validate(form(**changes), now=NOW, editing=editing)


def problems(editing: bool = False, **changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        service.validate(form(**changes), now=NOW, editing=editing)
    return refused.value.fields


def new_event(session, *, team_id=TEAM, ts=POST_TS, by=OFFICER, **changes) -> Event:
    event = service.create_event(session, team_id=team_id, user_id=by, is_officer=True, draft=draft(**changes))
    service.record_posts(session, team_id=team_id, event_id=event.id, channel=CHANNEL, rsvp_ts=ts, post_ts=ts)
    return event


_delivery = iter(range(10**9))


def act(session, event, user: str, action: str, *, team_id=None, delivery_id=None, at=None, **kwargs):
    number = next(_delivery)
    return service.record_action(
        session, team_id=team_id or event.team_id, event_id=event.id, user_id=user, delivery_id=delivery_id or f"r{number}",
        action=action, at=at or f"1900000000.{number % 1_000_000:06d}", **kwargs,
    )[1]


def seats(session, event) -> dict[Seat, list[str]]:
    return {seat: users for seat, users in service.roster(session, event=event).seats.items() if users}


def update(session, event, *, user_id=OFFICER, is_officer=True, **changes):
    return service.update_event(session, team_id=event.team_id, event_id=event.id, user_id=user_id, is_officer=is_officer, draft=draft(editing=True, **changes))


# ---- the form ---------------------------------------------------------------------------------


def test_a_valid_form_becomes_a_draft_of_every_field():
    got = draft(title="  Night  ", description=" Alumni ", location=" Hall ", online_link=" https://meet.example/x ", capacity=" 25 ",
                category="workshops", channel="CWHERE")
    assert got == service.EventDraft("Night", "Alumni", STARTS, STARTS + timedelta(hours=2), "Hall", "https://meet.example/x", 25, "CWHERE", "workshops")


def test_a_form_without_category_is_a_career_event_and_a_channel_must_be_text():
    assert (draft(category=None).category, draft(category="").category) == ("career_events", "career_events")
    assert draft(channel=["C1"]).channel is None and draft(channel=None).channel is None


def test_every_problem_reads_as_the_member_sees_it():
    assert problems(title=" ", starts_at=None, ends_at="", location=None, capacity="0", category="party") == {
        "title": "Please fill this in.",
        "starts_at": "Pick when it starts.",
        "ends_at": "Pick when it ends.",
        "location": "Give a place, an online link, or both.",
        "capacity": "Capacity is a whole number, at least 1 (leave it empty for no limit).",
        "category": "Pick what kind of event it is.",
    }


@pytest.mark.parametrize(("name", "limit"), [("title", 150), ("description", 2000), ("location", 200)])
def test_each_text_may_be_as_long_as_its_limit_and_no_longer(name, limit):
    assert getattr(draft(**{name: "x" * limit}), name) == "x" * limit
    assert problems(**{name: "x" * (limit + 1)}) == {name: f"Keep this under {limit} characters (it has {limit + 1})."}


def test_an_online_link_may_be_2000_characters_and_a_longer_one_is_told_its_length_only():
    prefix = "https://meet.example/"
    assert draft(online_link=prefix + "a" * (2000 - len(prefix))).online_link.endswith("a")
    assert problems(online_link=prefix + "a" * (2001 - len(prefix))) == {"online_link": "Keep this under 2000 characters (it has 2001)."}
    assert problems(online_link="ftp://" + "a" * 1995) == {"online_link": "Keep this under 2000 characters (it has 2001)."}


def test_a_new_event_is_checked_as_new_unless_said_otherwise():
    with pytest.raises(UserError) as refused:
        service.validate(form(starts_at=stamp(NOW - timedelta(hours=1))), now=NOW)
    assert refused.value.fields == {"starts_at": "That time has passed."}


@pytest.mark.parametrize("link", ["ftp://meet.example/x", "meet.example/x", "https:///x", "https://meet.example/a b"])
def test_an_online_link_must_be_a_web_address(link):
    assert problems(online_link=link) == {"online_link": "Give a web link starting with http:// or https://"}


def test_an_online_link_alone_is_a_place():
    assert draft(location=None, online_link="http://meet.example/x").online_link == "http://meet.example/x"


@pytest.mark.parametrize("value", ["soon", "12.5", "99999999999999999999", None, "", object()])
def test_an_unreadable_time_is_no_time(value):
    assert problems(starts_at=value) == {"starts_at": "Pick when it starts."}


def test_a_start_may_be_now_but_not_before_and_the_end_must_follow_it():
    assert draft(starts_at=stamp(NOW)).starts_at == NOW
    assert draft(starts_at=int(NOW.timestamp())).starts_at == NOW
    assert problems(starts_at=stamp(NOW - timedelta(seconds=1))) == {"starts_at": "That time has passed."}
    assert problems(ends_at=stamp(STARTS)) == {"ends_at": "It has to end after it starts."}
    assert draft(ends_at=stamp(STARTS + timedelta(seconds=1))).ends_at == STARTS + timedelta(seconds=1)
    # With no start, the end can't be compared with it.
    assert problems(starts_at="soon", ends_at=stamp(NOW - timedelta(days=1))) == {"starts_at": "Pick when it starts."}


def test_editing_keeps_a_past_start_but_not_an_end_before_it():
    past = NOW - timedelta(days=1)
    assert draft(editing=True, starts_at=stamp(past), ends_at=stamp(past + timedelta(hours=1))).starts_at == past
    assert problems(editing=True, starts_at=stamp(past), ends_at=stamp(past)) == {"ends_at": "It has to end after it starts."}


@pytest.mark.parametrize(("given", "capacity"), [("1", 1), ("100000", 100000), (" 7 ", 7), (12, 12), ("", None), (None, None), (0, None)])
def test_capacity_from_one_to_a_hundred_thousand(given, capacity):
    assert draft(capacity=given).capacity == capacity


@pytest.mark.parametrize("given", ["0", "-1", "100001", "ten", "2.5", "5-", "X5"])
def test_capacity_outside_the_range_is_refused(given):
    assert problems(capacity=given) == {"capacity": "Capacity is a whole number, at least 1 (leave it empty for no limit)."}


# ---- creating and finding events ----------------------------------------------------------------


def test_a_created_event_stores_the_draft(session):
    event = service.create_event(session, team_id=TEAM, user_id=OFFICER, is_officer=True, draft=draft(capacity="5", category="service", online_link="https://m.example/1"))
    stored = session.get(Event, event.id)
    assert (stored.team_id, stored.created_by, stored.title, stored.description, stored.location, stored.online_link) == (
        TEAM, OFFICER, "Career night", "Meet alumni.", "Room 101", "https://m.example/1")
    assert (stored.starts_at, stored.ends_at, stored.capacity, stored.channel, stored.category, stored.cancelled_at) == (
        STARTS, STARTS + timedelta(hours=2), 5, CHANNEL, "service", None)


def test_only_officers_create_events_told_so(session):
    with pytest.raises(UserError) as refused:
        service.create_event(session, team_id=TEAM, user_id=MEMBER, is_officer=False, draft=draft())
    assert str(refused.value) == "Only club officers can create events."
    assert session.query(Event).filter(Event.team_id == TEAM).count() == 0


def test_an_event_of_another_workspace_no_longer_exists(session):
    theirs = new_event(session, team_id=OTHER_TEAM)
    with pytest.raises(UserError) as refused:
        service.get_event(session, team_id=TEAM, event_id=theirs.id)
    assert str(refused.value) == "That event no longer exists."


def test_the_posts_are_recorded_on_the_event(session):
    event = service.create_event(session, team_id=TEAM, user_id=OFFICER, is_officer=True, draft=draft())
    service.record_posts(session, team_id=TEAM, event_id=event.id, channel="CPOST", rsvp_ts="1.000001", post_ts="1.000002")
    assert (event.channel, event.rsvp_ts, event.post_ts) == ("CPOST", "1.000001", "1.000002")


def test_the_event_of_a_message_is_the_live_one_of_that_workspace_channel_and_message(session):
    ours = new_event(session)
    theirs = new_event(session, team_id=OTHER_TEAM)
    assert service.event_for_message(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS) == ours
    assert service.event_for_message(session, team_id=OTHER_TEAM, channel=CHANNEL, ts=POST_TS) == theirs
    assert service.event_for_message(session, team_id=TEAM, channel="CELSEWHERE", ts=POST_TS) is None
    assert service.event_for_message(session, team_id=TEAM, channel=CHANNEL, ts="1900000000.000200") is None
    service.cancel_event(session, team_id=TEAM, event_id=ours.id, user_id=OFFICER, is_officer=True, now=NOW)
    assert service.event_for_message(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS) is None


def test_event_answered_by_asks_once_per_message_in_a_transaction(session):
    first = new_event(session, ts="1900000000.000001")
    second = new_event(session, ts="1900000000.000002")
    assert service.event_answered_by(session, team_id=TEAM, channel=CHANNEL, ts="1900000000.000001") == first
    assert service.event_answered_by(session, team_id=TEAM, channel=CHANNEL, ts="1900000000.000002") == second
    assert service.event_answered_by(session, team_id=OTHER_TEAM, channel=CHANNEL, ts="1900000000.000001") is None
    assert service.event_answered_by(session, team_id=TEAM, channel="COTHER", ts="1900000000.000001") is None
    # Remembered for the rest of the transaction, even once the message carries an event.
    assert service.event_answered_by(session, team_id=TEAM, channel=CHANNEL, ts="1900000000.000003") is None
    new_event(session, ts="1900000000.000003")
    assert service.event_answered_by(session, team_id=TEAM, channel=CHANNEL, ts="1900000000.000003") is None


def test_a_taken_message_names_its_event_inert_and_cut(session):
    new_event(session, title="<!here> " + "n" * 140)
    with pytest.raises(UserError) as refused:
        service.ensure_message_free(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS)
    assert str(refused.value) == f"This message is already the RSVP post for “&lt;!here&gt; {'n' * 85}…”. Cancel that event first to reuse it."
    service.ensure_message_free(session, team_id=OTHER_TEAM, channel=CHANNEL, ts=POST_TS)


def test_upcoming_events_are_those_not_over_or_cancelled_soonest_first(session):
    new_event(session, title="Ends now", starts_at=stamp(NOW), ends_at=stamp(NOW + timedelta(hours=1)))
    new_event(session, title="Later", starts_at=stamp(NOW + timedelta(days=2)), ends_at=stamp(NOW + timedelta(days=2, hours=1)))
    new_event(session, title="Running", starts_at=stamp(NOW), ends_at=stamp(NOW + timedelta(hours=2)))
    new_event(session, title="Later twin", starts_at=stamp(NOW + timedelta(days=2)), ends_at=stamp(NOW + timedelta(days=2, hours=1)))
    cancelled = new_event(session, title="Cancelled", starts_at=stamp(NOW + timedelta(days=1)), ends_at=stamp(NOW + timedelta(days=1, hours=1)))
    service.cancel_event(session, team_id=TEAM, event_id=cancelled.id, user_id=OFFICER, is_officer=True)
    new_event(session, team_id=OTHER_TEAM, title="Elsewhere")
    at = NOW + timedelta(hours=1)
    assert [event.title for event in service.upcoming(session, team_id=TEAM, now=at)] == ["Running", "Later", "Later twin"]
    assert [event.title for event in service.upcoming(session, team_id=TEAM, now=at, limit=2)] == ["Running", "Later"]


def test_upcoming_shows_ten_by_default(session):
    for number in range(11):
        new_event(session, title=f"E{number:02d}", starts_at=stamp(STARTS + timedelta(hours=number)), ends_at=stamp(STARTS + timedelta(hours=number, minutes=30)))
    assert [event.title for event in service.upcoming(session, team_id=TEAM, now=NOW)] == [f"E{n:02d}" for n in range(10)]


def test_find_by_number_with_or_without_hash(session):
    event = new_event(session)
    for words in (str(event.id), f"#{event.id}", f"  #{event.id} "):
        assert service.find(session, team_id=TEAM, words=words, now=NOW) == event
    with pytest.raises(UserError, match="no longer exists"):
        service.find(session, team_id=OTHER_TEAM, words=str(event.id), now=NOW)


def test_find_without_words_asks_which(session):
    with pytest.raises(UserError) as refused:
        service.find(session, team_id=TEAM, words="   ", now=NOW)
    assert str(refused.value) == "Which event? Give its number or part of its title, like `/events roster meet the firm`."


def test_find_by_words_prefers_current_events_nearest_in_time(session):
    old = new_event(session, title="Resume Workshop (spring)", editing=True, starts_at=stamp(NOW - timedelta(days=30)), ends_at=stamp(NOW - timedelta(days=30) + timedelta(hours=1)))
    yesterday = new_event(session, title="Resume workshop (yesterday)", editing=True, starts_at=stamp(NOW - timedelta(hours=20)), ends_at=stamp(NOW - timedelta(hours=19)))
    soon = new_event(session, title="Resume workshop (soon)", starts_at=stamp(NOW + timedelta(days=2)), ends_at=stamp(NOW + timedelta(days=2, hours=1)))
    far = new_event(session, title="Resume workshop (far)", starts_at=stamp(NOW + timedelta(days=40)), ends_at=stamp(NOW + timedelta(days=40, hours=1)))
    new_event(session, team_id=OTHER_TEAM, title="Resume workshop (elsewhere)", starts_at=stamp(NOW), ends_at=stamp(NOW + timedelta(hours=1)))
    assert service.find(session, team_id=TEAM, words="RESUME workshop", now=NOW) == yesterday
    assert service.find(session, team_id=TEAM, words="workshop", now=NOW + timedelta(days=2)) == soon
    assert service.find(session, team_id=TEAM, words="spring", now=NOW) == old
    assert service.find(session, team_id=TEAM, words="far", now=NOW) == far


def test_find_ignores_an_event_that_ended_more_than_a_day_ago_when_a_current_one_matches(session):
    ended = new_event(session, title="Mixer (old)", editing=True, starts_at=stamp(NOW - timedelta(days=1, hours=2)), ends_at=stamp(NOW - timedelta(days=1, minutes=1)))
    future = new_event(session, title="Mixer (new)", starts_at=stamp(NOW + timedelta(days=20)), ends_at=stamp(NOW + timedelta(days=20, hours=1)))
    assert service.find(session, team_id=TEAM, words="mixer", now=NOW) == future
    assert ended.id != future.id


# ---- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ts", "key"),
    [("1360782804.083113", "001360782804.083113"), ("5", "000000000005.000000"), ("5.", "000000000005.000000"),
     ("5.1", "000000000005.100000"), ("5.12345678", "000000000005.123456"), (1360782804, "001360782804.000000")],
)
def test_slack_timestamps_become_sortable_text(ts, key):
    assert service.order_key(ts) == key


@pytest.mark.parametrize("ts", ["", ".5", "a.5", "5.5a", "-5.1", "5.-1"])
def test_timestamps_that_are_not_numbers_are_refused(ts):
    with pytest.raises(UserError) as refused:
        service.order_key(ts)
    assert str(refused.value) == "That action carries no usable time."


def test_replay_reads_buttons_and_ignores_unknown_verbs():
    assert service.replay([]) == Answer.none
    assert service.replay([("set:maybe", "1"), ("poke:going", "2")]) == Answer.maybe
    assert service.replay([("add:no", "2"), ("remove:no", "1")]) == Answer.no
    assert service.replay([("set:going", "1"), ("remove:going", "3"), ("add:no", "2")]) == Answer.no


def test_a_change_is_a_new_seat_or_a_promotion():
    assert not service.Change(user_id="U1", before=Seat.going, after=Seat.going).changed
    assert service.Change(user_id="U1", before=Seat.none, after=Seat.going).changed
    assert service.Change(user_id="U1", before=Seat.maybe, after=Seat.maybe, promoted=["U2"]).changed
    assert service.Change(user_id="U1", before=Seat.going, after=Seat.none).waitlist_place == 0


def test_every_action_is_logged_with_its_sortable_time(session):
    event = new_event(session)
    change = act(session, event, MEMBER, "add:maybe", delivery_id="Ev42", at="1900000001.5")
    assert (change.user_id, change.before, change.after, change.changed) == (MEMBER, Seat.none, Seat.maybe, True)
    logged = session.query(RsvpAction).filter(RsvpAction.team_id == TEAM).one()
    assert (logged.event_id, logged.user_id, logged.delivery_id, logged.action, logged.at) == (event.id, MEMBER, "Ev42", "add:maybe", "001900000001.500000")
    assert logged.received_at is not None
    rsvp = session.query(Rsvp).filter(Rsvp.event_id == event.id).one()
    assert (rsvp.team_id, rsvp.user_id, rsvp.answer, rsvp.seat, rsvp.waiting_since) == (TEAM, MEMBER, "maybe", "maybe", None)


def test_the_same_delivery_id_in_another_workspace_is_a_new_action(session):
    ours, theirs = new_event(session), new_event(session, team_id=OTHER_TEAM)
    assert act(session, ours, MEMBER, "add:going", delivery_id="Ev1").after == Seat.going
    assert act(session, theirs, MEMBER, "add:no", delivery_id="Ev1").after == Seat.no
    assert seats(session, ours) == {Seat.going: [MEMBER]} and seats(session, theirs) == {Seat.no: [MEMBER]}


def test_actions_count_in_the_order_they_were_made_not_delivered(session):
    event = new_event(session)
    act(session, event, MEMBER, "add:maybe", at="1900000002.000000")
    change = act(session, event, MEMBER, "add:going", at="1900000001.000000")
    assert (change.before, change.after, change.changed) == (Seat.maybe, Seat.maybe, False)


def test_an_action_on_another_workspaces_event_is_refused_even_after_one_on_ours(session):
    ours = new_event(session)
    act(session, ours, MEMBER, "add:going")
    with pytest.raises(UserError, match="That event no longer exists."):
        act(session, ours, MEMBER, "add:no", team_id=OTHER_TEAM)
    assert act(session, ours, MEMBER, "add:no").after == Seat.no


def test_an_action_on_a_cancelled_event_is_refused(session):
    event = new_event(session)
    act(session, event, MEMBER, "add:going")
    service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    with pytest.raises(UserError) as refused:
        act(session, event, STRANGER, "add:going", message=(CHANNEL, POST_TS))
    assert str(refused.value) == "This event was cancelled."


def test_a_reaction_must_be_on_the_events_own_message(session):
    event = new_event(session)
    with pytest.raises(UserError) as refused:
        act(session, event, MEMBER, "add:going", message=("COTHER", POST_TS))
    assert str(refused.value) == "That message is not this event's RSVP post."
    assert act(session, event, MEMBER, "add:going", message=(CHANNEL, POST_TS)).after == Seat.going


def test_answering_the_same_again_changes_nothing(session):
    event = new_event(session, capacity="1")
    act(session, event, "U1", "add:going")
    assert not act(session, event, "U1", "set:going").changed
    act(session, event, "U2", "set:maybe")
    again = act(session, event, "U2", "add:maybe")
    assert (again.user_id, again.before, again.after, again.changed) == ("U2", Seat.maybe, Seat.maybe, False)


def test_a_waitlisted_member_answering_going_again_keeps_their_place(session):
    event = new_event(session, capacity="1")
    for user in ("U1", "U2", "U3"):
        act(session, event, user, "add:going")
    change = act(session, event, "U3", "set:going")
    assert (change.user_id, change.before, change.after, change.waitlist_place, change.changed) == ("U3", Seat.waitlist, Seat.waitlist, 2, False)
    assert seats(session, event) == {Seat.going: ["U1"], Seat.waitlist: ["U2", "U3"]}


def test_capacity_is_full_at_exactly_its_number(session):
    event = new_event(session, capacity="2")
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:maybe")
    assert act(session, event, "U3", "add:going").after == Seat.going
    waiting = act(session, event, "U4", "add:going")
    assert (waiting.after, waiting.waitlist_place) == (Seat.waitlist, 1)
    rsvp = session.query(Rsvp).filter(Rsvp.event_id == event.id, Rsvp.user_id == "U4").one()
    assert (rsvp.seat, rsvp.answer) == ("waitlist", "going") and rsvp.waiting_since is not None


def test_without_capacity_everyone_goes(session):
    event = new_event(session)
    assert [act(session, event, f"U{n}", "add:going").after for n in range(5)] == [Seat.going] * 5


def test_moving_from_going_to_maybe_frees_a_seat_for_the_waitlist(session):
    event = new_event(session, capacity="1")
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:going")
    change = act(session, event, "U1", "set:maybe")
    assert (change.before, change.after, change.promoted, change.changed) == (Seat.going, Seat.maybe, ["U2"], True)
    promoted = session.query(Rsvp).filter(Rsvp.event_id == event.id, Rsvp.user_id == "U2").one()
    assert (promoted.seat, promoted.waiting_since) == ("going", None)


def test_an_answer_change_stamps_the_rsvp(session):
    event = new_event(session)
    act(session, event, MEMBER, "add:going")
    rsvp = session.query(Rsvp).filter(Rsvp.event_id == event.id).one()
    long_ago = datetime(2001, 1, 1, tzinfo=timezone.utc)
    rsvp.updated_at = long_ago
    session.flush()
    act(session, event, MEMBER, "remove:going")
    session.expire_all()
    rsvp = session.query(Rsvp).filter(Rsvp.event_id == event.id).one()
    assert (rsvp.seat, rsvp.answer) == ("none", "none") and rsvp.updated_at > long_ago


def test_the_roster_lists_the_waitlist_in_order_and_who_attended(session):
    event = new_event(session, capacity="1")
    for user, action in (("U1", "add:going"), ("U2", "add:going"), ("U3", "add:going"), ("U4", "add:no"), ("U5", "add:maybe")):
        act(session, event, user, action)
    roster = service.roster(session, event=event)
    assert seats(session, event) == {Seat.going: ["U1"], Seat.waitlist: ["U2", "U3"], Seat.no: ["U4"], Seat.maybe: ["U5"]}
    assert roster.answered == ["U1", "U2", "U3", "U5", "U4"]
    assert (roster.count(Seat.waitlist), roster.count(Seat.none)) == (2, 0)
    service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=["U5", "U1"])
    assert service.roster(session, event=event).attended == ["U5", "U1"]


def test_seats_of_a_member_are_read_in_their_own_workspace(session):
    ours, theirs, unanswered = new_event(session), new_event(session, team_id=OTHER_TEAM), new_event(session, title="Quiet", ts="1900000000.000300")
    act(session, ours, MEMBER, "add:maybe")
    act(session, theirs, MEMBER, "add:going")
    act(session, ours, STRANGER, "add:no")
    assert service.seats_of(session, team_id=TEAM, user_id=MEMBER, event_ids=[ours.id, theirs.id, unanswered.id]) == {ours.id: Seat.maybe}
    assert service.seats_of(session, team_id=TEAM, user_id=MEMBER, event_ids=[]) == {}


def test_seat_counts_count_each_seat_per_event(session):
    event, quiet = new_event(session, capacity="1"), new_event(session, title="Quiet", ts="1900000000.000300")
    for user in ("U1", "U2", "U3"):
        act(session, event, user, "add:going")
    act(session, event, "U4", "add:no")
    counts = service.seat_counts(session, team_id=TEAM, event_ids=[event.id, quiet.id])
    assert counts[event.id] == {Seat.going: 1, Seat.waitlist: 2, Seat.maybe: 0, Seat.no: 1, Seat.none: 0}
    assert counts[quiet.id] == dict.fromkeys(Seat, 0)
    assert service.seat_counts(session, team_id=OTHER_TEAM, event_ids=[event.id]) == {event.id: dict.fromkeys(Seat, 0)}
    assert service.seat_counts(session, team_id=TEAM, event_ids=[]) == {}


# ---- changing, cancelling and deleting ------------------------------------------------------------


def test_an_update_stores_every_field_and_says_whether_the_time_moved(session):
    event = new_event(session, capacity="10")
    same_time = update(session, event, title="New title", description="New.", location="Hall", online_link="https://m.example/2", capacity="20", category="workshops")
    assert (same_time.time_changed, same_time.promoted) == (False, [])
    assert (event.title, event.description, event.location, event.online_link, event.capacity, event.category) == (
        "New title", "New.", "Hall", "https://m.example/2", 20, "workshops")
    later_end = update(session, event, ends_at=stamp(STARTS + timedelta(hours=3)))
    assert later_end.time_changed and event.ends_at == STARTS + timedelta(hours=3)
    later_start = update(session, event, starts_at=stamp(STARTS + timedelta(hours=1)), ends_at=stamp(STARTS + timedelta(hours=3)))
    assert later_start.time_changed and event.starts_at == STARTS + timedelta(hours=1)


def test_removing_the_capacity_lets_the_whole_waitlist_in(session):
    event = new_event(session, capacity="1")
    for user in ("U1", "U2", "U3"):
        act(session, event, user, "add:going")
    assert update(session, event, capacity="").promoted == ["U2", "U3"]
    assert seats(session, event) == {Seat.going: ["U1", "U2", "U3"]}


def test_capacity_may_be_lowered_to_who_is_going_and_no_lower(session):
    event = new_event(session, capacity="5")
    for user in ("U1", "U2", "U3"):
        act(session, event, user, "add:going")
    assert update(session, event, capacity="3").promoted == []
    with pytest.raises(UserError) as refused:
        update(session, event, capacity="2")
    assert refused.value.fields == {"capacity": "3 people are already going; capacity can't be lower."}
    assert event.capacity == 3


def test_a_capacity_added_later_promotes_nobody(session):
    event = new_event(session)
    act(session, event, "U1", "add:going")
    assert update(session, event, capacity="1").promoted == []


def test_only_the_creator_or_an_officer_changes_an_event(session):
    event = new_event(session, by=MEMBER)
    assert service.may_manage(event, user_id=MEMBER, is_officer=False) and not service.may_manage(event, user_id=STRANGER, is_officer=False)
    assert update(session, event, user_id=MEMBER, is_officer=False, title="Mine").event.title == "Mine"
    for call in (
        lambda: update(session, event, user_id=STRANGER, is_officer=False, title="Theirs"),
        lambda: service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=STRANGER, is_officer=False),
        lambda: service.delete_event(session, team_id=TEAM, event_id=event.id, user_id=STRANGER, is_officer=False),
        lambda: service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=STRANGER, is_officer=False),
    ):
        with pytest.raises(UserError) as refused:
            call()
        assert str(refused.value) == "Only the person who created this event, or an officer, can change it."
    assert (event.title, event.cancelled_at, event.checkin_code) == ("Mine", None, None)


def test_a_cancelled_event_cannot_be_changed_or_opened_for_check_in(session):
    event = new_event(session)
    before = datetime.now(timezone.utc)
    cancelled, told = service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    assert told == [] and cancelled.cancelled_at >= before - timedelta(seconds=1)
    with pytest.raises(UserError) as refused:
        update(session, event, title="Back")
    assert str(refused.value) == "This event was cancelled; create a new one instead."
    with pytest.raises(UserError) as refused:
        service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    assert str(refused.value) == "This event was cancelled."
    with pytest.raises(UserError) as refused:
        service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    assert str(refused.value) == "This event is already cancelled."


def test_cancelling_tells_everyone_who_answered_in_roster_order(session):
    event = new_event(session, capacity="1")
    for user, action in (("U1", "add:going"), ("U2", "add:going"), ("U3", "add:maybe"), ("U4", "add:no")):
        act(session, event, user, action)
    assert service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, now=NOW)[1] == ["U1", "U2", "U3", "U4"]


def test_deleting_an_answered_event_is_refused_with_the_reason(session):
    event = new_event(session)
    act(session, event, MEMBER, "add:no")
    with pytest.raises(UserError) as refused:
        service.delete_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    assert str(refused.value) == "People have answered this event, so it can't be deleted; cancel it instead and they will be told."
    quiet = new_event(session, title="Quiet", ts="1900000000.000300")
    assert service.delete_event(session, team_id=TEAM, event_id=quiet.id, user_id=OFFICER, is_officer=True) == quiet
    session.flush()
    assert session.get(Event, quiet.id) is None and session.get(Event, event.id) == event


# ---- check-in -------------------------------------------------------------------------------------


def test_the_check_in_window_is_thirty_minutes_before_the_start_to_the_end(session):
    event = new_event(session)
    assert service.checkin_window(event) == (STARTS - timedelta(minutes=30), STARTS + timedelta(hours=2))


def test_checking_in_by_code_or_button_is_recorded_with_how(session):
    event = new_event(session)
    code = service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code
    service.record_checkin_post(session, team_id=TEAM, event_id=event.id, ts="1900000000.000900")
    assert event.checkin_ts == "1900000000.000900"
    assert service.check_in(session, team_id=TEAM, user_id="U1", now=STARTS + timedelta(hours=2), code=f"  {code.lower()} ") == (event, True)
    assert service.check_in(session, team_id=TEAM, user_id="U2", now=STARTS, event_id=event.id) == (event, True)
    rows = session.query(Attendance).filter(Attendance.event_id == event.id).order_by(Attendance.user_id).all()
    assert [(row.team_id, row.user_id, row.method, row.marked_by) for row in rows] == [(TEAM, "U1", "code", "U1"), (TEAM, "U2", "button", "U2")]


def test_a_code_only_opens_its_own_workspaces_event(session):
    event = new_event(session)
    code = service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code
    assert len(code) == 6 and set(code) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    with pytest.raises(UserError) as refused:
        service.check_in(session, team_id=OTHER_TEAM, user_id=MEMBER, now=STARTS, code=code)
    assert str(refused.value) == "That check-in code doesn't match any event. Check it with the officer at the door."


def test_check_in_by_button_needs_an_event_with_check_in_open(session):
    event = new_event(session)
    with pytest.raises(UserError) as refused:
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS, event_id=event.id)
    assert str(refused.value) == "Check-in for this event isn't open."
    with pytest.raises(UserError, match="That event no longer exists."):
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS)


def test_check_in_to_a_cancelled_event_is_refused(session):
    event = new_event(session)
    code = service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code
    service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    for kwargs in ({"code": code}, {"event_id": event.id}):
        with pytest.raises(UserError) as refused:
            service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS, **kwargs)
        assert str(refused.value) == "This event was cancelled."


def test_check_in_closes_the_moment_after_the_end(session):
    event = new_event(session)
    service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    with pytest.raises(service.NotYet) as early:
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS - timedelta(minutes=30, seconds=1), event_id=event.id)
    assert str(early.value) == "Check-in opens 30 minutes before the start."
    with pytest.raises(UserError) as late:
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=event.ends_at + timedelta(seconds=1), event_id=event.id)
    assert str(late.value) == "Check-in has closed: the event is over."
    assert service.check_in(session, team_id=TEAM, user_id=MEMBER, now=event.ends_at, event_id=event.id) == (event, True)


def test_officers_mark_attendance_once_per_member(session):
    event = new_event(session)
    service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    service.check_in(session, team_id=TEAM, user_id="U1", now=STARTS, event_id=event.id)
    assert service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=["U1", "U2", "U3", "U2"]) == 2
    rows = session.query(Attendance).filter(Attendance.event_id == event.id).order_by(Attendance.user_id).all()
    assert [(row.user_id, row.method, row.marked_by) for row in rows] == [("U1", "button", "U1"), ("U2", "officer", OFFICER), ("U3", "officer", OFFICER)]
    with pytest.raises(UserError) as refused:
        service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=MEMBER, is_officer=False, members=["U4"])
    assert str(refused.value) == "Only officers can mark attendance."
    with pytest.raises(UserError, match="no longer exists"):
        service.mark_attended(session, team_id=OTHER_TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=["U4"])


def test_attended_count_is_per_member_and_workspace(session):
    ours, theirs, another = new_event(session), new_event(session, team_id=OTHER_TEAM), new_event(session, title="Another", ts="1900000000.000300")
    for event in (ours, another):
        service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=[MEMBER])
    service.mark_attended(session, team_id=OTHER_TEAM, event_id=theirs.id, user_id=OFFICER, is_officer=True, members=[MEMBER])
    assert service.attended_count(session, team_id=TEAM, user_id=MEMBER) == 2
    assert service.attended_count(session, team_id=OTHER_TEAM, user_id=MEMBER) == 1
    assert service.attended_count(session, team_id=TEAM, user_id=STRANGER) == 0


def test_answers_lock_the_event_once_per_transaction(session, monkeypatch):
    # The lock is what keeps two answers from taking the last seat at once (PostgreSQL).
    event = new_event(session, capacity="1")
    locks = []
    real = service.team_row

    def spy(session_, model, *, team_id, row_id, lock=False, missing=None):
        locks.append((team_id, row_id, lock))
        return real(session_, model, team_id=team_id, row_id=row_id, lock=lock, missing=missing)

    monkeypatch.setattr(service, "team_row", spy)
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:going")
    assert locks == [(TEAM, event.id, True)]
    assert seats(session, event) == {Seat.going: ["U1"], Seat.waitlist: ["U2"]}


def test_an_event_deleted_after_an_answer_in_the_same_transaction_no_longer_exists(session):
    event = new_event(session)
    assert not act(session, event, MEMBER, "remove:going").changed
    service.delete_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    session.flush()
    with pytest.raises(UserError) as refused:
        act(session, event, MEMBER, "add:going", team_id=TEAM)
    assert str(refused.value) == "That event no longer exists."


def test_find_reads_a_title_that_starts_with_x_and_digits_as_words(session):
    new_event(session, title="Tour of lab X2")
    found = new_event(session, title="X1 launch", ts="1900000000.000300")
    assert service.find(session, team_id=TEAM, words="X1", now=NOW) == found


def test_find_echoes_at_most_100_characters_of_the_words(session):
    with pytest.raises(UserError) as refused:
        service.find(session, team_id=TEAM, words="w" * 150, now=NOW)
    assert str(refused.value) == f"No event matches “{'w' * 99}…”. `/events` lists the upcoming ones with their numbers."


def test_find_looks_through_the_200_latest_events_only(session):
    session.add(Event(team_id=TEAM, title="Ancient mixer", starts_at=NOW - timedelta(days=400), ends_at=NOW - timedelta(days=400) + timedelta(hours=1), created_by=OFFICER))
    session.add_all(Event(team_id=TEAM, title=f"Night {n}", starts_at=NOW - timedelta(days=n), ends_at=NOW - timedelta(days=n) + timedelta(hours=1), created_by=OFFICER)
                    for n in range(1, 201))
    session.flush()
    with pytest.raises(UserError, match="No event matches “ancient”"):
        service.find(session, team_id=TEAM, words="ancient", now=NOW)
    assert service.find(session, team_id=TEAM, words="night 200", now=NOW).title == "Night 200"


def test_an_event_that_ended_exactly_a_day_ago_is_no_longer_current(session):
    ended = new_event(session, title="Mixer (ended)", editing=True, starts_at=stamp(NOW - timedelta(days=1, hours=1)), ends_at=stamp(NOW - timedelta(days=1)))
    future = new_event(session, title="Mixer (future)", starts_at=stamp(NOW + timedelta(days=30)), ends_at=stamp(NOW + timedelta(days=30, hours=1)))
    assert service.find(session, team_id=TEAM, words="mixer", now=NOW) == future
    assert service.find(session, team_id=TEAM, words="mixer", now=NOW - timedelta(seconds=1)) == ended


@pytest.mark.parametrize("change", ["update", "cancel", "delete", "open check-in"])
def test_changing_an_event_locks_it_first(session, monkeypatch, change):
    # The row lock queues a change behind answers being applied to the same event (PostgreSQL).
    event = new_event(session)
    locks = []
    real = service.team_row

    def spy(session_, model, *, team_id, row_id, lock=False, missing=None):
        locks.append(lock)
        return real(session_, model, team_id=team_id, row_id=row_id, lock=lock, missing=missing)

    monkeypatch.setattr(service, "team_row", spy)
    if change == "update":
        update(session, event, title="Changed")
    elif change == "cancel":
        service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    elif change == "delete":
        service.delete_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    else:
        service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    assert locks == [True]


@pytest.mark.parametrize(("user_id", "is_officer"), [(MEMBER, False), (OFFICER, True)], ids=["its creator", "an officer"])
def test_the_creator_or_any_officer_may_change_cancel_delete_and_open_check_in(session, user_id, is_officer):
    event, other = new_event(session, by=MEMBER), new_event(session, by=MEMBER, title="Other", ts="1900000000.000300")
    assert update(session, event, user_id=user_id, is_officer=is_officer, title="Renamed").event.title == "Renamed"
    assert service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=user_id, is_officer=is_officer).checkin_code
    assert service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=user_id, is_officer=is_officer, now=NOW)[0].cancelled_at == NOW
    assert service.delete_event(session, team_id=TEAM, event_id=other.id, user_id=user_id, is_officer=is_officer) == other


def test_the_roster_lists_answers_by_when_they_last_changed_and_the_waitlist_by_arrival(session):
    event = new_event(session, capacity="2")
    for user in ("U1", "U2", "U3", "U4"):
        act(session, event, user, "add:going")
    rows = {row.user_id: row for row in session.query(Rsvp).filter(Rsvp.event_id == event.id)}
    # U1's answer changed last; U3 has waited longest though U4's row was touched earlier.
    rows["U1"].updated_at = datetime(2030, 1, 3, tzinfo=timezone.utc)
    rows["U2"].updated_at = datetime(2030, 1, 2, tzinfo=timezone.utc)
    rows["U3"].updated_at = datetime(2030, 1, 9, tzinfo=timezone.utc)
    rows["U4"].updated_at = datetime(2030, 1, 1, tzinfo=timezone.utc)
    session.flush()
    assert seats(session, event) == {Seat.going: ["U2", "U1"], Seat.waitlist: ["U3", "U4"]}


def test_the_roster_lists_who_attended_in_the_order_they_arrived(session):
    event = new_event(session)
    service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=["U1", "U2"])
    rows = {row.user_id: row for row in session.query(Attendance).filter(Attendance.event_id == event.id)}
    rows["U1"].at = STARTS + timedelta(minutes=10)
    rows["U2"].at = STARTS
    session.flush()
    assert service.roster(session, event=event).attended == ["U2", "U1"]


def test_seats_of_reads_only_the_events_asked_about(session):
    asked, other = new_event(session), new_event(session, title="Other", ts="1900000000.000300")
    act(session, asked, MEMBER, "add:going")
    act(session, other, MEMBER, "add:maybe")
    assert service.seats_of(session, team_id=TEAM, user_id=MEMBER, event_ids=[asked.id]) == {asked.id: Seat.going}


def test_answers_and_arrivals_in_the_same_instant_keep_the_order_they_were_stored(session):
    event = new_event(session)
    for user in ("UZED", "UAMY"):
        act(session, event, user, "add:going")
    service.mark_attended(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, members=["UZED", "UAMY"])
    same = datetime(2030, 1, 1, tzinfo=timezone.utc)
    for row in session.query(Rsvp).filter(Rsvp.event_id == event.id):
        row.updated_at = same
    for row in session.query(Attendance).filter(Attendance.event_id == event.id):
        row.at = same
    session.flush()
    roster = service.roster(session, event=event)
    assert (roster.seats[Seat.going], roster.attended) == (["UZED", "UAMY"], ["UZED", "UAMY"])
