"""Volunteer gig rules at their edges: exact limits and hours, the exact words a member is told,
who may do what, what is stored, and every row kept in its workspace (the fast layer, both stores)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from slackapp.errors import UserError
from slackapp.gigs import service
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer, Spot
from tests.helpers import locked_tables

pytestmark = pytest.mark.fast

TEAM, ELSEWHERE = "TGRULES", "TGOTHER"
OFFICER, CONTACT, GUEST, STRANGER = "UOFFICER", "UCONTACT", "UGUEST", "USTRANGER"
TODAY = date(2031, 3, 3)
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)


def gig_form(**changes) -> dict:
    raw = {"title": "Club website", "needed": "Rebuild our page", "skills": ["web design"], "other_skills": None, "hours": "4", "slots": "2", "due_date": None, "contact": CONTACT}
    raw.update(changes)
    return raw


def refused(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return caught.value


def post(session, team=TEAM, **changes) -> Gig:
    draft = service.validate_gig(gig_form(**changes), today=TODAY, poster=OFFICER)
    return service.post_gig(session, team_id=team, user_id=OFFICER, is_officer=True, draft=draft)


def join(session, gig, user, minute=0, team=TEAM):
    return service.volunteer(session, team_id=team, gig_id=gig.id, user_id=user, now=T0 + timedelta(minutes=minute))


def request(session, team=TEAM, user=GUEST, **changes) -> GigRequest:
    raw = {"organization": "Robotics Club", "needed": "A webmaster", "hours": "6", **changes}
    return service.create_request(session, team_id=team, user_id=user, draft=service.validate_request(raw, today=TODAY))


# ---- hours --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "hours"), [("200", Decimal("200.0")), ("199.9", Decimal("199.9")), (3, Decimal("3.0")), ("0.1", Decimal("0.1")), ("4.50", Decimal("4.5"))])
def test_hours_at_the_edges(given, hours):
    assert service.parse_hours(given) == hours and service.parse_hours(given, zero=False) == hours


@pytest.mark.parametrize(
    ("given", "zero", "said"),
    [
        ("200.1", True, "Hours must be between 0 and 200."),
        ("-0.1", True, "Hours must be between 0 and 200."),
        ("Infinity", True, "Hours must be between 0 and 200."),
        ("NaN", True, "Hours must be between 0 and 200."),
        ("200.1", False, "Hours must be more than 0 and at most 200."),
        ("0", False, "Hours must be more than 0 and at most 200."),
        ("0.0", False, "Hours must be more than 0 and at most 200."),
        ("-Infinity", False, "Hours must be more than 0 and at most 200."),
        ("1.25", True, "Use at most one decimal, like 2.5."),
        ("0.05", False, "Use at most one decimal, like 2.5."),
        (None, True, "Give the hours as a number, like 4 or 2.5."),
        ("", True, "Give the hours as a number, like 4 or 2.5."),
        ("four", False, "Give the hours as a number, like 4 or 2.5."),
    ],
)
def test_hours_refused_in_words(given, zero, said):
    assert str(refused(service.parse_hours, given, zero=zero)) == said


def test_zero_hours_are_a_volunteers_by_default():
    assert service.parse_hours("0") == 0 and service.parse_hours(" 0 ") == 0


# ---- the forms ------------------------------------------------------------------------------------------


def test_a_gig_form_becomes_its_draft():
    draft = service.validate_gig(
        gig_form(title="  Club website ", needed=" Rebuild ", skills=list(service.SKILLS) + ["juggling"], other_skills=" Writing , HTML,, css ,",
                 hours=" 2.5 ", slots=" 50 ", due_date="2031-03-03", contact="WCONTACT1"),
        today=TODAY, poster=OFFICER,
    )
    assert draft == service.GigDraft(
        title="Club website", needed="Rebuild", skills="web design, social media, data analysis, writing, graphic design, event planning, video, html, css",
        hours=Decimal("2.5"), slots=50, due_date=TODAY, contact="WCONTACT1",
    )
    plain = service.validate_gig(gig_form(skills=None, other_skills=" , ", slots="", contact=None), today=TODAY, poster=OFFICER, bot="UBOT")
    assert (plain.skills, plain.slots, plain.contact, plain.due_date) == (None, 1, OFFICER, None)
    assert service.validate_gig(gig_form(other_skills=["not", "text"]), today=TODAY, poster=OFFICER).skills == "web design"


def test_skills_are_cut_at_three_hundred_characters():
    draft = service.validate_gig(gig_form(skills=[], other_skills="a" * 299 + "bc"), today=TODAY, poster=OFFICER)
    assert draft.skills == "a" * 299 + "b"


def test_every_gig_form_problem_in_words():
    fields = refused(
        service.validate_gig, {"title": "t" * 151, "needed": "n" * 2001, "hours": "0", "slots": "51", "due_date": "2031-03-02", "contact": ["UCONTACT"]},
        today=TODAY, poster=OFFICER).fields
    assert fields == {
        "title": "Keep this under 150 characters (it has 151).", "needed": "Keep this under 2000 characters (it has 2001).",
        "hours": "Hours must be more than 0 and at most 200.", "slots": "Ask for between 1 and 50 volunteers.", "due_date": "That date has passed.",
        "contact": "Pick a person from the list.",
    }
    fields = refused(service.validate_gig, {"slots": "-1", "due_date": "not a day", "contact": "UBOT"}, today=TODAY, poster=OFFICER, bot="UBOT").fields
    assert fields == {
        "title": "Please fill this in.", "needed": "Please fill this in.", "hours": "Give the hours as a number, like 4 or 2.5.",
        "slots": "Ask for between 1 and 50 volunteers.", "due_date": "Pick a date from the calendar.",
        "contact": "Pick a person from the list: the app itself can't be the contact.",
    }
    draft = service.validate_gig(gig_form(title="t" * 150, needed="n" * 2000, slots="1", contact="UBOT"), today=TODAY, poster=OFFICER)
    assert (len(draft.title), len(draft.needed), draft.slots, draft.contact) == (150, 2000, 1, "UBOT")
    assert refused(service.validate_gig, gig_form(contact="U1"), today=TODAY, poster=OFFICER).fields == {"contact": "Pick a person from the list."}
    for slots in ("two", " ", "1.5"):
        assert refused(service.validate_gig, gig_form(slots=slots), today=TODAY, poster=OFFICER).fields == {"slots": "Ask for between 1 and 50 volunteers."}


def test_a_request_form_becomes_its_draft():
    draft = service.validate_request(
        {"organization": " Robotics ", "needed": " A webmaster ", "skills": ["writing"], "other_skills": "SEO", "hours": "6", "due_date": "2031-03-04"}, today=TODAY)
    assert draft == service.RequestDraft(organization="Robotics", needed="A webmaster", skills="writing, seo", hours=Decimal("6.0"), due_date=date(2031, 3, 4))
    assert refused(service.validate_request, {"organization": " ", "needed": "n", "hours": "1"}, today=TODAY).fields == {"organization": "Please fill this in."}
    fields = refused(service.validate_request, {"organization": "o" * 151, "hours": "x", "due_date": "2031-03-01"}, today=TODAY).fields
    assert fields == {"organization": "Keep this under 150 characters (it has 151).", "needed": "Please fill this in.",
                      "hours": "Give the hours as a number, like 4 or 2.5.", "due_date": "That date has passed."}


# ---- posting ----------------------------------------------------------------------------------------------


def test_what_a_posted_gig_stores(session):
    gig = post(session, due_date="2031-03-20", other_skills="css")
    stored = session.get(Gig, gig.id)
    assert (stored.team_id, stored.title, stored.needed, stored.skills, stored.hours, stored.slots, stored.due_date, stored.contact,
            stored.organization, stored.posted_by, stored.status) == (
        TEAM, "Club website", "Rebuild our page", "web design, css", Decimal("4.0"), 2, date(2031, 3, 20), CONTACT, None, OFFICER, "open")
    said = refused(service.post_gig, session, team_id=TEAM, user_id=STRANGER, is_officer=False,
                   draft=service.validate_gig(gig_form(), today=TODAY, poster=STRANGER))
    assert str(said) == "Only club officers can post gigs. Anyone can ask for help with `/gigs request`."


def test_a_gig_belongs_to_its_workspace(session):
    gig = post(session)
    assert service.get_gig(session, team_id=TEAM, gig_id=gig.id).id == gig.id
    assert str(refused(service.get_gig, session, team_id=ELSEWHERE, gig_id=gig.id)) == "That gig no longer exists."
    assert str(refused(join, session, gig, "U1", team=ELSEWHERE)) == "That gig no longer exists."
    service.record_announcement(session, team_id=TEAM, gig_id=gig.id, channel="C1", ts="123.456")
    assert (session.get(Gig, gig.id).announce_channel, session.get(Gig, gig.id).announce_ts) == ("C1", "123.456")
    assert str(refused(service.record_announcement, session, team_id=ELSEWHERE, gig_id=gig.id, channel="C2", ts="1.2")) == "That gig no longer exists."


# ---- volunteering -------------------------------------------------------------------------------------------


def test_what_volunteering_stores(session):
    gig = post(session, slots="1")
    assert join(session, gig, "U1", 5) == service.Joined(spot=Spot.volunteer, position=0, new=True)
    [row] = session.scalars(select(GigVolunteer).where(GigVolunteer.gig_id == gig.id))
    assert (row.team_id, row.user_id, row.spot, row.joined_at, row.hours) == (TEAM, "U1", "volunteer", T0 + timedelta(minutes=5), None)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    service.volunteer(session, team_id=TEAM, gig_id=gig.id, user_id="U2")
    late = session.scalar(select(GigVolunteer).where(GigVolunteer.gig_id == gig.id, GigVolunteer.user_id == "U2"))
    assert late.joined_at >= before and late.spot == "waitlist"


def test_the_roster_keeps_asking_order_and_ties_by_arrival(session):
    gig = post(session, slots="1")
    join(session, gig, "UB", 3)
    join(session, gig, "UA", 3)
    join(session, gig, "UC", 1)
    join(session, gig, "UD", 2)
    service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="UD")
    assert service.roster(session, gig=gig) == service.Roster(volunteers=["UB"], waitlist=["UC", "UA"])
    # A second waitlisted member asking again is told their own place.
    assert join(session, gig, "UA", 9) == service.Joined(spot=Spot.waitlist, position=2, new=False)
    # Asking at the same moment, the one who asked first (not the first by name) is first.
    join(session, gig, "UZ", 7)
    join(session, gig, "UY", 7)
    assert service.roster(session, gig=gig).waitlist == ["UC", "UA", "UZ", "UY"]


def test_a_finished_gig_takes_no_one_and_loses_no_one(session):
    gig = post(session, slots="1")
    join(session, gig, "U1")
    join(session, gig, "U2", 1)
    service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=OFFICER, is_officer=True, hours={"U1": "1"})
    assert str(refused(join, session, gig, "U3")) == "This gig is done; thanks for offering!"
    assert str(refused(service.withdraw, session, team_id=TEAM, gig_id=gig.id, user_id="U1")) == "This gig is done, so there is nothing to withdraw from."
    assert str(refused(service.withdraw, session, team_id=TEAM, gig_id=post(session).id, user_id="U1")) == "You haven't volunteered for this gig."


def test_a_freed_slot_goes_to_the_first_waiting_even_when_several_slots(session):
    gig = post(session, slots="2")
    for minute, user in enumerate(("U1", "U2", "U3", "U4")):
        join(session, gig, user, minute)
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U2") == "U3"
    assert service.roster(session, gig=gig) == service.Roster(volunteers=["U1", "U3"], waitlist=["U4"])
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U4") is None
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U1") is None
    assert service.roster(session, gig=gig) == service.Roster(volunteers=["U3"], waitlist=[])


def test_a_promotion_changes_only_that_gig(session):
    one, other = post(session, slots="1"), post(session, slots="1")
    for gig in (one, other):
        join(session, gig, "U1")
        join(session, gig, "U2", 1)
    assert service.withdraw(session, team_id=TEAM, gig_id=one.id, user_id="U1") == "U2"
    assert service.roster(session, gig=one) == service.Roster(volunteers=["U2"], waitlist=[])
    assert service.roster(session, gig=other) == service.Roster(volunteers=["U1"], waitlist=["U2"])


def test_a_freed_slot_is_filled_only_while_there_is_room(session):
    """A freed slot is filled only while the gig has room: with its slots cut to the volunteers
    still in (the row edited by hand), a withdrawal brings no one in from the waitlist."""
    gig = post(session, slots="3")
    for minute, user in enumerate(("U1", "U2", "U3", "U4")):
        join(session, gig, user, minute)
    gig.slots = 2
    session.flush()
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U1") is None
    assert service.roster(session, gig=gig) == service.Roster(volunteers=["U2", "U3"], waitlist=["U4"])
    gig.slots = 3
    session.flush()
    assert service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U2") == "U4"


# ---- finishing ---------------------------------------------------------------------------------------------------


def test_finishing_in_words_and_what_is_stored(session):
    gig = post(session, slots="2")
    join(session, gig, "U1")
    join(session, gig, "U2", 1)
    join(session, gig, "U3", 2)  # waitlisted: no hours to confirm
    finish = lambda who=CONTACT, is_officer=False, hours=None, now=T1, team=TEAM: service.finish(
        session, team_id=team, gig_id=gig.id, user_id=who, is_officer=is_officer, hours=hours or {"U1": "2", "U2": "0"}, now=now)
    assert str(refused(finish, who=OFFICER)) == "Only the gig's contact or an officer can mark it done and confirm hours."
    assert str(refused(finish, hours={"U1": "2"})) == "The volunteers changed meanwhile; open the form again."
    assert str(refused(finish, hours={"U1": "2", "U2": "1", "U3": "1"})) == "The volunteers changed meanwhile; open the form again."
    assert refused(finish, hours={"U1": "2.25", "U2": "x"}).fields == {"U1": "Use at most one decimal, like 2.5.", "U2": "Give the hours as a number, like 4 or 2.5."}
    assert str(refused(finish, team=ELSEWHERE)) == "That gig no longer exists."
    assert finish(who=OFFICER, is_officer=True) == {"U1": Decimal("2.0"), "U2": Decimal("0.0")}
    rows = {row.user_id: row for row in session.scalars(select(GigVolunteer).where(GigVolunteer.gig_id == gig.id))}
    assert {user: (row.hours, row.hours_confirmed_by) for user, row in rows.items()} == {
        "U1": (Decimal("2.0"), OFFICER), "U2": (Decimal("0.0"), OFFICER), "U3": (None, None)}
    stored = session.get(Gig, gig.id)
    assert (stored.status, stored.done_at, stored.done_by) == ("done", T1, OFFICER)
    assert str(refused(finish)) == "This gig is already marked done."


def test_finishing_without_a_time_is_stamped_now(session):
    gig = post(session)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={}) == {}
    assert session.get(Gig, gig.id).done_at >= before


def test_who_may_finish(session):
    gig = post(session)
    assert service.may_finish(gig, user_id=CONTACT, is_officer=False) and service.may_finish(gig, user_id=STRANGER, is_officer=True)
    assert not service.may_finish(gig, user_id=OFFICER, is_officer=False)


def test_volunteer_hours_add_up_per_workspace(session):
    assert service.volunteer_hours(session, team_id=TEAM, user_id="U1") == Decimal(0)
    for team, hours in ((TEAM, "2.5"), (TEAM, "1"), (ELSEWHERE, "7")):
        gig = post(session, team=team)
        join(session, gig, "U1", team=team)
        service.finish(session, team_id=team, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={"U1": hours})
    join(session, post(session), "U1")  # not finished: no hours yet
    assert service.volunteer_hours(session, team_id=TEAM, user_id="U1") == Decimal("3.5")
    assert service.volunteer_hours(session, team_id=ELSEWHERE, user_id="U1") == Decimal("7")
    assert isinstance(service.volunteer_hours(session, team_id=TEAM, user_id="UNONE"), Decimal)


# ---- lists -------------------------------------------------------------------------------------------------------


def test_open_gigs_newest_first(session):
    newest, second, third = post(session, title="Newest"), post(session, title="Second"), post(session, title="Third")
    # Posted at the same moment, the later post comes first.
    for gig, minute in ((newest, 2), (second, 0), (third, 0)):
        gig.created_at = T0 + timedelta(minutes=minute)
    done = post(session, title="Done")
    service.finish(session, team_id=TEAM, gig_id=done.id, user_id=CONTACT, is_officer=False, hours={})
    post(session, team=ELSEWHERE, title="Elsewhere")
    session.flush()
    assert [g.title for g, _ in service.open_gigs(session, team_id=TEAM)] == ["Newest", "Third", "Second"]
    join(session, second, "U1")
    join(session, second, "U2")
    join(session, second, "U3")
    assert [g.title for g, _ in service.open_gigs(session, team_id=TEAM)] == ["Newest", "Third"]
    [_, _, (gig, roster)] = service.open_gigs(session, team_id=TEAM, with_free_slots=False)
    assert (gig.title, roster) == ("Second", service.Roster(volunteers=["U1", "U2"], waitlist=["U3"]))


def test_my_gigs_are_the_ones_i_joined_and_the_ones_i_run(session):
    joined, waiting, left = post(session, title="Joined", slots="1"), post(session, title="Waiting", slots="1"), post(session, title="Left")
    for gig, minute in ((joined, 2), (waiting, 1), (left, 0)):
        gig.created_at = T0 + timedelta(minutes=minute)
    run_by_me = post(session, title="Mine", contact="UME")
    run_by_me.created_at = T0 + timedelta(minutes=3)
    session.flush()
    join(session, waiting, "UOTHER")
    join(session, waiting, "UME", 1)
    join(session, joined, "UME")
    join(session, left, "UME")
    service.withdraw(session, team_id=TEAM, gig_id=left.id, user_id="UME")
    there = post(session, team=ELSEWHERE, contact="UME")
    join(session, there, "UME", team=ELSEWHERE)
    volunteered, posted = service.my_gigs(session, team_id=TEAM, user_id="UME")
    assert [(g.title, spot) for g, spot in volunteered] == [("Joined", "volunteer"), ("Waiting", "waitlist")]
    assert [g.title for g in posted] == ["Mine"]
    _, by_officer = service.my_gigs(session, team_id=TEAM, user_id=OFFICER)
    assert [g.title for g in by_officer] == ["Mine", "Joined", "Waiting", "Left"]
    assert service.my_gigs(session, team_id=ELSEWHERE, user_id="UME") == ([(there, "volunteer")], [there])


def test_overdue_gigs_are_past_due_with_free_slots(session):
    due_today = post(session, title="Today", due_date="2031-03-05")
    due_before = post(session, title="Before", due_date="2031-03-04", slots="1")
    full = post(session, title="Full", due_date="2031-03-04", slots="1")
    post(session, title="No date")
    join(session, full, "U1")
    titles = [g.title for g, _ in service.overdue(session, team_id=TEAM, today=date(2031, 3, 5))]
    assert titles == [due_before.title]
    assert service.overdue(session, team_id=ELSEWHERE, today=date(2031, 3, 5)) == []
    assert sorted(g.title for g, _ in service.overdue(session, team_id=TEAM, today=date(2031, 3, 6))) == ["Before", due_today.title]


# ---- requests from other organizations ----------------------------------------------------------------------------


def test_what_a_request_stores(session):
    asked = request(session, skills=["video"], due_date="2031-03-09", hours="2.5")
    stored = session.get(GigRequest, asked.id)
    assert (stored.team_id, stored.requester, stored.organization, stored.needed, stored.skills, stored.hours, stored.due_date, stored.status,
            stored.decided_by, stored.gig_id) == (TEAM, GUEST, "Robotics Club", "A webmaster", "video", Decimal("2.5"), date(2031, 3, 9), "pending", None, None)
    assert service.get_request(session, team_id=TEAM, request_id=asked.id).id == asked.id
    assert str(refused(service.get_request, session, team_id=ELSEWHERE, request_id=asked.id)) == "That request no longer exists."


def decide(session, asked, *, approve=True, reason=None, officer=OFFICER, is_officer=True, team=TEAM, now=T1):
    return service.decide(session, team_id=team, request_id=asked.id, officer_id=officer, is_officer=is_officer, approve=approve, reason=reason, now=now)


def test_approving_a_request_posts_its_gig(session):
    asked = request(session, organization="o" * 150, skills=["writing"], due_date="2031-03-09", hours="2.5")
    decided, gig = decide(session, asked, reason="  Welcome  ")
    assert (decided.status, decided.decided_by, decided.decided_at, decided.reason, decided.gig_id) == ("approved", OFFICER, T1, "Welcome", gig.id)
    stored = session.get(Gig, gig.id)
    assert (stored.team_id, stored.title, stored.needed, stored.skills, stored.hours, stored.slots, stored.due_date, stored.contact, stored.organization,
            stored.posted_by, stored.status) == (
        TEAM, ("o" * 150 + " needs a volunteer")[:150], "A webmaster", "writing", Decimal("2.5"), 1, date(2031, 3, 9), GUEST, "o" * 150, OFFICER, "open")
    short = request(session, organization="Chess")
    _, gig = decide(session, short)
    assert (gig.title, session.get(GigRequest, short.id).reason) == ("Chess needs a volunteer", None)
    assert str(refused(decide, session, short, approve=False, reason="No", officer="UOTHER")) == f"<@{OFFICER}> already approved this request."


def test_declining_a_request_in_words(session):
    asked = request(session)
    assert str(refused(decide, session, asked, is_officer=False)) == "Only club officers can approve or decline requests."
    said = refused(decide, session, asked, approve=False)
    assert (str(said), said.fields) == ("Tell them why, so they can try elsewhere or ask again.", {"reason": "Tell them why, so they can try elsewhere or ask again."})
    said = refused(decide, session, asked, approve=False, reason="r" * 501)
    assert said.fields == {"reason": "Keep this under 500 characters."}
    assert refused(decide, session, asked, approve=True, reason="r" * 501).fields == {"reason": "Keep this under 500 characters."}
    assert str(refused(decide, session, asked, approve=False, reason="No", team=ELSEWHERE)) == "That request no longer exists."
    assert session.get(GigRequest, asked.id).status == "pending"
    decided, gig = decide(session, asked, approve=False, reason=" " + "r" * 500 + " ")
    assert (decided.status, decided.reason, decided.decided_by, decided.decided_at, gig) == ("declined", "r" * 500, OFFICER, T1, None)
    assert session.scalars(select(Gig).where(Gig.team_id == TEAM)).all() == []
    assert str(refused(decide, session, asked, officer="UOTHER")) == f"<@{OFFICER}> already declined this request."


def test_a_decision_without_a_time_is_stamped_now(session):
    asked = request(session)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    decided, _ = decide(session, asked, approve=False, reason="No", now=None)
    assert decided.decided_at >= before


def test_pending_requests_oldest_first_within_the_limit(session):
    first, second, third = request(session, organization="First"), request(session, organization="Second"), request(session, organization="Third")
    first.created_at, second.created_at, third.created_at = T0 + timedelta(minutes=2), T0, T0
    decided = request(session, organization="Decided")
    request(session, team=ELSEWHERE)
    session.flush()
    decide(session, decided, approve=False, reason="No")
    assert [r.organization for r in service.pending_requests(session, team_id=TEAM, limit=10)] == ["Second", "Third", "First"]
    assert [r.organization for r in service.pending_requests(session, team_id=TEAM, limit=1)] == ["Second"]


# ---- one change at a time -----------------------------------------------------------------------------------------


def test_changes_to_a_gig_hold_its_row_lock_and_reads_hold_none(session):
    gig = post(session, slots="1")
    locked = locked_tables(session)
    join(session, gig, "U1")
    join(session, gig, "U2", 1)
    service.withdraw(session, team_id=TEAM, gig_id=gig.id, user_id="U1")
    service.finish(session, team_id=TEAM, gig_id=gig.id, user_id=CONTACT, is_officer=False, hours={"U2": "1"})
    assert locked == ["gigs"] * 4
    locked.clear()
    service.get_gig(session, team_id=TEAM, gig_id=gig.id)
    service.record_announcement(session, team_id=TEAM, gig_id=gig.id, channel="C1", ts="1.2")
    assert locked == []
