"""/passport end to end: claims and their review, a record earned at an event, the leaderboard,
the program form and exports, through signed requests and the fake Slack."""

from __future__ import annotations

import csv
import io
import json
from datetime import timezone

from sqlalchemy import select

from slackapp.passport.models import Claim
from slackapp.sandbox import payloads
from tests.events.support import create_event, uploads_to
from tests.helpers import all_text, answer_to, buttons, dms, eventually_got, local_today, press

NOT_OFFICER = "Only club officers can do that."


def passport(workspace, text: str, *, user: str) -> dict:
    url = workspace.response_url()
    return answer_to(workspace, workspace.command("/passport", text, user=user, response_url=url), url)


def claim_values(*, category="workshops", title="Résumé review at Career Services", evidence="Signed sheet", done_on=None) -> dict:
    return {
        "category": {"value": {"type": "static_select", "selected_option": {"value": category}}},
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "done_on": {"value": {"type": "datepicker", "selected_date": done_on or local_today("UTC").isoformat()}},
        "evidence": {"value": {"type": "plain_text_input", "value": evidence}},
    }


def decision_values(decision: str, comment: str | None) -> dict:
    return {
        "decision": {"value": {"type": "radio_buttons", "selected_option": {"value": decision}}},
        "comment": {"value": {"type": "plain_text_input", "value": comment}},
    }


def decision_forms(workspace, claims) -> list:
    """The review forms Slack was asked to open for these claims (the fake is shared by tests)."""
    wanted = {(claim.id, claim.user_id) for claim in claims}
    return [
        call for call in workspace.fake.calls_to("views.open")
        if call.args["view"].get("callback_id") == "passport_decision"
        and (json.loads(call.args["view"]["private_metadata"])["claim_id"], call.args["view"]["blocks"][0]["text"]["text"][2:].split(">")[0]) in wanted
    ]


def claims_of(workspace) -> list[Claim]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Claim).where(Claim.team_id == workspace.team_id)))


def test_a_claim_is_reviewed_by_an_officer_and_counts(workspace):
    member, officer = workspace.member(), workspace.officer()
    reply = workspace.submit("passport_claim", claim_values(title="<!channel> fair"), user=member)
    assert reply.status == 200 and reply.body == b""
    eventually_got(lambda: dms(workspace, member, "waits for an officer"), count=1)
    [claim] = claims_of(workspace)

    assert NOT_OFFICER in passport(workspace, "review", user=member)["text"]
    waiting = passport(workspace, "review", user=officer)
    assert "&lt;!channel&gt; fair" in all_text(waiting["blocks"]) and "<!channel>" not in all_text(waiting["blocks"])
    [review] = buttons(waiting["blocks"])
    assert review["value"] == str(claim.id)

    assert NOT_OFFICER in press(workspace, "passport_review", str(claim.id), user=member)["text"]
    workspace.click("passport_review", str(claim.id), user=officer)
    [opened] = eventually_got(lambda: decision_forms(workspace, [claim]), count=1)
    metadata = opened.args["view"]["private_metadata"]

    crafted = workspace.submit("passport_decision", decision_values("approve", None), user=member, private_metadata=metadata)
    assert crafted.json()["response_action"] == "errors" and claims_of(workspace)[0].status == "pending"
    unexplained = workspace.submit("passport_decision", decision_values("decline", ""), user=officer, private_metadata=metadata)
    assert "comment" in unexplained.json()["errors"]

    decided = workspace.submit("passport_decision", decision_values("approve", "Well done"), user=officer, private_metadata=metadata)
    assert decided.status == 200 and decided.body == b""
    [dm] = eventually_got(lambda: dms(workspace, member, "was approved"), count=1)
    assert "Well done" in dm.args["text"]
    again = workspace.submit("passport_decision", decision_values("decline", "No"), user=officer, private_metadata=metadata)
    assert "already approved" in json.dumps(again.json())

    mine = passport(workspace, "", user=member)
    assert "*1 of 12 points*" in all_text(mine["blocks"]) and "Workshops*: 1 point from 1 activity" in all_text(mine["blocks"])
    assert "*1 of 12 points*" in all_text(passport(workspace, f"<@{member}|m>", user=officer)["blocks"])
    assert NOT_OFFICER in passport(workspace, f"<@{officer}|o>", user=member)["text"]
    assert NOT_OFFICER in passport(workspace, "stats", user=member)["text"]
    stats = all_text(passport(workspace, "stats", user=officer)["blocks"])
    assert "Members with passport activity: *&lt;5*" in stats and "Workshops &lt;5" in stats


