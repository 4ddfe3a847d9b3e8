"""Micro-internships end to end: signed requests in, Web API calls and stored rows out, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from slackapp.club import service as club_service
from slackapp.micro import service
from slackapp.micro.models import Bid, Evaluation, Project
from slackapp.profiles.models import Profile
from slackapp.scheduler.models import Job
from slackapp.sandbox import payloads
from tests.conftest import CONFIGURED_OFFICER, new_id
from tests.helpers import all_text, buttons, configure_club, dms, eventually, eventually_got, owed_now, press, text_state, tick


# ---- acting --------------------------------------------------------------------------------------


def today() -> date:
    # The test workspaces keep the club's default zone, UTC.
    return datetime.now(timezone.utc).date()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def number(value):
    return {"value": {"type": "number_input", "value": value}}


def picked_date(value):
    return {"value": {"type": "datepicker", "selected_date": value}}


def option(value):
    return {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)} if value else None}}


def project_values(*, supervisor, title=None, fee="400", hours="10", positions="1", school=None, bid_deadline=3, due_date=17, milestone=None) -> dict:
    values = {
        "title": text_state(title or f"Market research {new_id('P')}"),
        "organization": text_state("Acme Analytics"),
        "supervisor": {"value": {"type": "users_select", "selected_user": supervisor}},
        "description": text_state("A 10-page report on three competitors, with slides."),
        "hours": number(hours),
        "fee": text_state(fee),
        "where": option("remote"),
        "positions": number(positions),
        "audience_school": text_state(school),
        "bid_deadline": picked_date(day(bid_deadline)),
        "due_date": picked_date(day(due_date)),
    }
    if milestone:
        values.update({"milestone_1": text_state(milestone[0]), "milestone_1_date": picked_date(day(milestone[1]))})
    return values


def post_project(workspace, user, *, supervisor=None, **fields):
    return workspace.submit("micro_project_form", project_values(supervisor=supervisor or user, **fields), user=user)


def projects_of(workspace) -> list[Project]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Project).where(Project.team_id == workspace.team_id).order_by(Project.id)))


def posted(workspace, user, **fields) -> Project:
    before = {p.id for p in projects_of(workspace)}
    reply = post_project(workspace, user, **fields)
    assert reply.status == 200 and reply.body == b"", reply.text
    [project] = [p for p in projects_of(workspace) if p.id not in before]  # stored before the form closed
    return project


def bids_of(workspace, project_id: int) -> list[Bid]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Bid).where(Bid.team_id == workspace.team_id, Bid.project_id == project_id).order_by(Bid.id)))


def set_profile(workspace, user, *, school, major, year="2027"):
    values = {
        "school": text_state(school), "major": text_state(major), "graduation_year": number(year), "skills": text_state("Excel, SQL"),
        "link": text_state("https://portfolio.example/me"), "job_board": option("yes"),
    }
    reply = workspace.submit("profile_form", values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text


def bid_values(*, application="I did market research for two startups.", school=None, major=None) -> dict:
    values = {"application": text_state(application), "availability": text_state("10 hours a week"), "portfolio": text_state("https://portfolio.example/me")}
    if school is not None:
        values.update({"school": text_state(school), "major": text_state(major)})
    return values


def submit_bid(workspace, user, project_id, **fields):
    return workspace.submit("micro_bid_form", bid_values(**fields), user=user, private_metadata=json.dumps({"project_id": project_id}))


def opened(workspace, trigger: str, callback_id: str) -> dict:
    [call] = eventually_got(lambda: [c for c in workspace.fake.calls_to("views.open", trigger_id=trigger) if c.args["view"].get("callback_id") == callback_id], count=1)
    return call.args["view"]


def click_to_open(workspace, action_id, value, *, user, callback_id) -> dict:
    trigger = payloads.new_trigger_id()
    assert workspace.click(action_id, value, user=user, trigger_id=trigger).status == 200
    return opened(workspace, trigger, callback_id)


def modal_error(reply) -> str:
    body = reply.json()
    assert body["response_action"] == "errors", body
    return " ".join(body["errors"].values())


def student_with_bid(workspace, project, *, school="University of Connecticut", major="Finance", year="2027") -> str:
    student = workspace.member()
    set_profile(workspace, student, school=school, major=major, year=year)
    reply = submit_bid(workspace, student, project.id)
    assert reply.status == 200 and reply.body == b"", reply.text
    return student


# ---- 1. the whole lifecycle ------------------------------------------------------------------------


def test_a_project_from_posting_to_evaluation(workspace):
    poster, supervisor, student, other = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    project = posted(workspace, poster, supervisor=supervisor, fee="412.50", hours="7", milestone=("Outline", 10))
    assert (project.status, project.fee_cents, project.hours, project.supervisor) == ("open", 41250, 7, supervisor)
    eventually_got(lambda: dms(workspace, poster, "is published"), count=1)

    listing = workspace.command("/internships", "micro", user=student).json()
    assert "$412.50 fixed fee · $58.93 per estimated hour" in all_text(listing["blocks"])
    assert [b["value"] for b in buttons(listing["blocks"]) if b["action_id"] == "micro_bid"] == [str(project.id)]

    # No profile yet: the bid form asks for School and Major, and the bid saves them.
    form = click_to_open(workspace, "micro_bid", str(project.id), user=student, callback_id="micro_bid_form")
    assert [b["block_id"] for b in form["blocks"] if b["type"] == "input"][:2] == ["school", "major"]
    reply = workspace.submit("micro_bid_form", bid_values(school="University of Connecticut", major="Finance"), user=student, private_metadata=form["private_metadata"])
    assert reply.status == 200 and reply.body == b"", reply.text
    with workspace.server.store.read() as session:
        assert session.scalar(select(Profile.major).where(Profile.team_id == workspace.team_id, Profile.user_id == student)) == "Finance"
    student_with_bid(workspace, project, school="Yale")  # the other bidder
    other = bids_of(workspace, project.id)[1].user_id
    eventually_got(lambda: dms(workspace, poster, "bid on"), count=2)

    url = workspace.response_url()
    workspace.click("micro_review", str(project.id), user=poster, response_url=url)
    review = workspace.responses(url)[-1].args
    assert "University of Connecticut" in all_text(review["blocks"]) and "Yale" in all_text(review["blocks"])
    [mine, _] = bids_of(workspace, project.id)
    assert "is selected" in press(workspace, "micro_accept", str(mine.id), user=poster)["text"]

    [kickoff] = eventually_got(lambda: dms(workspace, student, "You're selected"), count=1)
    text = all_text(kickoff.args["blocks"])
    assert all(part in text for part in (f"<@{supervisor}>", "A 10-page report", "Outline", f"{date.fromisoformat(day(17)):%b %-d, %Y}"))
    [thanks] = eventually_got(lambda: dms(workspace, other, "wasn't selected"), count=1)
    assert [b.status for b in bids_of(workspace, project.id)] == ["in_progress", "not_selected"]
    assert projects_of(workspace)[-1].status == "closed"

    form = click_to_open(workspace, "micro_submit", str(mine.id), user=student, callback_id="micro_submit_form")
    reply = workspace.submit("micro_submit_form", {"link": text_state("https://drive.example/report")}, user=student, private_metadata=form["private_metadata"])
    assert reply.status == 200 and reply.body == b""
    [asked] = eventually_got(lambda: dms(workspace, supervisor, "submitted their work"), count=1)
    assert [b["action_id"] for b in buttons(asked.args["blocks"])] == ["micro_confirm"]
    assert "Confirmed" in press(workspace, "micro_confirm", str(mine.id), user=supervisor)["text"]
    eventually_got(lambda: dms(workspace, poster, "confirmed done"), count=1)
    assert "$412.50" in press(workspace, "micro_paid", str(mine.id), user=poster)["text"]
    eventually_got(lambda: dms(workspace, student, "Payment of $412.50"), count=1)

    evaluate_and_rate(workspace, poster=poster, student=student, bid=mine)
    assert dms(workspace, other, "Your evaluation") == [] and dms(workspace, supervisor, "Sharp analysis") == []
    assert len(dms(workspace, other, "wasn't selected")) == 1  # once, however the project moved on


def evaluate_and_rate(workspace, *, poster: str, student: str, bid: Bid) -> None:
    """The poster evaluates the work; the student sees it privately and rates the project in turn."""
    form = click_to_open(workspace, "micro_evaluate", str(bid.id), user=poster, callback_id="micro_evaluation_form")
    scores = {"quality": option(5), "communication": option(4), "timeliness": option(5), "feedback": text_state("Sharp analysis, clear slides.")}
    assert workspace.submit("micro_evaluation_form", scores, user=poster, private_metadata=form["private_metadata"]).body == b""
    [evaluation] = eventually_got(lambda: dms(workspace, student, "Your evaluation"), count=1)
    assert "quality 5/5 · communication 4/5 · timeliness 5/5" in all_text(evaluation.args["blocks"])
    shown = all_text(workspace.command("/internships", "mine", user=student).json()["blocks"])
    assert "Sharp analysis, clear slides." in shown and "paid $412.50" in shown

    form = click_to_open(workspace, "micro_rate", str(bid.id), user=student, callback_id="micro_rating_form")
    assert workspace.submit("micro_rating_form", {"rating": option(4), "comment": text_state("Great brief")}, user=student, private_metadata=form["private_metadata"]).body == b""
    eventually_got(lambda: dms(workspace, poster, "rated"), count=1)
    with workspace.server.store.read() as session:
        [done] = service.completed_for(session, team_id=workspace.team_id, user_id=student)
        rating = session.scalar(select(Evaluation.project_rating).where(Evaluation.bid_id == bid.id))
    assert (done.paid_cents, done.quality, done.communication, done.timeliness, rating) == (41250, 5, 4, 5, 4)


# ---- 2. the alma-mater rule and the reviewer's filters ------------------------------------------------


def test_a_project_for_one_school_and_bids_filtered_by_school_major_and_year(workspace):
    alumna = workspace.officer()
    project = posted(workspace, alumna, school="University of Connecticut", positions="3")
    yale = workspace.member()
    set_profile(workspace, yale, school="Yale", major="Finance")
    assert "for students of University of Connecticut only" in modal_error(submit_bid(workspace, yale, project.id))
    assert bids_of(workspace, project.id) == []
    huskies = [
        student_with_bid(workspace, project, school="university of connecticut", major="Finance", year="2026"),
        student_with_bid(workspace, project, school="University of  Connecticut", major="Marketing", year="2027"),
    ]
    assert sorted(b.user_id for b in bids_of(workspace, project.id)) == sorted(huskies)

    everyone = posted(workspace, alumna, positions="3")
    student_with_bid(workspace, everyone, school="Yale", major="Finance", year="2026")
    for student in huskies:
        assert submit_bid(workspace, student, everyone.id).body == b""
    review = press(workspace, "micro_review", str(everyone.id), user=alumna)
    selects = {element["action_id"]: element for block in review["blocks"] if block["type"] == "actions" for element in block["elements"] if element["type"] == "static_select"}
    school = next(o for o in selects["micro_filter_school"]["options"] if o["text"]["text"].lower().startswith("university of connecticut"))
    narrowed = press(workspace, "micro_filter_school", None, user=alumna, action_type="static_select", selected_option=school)
    year = next(o for o in [e for b in narrowed["blocks"] if b["type"] == "actions" for e in b["elements"] if e.get("action_id") == "micro_filter_year"][0]["options"] if o["text"]["text"] == "2026")
    both = press(workspace, "micro_filter_year", None, user=alumna, action_type="static_select", selected_option=year)

    def bidders(message):
        return [b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith("micro_bid_")]

    assert len(bidders(review)) == 3 and len(bidders(narrowed)) == 2 and len(bidders(both)) == 1
    assert f"<@{huskies[0]}>" in all_text(both["blocks"]) and "1 of 3 bids" in all_text(both["blocks"])


# ---- 3. one bid per member, even when the form arrives twice at once --------------------------------------


def test_a_double_submission_makes_one_bid(workspace):
    poster = workspace.officer()
    project = posted(workspace, poster)
    student = workspace.member()
    set_profile(workspace, student, school="UConn", major="Finance")
    payload = payloads.view_submission(
        "micro_bid_form", bid_values(), user_id=student, team_id=workspace.team_id, private_metadata=json.dumps({"project_id": project.id})
    )
    replies, barrier = [], threading.Barrier(2)

    def send():
        barrier.wait()
        replies.append(workspace.server.slack.interact(payload))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [(r.status, r.body) for r in replies] == [(200, b""), (200, b"")]
    [only] = bids_of(workspace, project.id)
    assert (only.user_id, only.status) == (student, "pending")
    eventually_got(lambda: dms(workspace, student, "Your bid on"), count=2)  # each submission is answered
    eventually_got(lambda: dms(workspace, poster, "bid on"), count=1)  # the poster hears of one bid…
    eventually(lambda: owed_now(workspace) == [])
    assert len(dms(workspace, poster, "bid on")) == 1  # …once, with nothing left to send


# ---- 4. guests' posts wait for an officer ---------------------------------------------------------------


def test_a_guests_project_waits_for_an_officers_approval(workspace):
    officer, member = workspace.officer(), workspace.member()
    officers_channel = new_id("C")
    configure_club(workspace, officer, officers_channel=officers_channel)
    guest = new_id("U")
    workspace.fake.add_user(guest, team_id=workspace.team_id, is_restricted=True)
    project = posted(workspace, guest, title=f"Guest project {new_id('G')}")
    assert (project.status, project.approval_needed) == ("pending", "posted by a guest")
    eventually_got(lambda: dms(workspace, guest, "waits for an officer's approval"), count=1)
    listing = workspace.command("/internships", "micro", user=member).json()
    assert project.title not in all_text(listing["blocks"])
    [request] = workspace.posted(channel=officers_channel)
    assert {b["action_id"]: b["value"] for b in buttons(request.args["blocks"])} == {"micro_approve": str(project.id), "micro_decline": str(project.id)}

    for crafted in (member, guest):
        assert "Only club officers" in press(workspace, "micro_approve", str(project.id), user=crafted)["text"]
    assert projects_of(workspace)[0].status == "pending"
    student = workspace.member()
    set_profile(workspace, student, school="UConn", major="Finance")
    assert "isn't taking bids" in modal_error(submit_bid(workspace, student, project.id))

    decided = press(workspace, "micro_approve", str(project.id), user=officer)
    assert decided["replace_original"] is True and f"Approved by <@{officer}>" in all_text(decided["blocks"])
    assert (projects_of(workspace)[0].status, projects_of(workspace)[0].decided_by) == ("open", officer)
    eventually_got(lambda: dms(workspace, guest, "approved"), count=1)
    assert project.title in all_text(workspace.command("/internships", "micro", user=member).json()["blocks"])
    assert "already approved" in press(workspace, "micro_approve", str(project.id), user=workspace.officer())["text"]


# ---- 5. money ------------------------------------------------------------------------------------------


def test_fees_are_kept_in_cents_and_below_the_floor_wait_for_approval(workspace):
    officer, member = workspace.officer(), workspace.member()
    exact = posted(workspace, member, fee="$1,000.10", hours="30")
    assert (exact.fee_cents, exact.status) == (100010, "open")
    shown = all_text(workspace.command("/internships", "micro", user=member).json()["blocks"])
    assert "$1,000.10 fixed fee · $33.34 per estimated hour" in shown  # 100010 / 30 = 3333.67 cents
    cheap = posted(workspace, member, fee="99.99", hours="5")  # the floor is $20 x 5 = $100.00
    assert (cheap.fee_cents, cheap.status, cheap.approval_needed) == (9999, "pending", "fee below $20 an estimated hour")
    # Without an officers' channel, each officer on the list (here the configured one) is asked by DM.
    [request] = eventually_got(lambda: dms(workspace, CONFIGURED_OFFICER, cheap.title), count=1)
    assert "$99.99 fixed fee · $20.00 per estimated hour" in all_text(request.args["blocks"])
    assert posted(workspace, officer, fee="50", hours="5").status == "open"  # an officer's own post is approved by them
    assert "to the cent" in modal_error(post_project(workspace, member, fee="10.005"))
    assert len(projects_of(workspace)) == 3


# ---- 6. crafted requests are refused and change nothing -------------------------------------------------


def test_crafted_requests_are_refused_with_a_reason(workspace):
    poster, stranger = workspace.officer(), workspace.member()
    project = posted(workspace, poster, positions="2")
    student = student_with_bid(workspace, project)
    [the_bid] = bids_of(workspace, project.id)
    assert "poster or an officer" in press(workspace, "micro_review", str(project.id), user=stranger)["text"]
    assert "poster or an officer" in press(workspace, "micro_accept", str(the_bid.id), user=stranger)["text"]
    assert "poster or an officer" in press(workspace, "micro_accept", str(the_bid.id), user=student)["text"]
    assert "poster or an officer" in press(workspace, "micro_close", str(project.id), user=stranger)["text"]
    assert "haven't bid" in press(workspace, "micro_withdraw", str(project.id), user=stranger)["text"]
    assert [b.status for b in bids_of(workspace, project.id)] == ["pending"] and projects_of(workspace)[0].status == "open"

    press(workspace, "micro_accept", str(the_bid.id), user=poster)
    metadata = json.dumps({"bid_id": the_bid.id})
    assert "Only the student" in modal_error(workspace.submit("micro_submit_form", {"link": text_state("https://x.example")}, user=stranger, private_metadata=metadata))
    assert "only submitted work" in press(workspace, "micro_confirm", str(the_bid.id), user=poster)["text"]
    assert "once the work is confirmed" in press(workspace, "micro_paid", str(the_bid.id), user=poster)["text"]
    scores = {"quality": option(5), "communication": option(5), "timeliness": option(5), "feedback": text_state("Great")}
    assert "once it is confirmed done" in modal_error(workspace.submit("micro_evaluation_form", scores, user=poster, private_metadata=metadata))
    assert "can't be changed" in modal_error(submit_bid(workspace, student, project.id, application="Changed my mind"))
    assert "Only the student" in press(workspace, "micro_rate", str(the_bid.id), user=stranger)["text"]
    assert "posted or supervise" in modal_error(submit_bid(workspace, poster, project.id))
    [after] = bids_of(workspace, project.id)
    assert (after.status, after.submission_link, after.application) == ("in_progress", None, the_bid.application)
    with workspace.server.store.read() as session:
        assert session.scalars(select(Evaluation).where(Evaluation.team_id == workspace.team_id)).all() == []


def test_profiles_are_their_own_members(workspace):
    alice, bob = workspace.member(), workspace.member()
    set_profile(workspace, alice, school="UConn", major="Finance", year="2026")
    set_profile(workspace, bob, school="Yale", major="History", year="2027")
    trigger = payloads.new_trigger_id()
    workspace.server.slack.command("/club", "profile", user_id=bob, team_id=workspace.team_id, channel_id=workspace.channel,
                                   response_url=workspace.response_url(), trigger_id=trigger)
    form = opened(workspace, trigger, "profile_form")
    assert {b["block_id"]: b["element"].get("initial_value") for b in form["blocks"] if b["type"] == "input"}["school"] == "Yale"
    assert "Give a year between 1950" in modal_error(workspace.submit("profile_form", {"graduation_year": number("1900")}, user=bob))
    with workspace.server.store.read() as session:
        rows = {p.user_id: (p.school, p.major, p.graduation_year, p.job_board) for p in session.scalars(select(Profile).where(Profile.team_id == workspace.team_id))}
    assert rows == {alice: ("UConn", "Finance", 2026, True), bob: ("Yale", "History", 2027, True)}


# ---- 7. closing bidding --------------------------------------------------------------------------------


def test_closing_bidding_thanks_every_other_bidder_once(workspace):
    poster = workspace.officer()
    project = posted(workspace, poster, positions="3")
    chosen, *others = [student_with_bid(workspace, project) for _ in range(3)]
    withdrawn = student_with_bid(workspace, project)
    assert "withdrawn" in press(workspace, "micro_withdraw", str(project.id), user=withdrawn)["text"]
    press(workspace, "micro_accept", str(bids_of(workspace, project.id)[0].id), user=poster)
    closed = press(workspace, "micro_close", str(project.id), user=poster)
    assert "2 bidders who weren't selected" in closed["text"]
    assert "already closed" in press(workspace, "micro_close", str(project.id), user=poster)["text"]
    for other in others:
        eventually_got(lambda other=other: dms(workspace, other, "wasn't selected"), count=1)
    eventually_got(lambda: dms(workspace, chosen, "You're selected"), count=1)
    assert dms(workspace, chosen, "wasn't selected") == [] and dms(workspace, withdrawn, "wasn't selected") == []
    assert [b.status for b in bids_of(workspace, project.id)] == ["in_progress", "not_selected", "not_selected", "withdrawn"]


# ---- 8. reminders and the overdue flag ------------------------------------------------------------------


def test_reminders_before_the_due_date_and_a_flag_when_nothing_is_submitted(workspace, dispatcher):
    poster = workspace.officer()
    project = posted(workspace, poster, milestone=("Outline", 10))
    student = student_with_bid(workspace, project)
    [the_bid] = bids_of(workspace, project.id)
    press(workspace, "micro_accept", str(the_bid.id), user=poster)
    eventually_got(lambda: dms(workspace, student, "You're selected"), count=1)
    due = date.fromisoformat(day(17))

    def at_nine(day_: date) -> datetime:
        return datetime.combine(day_, time(9, 0, 30), tzinfo=timezone.utc)

    tick(workspace, dispatcher, at_nine(date.fromisoformat(day(9))))
    [milestone] = dms(workspace, student, "Tomorrow's milestone")
    assert "Outline" in milestone.args["text"]
    tick(workspace, dispatcher, at_nine(due - timedelta(days=1)))
    assert len(dms(workspace, student, "is due tomorrow")) == 1
    assert dms(workspace, student, "is due in 3 days") == []  # its day passed unsent: dropped, not sent late

    officer = workspace.member()  # without an officers' channel, officers on the list are told
    with workspace.server.store.write() as session:
        club_service.add_officer(session, team_id=workspace.team_id, user_id=officer, added_by=poster)
    tick(workspace, dispatcher, at_nine(due))
    assert dms(workspace, officer, "hasn't submitted") == []  # the due day itself is still the student's
    tick(workspace, dispatcher, at_nine(due + timedelta(days=1)))
    [flag] = dms(workspace, officer, "hasn't submitted")
    assert f"<@{student}>" in all_text(flag.args["blocks"])
    tick(workspace, dispatcher, at_nine(due + timedelta(days=2)))
    assert len(dms(workspace, officer, "hasn't submitted")) == 1
    with workspace.server.store.read() as session:
        kinds = {job.kind for job in session.scalars(select(Job).where(Job.team_id == workspace.team_id, Job.kind.startswith("micro_")))}
    assert kinds == {"micro_due_reminder", "micro_milestone_reminder", "micro_overdue"}


# ---- 9. projects in /internships search -------------------------------------------------------------------


def test_projects_appear_as_type_micro_in_internships_search(workspace):
    poster, member = workspace.officer(), workspace.member()
    word = new_id("w").lower()
    project = posted(workspace, poster, title=f"Pricing study {word}")
    for text in ("type:micro", word, f"{word} paid remote"):
        found = workspace.command("/internships", text, user=member).json()
        assert project.title in all_text(found["blocks"]), text
        assert [b["value"] for b in buttons(found["blocks"]) if b["action_id"] == "micro_bid"] == [str(project.id)], text
    for text in ("type:internship", "nothing-matches-this"):
        assert project.title not in all_text(workspace.command("/internships", text, user=member).json()["blocks"]), text
    assert project.title not in all_text(workspace.command("/internships", "", user=member).json()["blocks"])
