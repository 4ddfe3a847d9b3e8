"""/gigs end to end: signed requests in, Web API calls and stored rows out, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from slackapp.club import service as club
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.scheduler.models import Job
from slackapp.sandbox import payloads
from tests.conftest import CONFIGURED_OFFICER, new_id
from tests.helpers import (
    EVIL,
    LIVE,
    all_text,
    answer_to,
    buttons,
    configure_club,
    dms,
    eventually,
    eventually_got,
    post_updates,
    press,
    text_state,
    tick,
)


# ---- helpers ------------------------------------------------------------------------------


def number_state(value):
    return {"value": {"type": "number_input", "value": value}}


def date_state(value):
    return {"value": {"type": "datepicker", "selected_date": value}}


def skills_state(values):
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"value": {"type": "multi_static_select", "selected_options": options}}


def future(days: int = 14) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def gig_values(*, title="Build the club website", needed="A volunteer to rebuild our page", skills=("web design",),
               other_skills="HTML, css", hours="4", slots="3", due_date=None, contact=None) -> dict:
    values = {
        "title": text_state(title),
        "needed": text_state(needed),
        "skills": skills_state(list(skills)),
        "other_skills": text_state(other_skills),
        "hours": number_state(hours),
        "slots": number_state(slots),
        "due_date": date_state(due_date if due_date is not None else future()),
        "contact": {"value": {"type": "users_select", "selected_user": contact}},
    }
    return values


def request_values(*, organization="Robotics Club", needed="We need a webmaster for our page", hours="6", due_date=None) -> dict:
    return {
        "organization": text_state(organization),
        "needed": text_state(needed),
        "skills": skills_state(["web design"]),
        "other_skills": text_state("wordpress"),
        "hours": number_state(hours),
        "due_date": date_state(due_date if due_date is not None else future()),
    }


def submit_gig(workspace, user, **fields):
    return workspace.submit("gig_form", gig_values(**fields), user=user, private_metadata=json.dumps({"channel": workspace.channel}))


def gigs_of(workspace) -> list[Gig]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Gig).where(Gig.team_id == workspace.team_id).order_by(Gig.id)))


def requests_of(workspace) -> list[GigRequest]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(GigRequest).where(GigRequest.team_id == workspace.team_id).order_by(GigRequest.id)))


def rows_of(workspace, gig_id: int) -> list[GigVolunteer]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(GigVolunteer).where(GigVolunteer.gig_id == gig_id).order_by(GigVolunteer.id)))


def post_announced_gig(workspace, officer, *, title=None, **fields) -> Gig:
    title = title or f"Gig {new_id('G')}"
    reply = submit_gig(workspace, officer, title=title, contact=fields.pop("contact", officer), **fields)
    assert reply.status == 200 and reply.body == b"", reply.body
    [gig] = eventually_got(lambda: [g for g in gigs_of(workspace) if g.title == title and g.announce_ts], count=1)
    return gig


def updates_of(workspace, gig: Gig) -> list:
    return post_updates(workspace, gig.announce_channel, gig.announce_ts, failed=True)


def wait_for_post(workspace, gig: Gig, *showing: str) -> None:
    """Wait until the latest chat.update of the gig's announcement shows each of `showing`."""

    def latest():
        found = updates_of(workspace, gig)
        assert found, "no chat.update for the announcement yet"
        text = all_text(found[-1].args["blocks"])
        assert all(part in text for part in showing), text

    eventually(latest, timeout=20)


def configure_channels(workspace, officer, *, gigs_channel=None, officers_channel=None):
    configure_club(workspace, officer, timezone="America/New_York", gigs_channel=gigs_channel, officers_channel=officers_channel)
    with workspace.server.store.read() as session:
        settings = club.workspace(session, team_id=workspace.team_id)
        assert (settings.gigs_channel, settings.officers_channel) == (gigs_channel, officers_channel)


# ---- 1. posting ---------------------------------------------------------------------------


