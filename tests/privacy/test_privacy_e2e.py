"""`/club mydata` and `/club forget-me` end to end: the member's own data as a file, and forgetting
them for real, through signed requests and the fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import Text, cast, func, or_, select

from slackapp.models import metadata
from slackapp.sandbox import payloads
from tests.events.support import GOING, create_event, react, rsvps_of, uploads_to
from tests.gigs.test_gigs_e2e import post_announced_gig
from tests.helpers import answer_to, eventually_got, leads_of, press, share_lead


def club(workspace, text: str, *, user: str, trigger_id: str | None = None):
    url = workspace.response_url()
    reply = workspace.server.slack.command("/club", text, user_id=user, team_id=workspace.team_id, channel_id=workspace.channel,
                                           response_url=url, trigger_id=trigger_id or payloads.new_trigger_id())
    return reply, url


def traces(workspace, user: str) -> dict[str, int]:
    found = {}
    with workspace.server.store.read() as session:
        for table in (t for t in metadata.sorted_tables if "team_id" in t.c):
            where = or_(*(cast(column, Text).contains(user) for column in table.columns))
            count = session.scalar(select(func.count()).select_from(table).where(table.c.team_id == workspace.team_id, where))
            if count:
                found[table.name] = count
    return found


def test_a_member_takes_their_data_and_then_is_forgotten(workspace):
    officer, member, friend = workspace.officer(), workspace.member(), workspace.member()
    event = create_event(workspace, officer, title="Meet the Firm Night")
    react(workspace, event, member, GOING)
    react(workspace, event, friend, GOING)
    share_lead(workspace, member, role="Analyst")

    reply, url = club(workspace, "mydata", user=member)
    assert "JSON file" in answer_to(workspace, reply, url)["text"]
    [(file, content)] = eventually_got(lambda: uploads_to(workspace, member, ".json"), count=1)
    mine = json.loads(content)
    assert mine["user_id"] == member and {"rsvps", "leads", "rsvp_actions"} <= set(mine["tables"])
    assert [row["user_id"] for row in mine["tables"]["rsvps"]] == [member]
    assert uploads_to(workspace, friend, ".json") == []

    trigger = payloads.new_trigger_id()
    club(workspace, "forget-me", user=member, trigger_id=trigger)
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    assert opened.args["view"]["callback_id"] == "privacy_forget"
    confirm = lambda word: {"confirm": {"value": {"type": "plain_text_input", "value": word}}}  # noqa: E731
    refused = workspace.submit("privacy_forget", confirm("yes"), user=member)
    assert refused.json() == {"response_action": "errors", "errors": {"confirm": "Type FORGET to confirm."}}
    assert traces(workspace, member) != {}

    done = workspace.submit("privacy_forget", confirm("forget"), user=member)
    assert done.json()["response_action"] == "update" and done.json()["view"]["title"]["text"] == "Forgotten"
    assert traces(workspace, member) == {}
    seats = rsvps_of(workspace, event.id)
    assert len(seats) == 2 and seats[friend] == ("going", "going")  # the count stays right
    assert traces(workspace, friend) != {}


def test_my_data_names_what_each_row_is_next_to_its_ids(workspace):
    officer, poster, member = workspace.officer(), workspace.member(), workspace.member()
    event = create_event(workspace, officer, title="Meet the Firm Night")
    react(workspace, event, member, GOING)
    share_lead(workspace, poster, company="Globex", role="Data intern")
    [lead] = eventually_got(lambda: [lead for lead in leads_of(workspace) if lead.role == "Data intern"], count=1)
    assert press(workspace, "lead_save", str(lead.id), user=member)["text"].startswith("Saved")
    gig = post_announced_gig(workspace, officer, title="Build the club website")
    assert "You're in" in press(workspace, "gig_volunteer", str(gig.id), user=member)["text"]

    club(workspace, "mydata", user=member)
    [(_, content)] = eventually_got(lambda: uploads_to(workspace, member, ".json"), count=1)
    mine = json.loads(content)

    [saved] = mine["tables"]["saved_leads"]
    assert saved["lead_id"] == lead.id and saved["lead"] == {"company": "Globex", "role": "Data intern"}
    [answer] = mine["tables"]["rsvps"]
    assert answer["event_id"] == event.id and answer["event"] == {"title": "Meet the Firm Night", "starts_at": event.starts_at.isoformat()}
    assert {action["event"]["title"] for action in mine["tables"]["rsvp_actions"]} == {"Meet the Firm Night"}
    [spot] = mine["tables"]["gig_volunteers"]
    assert spot["gig_id"] == gig.id and spot["gig"]["title"] == "Build the club website"
    # Each table is said in words too.
    assert "saved" in mine["about"]["saved_leads"] and set(mine["about"]) == set(mine["tables"])
