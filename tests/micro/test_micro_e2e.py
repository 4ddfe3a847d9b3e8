"""Micro-internships end to end: signed requests in, Web API calls and stored rows out, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select, update

from slackapp.micro import service
from slackapp.micro.models import Bid, Evaluation, Project
from slackapp.profiles.models import Profile
from slackapp.scheduler.models import Job
from tests import payloads
from tests.conftest import new_id
from tests.helpers import all_text, buttons, configure_club, dms, eventually, eventually_got, press, text_state, tick


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

    form = click_to_open(workspace, "micro_evaluate", str(mine.id), user=poster, callback_id="micro_evaluation_form")
    scores = {"quality": option(5), "communication": option(4), "timeliness": option(5), "feedback": text_state("Sharp analysis, clear slides.")}
    assert workspace.submit("micro_evaluation_form", scores, user=poster, private_metadata=form["private_metadata"]).body == b""
    [evaluation] = eventually_got(lambda: dms(workspace, student, "Your evaluation"), count=1)
    assert "quality 5/5 · communication 4/5 · timeliness 5/5" in all_text(evaluation.args["blocks"])
    assert dms(workspace, other, "Your evaluation") == [] and dms(workspace, supervisor, "Sharp analysis") == []
    shown = all_text(workspace.command("/internships", "mine", user=student).json()["blocks"])
    assert "Sharp analysis, clear slides." in shown and "paid $412.50" in shown

    form = click_to_open(workspace, "micro_rate", str(mine.id), user=student, callback_id="micro_rating_form")
    assert workspace.submit("micro_rating_form", {"rating": option(4), "comment": text_state("Great brief")}, user=student, private_metadata=form["private_metadata"]).body == b""
    eventually_got(lambda: dms(workspace, poster, "rated"), count=1)
    with workspace.server.store.read() as session:
        [done] = service.completed_for(session, team_id=workspace.team_id, user_id=student)
        rating = session.scalar(select(Evaluation.project_rating).where(Evaluation.bid_id == mine.id))
    assert (done.paid_cents, done.quality, done.communication, done.timeliness, rating) == (41250, 5, 4, 5, 4)
    assert len(dms(workspace, other, "wasn't selected")) == 1  # once, however the project moved on