def test_officer_posts_a_gig_which_is_stored_and_announced(workspace):
    officer, contact = workspace.officer(), workspace.member()
    due = future(10)
    reply = submit_gig(workspace, officer, title="Club website", slots="3", hours="4.5", due_date=due, contact=contact)
    assert reply.status == 200 and reply.body == b""
    [gig] = eventually_got(lambda: [g for g in gigs_of(workspace) if g.announce_ts], count=1)
    assert (gig.title, gig.slots, gig.hours, gig.due_date, gig.contact, gig.posted_by, gig.status) == (
        "Club website", 3, Decimal("4.5"), date.fromisoformat(due), contact, officer, "open")
    assert gig.skills == "web design, html, css"
    [announcement] = [c for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) if not c.failed]
    assert announcement.response["ts"] == gig.announce_ts and gig.announce_channel == workspace.channel
    text = all_text(announcement.args["blocks"])
    assert "0 of 3 spots filled" in text and "Club website" in text
    volunteer = [b for b in buttons(announcement.args["blocks"]) if b["action_id"] == "gig_volunteer"]
    assert len(volunteer) == 1 and volunteer[0]["value"] == str(gig.id) and volunteer[0]["text"]["text"] == "Volunteer"


# ---- 2. members can't post ----------------------------------------------------------------


def test_plain_member_cannot_post(workspace):
    member = workspace.member()
    url = workspace.response_url()
    reply = workspace.command("/gigs", "post", user=member, response_url=url)
    answer = answer_to(workspace, reply, url)
    assert answer["response_type"] == "ephemeral"
    assert "Only club officers can post gigs" in answer["text"]
    assert not [c for c in workspace.fake.calls_to("views.open") if c.args.get("view", {}).get("callback_id") == "gig_form"
                and workspace.channel in (c.args["view"].get("private_metadata") or "")]

    crafted = submit_gig(workspace, member, contact=member).json()
    assert crafted["response_action"] == "errors" and crafted["errors"]
    assert "officers" in " ".join(crafted["errors"].values())
    assert gigs_of(workspace) == []


# ---- 3. form errors -----------------------------------------------------------------------


def test_form_errors_are_answered_inside_the_modal(workspace):
    officer = workspace.officer()
    for hours in ("250", "2.25", "abc"):
        body = submit_gig(workspace, officer, hours=hours, contact=officer).json()
        assert body["response_action"] == "errors" and "hours" in body["errors"], (hours, body)
    body = submit_gig(workspace, officer, slots="0", contact=officer).json()
    assert body["response_action"] == "errors" and "slots" in body["errors"]
    body = submit_gig(workspace, officer, title="", contact=officer).json()
    assert body["response_action"] == "errors" and "title" in body["errors"]
    assert gigs_of(workspace) == []


def test_a_gig_needs_some_hours_and_a_person_to_contact(workspace):
    officer = workspace.officer()
    for hours in ("0", "0.0", "-2"):
        body = submit_gig(workspace, officer, hours=hours, contact=officer).json()
        assert body["response_action"] == "errors" and "more than 0" in body["errors"]["hours"], (hours, body)
    # The app's own bot can be picked in a users select; DMs to it would go nowhere.
    body = submit_gig(workspace, officer, contact=payloads.BOT_USER_ID).json()
    assert body["response_action"] == "errors" and "person" in body["errors"]["contact"], body
    body = workspace.submit("gig_request_form", request_values(hours="0"), user=workspace.member()).json()
    assert body["response_action"] == "errors" and "more than 0" in body["errors"]["hours"], body
    assert gigs_of(workspace) == [] and requests_of(workspace) == []


# ---- 4. twenty volunteers at once ---------------------------------------------------------


