"""The rules of events and RSVPs, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from slackapp.errors import UserError
from slackapp.events import service
from slackapp.events.models import Answer, Seat

pytestmark = pytest.mark.fast

TEAM = "TEVENTS"
OFFICER, MEMBER, STRANGER = "UOFFICER", "UMEMBER", "USTRANGER"
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)
STARTS = NOW + timedelta(days=3)
CHANNEL, POST_TS = "CEVENTS", "1900000000.000100"


def form(**changes) -> dict:
    """What the event form submits, as the handler hands it to the service."""
    raw = {
        "title": "Career night",
        "description": "Meet alumni.",
        "starts_at": str(int(STARTS.timestamp())),
        "ends_at": str(int((STARTS + timedelta(hours=2)).timestamp())),
        "location": "Room 101",
        "online_link": None,
        "capacity": None,
        "channel": CHANNEL,
    }
    raw.update(changes)
    return raw


def problems(editing: bool = False, **changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        service.validate(form(**changes), now=NOW, editing=editing)
    return refused.value.fields


def new_event(session, **changes):
    event = service.create_event(session, team_id=TEAM, user_id=OFFICER, is_officer=True, draft=service.validate(form(**changes), now=NOW))
    service.record_posts(session, team_id=TEAM, event_id=event.id, channel=CHANNEL, rsvp_ts=POST_TS, post_ts=POST_TS)
    return event


_delivery = iter(range(10**9))


def act(session, event, user: str, action: str, at: str | None = None, **kwargs):
    """One reaction or button press; `at` is Slack's timestamp of it (later each call by default)."""
    number = next(_delivery)
    return service.record_action(
        session, team_id=TEAM, event_id=event.id, user_id=user, delivery_id=kwargs.pop("delivery_id", f"d{number}"),
        action=action, at=at or f"1900000000.{number % 1_000_000:06d}", **kwargs,
    )[1]


def seat_of(session, event, user: str) -> Seat:
    roster = service.roster(session, event=event)
    return next((seat for seat, users in roster.seats.items() if user in users), Seat.none)


# ---- validating the form --------------------------------------------------------------------


def test_form_problems_are_keyed_by_field():
    found = problems(title=" ", ends_at=form()["starts_at"], capacity="0", online_link="meet example.com", location=None)
    assert set(found) == {"title", "ends_at", "capacity", "online_link"}


def test_an_event_needs_a_place_or_a_link():
    assert set(problems(location=None, online_link=None)) == {"location"}
    assert service.validate(form(location=None, online_link="https://meet.example/x"), now=NOW).online_link == "https://meet.example/x"


def test_a_start_in_the_past_is_refused_for_a_new_event_but_kept_when_editing():
    past = str(int((NOW - timedelta(hours=1)).timestamp()))
    assert set(problems(starts_at=past)) == {"starts_at"}
    assert service.validate(form(starts_at=past), now=NOW, editing=True).starts_at == NOW - timedelta(hours=1)


def test_only_officers_create_events(session):
    with pytest.raises(UserError, match="Only club officers"):
        service.create_event(session, team_id=TEAM, user_id=MEMBER, is_officer=False, draft=service.validate(form(), now=NOW))


# ---- answers: replaying a member's actions ----------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "answer"),
    [
        ([("add:going", "1"), ("remove:going", "2"), ("add:maybe", "3")], Answer.maybe),
        ([("add:maybe", "3"), ("remove:going", "2"), ("add:going", "1")], Answer.maybe),  # delivered in any order
        ([("remove:going", "2"), ("add:going", "1")], Answer.none),
        ([("add:going", "1"), ("remove:maybe", "2")], Answer.going),  # removing another reaction changes nothing
        ([("add:going", "1"), ("set:no", "2")], Answer.no),
    ],
)
def test_the_latest_action_wins(actions, answer):
    assert service.replay(actions) == answer


def test_slack_timestamps_sort_in_time_order_and_junk_is_refused():
    assert service.order_key("999.5") < service.order_key("1000.000001")
    with pytest.raises(UserError):
        service.order_key("yesterday")


def test_a_repeated_delivery_changes_nothing(session):
    event = new_event(session)
    assert act(session, event, MEMBER, "add:going", delivery_id="Ev1").after == Seat.going
    assert act(session, event, MEMBER, "remove:going", delivery_id="Ev1") is None
    assert seat_of(session, event, MEMBER) == Seat.going


def test_a_reaction_on_another_message_is_refused(session):
    event = new_event(session)
    with pytest.raises(UserError, match="not this event's RSVP post"):
        act(session, event, MEMBER, "add:going", message=(CHANNEL, "1900000000.999999"))
    assert act(session, event, MEMBER, "add:going", message=(CHANNEL, POST_TS)).after == Seat.going


# ---- capacity and the waitlist -----------------------------------------------------------------


def test_going_beyond_capacity_joins_the_waitlist_in_order(session):
    event = new_event(session, capacity="2")
    changes = [act(session, event, user, "add:going") for user in ("U1", "U2", "U3", "U4")]
    assert [change.after for change in changes] == [Seat.going, Seat.going, Seat.waitlist, Seat.waitlist]
    assert [change.waitlist_place for change in changes] == [0, 0, 1, 2]
    assert service.roster(session, event=event).seats[Seat.waitlist] == ["U3", "U4"]