def test_an_attended_event_shows_in_the_export_by_its_category(workspace):
    officer, member, stranger = workspace.officer(), workspace.member(name="Mia Member"), workspace.member()
    event = create_event(workspace, officer, category="employer_meetings")
    press(workspace, "event_mark_attended", None, user=officer, block_id=f"attend_{event.id}", action_type="multi_users_select",
          action={"selected_users": [member]})
    day = event.starts_at.astimezone(timezone.utc).date()

    assert NOT_OFFICER in passport(workspace, f"export {day} {day}", user=stranger)["text"]
    assert "Give two dates" in passport(workspace, "export soon", user=officer)["text"]
    passport(workspace, f"export {day} {day}", user=officer)
    [(file, content)] = eventually_got(lambda: uploads_to(workspace, officer, ".csv"), count=1)
    assert file["name"] == f"passport-{day}-{day}.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [(r["member_id"], r["member"], r["category"], r["points"], r["source"]) for r in rows if r["source"] == "event"] == [
        (member, "Mia Member", "Employer meetings", "2", "event")
    ]
    assert uploads_to(workspace, stranger, ".csv") == []


def test_the_leaderboard_is_opt_in(workspace):
    shy, proud, officer = workspace.member(), workspace.member(), workspace.officer()
    for member in (shy, proud):
        workspace.submit("passport_claim", claim_values(), user=member)
    claims = claims_of(workspace)
    for claim in claims:
        workspace.click("passport_review", str(claim.id), user=officer)
    opened = eventually_got(lambda: decision_forms(workspace, claims), count=2)
    for call in opened:
        workspace.submit("passport_decision", decision_values("approve", None), user=officer, private_metadata=call.args["view"]["private_metadata"])
    assert "Nobody on the leaderboard" in all_text(passport(workspace, "leaderboard", user=shy)["blocks"])
    assert "on the passport leaderboard now" in all_text(passport(workspace, "leaderboard on", user=proud)["blocks"])
    board = all_text(passport(workspace, "leaderboard", user=shy)["blocks"])
    assert f"<@{proud}> — 1 point" in board and shy not in board


def test_officers_set_the_program(workspace):
    officer, member = workspace.officer(), workspace.member()
    assert NOT_OFFICER in passport(workspace, "config", user=member)["text"]
    trigger = payloads.new_trigger_id()
    workspace.server.slack.command("/passport", "config", user_id=officer, team_id=workspace.team_id, channel_id=workspace.channel,
                                   response_url=workspace.response_url(), trigger_id=trigger)
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    values = {block["block_id"]: {"value": {"type": "number_input", "value": block["element"].get("initial_value")}}
              for block in opened.args["view"]["blocks"] if block.get("type") == "input" and block["element"]["type"] == "number_input"}
    values["target"] = {"value": {"type": "number_input", "value": "3"}}
    values["points_workshops"] = {"value": {"type": "number_input", "value": "3"}}
    values["required"] = {"value": {"type": "checkboxes", "selected_options": []}}
    values["period"] = {"value": {"type": "static_select", "selected_option": {"value": "semester"}}}
    assert workspace.submit("passport_config", values, user=member).json()["response_action"] == "errors"
    assert workspace.submit("passport_config", values, user=officer).body == b""

    workspace.submit("passport_claim", claim_values(), user=member)
    [claim] = claims_of(workspace)
    workspace.click("passport_review", str(claim.id), user=officer)
    [decision] = eventually_got(lambda: decision_forms(workspace, [claim]), count=1)
    workspace.submit("passport_decision", decision_values("approve", None), user=officer, private_metadata=decision.args["view"]["private_metadata"])
    assert "*3 of 3 points*" in all_text(passport(workspace, "", user=member)["blocks"])
    assert "complete" in all_text(passport(workspace, "", user=member)["blocks"])


def test_a_member_exports_their_own_record(workspace):
    member = workspace.member()
    assert "DM" in passport(workspace, "export", user=member)["text"]
    [(file, content)] = eventually_got(lambda: uploads_to(workspace, member, ".csv"), count=1)
    assert file["name"].startswith("my-passport-") and content.decode().startswith("member_id,member,date,category,points,source,activity")