def test_twenty_concurrent_volunteers_fill_three_slots(workspace):
    officer, contact = workspace.officer(), workspace.member()
    gig = post_announced_gig(workspace, officer, slots="3", contact=contact)
    members = [workspace.member() for _ in range(20)]
    urls = {m: workspace.response_url() for m in members}
    statuses, barrier = {}, threading.Barrier(len(members))

    def go(member):
        barrier.wait()
        statuses[member] = workspace.click("gig_volunteer", str(gig.id), user=member, response_url=urls[member]).status

    threads = [threading.Thread(target=go, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == {m: 200 for m in members}
    answers = {m: workspace.responses(urls[m], timeout=20)[-1].args["text"] for m in members}

    rows = rows_of(workspace, gig.id)
    assert len(rows) == 20
    volunteers = sorted(r.user_id for r in rows if r.spot == "volunteer")
    assert len(volunteers) == 3
    assert sum(r.spot == "waitlist" for r in rows) == 17
    for m in members:
        assert ("You're in" in answers[m]) == (m in volunteers), answers[m]
        assert ("waitlist" in answers[m]) == (m not in volunteers), answers[m]

    for v in volunteers:
        [dm] = eventually_got(lambda v=v: dms(workspace, v, "You're volunteering"), count=1, timeout=10)
        assert f"<@{contact}>" in dm.args["text"]
    named = eventually_got(lambda: dms(workspace, contact, "volunteered for"), count=3, timeout=10)
    assert sorted(v for v in volunteers for c in named if f"<@{v}>" in c.args["text"]) == volunteers
    # A waitlisted member's answer above was the last thing their click sent them.
    for m in members:
        if m not in volunteers:
            assert dms(workspace, m) == []

    wait_for_post(workspace, gig, "3 of 3 spots filled", "17 on the waitlist")


# ---- 5. withdrawing -----------------------------------------------------------------------


def test_withdraw_promotes_the_first_on_the_waitlist(workspace):
    officer = workspace.officer()
    gig = post_announced_gig(workspace, officer, slots="1")
    first, second, third, stranger = (workspace.member() for _ in range(4))
    assert "You're in" in press(workspace, "gig_volunteer", str(gig.id), user=first)["text"]
    assert "#1 on the waitlist" in press(workspace, "gig_volunteer", str(gig.id), user=second)["text"]
    assert "#2 on the waitlist" in press(workspace, "gig_volunteer", str(gig.id), user=third)["text"]

    refused = press(workspace, "gig_withdraw", str(gig.id), user=stranger)
    assert "haven't volunteered" in refused["text"]

    assert "withdrawn" in press(workspace, "gig_withdraw", str(gig.id), user=first)["text"]
    spots = {r.user_id: r.spot for r in rows_of(workspace, gig.id)}
    assert spots == {first: "withdrawn", second: "volunteer", third: "waitlist"}
    eventually_got(lambda: dms(workspace, second, "You're volunteering"), count=1)  # sent after "A spot opened up"
    assert len(dms(workspace, second, "A spot opened up")) == 1
    assert dms(workspace, third) == []


# ---- 6. requests: two officers approve at once --------------------------------------------


def test_request_goes_to_officers_channel_and_is_approved_once(workspace):
    officer_a, officer_b = workspace.officer(), workspace.officer()
    officers_channel, gigs_channel = new_id("C"), new_id("C")
    configure_channels(workspace, officer_a, gigs_channel=gigs_channel, officers_channel=officers_channel)
    guest = workspace.member()
    org = f"Robotics {new_id('O')}"
    reply = workspace.submit("gig_request_form", request_values(organization=org), user=guest)
    assert reply.status == 200 and reply.body == b"", reply.body
    [request] = requests_of(workspace)  # stored before the form is answered
    assert (request.requester, request.organization, request.status, request.hours) == (guest, org, "pending", Decimal("6"))
    [review] = workspace.posted(channel=officers_channel)
    actions = {b["action_id"]: b["value"] for b in buttons(review.args["blocks"])}
    assert actions == {"gig_request_approve": str(request.id), "gig_request_decline": str(request.id)}
    eventually_got(lambda: dms(workspace, guest, "went to the club's officers"), count=1)

    urls = {o: workspace.response_url() for o in (officer_a, officer_b)}
    barrier = threading.Barrier(2)

    def go(officer):
        barrier.wait()
        workspace.click("gig_request_approve", str(request.id), user=officer, response_url=urls[officer])

    threads = [threading.Thread(target=go, args=(o,)) for o in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    answers = {o: workspace.responses(urls[o], timeout=10)[-1].args for o in urls}
    replaced = [o for o, a in answers.items() if a.get("replace_original") is True]
    refused = [o for o, a in answers.items() if "already approved" in (a.get("text") or "")]
    assert len(replaced) == 1 and len(refused) == 1 and set(replaced + refused) == set(urls), answers

    [request] = requests_of(workspace)
    assert (request.status, request.decided_by) == ("approved", replaced[0])
    gigs = gigs_of(workspace)
    assert len(gigs) == 1
    assert (gigs[0].contact, gigs[0].organization, gigs[0].slots, request.gig_id) == (guest, org, 1, gigs[0].id)
    # The officer who lost was answered "already approved" as their listener's last step, so
    # nothing of theirs is still on its way; the winner tells the requester once.
    eventually_got(lambda: dms(workspace, guest, "approved"), count=1)
    [announcement] = workspace.posted(channel=gigs_channel)
    # The app records where its post landed once Slack has answered.
    eventually(lambda: gigs_of(workspace)[0].announce_ts == announcement.response["ts"])


# ---- 7. requests: decline with a reason ---------------------------------------------------


def test_request_without_officers_channel_is_dmed_and_declined_with_a_reason(workspace):
    officer, guest = workspace.officer(), workspace.member()
    org = f"Chess {new_id('O')}"
    reply = workspace.submit("gig_request_form", request_values(organization=org), user=guest)
    assert reply.status == 200 and reply.body == b"", reply.body
    [request] = requests_of(workspace)  # stored before the form is answered
    [review] = eventually_got(lambda: dms(workspace, CONFIGURED_OFFICER, org), count=1)
    assert {b["action_id"] for b in buttons(review.args["blocks"])} == {"gig_request_approve", "gig_request_decline"}

    trigger = payloads.new_trigger_id()
    reply = workspace.click("gig_request_decline", str(request.id), user=officer, response_url=workspace.response_url(), trigger_id=trigger)
    assert reply.status == 200

    def opened():
        return [c for c in workspace.fake.calls_to("views.open", trigger_id=trigger) if c.args.get("view", {}).get("callback_id") == "gig_decline_form"
                and json.loads(c.args["view"].get("private_metadata") or "{}").get("request_id") == request.id]

    [form] = eventually_got(opened, count=1)
    view = form.args["view"]
    empty = workspace.submit("gig_decline_form", {"reason": text_state("  ")}, user=officer, private_metadata=view["private_metadata"]).json()
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    assert requests_of(workspace)[0].status == "pending"

    done = workspace.submit("gig_decline_form", {"reason": text_state("We have no web people this term")}, user=officer,
                            private_metadata=view["private_metadata"])
    assert done.status == 200 and done.body == b""
    [request] = requests_of(workspace)
    assert (request.status, request.decided_by, request.reason) == ("declined", officer, "We have no web people this term")
    [dm] = eventually_got(lambda: dms(workspace, guest, "declined"), count=1)
    assert "We have no web people this term" in dm.args["text"]
    assert gigs_of(workspace) == []


# ---- 8. finishing -------------------------------------------------------------------------


def test_finishing_confirms_hours_and_thanks_volunteers(workspace):
    officer, contact, member = workspace.officer(), workspace.member(), workspace.member()
    gig = post_announced_gig(workspace, officer, slots="2", hours="4", contact=contact)
    v1, v2 = workspace.member(), workspace.member()
    for v in (v1, v2):
        assert "You're in" in press(workspace, "gig_volunteer", str(gig.id), user=v)["text"]

    refused = press(workspace, "gig_done", str(gig.id), user=member)
    assert "Only the gig's contact or an officer" in refused["text"]

    trigger = payloads.new_trigger_id()
    workspace.click("gig_done", str(gig.id), user=contact, response_url=workspace.response_url(), trigger_id=trigger)

    def opened():
        return [c for c in workspace.fake.calls_to("views.open", trigger_id=trigger) if c.args.get("view", {}).get("callback_id") == "gig_finish_form"
                and json.loads(c.args["view"].get("private_metadata") or "{}").get("gig_id") == gig.id]

    [form] = eventually_got(opened, count=1)
    view = form.args["view"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {f"hours_{v1}", f"hours_{v2}"}
    assert all(e["type"] == "number_input" and Decimal(e["initial_value"]) == Decimal("4") for e in inputs.values())
    meta = view["private_metadata"]

    def finish(user, h1, h2):
        return workspace.submit("gig_finish_form", {f"hours_{v1}": number_state(h1), f"hours_{v2}": number_state(h2)}, user=user, private_metadata=meta)

    crafted = finish(member, "2", "2").json()
    assert crafted["response_action"] == "errors" and crafted["errors"]
    too_many = finish(contact, "201", "4").json()
    assert too_many["response_action"] == "errors" and set(too_many["errors"]) == {f"hours_{v1}"}
    assert gigs_of(workspace)[0].status == "open"
    assert {r.hours for r in rows_of(workspace, gig.id)} == {None}

    done = finish(contact, "2.5", "4")
    assert done.status == 200 and done.body == b""
    [stored] = gigs_of(workspace)
    assert (stored.status, stored.done_by) == ("done", contact)
    assert {r.user_id: (r.hours, r.hours_confirmed_by) for r in rows_of(workspace, gig.id)} == {
        v1: (Decimal("2.5"), contact), v2: (Decimal("4"), contact)}
    [thanks_1] = eventually_got(lambda: dms(workspace, v1, "is done"), count=1)
    [thanks_2] = eventually_got(lambda: dms(workspace, v2, "is done"), count=1)
    assert "2.5 volunteer hours" in thanks_1.args["text"] and "4 volunteer hours" in thanks_2.args["text"]


# ---- 9. escaping --------------------------------------------------------------------------


def test_gig_text_is_escaped_everywhere(workspace):
    officer = workspace.officer()
    start = len(workspace.fake.calls)
    gig = post_announced_gig(workspace, officer, title=EVIL, needed=EVIL, other_skills=EVIL, slots="1")
    volunteer, late = workspace.member(), workspace.member()
    listing_before = workspace.command("/gigs", user=late).json()
    press(workspace, "gig_volunteer", str(gig.id), user=volunteer)
    press(workspace, "gig_volunteer", str(gig.id), user=late)
    mine = workspace.command("/gigs", "mine", user=officer).json()
    eventually_got(lambda: dms(workspace, volunteer, "You're volunteering"), count=1)
    eventually_got(lambda: dms(workspace, officer, "volunteered for"), count=1)
    wait_for_post(workspace, gig, "1 of 1 spot filled", "1 on the waitlist")
    ours = {workspace.channel, officer, volunteer, late}
    sent = [c for c in workspace.fake.calls[start:]
            if c.args.get("channel") in ours or c.method == "response_url"]
    assert any("&lt;!channel&gt; &amp; " in json.dumps(c.args) for c in sent)
    for rendered in [json.dumps(c.args) for c in sent] + [json.dumps(listing_before), json.dumps(mine)]:
        for live in LIVE:
            assert live not in rendered, rendered
    assert "&lt;!channel&gt;" in all_text(listing_before["blocks"])


# ---- 10. listing --------------------------------------------------------------------------


def test_list_and_mine(workspace):
    officer, member = workspace.officer(), workspace.member()
    full = post_announced_gig(workspace, officer, title="Full gig", slots="1")
    free = post_announced_gig(workspace, officer, title="Free gig", slots="2")
    press(workspace, "gig_volunteer", str(full.id), user=member)
    press(workspace, "gig_volunteer", str(free.id), user=member)

    listing = workspace.command("/gigs", user=workspace.member()).json()
    text = all_text(listing["blocks"])
    assert "Free gig" in text and "Full gig" not in text
    assert [b["value"] for b in buttons(listing["blocks"]) if b["action_id"] == "gig_volunteer"] == [str(free.id)]

    mine = all_text(workspace.command("/gigs", "mine", user=member).json()["blocks"])
    assert "You volunteered for" in mine and "Full gig" in mine and "Free gig" in mine
    assert "You posted" not in mine
    posted = all_text(workspace.command("/gigs", "mine", user=officer).json()["blocks"])
    assert "You posted" in posted and "Full gig" in posted and "Free gig" in posted
    assert "You volunteered for" not in posted


# ---- 11. overdue notice -------------------------------------------------------------------


def test_overdue_gig_is_noticed_once(workspace, dispatcher):
    officer = workspace.officer()
    gig = post_announced_gig(workspace, officer, title=f"Overdue {new_id('G')}", slots="2")
    with workspace.server.store.write() as session:
        session.execute(update(Gig).where(Gig.id == gig.id).values(due_date=date.today() - timedelta(days=3)))

    def notices():
        return dms(workspace, officer, f"Gig past its due date with free spots: {gig.title}")

    def the_job() -> Job:
        with workspace.server.store.read() as session:
            return session.scalar(select(Job).where(Job.team_id == workspace.team_id, Job.key == f"gig_overdue:{gig.id}"))

    # The app's own clock plans and sends the same work; whichever sends it, it goes out once.
    tick(workspace, dispatcher, datetime.now(timezone.utc))
    eventually(lambda: the_job().status == "sent", timeout=20)
    [notice] = notices()  # a job is marked sent after Slack took its message
    assert the_job().result_ts == notice.response["ts"]
    assert tick(workspace, dispatcher, datetime.now(timezone.utc)).sent == 0
    assert notices() == [notice]