def test_a_freed_place_goes_to_the_first_on_the_waitlist(session):
    event = new_event(session, capacity="1")
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:going")
    act(session, event, "U3", "add:going")
    change = act(session, event, "U1", "remove:going")
    assert (change.after, change.promoted) == (Seat.none, ["U2"])
    assert [seat_of(session, event, user) for user in ("U1", "U2", "U3")] == [Seat.none, Seat.going, Seat.waitlist]


def test_leaving_the_waitlist_promotes_nobody(session):
    event = new_event(session, capacity="1")
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:going")
    change = act(session, event, "U2", "add:maybe")
    assert (change.before, change.after, change.promoted) == (Seat.waitlist, Seat.maybe, [])
    assert service.roster(session, event=event).count(Seat.going) == 1


def test_raising_the_capacity_promotes_and_lowering_it_below_who_is_going_is_refused(session):
    event = new_event(session, capacity="1")
    for user in ("U1", "U2", "U3"):
        act(session, event, user, "add:going")
    updated = service.update_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, draft=service.validate(form(capacity="2"), now=NOW))
    assert (updated.promoted, updated.time_changed) == (["U2"], False)
    with pytest.raises(UserError) as refused:
        service.update_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True, draft=service.validate(form(capacity="1"), now=NOW))
    assert list(refused.value.fields) == ["capacity"]


# ---- check-in ---------------------------------------------------------------------------------


def test_check_in_is_open_from_thirty_minutes_before_until_the_end(session):
    event = new_event(session)
    code = service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code
    with pytest.raises(service.NotYet) as early:
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS - timedelta(minutes=31), code=code)
    assert early.value.opens == STARTS - timedelta(minutes=30)
    assert service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS - timedelta(minutes=30), code=code.lower()) == (event, True)
    assert service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS, event_id=event.id) == (event, False)
    with pytest.raises(UserError, match="closed"):
        service.check_in(session, team_id=TEAM, user_id=STRANGER, now=event.ends_at + timedelta(seconds=1), event_id=event.id)


def test_check_in_needs_an_opened_event_and_a_matching_code(session):
    event = new_event(session)
    with pytest.raises(UserError, match="isn't open"):
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS, event_id=event.id)
    with pytest.raises(UserError, match="doesn't match"):
        service.check_in(session, team_id=TEAM, user_id=MEMBER, now=STARTS, code="ZZZZZZ")


def test_opening_check_in_again_keeps_the_code(session):
    event = new_event(session)
    first = service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code
    assert service.open_checkin(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True).checkin_code == first
    assert len(first) == 6 and not set(first) & set("01IO")


# ---- cancelling and deleting -------------------------------------------------------------------


def test_cancelling_tells_who_answered_and_happens_once(session):
    event = new_event(session)
    act(session, event, "U1", "add:going")
    act(session, event, "U2", "add:no")
    act(session, event, "U3", "add:going")
    act(session, event, "U3", "remove:going")
    with pytest.raises(UserError, match="Only the person who created"):
        service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=STRANGER, is_officer=False)
    cancelled, told = service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=False, now=NOW)
    assert (cancelled.cancelled_at, sorted(told)) == (NOW, ["U1", "U2"])
    with pytest.raises(UserError, match="already cancelled"):
        service.cancel_event(session, team_id=TEAM, event_id=event.id, user_id=OFFICER, is_officer=True)
    with pytest.raises(UserError, match="cancelled"):
        act(session, event, "U4", "add:going")


def test_an_event_with_answers_cannot_be_deleted_but_a_withdrawn_answer_is_none(session):
    answered, quiet = new_event(session), new_event(session, title="Quiet night")
    act(session, answered, "U1", "add:maybe")
    with pytest.raises(UserError, match="can't be deleted"):
        service.delete_event(session, team_id=TEAM, event_id=answered.id, user_id=OFFICER, is_officer=True)
    act(session, quiet, "U1", "add:going")
    act(session, quiet, "U1", "remove:going")
    service.delete_event(session, team_id=TEAM, event_id=quiet.id, user_id=OFFICER, is_officer=True)
    with pytest.raises(UserError, match="no longer exists"):
        service.get_event(session, team_id=TEAM, event_id=quiet.id)


def test_a_message_carries_one_live_event_at_a_time(session):
    first = new_event(session)
    with pytest.raises(UserError, match="already the RSVP post for “Career night”"):
        service.ensure_message_free(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS)
    service.cancel_event(session, team_id=TEAM, event_id=first.id, user_id=OFFICER, is_officer=True)
    service.ensure_message_free(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS)
    second = new_event(session, title="Career night again")
    assert service.event_for_message(session, team_id=TEAM, channel=CHANNEL, ts=POST_TS) == second


def test_words_that_match_no_event_are_echoed_inert(session):
    with pytest.raises(UserError) as refused:
        service.find(session, team_id="TNOEVENTSHERE", words="<!everyone> party", now=NOW)
    assert "&lt;!everyone&gt; party" in str(refused.value) and "<!everyone>" not in str(refused.value)
