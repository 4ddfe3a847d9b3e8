"""The rules of volunteer gigs, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.errors import UserError
from slackapp.gigs import service
from slackapp.gigs.models import Spot

pytestmark = pytest.mark.fast

TEAM = "TGIGS"
OFFICER, CONTACT, GUEST, STRANGER = "UOFFICER", "UCONTACT", "UGUEST", "USTRANGER"
TODAY = date(2031, 3, 3)
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)


def gig_form(**changes) -> dict:
    raw = {"title": "Club website", "needed": "Rebuild our page", "skills": ["web design"], "other_skills": "HTML, css", "hours": "4", "slots": "2", "due_date": None, "contact": CONTACT}
    raw.update(changes)
    return raw


def post(session, **changes):
    return service.post_gig(session, team_id=TEAM, user_id=OFFICER, is_officer=True, draft=service.validate_gig(gig_form(**changes), today=TODAY, poster=OFFICER))


def join(session, gig, user: str, minute: int) -> service.Joined:
    return service.volunteer(session, team_id=TEAM, gig_id=gig.id, user_id=user, now=T0 + timedelta(minutes=minute))


def spots(session, gig) -> tuple[list[str], list[str]]:
    current = service.roster(session, gig=gig)
    return current.volunteers, current.waitlist


# ---- the forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "hours"), [("4", Decimal("4.0")), (" 2.5 ", Decimal("2.5")), ("0", Decimal("0.0")), ("200", Decimal("200.0"))])
def test_hours_as_people_give_them(given, hours):
    assert service.parse_hours(given) == hours


@pytest.mark.parametrize(("given", "why"), [("2.25", "one decimal"), ("250", "between 0 and 200"), ("-1", "between 0 and 200"), ("abc", "as a number"), ("NaN", "between 0 and 200")])
def test_hours_that_are_refused(given, why):
    with pytest.raises(UserError, match=why):
        service.parse_hours(given)


def test_gig_form_problems_are_keyed_by_field():
    with pytest.raises(UserError) as refused:
        service.validate_gig(gig_form(title="", needed=None, hours="2.25", slots="0", due_date="2031-03-02", contact="not a person"), today=TODAY, poster=OFFICER)
    assert set(refused.value.fields) == {"title", "needed", "hours", "slots", "due_date", "contact"}


def test_a_gig_asks_for_some_hours_and_a_person_other_than_the_app():
    with pytest.raises(UserError) as refused:
        service.validate_gig(gig_form(hours="0", contact="UBOT"), today=TODAY, poster=OFFICER, bot="UBOT")
    assert "more than 0" in refused.value.fields["hours"] and "app itself" in refused.value.fields["contact"]
    with pytest.raises(UserError, match="more than 0"):
        service.validate_request({"organization": "Robotics", "needed": "help", "hours": "-1"}, today=TODAY)
    # A volunteer who didn't come gets 0 hours when the gig is finished.
    assert service.parse_hours("0") == 0


def test_picked_and_typed_skills_are_merged_and_the_poster_is_the_default_contact():
    draft = service.validate_gig(gig_form(contact=None, slots=None), today=TODAY, poster=OFFICER)
    assert (draft.skills, draft.contact, draft.slots, draft.hours) == ("web design, html, css", OFFICER, 1, Decimal("4.0"))


def test_only_officers_post_gigs(session):
    with pytest.raises(UserError, match="Only club officers can post gigs"):
        service.post_gig(session, team_id=TEAM, user_id=STRANGER, is_officer=False, draft=service.validate_gig(gig_form(), today=TODAY, poster=STRANGER))


# ---- volunteering --------------------------------------------------------------------------------


def test_free_slots_first_then_the_waitlist_in_order(session):
    gig = post(session, slots="2")
    outcomes = [join(session, gig, user, minute) for minute, user in enumerate(("U1", "U2", "U3", "U4"))]
    assert [(o.spot, o.position, o.new) for o in outcomes] == [
        (Spot.volunteer, 0, True), (Spot.volunteer, 0, True), (Spot.waitlist, 1, True), (Spot.waitlist, 2, True)]
    assert spots(session, gig) == (["U1", "U2"], ["U3", "U4"])


def test_volunteering_again_keeps_the_place(session):
    gig = post(session, slots="1")
    join(session, gig, "U1", 0)
    join(session, gig, "U2", 1)
    assert join(session, gig, "U2", 5) == service.Joined(spot=Spot.waitlist, position=1, new=False)
    assert join(session, gig, "U1", 5) == service.Joined(spot=Spot.volunteer, position=0, new=False)


def test_withdrawing_a_slot_promotes_the_first_on_the_waitlist(session):
    gig = post(session, slots="1")
    for minute, user in enumerate(("U1", "U2", "U3")):
        join(session, gig, user, minute)
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U1") == "U2"
    assert spots(session, gig) == (["U2"], ["U3"])


def test_withdrawing_from_the_waitlist_promotes_nobody(session):
    gig = post(session, slots="1")
    for minute, user in enumerate(("U1", "U2", "U3")):
        join(session, gig, user, minute)
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U3") is None
    assert spots(session, gig) == (["U1"], ["U2"])
    with pytest.raises(UserError, match="haven't volunteered"):
        service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U3")


def test_someone_who_withdrew_joins_again_at_the_back(session):
    gig = post(session, slots="1")
    join(session, gig, "U1", 0)
    join(session, gig, "U2", 1)
    service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U1")
    assert join(session, gig, "U1", 2) == service.Joined(spot=Spot.waitlist, position=1, new=True)


# ---- requests from other organizations --------------------------------------------------------


def request(session):
    draft = service.validate_request({"organization": "Robotics Club", "needed": "A webmaster", "hours": "6"}, today=TODAY)
    return service.create_request(session, team_id=TEAM, user_id=GUEST, draft=draft)


def test_a_request_is_decided_once(session):
    asked = request(session)
    decided, gig = service.decide(session, team_id=TEAM, request_id=asked.id, officer_id=OFFICER, is_officer=True, approve=True, now=T0)
    assert (decided.status, decided.decided_by, decided.gig_id) == ("approved", OFFICER, gig.id)
    assert (gig.contact, gig.organization, gig.slots, gig.hours) == (GUEST, "Robotics Club", 1, Decimal("6.0"))
    with pytest.raises(UserError, match=f"<@{OFFICER}> already approved"):
        service.decide(session, team_id=TEAM, request_id=asked.id, officer_id="UOTHER", is_officer=True, approve=False, reason="No")


def test_declining_needs_a_reason_on_the_reason_field(session):
    asked = request(session)
    with pytest.raises(UserError) as refused:
        service.decide(session, team_id=TEAM, request_id=asked.id, officer_id=OFFICER, is_officer=True, approve=False, reason="   ")
    assert list(refused.value.fields) == ["reason"]
    decided, gig = service.decide(session, team_id=TEAM, request_id=asked.id, officer_id=OFFICER, is_officer=True, approve=False, reason="No web people")
    assert (decided.status, decided.reason, gig) == ("declined", "No web people", None)


def test_only_officers_decide(session):
    asked = request(session)
    with pytest.raises(UserError, match="Only club officers"):
        service.decide(session, team_id=TEAM, request_id=asked.id, officer_id=STRANGER, is_officer=False, approve=True)
    assert service.get_request(session, team_id=TEAM, request_id=asked.id).status == "pending"


# ---- finishing ---------------------------------------------------------------------------------------


def test_finishing_stores_each_volunteers_hours(session):
    gig = post(session)
    join(session, gig, "U1", 0)
    join(session, gig, "U2", 1)
    confirmed = service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={"U1": "2.5", "U2": "4"}, now=T0)
    assert confirmed == {"U1": Decimal("2.5"), "U2": Decimal("4.0")}
    assert (gig.status, gig.done_by) == ("done", CONTACT)
    assert service.volunteer_hours(session, team_id=TEAM, user_id="U1") == Decimal("2.5")
    with pytest.raises(UserError, match="already marked done"):
        service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={"U1": "1", "U2": "1"})
    with pytest.raises(UserError, match="done"):
        join(session, gig, "U3", 2)


def test_hours_errors_are_keyed_by_volunteer(session):
    gig = post(session)
    join(session, gig, "U1", 0)
    join(session, gig, "U2", 1)
    with pytest.raises(UserError) as refused:
        service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={"U1": "201", "U2": "4"})
    assert list(refused.value.fields) == ["U1"]
    assert gig.status == "open" and service.volunteer_hours(session, team_id=TEAM, user_id="U2") == Decimal(0)


def test_finishing_needs_the_contact_or_an_officer_and_the_current_volunteers(session):
    gig = post(session)
    join(session, gig, "U1", 0)
    with pytest.raises(UserError, match="Only the gig's contact or an officer"):
        service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=STRANGER, is_officer=False, hours={"U1": "1"})
    with pytest.raises(UserError, match="volunteers changed"):
        service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=STRANGER, is_officer=True, hours={"U1": "1", "U2": "1"})


def test_the_open_list_shows_gigs_with_free_slots(session):
    full, free = post(session, title="Full", slots="1"), post(session, title="Free", slots="2")
    join(session, full, "U1", 0)
    join(session, free, "U1", 1)
    assert [gig.title for gig, _ in service.open_gigs(session, team_id=TEAM)] == ["Free"]
    assert sorted(gig.title for gig, _ in service.open_gigs(session, team_id=TEAM, with_free_slots=False)) == ["Free", "Full"]
